"""The case timeline: one append-only event per change, in the transaction of that change."""

from __future__ import annotations

from datetime import datetime

from returns_service.db.tables import CaseEvent, ReturnCase
from returns_service.domain.cases import Actor, CaseStatus, check_transition


async def record(
    *,
    store_id: int,
    case_id: int,
    actor: Actor,
    kind: str,
    text: str,
    at: datetime,
    detail: str = "",
    from_status: CaseStatus | None = None,
    to_status: CaseStatus | None = None,
    customer_visible: bool = True,
) -> None:
    await CaseEvent.insert(
        CaseEvent(
            store=store_id,
            case=case_id,
            at=at,
            actor_kind=actor.kind,
            actor_id=actor.id,
            actor_name=actor.name,
            kind=kind,
            from_status=from_status.value if from_status else None,
            to_status=to_status.value if to_status else None,
            text=text,
            detail=detail,
            customer_visible=customer_visible,
        )
    )


async def move(
    *,
    store_id: int,
    case_id: int,
    current: CaseStatus,
    target: CaseStatus,
    actor: Actor,
    text: str,
    at: datetime,
    detail: str = "",
) -> None:
    """Change a (locked) case's status if the state machine allows it, and record why."""
    check_transition(current, target)
    await ReturnCase.update({ReturnCase.status: target.value, ReturnCase.updated_at: at}).where(
        ReturnCase.id == case_id
    )
    await record(
        store_id=store_id,
        case_id=case_id,
        actor=actor,
        kind="status",
        text=text,
        detail=detail,
        at=at,
        from_status=current,
        to_status=target,
    )
