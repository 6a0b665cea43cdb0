"""Every published policy, newest first (issue 16): who published it and when. Publishing is
services/store/policy.put_policy, which writes the version in the same transaction."""

from __future__ import annotations

import msgspec

from returns_service.domain.access import Caller
from returns_service.domain.cursors import decode_id_cursor, encode_id_cursor
from returns_service.domain.policy import ReturnPolicy
from returns_service.services.store import queries
from returns_service.services.store.schemas import PolicyVersionPage, PolicyVersionView, Publisher


async def list_versions(
    caller: Caller, *, cursor: str | None = None, limit: int = 50
) -> PolicyVersionPage:
    """A page of the store's versions, newest first; `next_cursor` reads the older ones."""
    before = decode_id_cursor("v", cursor) if cursor else None
    rows = await queries.policy_versions(caller.store_id, before, limit + 1)
    items = [
        PolicyVersionView(
            version=row["version"],
            published_at=row["published_at"],
            published_by=Publisher(row["published_by_role"], row["published_by_name"]),
            policy=msgspec.json.decode(row["document"], type=ReturnPolicy),
        )
        for row in rows[:limit]
    ]
    more = len(rows) > limit
    return PolicyVersionPage(items, encode_id_cursor("v", items[-1].version) if more else None)
