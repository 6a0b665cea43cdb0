"""The store's return policy: one document per store, replaced whole by the admin."""

from __future__ import annotations

import msgspec

from returns_service.clock import Clock
from returns_service.db.engine import DB
from returns_service.domain.access import Caller
from returns_service.domain.errors import InvalidRequest
from returns_service.domain.policy import ReturnPolicy
from returns_service.domain.rules import check_policy
from returns_service.services.store import queries

# store id -> (document text, policy): reading the row each time keeps every process current;
# decoding and checking the document again is needed only when its text changed
_decoded: dict[int, tuple[str, ReturnPolicy]] = {}


async def get_policy(store_id: int) -> ReturnPolicy:
    """The store's policy; a store that never set one gets the defaults (30 days)."""
    document = await queries.policy_document(store_id)
    if document is None:
        return ReturnPolicy()
    cached = _decoded.get(store_id)
    if cached is not None and cached[0] == document:
        return cached[1]
    policy = msgspec.json.decode(document, type=ReturnPolicy)
    _decoded[store_id] = (document, policy)
    return policy


async def put_policy(caller: Caller, policy: ReturnPolicy, clock: Clock) -> ReturnPolicy:
    check_label_service(policy.label_service)

    check_policy(policy)  # a rule the engine could not apply is refused, naming it
    document = msgspec.json.encode(policy).decode()
    async with DB.transaction():
        await queries.save_policy(caller.store_id, document, clock.now())
    return policy


def check_label_service(service: str) -> None:
    """`cheapest`, `fastest` or "<carrier> <service>": which of the provider's rates a label is
    bought at (the adapters read it; an unknown name finds no rate and the purchase fails)."""
    if not service.strip() or len(service) > 100:
        raise InvalidRequest(
            'label_service: "cheapest", "fastest" or "<carrier> <service>", at most 100 characters',
            field="label_service",
        )
