"""What every request meets before its handler, whoever sends it and whatever it sends:
`OPTIONS` answered from the route table, JSON bodies bounded in depth, and the security
headers every response carries."""

from __future__ import annotations

import re
from typing import Any

from litestar import Litestar, Request
from litestar.exceptions import ClientException
from litestar.routes import HTTPRoute
from litestar.types import (
    ASGIApp,
    HTTPResponseBodyEvent,
    HTTPResponseStartEvent,
    Message,
    Receive,
    Scope,
    Send,
)

# Deeper JSON than this is refused before anything decodes it: msgspec recurses once per
# level and hits Python's recursion limit near 1000 (a 500 with a traceback); nothing a
# client of ours sends is nested more than a handful of levels.
MAX_JSON_DEPTH = 64

# Forms, uploads and raw emails are not JSON; nothing decodes them as JSON, and their bytes
# (an image) may hold any number of brackets.
_NOT_JSON = (b"multipart/", b"application/x-www-form-urlencoded", b"message/")

# A string (escapes included) or one bracket: brackets inside strings do not nest.
_JSON_TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[\[\]{}]')

# Pages render on the server: scripts, styles and images come from the service alone. Inline
# style attributes are allowed (the pages use a few), inline scripts are not; `data:` images
# are the favicon placeholder and Swagger UI's icons.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
)


class NestedTooDeep(ClientException):
    status_code = 400


def json_nested_deeper_than(body: bytes, limit: int) -> bool:
    # Fewer brackets than the limit cannot nest deeper: most bodies stop at this C-speed count.
    if body.count(b"[") + body.count(b"{") <= limit:
        return False
    depth = 0
    for token in _JSON_TOKEN.finditer(body):
        first = token.group()[0]
        if first in b"[{":
            depth += 1
            if depth > limit:
                return True
        elif first in b"]}":
            depth -= 1
    return False


def _allowed_methods(app: Litestar) -> dict[str, str]:
    """The `Allow` header per path template. Litestar's own OPTIONS answer lists only the
    methods of the first handler registered on a path (its closure keeps the route it was
    made with, replaced when a second handler joins), and it runs the controller's guards,
    which fail without a caller."""
    cached: dict[str, str] | None = getattr(app.state, "allowed_methods", None)
    if cached is None:
        cached = {
            route.path_format: ", ".join(sorted(route.methods))
            for route in app.routes
            if isinstance(route, HTTPRoute)
        }
        app.state.allowed_methods = cached
    return cached


async def _answer_options(scope: Scope, send: Send) -> None:
    app: Litestar = scope["litestar_app"]
    template = scope.get("path_template") or scope["path"]
    allow = _allowed_methods(app).get(template, "OPTIONS")
    start: HTTPResponseStartEvent = {
        "type": "http.response.start",
        "status": 204,
        "headers": [(b"allow", allow.encode()), *SECURITY_HEADERS],
    }
    await send(start)
    end: HTTPResponseBodyEvent = {"type": "http.response.body", "body": b"", "more_body": False}
    await send(end)


async def _check_json_depth(scope: Scope, receive: Receive) -> None:
    headers = dict(scope.get("headers") or [])
    if headers.get(b"content-type", b"").lower().startswith(_NOT_JSON):
        return
    # the body is read once and kept on the connection: the handler reads the same bytes;
    # the body size limit applies here already (413)
    body = await Request[Any, Any, Any](scope, receive).body()
    if json_nested_deeper_than(body, MAX_JSON_DEPTH):
        raise NestedTooDeep(f"JSON nested deeper than {MAX_JSON_DEPTH} levels is not accepted.")


def edge_middleware(app: ASGIApp) -> ASGIApp:
    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await app(scope, receive, send)
            return
        method = scope["method"]  # type: ignore[typeddict-item]  # an http scope has one
        if method == "OPTIONS":
            await _answer_options(scope, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [
                    *message.get("headers", []),
                    *(pair for pair in SECURITY_HEADERS if pair[0] not in present),
                ]
            await send(message)

        if method in ("POST", "PUT", "PATCH", "DELETE"):
            await _check_json_depth(scope, receive)
        await app(scope, receive, send_with_headers)

    return middleware
