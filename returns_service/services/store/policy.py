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
    return (await get_policy_version(store_id))[1]


async def get_policy_version(store_id: int) -> tuple[int | None, ReturnPolicy]:
    """The published policy and its version (None: the defaults, never published), read in
    one statement so a case records the version of the very document that decided it."""
    current = await queries.current_policy(store_id)
    if current is None:
        return None, ReturnPolicy()
    document, version = current
    return version, _decode(store_id, document)


def _decode(store_id: int, document: str) -> ReturnPolicy:
    cached = _decoded.get(store_id)
    if cached is not None and cached[0] == document:
        return cached[1]
    policy = msgspec.json.decode(document, type=ReturnPolicy)
    _decoded[store_id] = (document, policy)
    return policy


async def put_policy(caller: Caller, policy: ReturnPolicy, clock: Clock) -> ReturnPolicy:
    """Publish the policy as the store's next version (kept in policy_version, with who and
    when); the document already published is not a new version."""
    await publish(caller, policy, clock)
    return policy


async def publish(caller: Caller, policy: ReturnPolicy, clock: Clock) -> int | None:
    """put_policy's work; the new version's number, None when nothing changed."""
    check_policy_document(policy)
    document = msgspec.json.encode(policy).decode()
    async with DB.transaction():
        version = await queries.publish_policy(
            caller.store_id,
            document,
            clock.now(),
            caller.role.value,
            caller.agent_id,
            caller.token_id,
        )
    return version


def check_policy_document(policy: ReturnPolicy) -> None:
    """Everything PUT /policy refuses (a 422 naming the field), for drafts too."""
    check_label_service(policy.label_service)
    check_policy(policy)  # a rule the engine could not apply is refused, naming it


def check_label_service(service: str) -> None:
    """`cheapest`, `fastest` or "<carrier> <service>": which of the provider's rates a label is
    bought at (the adapters read it; an unknown name finds no rate and the purchase fails)."""
    if not service.strip() or len(service) > 100:
        raise InvalidRequest(
            'label_service: "cheapest", "fastest" or "<carrier> <service>", at most 100 characters',
            field="label_service",
        )
