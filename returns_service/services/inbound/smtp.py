"""The worker's SMTP server for customers' replies (RETURNS_INBOUND_SMTP): what it accepts
goes to the same mailroom as the HTTP route."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from returns_service.adapters.inbound_smtp import RejectedMail, serving
from returns_service.domain.errors import Malformed
from returns_service.services.inbound import mailroom
from returns_service.services.platform.runtime import Runtime

log = logging.getLogger(__name__)


@asynccontextmanager
async def inbound_smtp(rt: Runtime, address: str) -> AsyncIterator[tuple[str, int] | None]:
    """Serve SMTP on `address` while the block runs; nothing when `address` is ''. An address
    that cannot be listened on (taken: `serve --workers 2` starts a worker per process) is
    logged and left out: the worker's other duties go on."""
    if not address:
        yield None
        return

    async def deliver(raw: bytes, recipients: tuple[str, ...]) -> None:
        try:
            await mailroom.receive(raw, rt, recipients)
        except Malformed as error:  # not an email, or too large: never retried
            raise RejectedMail(error.detail) from error

    async with contextlib.AsyncExitStack() as stack:
        bound: tuple[str, int] | None = None
        try:
            bound = await stack.enter_async_context(
                serving(address, rt.inbound_domain, deliver, mailroom.MAX_EMAIL_BYTES)
            )
        except OSError as error:
            log.error("inbound SMTP cannot listen on %s: %s", address, error)
        yield bound
