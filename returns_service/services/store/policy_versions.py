"""Every published policy, newest first (issue 16): who published it and when. Publishing is
services/store/policy.put_policy, which writes the version in the same transaction."""

from __future__ import annotations

import base64

import msgspec

from returns_service.domain.access import Caller
from returns_service.domain.errors import InvalidRequest
from returns_service.domain.policy import ReturnPolicy
from returns_service.services.store import queries
from returns_service.services.store.schemas import PolicyVersionPage, PolicyVersionView, Publisher


async def list_versions(
    caller: Caller, *, cursor: str | None = None, limit: int = 50
) -> PolicyVersionPage:
    """A page of the store's versions, newest first; `next_cursor` reads the older ones."""
    before = _decode_cursor(cursor) if cursor else None
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
    return PolicyVersionPage(items, _encode_cursor(items[-1].version) if more else None)


def _encode_cursor(version: int) -> str:
    return base64.urlsafe_b64encode(f"v{version}".encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if raw[:1] != "v":
            raise ValueError(raw)
        return int(raw[1:])
    except ValueError as error:  # binascii.Error and UnicodeDecodeError are ValueErrors
        raise InvalidRequest(
            "the cursor is not one this service gave out", field="cursor"
        ) from error
