"""CORS for the customer portal's API alone: a store's theme calls `/api/v1/portal/*` from
the shop's own origin (RETURNS_CORS_ORIGINS). Staff, warehouse and admin routes and the pages
never answer another origin: their tokens are not meant to live in a shop's browser.

Litestar's `cors_config` wraps the whole application (every path), so the portal's policy is
a `CORSConfig` applied here, to its paths only, by a `before_send` hook. No credentials: the
portal API takes its session as a bearer token (`Authorization`), never a cookie. A request
from an origin not on the list is answered as if CORS did not exist (no `Access-Control-*`
headers), so the browser keeps the page from reading it; `OPTIONS` itself is answered by
`edge_middleware` (204, whatever the origin)."""

from __future__ import annotations

from collections.abc import Iterable

from litestar.config.cors import CORSConfig
from litestar.types import BeforeMessageSendHookHandler, Message, Scope

PORTAL_API = "/api/v1/portal/"


def portal_cors_config(origins: Iterable[str]) -> CORSConfig | None:
    """What the portal API allows another origin; None (no CORS at all) without origins."""
    allowed = [origin for origin in origins if origin]
    if not allowed:
        return None
    return CORSConfig(
        allow_origins=allowed,
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key"],
        allow_credentials=False,
        # what a theme may read of an answer: pagination, retry hints, a replayed request
        expose_headers=["Link", "Retry-After", "Idempotent-Replayed"],
        max_age=600,
    )


def _headers_for(config: CORSConfig, origin: str, preflight: bool) -> list[tuple[bytes, bytes]]:
    chosen = dict(config.preflight_headers if preflight else config.simple_headers)
    chosen["Access-Control-Allow-Origin"] = origin
    chosen["Vary"] = "Origin"  # the answer differs per origin: caches must keep them apart
    return [(name.lower().encode(), value.encode()) for name, value in chosen.items()]


def _merged(
    headers: list[tuple[bytes, bytes]], extra: list[tuple[bytes, bytes]]
) -> list[tuple[bytes, bytes]]:
    """The response's headers with the CORS ones: those it set itself win, and `Vary` gains
    `Origin` beside what it named already."""
    present = {name.lower() for name, _ in headers}
    merged = [
        (name, value + b", Origin") if name.lower() == b"vary" else (name, value)
        for name, value in headers
    ]
    return merged + [pair for pair in extra if pair[0] not in present]


def portal_cors(origins: Iterable[str]) -> list[BeforeMessageSendHookHandler]:
    """The app's `before_send` hooks for the portal's CORS (none without origins). A hook, not
    a route middleware: it sees every answer, those made from an exception raised before
    the handler (a 401 from the bearer check, a 429) included, which the theme must read."""
    config = portal_cors_config(origins)
    if config is None:
        return []

    async def add_cors_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start" or scope["type"] != "http":
            return
        if not scope["path"].startswith(PORTAL_API):
            return
        headers = dict(scope.get("headers") or [])
        origin = headers.get(b"origin", b"").decode("latin-1")
        if not origin or not config.is_origin_allowed(origin):
            return
        preflight = (
            scope["method"] == "OPTIONS"  # type: ignore[typeddict-item]  # an http scope
            and b"access-control-request-method" in headers
        )
        extra = _headers_for(config, origin, preflight)
        message["headers"] = _merged(list(message.get("headers", [])), extra)

    return [add_cors_headers]
