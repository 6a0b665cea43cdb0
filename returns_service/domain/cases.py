"""The return case's life: statuses, the legal moves between them, and the words of a case.

requested -> approved -> in_transit -> received -> inspected -> resolved -> closed
requested -> rejected | cancelled;  approved -> cancelled | expired
An agent may also close a case before anything was shipped (the customer kept the item, as
happens after a good conversation about why).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal

import msgspec

from returns_service.domain.catalog import Sku
from returns_service.domain.errors import Conflict, InvalidRequest
from returns_service.domain.policy import IneligibleReason


class CaseStatus(StrEnum):
    REQUESTED = "requested"
    APPROVED = "approved"
    IN_TRANSIT = "in_transit"
    RECEIVED = "received"
    INSPECTED = "inspected"
    RESOLVED = "resolved"
    CLOSED = "closed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


S = CaseStatus

TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    S.REQUESTED: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED, S.CLOSED}),
    # keep-it (a policy rule): nothing comes back, the money moves at once and it is resolved
    S.APPROVED: frozenset({S.IN_TRANSIT, S.RECEIVED, S.CANCELLED, S.EXPIRED, S.CLOSED, S.RESOLVED}),
    # a parcel can reach the warehouse without a carrier scan (self-shipped, or a missed event)
    S.IN_TRANSIT: frozenset({S.RECEIVED}),
    S.RECEIVED: frozenset({S.INSPECTED}),
    S.INSPECTED: frozenset({S.RESOLVED}),
    S.RESOLVED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.REJECTED: frozenset({S.CLOSED}),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset({S.CLOSED}),
}

# Cases in these statuses no longer hold the order lines they cover.
RELEASED_STATUSES = frozenset({S.REJECTED, S.CANCELLED, S.EXPIRED})
# Cases in these statuses are still work for their concierge.
OPEN_STATUSES = frozenset({S.REQUESTED, S.APPROVED, S.IN_TRANSIT, S.RECEIVED, S.INSPECTED})


class IllegalTransition(Conflict):
    code = "illegal-transition"
    title = "This case cannot move to that status"


def check_transition(current: CaseStatus, target: CaseStatus) -> None:
    """Raise `IllegalTransition` unless `current -> target` is a legal move."""
    if target not in TRANSITIONS[current]:
        raise IllegalTransition(
            f"a case that is {current.value} cannot become {target.value}",
            current=current.value,
            target=target.value,
        )


# Before the parcel moves, the customer may still cancel (and the reserved exchange unit goes
# back on the shelf).
CANCELLABLE_STATUSES = frozenset({S.REQUESTED, S.APPROVED})


class Reason(StrEnum):
    TOO_SMALL = "too_small"
    TOO_LARGE = "too_large"
    NOT_AS_DESCRIBED = "not_as_described"
    CHANGED_MIND = "changed_mind"
    DEFECTIVE = "defective"
    WRONG_ITEM = "wrong_item"
    ARRIVED_LATE = "arrived_late"
    OTHER = "other"


class Resolution(StrEnum):
    REFUND = "refund"
    STORE_CREDIT = "store_credit"
    EXCHANGE = "exchange"


ActorKind = Literal["customer", "agent", "warehouse", "system"]


@dataclass(frozen=True, slots=True)
class Actor:
    """Who made a change, as the timeline records it."""

    kind: ActorKind
    id: int | None = None
    name: str = ""


SYSTEM = Actor("system", None, "system")

# No 0/O, 1/I/L: a number read out on the phone or typed from an email survives.
CASE_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


# What a case number may look like in a path: letters, digits, `-` and `_`. Narrower than any
# string on purpose: a number of "." or ".." is a path segment that HTTP clients remove
# (RFC 3986 dot segments), so `POST /cases/./refund` would reach `POST /cases/refund` and
# answer 405; the documented pattern keeps clients (and the schema fuzzer) from sending one.
CASE_NUMBER_PATTERN = r"^[A-Za-z0-9_-]+$"


def new_case_number() -> str:
    return "R-" + "".join(secrets.choice(CASE_NUMBER_ALPHABET) for _ in range(6))


# A string, not an enum: a store's policy may list its own reasons (issue 14). Which codes a
# store takes is checked against its policy when the return is previewed or opened (a 422
# naming `items[n].reason`); the schema only bounds the length.
ReasonText = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=40,
        description="One of the built-in reasons (too_small, too_large, not_as_described, "
        "changed_mind, defective, wrong_item, arrived_late, other) or a code the store's "
        "policy lists in `reasons`.",
        examples=["too_small"],
    ),
]


class RequestedItem(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    line_id: Annotated[int, msgspec.Meta(ge=1)]
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1000)]
    reason: ReasonText
    resolution: Resolution
    exchange_sku: Sku | None = None


class ReturnRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    items: Annotated[list[RequestedItem], msgspec.Meta(min_length=1, max_length=100)]
    comment: Annotated[str, msgspec.Meta(max_length=4000)] | None = None

    def check(self) -> None:
        """Rules a schema cannot express."""
        line_ids = [item.line_id for item in self.items]
        if len(set(line_ids)) != len(line_ids):
            raise InvalidRequest("each line may appear once in a return", field="items")
        for n, item in enumerate(self.items):
            if item.resolution is Resolution.EXCHANGE and not item.exchange_sku:
                raise InvalidRequest(
                    "an exchange needs the exchange_sku to send instead",
                    field=f"items[{n}].exchange_sku",
                )
            if item.resolution is not Resolution.EXCHANGE and item.exchange_sku:
                raise InvalidRequest(
                    "exchange_sku is only for the exchange resolution",
                    field=f"items[{n}].exchange_sku",
                )


# Lines a customer may still ask about although the policy says no: a person decides.
# (A late return is the classic exception; final sale and excluded items are the store's
# firm rule, and nothing can be returned twice or before it arrived.)
EXCEPTION_REQUESTABLE = frozenset({IneligibleReason.WINDOW_CLOSED})
