"""The store's return policy: one document per store, replaced whole by the admin."""

from __future__ import annotations

import msgspec

from returns_service.clock import Clock
from returns_service.db.engine import DB
from returns_service.db.tables import StorePolicy
from returns_service.domain.access import Caller
from returns_service.domain.policy import ReturnPolicy


async def get_policy(store_id: int) -> ReturnPolicy:
    """The store's policy; a store that never set one gets the defaults (30 days)."""
    row = await (
        StorePolicy.select(StorePolicy.document).where(StorePolicy.store == store_id).first().run()
    )
    if row is None:
        return ReturnPolicy()
    return msgspec.json.decode(row["document"], type=ReturnPolicy)


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
