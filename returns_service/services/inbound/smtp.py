"""The worker's SMTP server for customers' replies (RETURNS_INBOUND_SMTP): what it accepts
goes to the same mailroom as the HTTP route."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from returns_service.adapters.inbound_smtp import RejectedMail, serving
from returns_service.domain.errors import Malformed
from returns_service.services.inbound import mailroom
from returns_service.services.platform.runtime import Runtime


@asynccontextmanager
async def inbound_smtp(rt: Runtime, address: str) -> AsyncIterator[tuple[str, int] | None]:
    """Serve SMTP on `address` while the block runs; nothing when `address` is ''."""
    if not address:
        yield None
        return

    async def deliver(raw: bytes, recipients: tuple[str, ...]) -> None:
        try:
            await mailroom.receive(raw, rt, recipients)
        except Malformed as error:  # not an email, or too large: never retried
            raise RejectedMail(error.detail) from error

    async with serving(address, rt.inbound_domain, deliver, mailroom.MAX_EMAIL_BYTES) as bound:
        yield bound
