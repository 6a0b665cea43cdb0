"""Sending one outbound webhook: signed per Standard Webhooks with the `standardwebhooks`
package, POSTed with httpx to an address resolved and checked here (no redirects, a timeout,
the answer read no further than a few KB).

The host's name is resolved once and the request goes to that address (the TLS name check and
the Host header still use the name): a name that resolved to a public address when checked
cannot be switched to an inside one for the request itself (DNS rebinding)."""

from __future__ import annotations

import asyncio
import base64
import secrets
import socket
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit, urlunsplit

import httpx
from standardwebhooks import Webhook

from returns_service.domain.webhooks import is_private, literal_address

TIMEOUT_SECONDS = 10.0
ANSWER_BYTES_READ = 4096  # of a receiver's answer; the rest is not read
USER_AGENT = "returns-concierge-webhooks/1"


@dataclass(frozen=True, slots=True)
class Outcome:
    delivered: bool
    status_code: int | None  # None: no HTTP answer (refused address, timeout, connection)
    error: str | None
    retry_after: float | None = None  # seconds, from a 429's or 503's Retry-After


def new_secret() -> str:
    """`whsec_` and 32 random bytes in base64, the form Standard Webhooks' libraries read."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, event_id: str, at: datetime, payload: str) -> str:
    return Webhook(secret).sign(event_id, at, payload)


async def _resolve(host: str, port: int) -> list[str]:
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


def _retry_after(value: str | None, now: datetime) -> float | None:
    if not value:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        return max((parsedate_to_datetime(value) - now).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return None


async def send(
    *,
    url: str,
    secret: str,
    event_id: str,
    payload: str,
    at: datetime,
    allow_private: bool,
    timeout_seconds: float = TIMEOUT_SECONDS,
) -> Outcome:
    """POST one event; never raises for the receiver's or the network's failures."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        literal = literal_address(host)
        addresses = [str(literal)] if literal is not None else await _resolve(host, port)
    except OSError as error:
        return Outcome(False, None, f"cannot resolve {host}: {error}")
    if not addresses:
        return Outcome(False, None, f"{host} has no address")
    if not allow_private:
        for address in addresses:
            checked = literal_address(address.split("%")[0])
            if checked is None or is_private(checked):
                return Outcome(False, None, f"{host} resolves to a private address ({address})")
    address = addresses[0]
    netloc = f"[{address}]:{port}" if ":" in address else f"{address}:{port}"
    target = urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, ""))
    headers = {
        "host": parts.netloc.rsplit("@", 1)[-1],
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": event_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": sign(secret, event_id, at, payload),
    }
    extensions = {"sni_hostname": host} if parts.scheme == "https" else {}
    try:
        async with httpx.AsyncClient(timeout=timeout_seconds, follow_redirects=False) as client:
            request = client.build_request(
                "POST", target, content=payload.encode(), headers=headers, extensions=extensions
            )
            response = await client.send(request, stream=True)
            try:
                read = 0
                async for chunk in response.aiter_raw():  # read a little, so keep-alive ends well
                    read += len(chunk)
                    if read >= ANSWER_BYTES_READ:
                        break
            finally:
                await response.aclose()
    except httpx.HTTPError as error:
        return Outcome(False, None, f"{type(error).__name__}: {error}"[:500])
    code = response.status_code
    if 200 <= code < 300:
        return Outcome(True, code, None)
    retry_after = (
        _retry_after(response.headers.get("retry-after"), at) if code in (429, 503) else None
    )
    return Outcome(False, code, f"HTTP {code}", retry_after)
