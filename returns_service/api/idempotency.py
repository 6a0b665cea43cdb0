"""Serving a POST under an Idempotency-Key: the HTTP half (headers, body, replay)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

import msgspec
from litestar import Request, Response
from litestar.params import HeaderParameter

from returns_service.domain.access import Caller
from returns_service.services.platform.idempotency import caller_scope, fingerprint, run_idempotent

IdempotencyKeyHeader = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        min_length=8,
        max_length=255,
        description="Repeat a request safely: the same key and body return the first response.",
        required=False,
    ),
]


async def respond_idempotently(
    request: Request[Any, Any, Any],
    caller: Caller,
    key: str | None,
    status_code: int,
    handler: Callable[[], Awaitable[Any]],
) -> Response[Any]:
    if key is None:
        return Response(await handler(), status_code=status_code)

    async def operation() -> tuple[int, bytes]:
        return status_code, msgspec.json.encode(await handler())

    stored = await run_idempotent(
        store_id=caller.store_id,
        scope=caller_scope(caller),
        key=key,
        fingerprint=fingerprint(request.method, request.url.path, await request.body()),
        operation=operation,
        clock=request.app.state.clock,
    )
    headers = {"Idempotent-Replayed": "true"} if stored.replayed else None
    return Response(
        content=stored.body,
        status_code=stored.status,
        media_type="application/json",
        headers=headers,
    )
