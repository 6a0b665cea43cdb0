"""Keep-it: a policy rule lets the customer keep what they would send back (a cheap item, a
wrong or damaged one). No label is bought; the refund or credit moves at once, once, without
a receipt; a replacement ships as an ordinary (not advance) shipment; the case is resolved."""

from __future__ import annotations

from returns_service.db.engine import DB
from returns_service.db.tables import CaseItem, ReturnCase
from returns_service.domain.cases import Actor, CaseStatus
from returns_service.domain.policy import ReturnPolicy
from returns_service.services.cases import timeline
from returns_service.services.cases.records import LockedCase
from returns_service.services.fulfilment import exchanges
from returns_service.services.money import refunds
from returns_service.services.platform.runtime import Runtime


async def settle_kept(case: LockedCase, policy: ReturnPolicy, rt: Runtime, actor: Actor) -> None:
    """Called, in the case's transaction, where an approved case would get its label."""
    now = rt.clock.now()
    await timeline.record(
        store_id=case.store_id,
        case_id=case.id,
        actor=actor,
        kind="keep_it",
        at=now,
    )
    money_items = await CaseItem.count().where(
        (CaseItem.case == case.id)
        & CaseItem.resolution.is_in(["refund", "store_credit"])
        & (CaseItem.settled == False)  # noqa: E712
    )
    if money_items and not await _settled(case, rt, actor):
        return  # approved, no label: the concierge refunds by hand
    await timeline.move(
        store_id=case.store_id,
        case_id=case.id,
        current=CaseStatus.APPROVED,
        target=CaseStatus.RESOLVED,
        actor=actor,
        at=now,
    )
    await ReturnCase.update({ReturnCase.resolved_at: now}).where(ReturnCase.id == case.id)
    case.status = CaseStatus.RESOLVED
    # resolved first: nothing is on its way back, so the replacement is not an advance one
    await exchanges.ship_waiting(case, policy, rt, actor, reason="keep-it: nothing comes back")


async def _settled(case: LockedCase, rt: Runtime, actor: Actor) -> bool:
    """Move the money; when the provider refuses, undo what this step wrote (a savepoint) so
    the case still opens, approved, and the concierge is told to refund it by hand."""
    transaction = DB.current_transaction.get()
    assert transaction is not None  # the case's transaction
    savepoint = await transaction.savepoint("keep_it_money")
    try:
        await refunds.settle_money_items(case, rt, actor)
    except refunds.PaymentFailed as refused:
        await savepoint.rollback_to()
        await timeline.record(
            store_id=case.store_id,
            case_id=case.id,
            actor=actor,
            kind="decision_needed",
            detail=f"keep-it: {refused.detail}; refund the case by hand",
            at=rt.clock.now(),
        )
        return False
    return True
