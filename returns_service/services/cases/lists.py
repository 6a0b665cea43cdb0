"""Lists of cases, paginated by an opaque cursor: an agent's queue, a lead's board (anyone's,
or the waiting ones), a customer's returns, and a search of them. Oldest first unless asked
otherwise: a queue is worked from its front."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import datetime

import msgspec

from returns_service.clock import Clock, SystemClock
from returns_service.domain.access import Caller, Role
from returns_service.domain.cases import CaseStatus, first_response_overdue
from returns_service.domain.errors import Forbidden, InvalidRequest
from returns_service.services.cases import queries
from returns_service.services.cases.queries import QueuePosition
from returns_service.services.cases.schemas import CasePage, CaseRef, CaseSummary, CustomerRef
from returns_service.services.cases.search import case_search
from returns_service.services.cases.views import (
    agent_ref,
    case_items,
    exchange_of,
)

# created_at: oldest first; -created_at: newest first; due_at: the cases still owed a first
# answer by due time, then the others oldest first
SORTS = ("created_at", "-created_at", "due_at")


def _encode_cursor(sort: str, position: QueuePosition) -> str:
    phase, at, case_id = position
    raw = msgspec.json.encode([sort, phase, at.isoformat(), case_id])
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(cursor: str, sort: str) -> QueuePosition:
    """The position a cursor names; it must have been given out for the same sort. A cursor
    from before sorts existed ([created_at, id]) still reads the oldest-first queue on."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        fields = msgspec.json.decode(raw, type=list[str | int])
        if len(fields) == 2:
            fields = ["created_at", 0, *fields]
        made_for, phase, at, case_id = fields
        if not (
            isinstance(made_for, str)
            and phase in (0, 1)
            and isinstance(at, str)
            and isinstance(case_id, int)
        ):
            raise ValueError(fields)
        position = (int(phase), datetime.fromisoformat(at), case_id)
        if position[1].tzinfo is None:
            raise ValueError(at)
    except (ValueError, msgspec.DecodeError) as error:
        raise InvalidRequest(
            "the cursor is not one this service gave out", field="cursor"
        ) from error
    if made_for != sort:
        raise InvalidRequest(
            f"the cursor was given out for sort={made_for}: ask with the same sort",
            field="cursor",
        )
    return position


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
    q: str | None = None,
    sort: str = "created_at",
    overdue: bool | None = None,
    clock: Clock | None = None,
) -> CasePage:
    """Cases the caller may read, oldest first by default (a queue is worked from its
    front); `q` finds them by a key (`search.case_search`), `sort` orders them by creation
    either way or by when their first answer is due, `overdue` keeps only (or never) those
    whose first answer is late. `clock` is the runtime's (callers pass `rt.clock`): it says
    what is overdue."""
    if sort not in SORTS:
        raise InvalidRequest(f"sort is one of {', '.join(SORTS)}", field="sort")
    whose = _assignee(caller, assignee)
    after = _decode_cursor(cursor, sort) if cursor else None
    found = case_search(q) if q else None
    if whose.nobody:
        return CasePage(items=[], next_cursor=None)
    now = (clock or SystemClock()).now()
    rows = await queries.queue_page(
        caller,
        where=queries.QueueFilter(
            agent=whose.agent,
            unassigned=whose.unassigned,
            statuses=[s.value for s in statuses] if statuses else None,
            search=found,
            overdue=overdue,
            now=now,
        ),
        sort=sort,
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
                first_response_due_at=r["first_response_due_at"] if staff else msgspec.UNSET,
                overdue=first_response_overdue(
                    status, r["first_response_due_at"], r["first_responded_at"], now
                )
                if staff
                else msgspec.UNSET,
                first_responded_at=r["first_responded_at"] if staff else msgspec.UNSET,
            )
        )
    last = rows[-1] if rows else None
    next_cursor = None
    if more and last:
        next_cursor = _encode_cursor(sort, (last["phase"], last["sort_at"], last["id"]))
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
