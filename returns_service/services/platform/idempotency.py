"""Idempotency-Key: the same key with the same request returns the first response again and
does nothing twice; with a different request it is refused; while the first is still running
the second waits its turn (409).

The key is claimed in its own short transaction (so a concurrent request sees it at once);
the operation and the recording of its response then commit together, so a crash can never
leave an effect without its recorded response. A failed operation releases the key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import msgspec

from returns_service.clock import Clock
from returns_service.db.engine import DB
from returns_service.db.tables import IdempotencyKey
from returns_service.domain.access import Caller, Role
from returns_service.domain.errors import Conflict, InvalidRequest
from returns_service.services.platform import jobs, queries

KEEP_FOR = timedelta(hours=48)  # at least the 24 hours API.md promises
ABANDONED_AFTER = timedelta(minutes=5)  # a claim whose process died may be taken over


class IdempotencyKeyReused(InvalidRequest):
    code = "idempotency-key-reused"
    title = "This Idempotency-Key was used for a different request"


class IdempotencyKeyInUse(Conflict):
    code = "idempotency-key-in-use"
    title = "A request with this Idempotency-Key is still running"


@dataclass(frozen=True, slots=True)
class StoredResponse:
    status: int
    body: bytes
    replayed: bool


def caller_scope(caller: Caller) -> str:
    if caller.role is Role.CUSTOMER:
        return f"customer:{caller.customer_id}"
    if caller.agent_id is not None:
        return f"agent:{caller.agent_id}"
    return f"token:{caller.token_id}"


def fingerprint(method: str, path: str, body: bytes) -> str:
    """The same JSON (whatever its key order or spacing) gives the same fingerprint."""
    try:
        canonical = msgspec.json.encode(msgspec.json.decode(body), order="sorted") if body else b""
    except msgspec.DecodeError:
        canonical = body
    return hashlib.sha256(method.encode() + b" " + path.encode() + b"\n" + canonical).hexdigest()


async def _claim(
    store_id: int, scope: str, key: str, fp: str, clock: Clock
) -> int | StoredResponse:
    now = clock.now()
    for _ in range(3):
        claimed = await queries.claim_key(
            store_id=store_id, scope=scope, key=key, fingerprint=fp, at=now
        )
        if claimed is not None:
            return claimed
        existing = await IdempotencyKey.select().where(
            (IdempotencyKey.store == store_id)
            & (IdempotencyKey.scope == scope)
            & (IdempotencyKey.key == key)
        )
        if not existing:
            continue  # released by a failed first attempt in the meantime: claim again
        row = existing[0]
        if row["fingerprint"] != fp:
            raise IdempotencyKeyReused(
                "this Idempotency-Key was already used with a different request"
            )
        if row["state"] == "done":
            return StoredResponse(row["response_status"], row["response_body"].encode(), True)
        if row["created_at"] + ABANDONED_AFTER > now:
            raise IdempotencyKeyInUse("the first request with this key is still being processed")
        taken = await queries.take_over_key(row["id"], row["created_at"], now)
        if taken is not None:
            return taken
        raise IdempotencyKeyInUse("the first request with this key is still being processed")
    raise IdempotencyKeyInUse("the first request with this key is still being processed")


async def run_idempotent(
    *,
    store_id: int,
    scope: str,
    key: str,
    fingerprint: str,
    operation: Callable[[], Awaitable[tuple[int, bytes]]],
    clock: Clock,
) -> StoredResponse:
    claimed = await _claim(store_id, scope, key, fingerprint, clock)
    if isinstance(claimed, StoredResponse):
        return claimed
    try:
        # a label bought after the commit is bought after this one (jobs.run_after_commit)
        async with jobs.deferring(), DB.transaction():
            status, body = await operation()
            await IdempotencyKey.update(
                {
                    IdempotencyKey.state: "done",
                    IdempotencyKey.response_status: status,
                    IdempotencyKey.response_body: body.decode(),
                    IdempotencyKey.completed_at: clock.now(),
                }
            ).where(IdempotencyKey.id == claimed)
    except BaseException:
        await IdempotencyKey.delete().where(IdempotencyKey.id == claimed)
        raise
    return StoredResponse(status, body, False)


async def purge_expired(clock: Clock) -> int:
    rows = await (
        IdempotencyKey.delete()
        .where(IdempotencyKey.created_at < clock.now() - KEEP_FOR)
        .returning(IdempotencyKey.id)
    )
    return len(rows)
