"""When every item of a case is settled (refunded, credited or its replacement shipped), the
inspected case is resolved."""

from __future__ import annotations

from returns_service.db.tables import CaseItem, ReturnCase
from returns_service.domain.cases import Actor, CaseStatus
from returns_service.services.cases import timeline
from returns_service.services.cases.records import LockedCase
from returns_service.services.platform.runtime import Runtime
from returns_service.services.shop import writeback


async def resolve_if_settled(case: LockedCase, rt: Runtime, actor: Actor) -> bool:
    current = (await ReturnCase.select(ReturnCase.status).where(ReturnCase.id == case.id))[0]
    if CaseStatus(current["status"]) is not CaseStatus.INSPECTED:
        return False
    unsettled = await CaseItem.count().where(
        (CaseItem.case == case.id) & (CaseItem.settled == False)  # noqa: E712
    )
    if unsettled:
        return False
    await timeline.move(
        store_id=case.store_id,
        case_id=case.id,
        current=CaseStatus.INSPECTED,
        target=CaseStatus.RESOLVED,
        actor=actor,
        at=rt.clock.now(),
    )
    await ReturnCase.update({ReturnCase.resolved_at: rt.clock.now()}).where(
        ReturnCase.id == case.id
    )
    case.status = CaseStatus.RESOLVED
    await writeback.on_finished(case, rt)  # the shop's return is closed, after commit
    return True
