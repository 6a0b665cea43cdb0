"""The store's return policy: one document per store, replaced whole by the admin."""

from __future__ import annotations

import msgspec

from returns_service.clock import Clock
from returns_service.db import sql
from returns_service.db.engine import DB
from returns_service.db.tables import StorePolicy
from returns_service.domain.access import Caller
from returns_service.domain.policy import ReturnPolicy

# store id -> (document text, policy): reading the row each time keeps every process current;
# decoding and checking the document again is needed only when its text changed
_decoded: dict[int, tuple[str, ReturnPolicy]] = {}


async def get_policy(store_id: int) -> ReturnPolicy:
    """The store's policy; a store that never set one gets the defaults (30 days)."""
    row = await sql.fetchrow("SELECT document::text FROM store_policy WHERE store = $1", store_id)
    if row is None:
        return ReturnPolicy()
    cached = _decoded.get(store_id)
    if cached is not None and cached[0] == row["document"]:
        return cached[1]
    policy = msgspec.json.decode(row["document"], type=ReturnPolicy)
    _decoded[store_id] = (row["document"], policy)
    return policy


async def put_policy(caller: Caller, policy: ReturnPolicy, clock: Clock) -> ReturnPolicy:
    document = msgspec.json.encode(policy).decode()
    async with DB.transaction():
        await StorePolicy.raw(
            """
            INSERT INTO store_policy (store, document, version, updated_at)
            VALUES ({}, {}::jsonb, 1, {})
            ON CONFLICT (store) DO UPDATE
               SET document = EXCLUDED.document, version = store_policy.version + 1,
                   updated_at = EXCLUDED.updated_at
            """,
            caller.store_id,
            document,
            clock.now(),
        ).run()
    return policy
