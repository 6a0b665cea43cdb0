"""Lists of cases, paginated by an opaque cursor: an agent's queue, a lead's board (anyone's,
or the waiting ones), a customer's returns. Oldest first: a queue is worked from its front."""

from __future__ import annotations

import base64
from datetime import datetime
from typing import Any

import msgspec

from returns_service.db.scope import readable
from returns_service.db.tables import ReturnCase
from returns_service.domain.access import Caller, Role
from returns_service.domain.cases import CaseStatus
from returns_service.domain.errors import Forbidden, InvalidRequest
from returns_service.services.case_views import (
    CASE_COLUMNS,
    AgentRef,
    CaseItemView,
    ExchangeView,
    Fulfilment,
    agent_ref,
    items_by_case,
)


class CustomerRef(msgspec.Struct, frozen=True):
    email: str
    name: str


class CaseSummary(msgspec.Struct, frozen=True, omit_defaults=True):
    number: str
    status: CaseStatus
    order_number: str
    created_at: datetime
    updated_at: datetime
    items: list[CaseItemView]
    agent: AgentRef | None
    exchange: ExchangeView | None
    awaiting_reply: bool
    outside_policy: bool
    customer: CustomerRef | None = None  # in agents' lists


class CasePage(msgspec.Struct, frozen=True):
    items: list[CaseSummary]
    next_cursor: str | None


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


def _assignee_clause(caller: Caller, assignee: str) -> Any:
    if caller.role is Role.CUSTOMER:
        return None
    if assignee == "me":
        if caller.agent_id is None:
            return ReturnCase.id == -1  # a token not linked to an agent owns no cases
        return ReturnCase.agent == caller.agent_id
    if caller.role is Role.AGENT:
        if assignee == str(caller.agent_id):
            return ReturnCase.agent == caller.agent_id
        raise Forbidden("an agent's queue holds only their own cases (assignee=me)")
    if assignee == "any":
        return None
    if assignee in ("none", "unassigned"):
        return ReturnCase.agent.is_null()
    if assignee.isdigit():
        return ReturnCase.agent == int(assignee)
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
    where = readable(caller, ReturnCase)
    extra = _assignee_clause(caller, assignee)
    if extra is not None:
        where = where & extra
    if statuses:
        where = where & ReturnCase.status.is_in([s.value for s in statuses])
    if cursor:
        at, last_id = _decode_cursor(cursor)
        where = where & (
            (ReturnCase.created_at > at)
            | ((ReturnCase.created_at == at) & (ReturnCase.id > last_id))
        )
    rows = await (
        ReturnCase.select(
            *CASE_COLUMNS,
            ReturnCase.customer.email.as_alias("customer_email"),
            ReturnCase.customer.first_name.as_alias("customer_first_name"),
            ReturnCase.customer.last_name.as_alias("customer_last_name"),
        )
        .where(where)
        .order_by(ReturnCase.created_at)
        .order_by(ReturnCase.id)
        .limit(limit + 1)
        .run()
    )
    more = len(rows) > limit
    rows = rows[:limit]
    ids = [r["id"] for r in rows]
    items = await items_by_case(ids)
    fulfilment = await Fulfilment.load(ids)
    staff = caller.is_staff()
    summaries = [
        CaseSummary(
            number=r["number"],
            status=CaseStatus(r["status"]),
            order_number=r["order_number"],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
            items=items.get(r["id"], []),
            agent=agent_ref(r),
            exchange=fulfilment.exchange(r["id"], CaseStatus(r["status"]), items.get(r["id"], [])),
            awaiting_reply=r["awaiting_reply"],
            outside_policy=r["outside_policy"],
            customer=CustomerRef(
                r["customer_email"],
                f"{r['customer_first_name']} {r['customer_last_name']}".strip(),
            )
            if staff
            else None,
        )
        for r in rows
    ]
    last = rows[-1] if rows else None
    next_cursor = _encode_cursor(last["created_at"], last["id"]) if more and last else None
    return CasePage(items=summaries, next_cursor=next_cursor)
