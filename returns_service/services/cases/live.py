"""What the console's live updates say about a changed case, to one reader: an agent hears of
the cases they own (a case handed or assigned to them is theirs from that change on), a lead
or an admin of every case of the store; anyone else of nothing."""

from __future__ import annotations

from returns_service.db.tables import ReturnCase
from returns_service.domain.access import Caller, Role
from returns_service.services.cases.schemas import CaseActivity
from returns_service.services.platform.live import Activity


async def case_activity(caller: Caller, activity: Activity) -> CaseActivity | None:
    if activity.store_id != caller.store_id:
        return None
    row = await (
        ReturnCase.select(
            ReturnCase.number, ReturnCase.status, ReturnCase.awaiting_reply, ReturnCase.agent
        )
        .where((ReturnCase.store == caller.store_id) & (ReturnCase.id == activity.case_id))
        .first()
    )
    if row is None:
        return None
    everyone = caller.role in (Role.LEAD, Role.ADMIN)
    if not everyone and (caller.agent_id is None or row["agent"] != caller.agent_id):
        return None
    return CaseActivity(
        number=row["number"],
        kind=activity.kind,
        status=row["status"],
        awaiting_reply=row["awaiting_reply"],
    )
