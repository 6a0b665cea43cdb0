"""Lists of cases, paginated by an opaque cursor: an agent's queue, a lead's board (anyone's,
or the waiting ones), a customer's returns. Oldest first: a queue is worked from its front."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

import msgspec

from returns_service.domain.access import Caller, Role
from returns_service.domain.cases import CaseStatus
from returns_service.domain.errors import Forbidden, InvalidRequest
from returns_service.services.cases import queries
from returns_service.services.cases.schemas import CasePage, CaseRef, CaseSummary, CustomerRef
from returns_service.services.cases.views import (
    agent_ref,
    case_items,
    exchange_of,
)


def _encode_cursor(created_at: datetime, case_id: int) -> str:
    raw = msgspec.json.encode([created_at.isoformat(), case_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        at, case_id = msgspec.json.decode(raw, type=tuple[str, int])
        return datetime.fromisoformat(at), case_id
    except (ValueError, msgspec.DecodeError) as error:
        raise InvalidRequest(
            "the cursor is not one this service gave out", field="cursor"
        ) from error


@dataclass(frozen=True, slots=True)
class _Assignee:
    agent: int | None = None  # only this agent's cases
    unassigned: bool = False  # only the cases waiting for an agent
    nobody: bool = False  # no case at all


def _assignee(caller: Caller, assignee: str) -> _Assignee:
    if caller.role is Role.CUSTOMER:
        return _Assignee()
    if assignee == "me":
        if caller.agent_id is None:
            return _Assignee(nobody=True)  # a token not linked to an agent owns no cases
        return _Assignee(agent=caller.agent_id)
    if caller.role is Role.AGENT:
        if assignee == str(caller.agent_id):
            return _Assignee(agent=caller.agent_id)
        raise Forbidden("an agent's queue holds only their own cases (assignee=me)")
    if assignee == "any":
        return _Assignee()
    if assignee in ("none", "unassigned"):
        return _Assignee(unassigned=True)
    if assignee.isdigit():
        return _Assignee(agent=int(assignee))
    raise InvalidRequest("assignee is me, any, none or an agent id", field="assignee")


async def case_page(
    caller: Caller,
    *,
    statuses: list[CaseStatus] | None = None,
    assignee: str = "me",
    cursor: str | None = None,
    limit: int = 50,
) -> CasePage:
    """Cases the caller may read, oldest first (a queue is worked from its front)."""
    whose = _assignee(caller, assignee)
    after = _decode_cursor(cursor) if cursor else None
    if whose.nobody:
        return CasePage(items=[], next_cursor=None)
    rows = await queries.case_page(
        caller,
        agent=whose.agent,
        unassigned=whose.unassigned,
        statuses=[s.value for s in statuses] if statuses else None,
        after=after,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    staff = caller.is_staff()
    summaries = []
    for r in rows:
        status = CaseStatus(r["status"])
        items = case_items(r)
        summaries.append(
            CaseSummary(
                number=r["number"],
                status=status,
                order_number=r["order_number"],
                created_at=r["created_at"],
                updated_at=r["updated_at"],
                items=items,
                agent=agent_ref(r),
                exchange=exchange_of(r, status, items),
                awaiting_reply=r["awaiting_reply"],
                outside_policy=r["outside_policy"],
                customer=CustomerRef(
                    r["customer_email"],
                    f"{r['customer_first_name']} {r['customer_last_name']}".strip(),
                )
                if staff
                else None,
                attention=r["attention"] if staff else None,
            )
        )
    last = rows[-1] if rows else None
    next_cursor = _encode_cursor(last["created_at"], last["id"]) if more and last else None
    return CasePage(items=summaries, next_cursor=next_cursor)


async def order_returns(caller: Caller, order_id: int, *, limit: int = 20) -> list[CaseRef]:
    """The newest returns of one order, as a list on the order page shows them."""
    rows = await queries.order_cases(caller, order_id, limit)
    return [
        CaseRef(
            number=r["number"],
            status=CaseStatus(r["status"]),
            created_at=r["created_at"],
            agent=None,
        )
        for r in rows
    ]
