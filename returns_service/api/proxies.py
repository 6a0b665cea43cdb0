"""Who the client is. `X-Forwarded-For` and `Forwarded` are believed only from the peers in
`RETURNS_TRUSTED_PROXIES`: anyone can write those headers, and the sign-in's failure
counting, the lookup flood guard and the logs key on the client's address. uvicorn runs with
its own proxy handling off (it trusts loopback by default), so this is the one place that
decides."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable

from litestar.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network

# `for=192.0.2.60`, `for="[2001:db8::1]:4711"`, `for=unknown` in RFC 7239's Forwarded
_FORWARDED_FOR = re.compile(r'for="?\[?([^\]";,\s]+?)\]?(?::\d+)?"?(?:[;,\s]|$)', re.I)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    text = text.strip().strip('"')
    if text.startswith("["):  # [v6]:port
        text = text[1:].partition("]")[0]
    elif text.count(":") == 1:  # v4:port
        text = text.partition(":")[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _hops(headers: dict[bytes, bytes]) -> list[str]:
    """The addresses the proxies recorded, nearest client first, farthest last."""
    forwarded = headers.get(b"forwarded")
    if forwarded:
        return _FORWARDED_FOR.findall(forwarded.decode("latin-1"))
    forwarded_for = headers.get(b"x-forwarded-for")
    if forwarded_for:
        return [part.strip() for part in forwarded_for.decode("latin-1").split(",")]
    return []


def client_address(peer: str, headers: dict[bytes, bytes], trusted: Iterable[Network]) -> str:
    """The peer itself unless it is a trusted proxy; then, walking the recorded hops from
    the nearest, the first address that is not a trusted proxy (a client can prepend any
    addresses it likes, so the far end of the list proves nothing)."""
    networks = tuple(trusted)

    def is_trusted(text: str) -> bool:
        address = _address(text)
        return address is not None and any(address in network for network in networks)

    if not networks or not is_trusted(peer):
        return peer
    for hop in reversed(_hops(headers)):
        if not is_trusted(hop):
            address = _address(hop)
            # garbage in a hop our own proxy passed on: keep the proxy as the client
            return str(address) if address is not None else peer
    return peer


def trusted_proxy_middleware(trusted: Iterable[str]) -> Callable[[ASGIApp], ASGIApp]:
    networks = tuple(ipaddress.ip_network(text, strict=False) for text in trusted)

    def factory(app: ASGIApp) -> ASGIApp:
        async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
            client = scope.get("client")
            if networks and client and scope["type"] == "http":
                headers = dict(scope.get("headers") or [])
                real = client_address(client[0], headers, networks)
                if real != client[0]:
                    scope["client"] = (real, 0)
            await app(scope, receive, send)

        return middleware

    return factory
