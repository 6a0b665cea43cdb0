"""The SMTP server customers' replies arrive on (aiosmtpd), on the caller's event loop: it
takes mail only for the inbound domain (never an open relay: it relays nothing, and refuses
every other recipient with 550), at most `max_bytes` a message, and hands each message's raw
bytes and envelope recipients to `deliver`."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope, Session

log = logging.getLogger(__name__)

# raw bytes, envelope recipients -> None; raises RejectedMail to refuse the message for good
Deliver = Callable[[bytes, tuple[str, ...]], Awaitable[None]]


class RejectedMail(Exception):
    """The message can never be taken (not an email at all): the sender gets a 550."""


class InboundHandler:
    def __init__(self, domain: str, deliver: Deliver) -> None:
        self.domain = domain.lower()
        self.deliver = deliver

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if address.rpartition("@")[2].lower() != self.domain:
            return "550 5.7.1 Relaying denied: this server takes mail for its own domain only"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or envelope.content
        if not isinstance(raw, bytes):
            raw = str(raw or "").encode()
        try:
            await self.deliver(raw, tuple(envelope.rcpt_tos))
        except RejectedMail as error:
            return f"550 5.6.0 {error}"
        except Exception:  # the database is away: the sending server keeps it and retries
            log.exception("an inbound email could not be filed")
            return "451 4.3.0 Temporary failure, please try again later"
        return "250 2.0.0 Message accepted"


def host_and_port(address: str) -> tuple[str, int]:
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


@asynccontextmanager
async def serving(
    address: str, domain: str, deliver: Deliver, max_bytes: int
) -> AsyncIterator[tuple[str, int]]:
    """Serve SMTP on `address` (host:port; port 0 picks a free one) while the block runs;
    yields the address actually bound."""
    host, port = host_and_port(address)
    handler = InboundHandler(domain, deliver)

    def protocol() -> Any:
        return SMTP(
            handler,
            data_size_limit=max_bytes,
            enable_SMTPUTF8=True,
            decode_data=False,
            hostname=domain,
            timeout=60,
        )

    server = await asyncio.get_running_loop().create_server(protocol, host, port)
    bound = server.sockets[0].getsockname()
    log.info("inbound SMTP on %s:%s for @%s", bound[0], bound[1], domain)
    try:
        yield str(bound[0]), int(bound[1])
    finally:
        server.close()
        await server.wait_closed()
