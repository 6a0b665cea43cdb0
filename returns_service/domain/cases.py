"""The return case's life: statuses, the legal moves between them, and who may see what.

requested -> approved -> in_transit -> received -> inspected -> resolved -> closed
requested -> rejected | cancelled;  approved -> cancelled | expired
"""

from __future__ import annotations

from enum import StrEnum

from returns_service.domain.errors import Conflict


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
    S.REQUESTED: frozenset({S.APPROVED, S.REJECTED, S.CANCELLED}),
    S.APPROVED: frozenset({S.IN_TRANSIT, S.RECEIVED, S.CANCELLED, S.EXPIRED}),
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
