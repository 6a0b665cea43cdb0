"""Serving a POST under an Idempotency-Key: the HTTP half (headers, body, replay).

A handler that may be repeated asks for `idempotency: NamedDependency[Idempotency]` and
returns `await idempotency.respond(work)`: without a key the work simply runs; with one, the
first response is stored and a repeat gets it again (`Idempotent-Replayed: true`), with the
handler's own status code. The header is documented once, on the provider. The portal pages
use the same `Idempotency`, keyed by a hidden form field instead of the header."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

import msgspec
from litestar import Request, Response
from litestar.di import NamedDependency, Provide
from litestar.params import HeaderParameter, SkipValidation

from returns_service.clock import Clock
from returns_service.domain.access import Caller
from returns_service.services.platform.idempotency import (
    StoredResponse,
    caller_scope,
    fingerprint,
    run_idempotent,
)

T = TypeVar("T")

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


@dataclass(frozen=True, slots=True)
class Idempotency:
    """One request that may be a repeat: who sent it, under which key, with which content."""

    caller: Caller
    key: str | None  # None: the client did not ask, the work just runs
    fingerprint: str
    status_code: int
    clock: Clock

    async def run(
        self, work: Callable[[], Awaitable[T]], encode: Callable[[T], bytes]
    ) -> StoredResponse:
        """The work's result, encoded; the stored one if this key already ran."""
        assert self.key is not None

        async def operation() -> tuple[int, bytes]:
            return self.status_code, encode(await work())

        return await run_idempotent(
            store_id=self.caller.store_id,
            scope=caller_scope(self.caller),
            key=self.key,
            fingerprint=self.fingerprint,
            operation=operation,
            clock=self.clock,
        )

    async def respond(self, work: Callable[[], Awaitable[Any]]) -> Response[Any]:
        if self.key is None:
            return Response(await work(), status_code=self.status_code)
        stored = await self.run(work, msgspec.json.encode)
        return Response(
            content=stored.body,
            status_code=stored.status,
            media_type="application/json",
            headers={"Idempotent-Replayed": "true"} if stored.replayed else None,
        )


async def _provide_idempotency(
    request: Request[Any, Any, Any],
    caller: NamedDependency[Caller],
    clock: NamedDependency[SkipValidation[Clock]],
    idempotency_key: IdempotencyKeyHeader = None,
) -> Idempotency:
    # the body is read (and fingerprinted) only when a key makes it matter
    content = (
        fingerprint(request.method, request.url.path, await request.body())
        if idempotency_key is not None
        else ""
    )
    return Idempotency(
        caller=caller,
        key=idempotency_key,
        fingerprint=content,
        status_code=request.route_handler.status_code or 200,
        clock=clock,
    )


provide_idempotency = Provide(_provide_idempotency)
