"""Reading one case: as everyone sees it, and the agent's fuller view with the customer's
history. The lists (queues, boards) are in `case_lists.py`."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import msgspec

from returns_service.clock import Clock, SystemClock
from returns_service.db.scope import readable
from returns_service.db.tables import (
    CaseMessage,
    CaseNote,
    Customer,
    ReturnCase,
)
from returns_service.domain.access import Caller, Role
from returns_service.domain.amounts import Amounts, LineAmount, SignedMoney, amounts_of
from returns_service.domain.cases import RELEASED_STATUSES, CaseStatus, first_response_overdue
from returns_service.domain.cursors import decode_id_cursor, encode_id_cursor
from returns_service.domain.errors import NotFound
from returns_service.domain.money import Money
from returns_service.services.cases import (
    attachments,
    decision_text,
    photos,
    queries,
    rules_applied,
    timeline,
)
from returns_service.services.cases.queries import CaseRow
from returns_service.services.cases.schemas import (
    AgentCaseView,
    AgentRef,
    CaseItemView,
    CaseRef,
    CaseView,
    CustomerView,
    ExchangeView,
    FirstResponse,
    LabelPurchaseView,
    LabelView,
    MessagePage,
    MessageView,
    NoteView,
    OrderSummary,
    RefundView,
    TimelineEntry,
)
from returns_service.translation import Translator, supported


def agent_ref(row: Mapping[str, Any]) -> AgentRef | None:
    if row["agent"] is None:
        return None
    return AgentRef(row["agent"], row["agent_display_name"] or row["agent_name"])


_ItemList = list[CaseItemView]
_Timeline = list[TimelineEntry]


class _RefundRow(msgspec.Struct, frozen=True):
    currency: str
    amount: int
    kinds: list[str]
    statuses: list[str]


def case_items(row: Mapping[str, Any]) -> list[CaseItemView]:
    """The items of a case row (queries.CaseRow: they come as JSON)."""
    return msgspec.json.decode(row["items"], type=_ItemList)


def amounts(items: list[CaseItemView]) -> Amounts:
    currency = items[0].unit_price.currency if items else "USD"
    return amounts_of(
        currency,
        [
            LineAmount(
                i.resolution,
                i.unit_price.amount,
                i.quantity,
                i.price_difference,
                tuple((fee.kind, fee.amount) for fee in i.fees),
                i.bonus_amount,
            )
            for i in items
        ],
    )


def exchange_of(
    row: Mapping[str, Any], status: CaseStatus, items: list[CaseItemView]
) -> ExchangeView | None:
    """Where the replacement of an exchange stands: shipped or delivered once a shipment
    exists; before that reserved, waiting for stock, or cancelled with the case."""
    for item in items:
        if item.resolution != "exchange" or not item.exchange_sku:
            continue
        difference = sum(i.price_difference for i in items if i.resolution == "exchange")
        price_difference = SignedMoney(difference, item.unit_price.currency)
        if row["shipment_sku"] is not None:
            return ExchangeView(
                row["shipment_sku"],
                "delivered" if row["shipment_delivered_at"] else "shipped",
                row["shipment_advance"],
                row["shipment_tracking_number"],
                row["shipment_return_deadline"],
                price_difference,
            )
        if item.exchange_sku in row["reserved_skus"]:
            state = "reserved"
        elif status in RELEASED_STATUSES or status is CaseStatus.CLOSED:
            state = "cancelled"
        else:
            state = "waiting"
        return ExchangeView(item.exchange_sku, state, False, None, None, price_difference)
    return None


def _label(row: Mapping[str, Any]) -> LabelView | None:
    if row["label_tracking_number"] is None or row["label_status"] != "active":
        return None
    url = f"/api/v1/portal/returns/{row['number']}/label.pdf"
    cost = row["label_cost_amount"]
    return LabelView(
        row["label_carrier"],
        row["label_tracking_number"],
        url,
        service=row["label_service"],
        cost=Money(cost, row["label_cost_currency"]) if cost is not None else None,
        qr_code_url=(
            f"/api/v1/portal/returns/{row['number']}/label-qr.png" if row["label_qr"] else None
        ),
    )


def _label_purchase(row: Mapping[str, Any], staff: bool) -> LabelPurchaseView | None:
    if row["label_status"] not in ("buying", "failed"):
        return None
    if not staff:  # the customer learns their label is coming; the why is the concierge's
        return LabelPurchaseView(row["label_status"])
    return LabelPurchaseView(
        row["label_status"], row["label_failure_kind"] or None, row["label_failure_message"] or None
    )


def _refund(row: Mapping[str, Any]) -> RefundView | None:
    if row["refunds"] is None:
        return None
    last = msgspec.json.decode(row["refunds"], type=list[_RefundRow])[-1]
    kinds = set(last.kinds)
    return RefundView(
        amount=Money(last.amount, last.currency),
        method=kinds.pop() if len(kinds) == 1 else "mixed",
        status="to_do_in_shop" if "to_do_in_shop" in last.statuses else "succeeded",
    )


def reader_language(caller: Caller, row: Mapping[str, Any], asked: str | None) -> str:
    """Customers read their case in their own language; the store's people in English unless
    they ask for another (`?lang=` on the agents' case read)."""
    if asked:
        return supported(asked)
    return row["customer_language"] if caller.role is Role.CUSTOMER else "en"


def _timeline(row: Mapping[str, Any], staff: bool, t: Translator) -> list[TimelineEntry]:
    entries = msgspec.json.decode(row["timeline"], type=_Timeline)
    entries = [msgspec.structs.replace(e, text=timeline.render(t, e)) for e in entries]
    if staff:
        return entries
    # who did it and the internal detail are for the store's people only
    return [msgspec.structs.replace(e, actor=None, detail=None) for e in entries]


async def find_case(caller: Caller, number: str) -> CaseRow | None:
    """One case the caller may read, read whole in one statement (see `view_of`), with
    whether its parcel was received (`row["received"]`)."""
    return await queries.case_row(caller, number)


async def find_case_by_label(caller: Caller, tracking_number: str) -> CaseRow | None:
    """The same, for the case whose label (active or voided) has this tracking number."""
    return await queries.case_row_by_label(caller, tracking_number)


async def _case_row(caller: Caller, number: str) -> CaseRow:
    row = await queries.case_row(caller, number)
    if row is None:
        raise NotFound(f"there is no case {number}")
    return row


async def case_view(caller: Caller, number: str, language: str | None = None) -> CaseView:
    """The case as the caller may see it (customers: the customer-facing timeline)."""
    return view_of(caller, await _case_row(caller, number), language)


def view_of(caller: Caller, row: Mapping[str, Any], language: str | None = None) -> CaseView:
    """The view of a row read by `queries` (a CaseRow) for this caller, its timeline in
    `language` (by default the reader's, see `reader_language`)."""
    t = Translator(reader_language(caller, row, language))
    items = decision_text.labelled(row["items"], case_items(row), t)
    status = CaseStatus(row["status"])
    return CaseView(
        number=row["number"],
        status=status,
        order_number=row["order_number"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        items=items,
        agent=agent_ref(row),
        label=_label(row),
        exchange=exchange_of(row, status, items),
        refund=_refund(row),
        timeline=_timeline(row, caller.is_staff(), t),
        comment=row["comment"],
        outside_policy=row["outside_policy"],
        approved_as_exception=row["approved_as_exception"],
        reject_reason=row["reject_reason"],
        amounts=amounts(items),
        label_purchase=_label_purchase(row, caller.is_staff()),
    )


async def agent_case_view(
    caller: Caller, number: str, language: str | None = None, *, clock: Clock | None = None
) -> AgentCaseView:
    """The case plus everything about the customer on one screen. `clock` is the runtime's
    (callers pass `rt.clock`): it says whether the first answer is overdue."""
    row = await _case_row(caller, number)
    now = (clock or SystemClock()).now()
    base = view_of(caller, row, language)
    return AgentCaseView(
        **msgspec.structs.asdict(base),
        customer=await _customer_view(caller.store_id, row["customer"]),
        messages=(page := await _messages(caller, row["id"])).items,
        notes=await _notes(row["id"]),
        awaiting_reply=row["awaiting_reply"],
        messages_next_cursor=page.next_cursor,
        photos=await photos.list_photos(caller, number),
        decision=decision_text.explained(
            await rules_applied.decision_of(row["id"]),
            Translator(reader_language(caller, row, language)),
        ),
        attention=row["attention"],
        first_response_due_at=row["first_response_due_at"],
        overdue=first_response_overdue(
            base.status, row["first_response_due_at"], row["first_responded_at"], now
        ),
        first_responded_at=row["first_responded_at"],
        policy_version=row["policy_version"],
    )


async def staff_view_by_id(
    store_id: int, case_id: int, at: datetime | None = None
) -> tuple[CaseView, CustomerView, bool, FirstResponse]:
    """The case as agents see it, read by the service itself (webhooks' bodies): the case in
    English, its customer, whether a reply is awaited, and its first answer's due time with
    whether it is overdue `at` (the time of the change announced)."""
    system = Caller.system(store_id)
    number = await ReturnCase.select(ReturnCase.number).where(
        (ReturnCase.store == store_id) & (ReturnCase.id == case_id)
    )
    row = await _case_row(system, number[0]["number"])
    customer = await _customer_view(store_id, row["customer"])
    view = view_of(system, row, "en")
    due = row["first_response_due_at"]
    late = at is not None and first_response_overdue(
        view.status, due, row["first_responded_at"], at
    )
    return view, customer, row["awaiting_reply"], FirstResponse(due, late)


async def _customer_view(store_id: int, customer_id: int) -> CustomerView:
    # The case's owner sees the customer's whole history with the store (customer 360).
    customer = await Customer.select().where(
        (Customer.store == store_id) & (Customer.id == customer_id)
    )
    c = customer[0]
    orders = await queries.customer_orders(store_id, customer_id)
    cases = await (
        ReturnCase.select(
            ReturnCase.number,
            ReturnCase.status,
            ReturnCase.created_at,
            ReturnCase.agent,
            ReturnCase.agent.name.as_alias("agent_name"),
            ReturnCase.agent.display_name.as_alias("agent_display_name"),
        )
        .where((ReturnCase.store == store_id) & (ReturnCase.customer == customer_id))
        .order_by(ReturnCase.created_at, ascending=False)
        .run()
    )
    return CustomerView(
        email=c["email"],
        name=f"{c['first_name']} {c['last_name']}".strip(),
        language=c["language"],
        country=c["country"],
        orders=[
            OrderSummary(
                number=o.number,
                placed_at=o.placed_at,
                total=Money(o.total, o.currency),
                lines=o.lines,
            )
            for o in orders
        ],
        cases=[
            CaseRef(r["number"], CaseStatus(r["status"]), r["created_at"], agent_ref(r))
            for r in cases
        ],
    )


MESSAGES_SHOWN = 50  # the latest messages a case view carries; older ones are paged


async def messages(caller: Caller, number: str) -> list[MessageView]:
    """The latest messages, oldest first."""
    return (await message_page(caller, number)).items


async def message_page(
    caller: Caller, number: str, cursor: str | None = None, limit: int = MESSAGES_SHOWN
) -> MessagePage:
    """A page of the conversation: the latest `limit` messages before `cursor`, oldest first."""
    return await _messages(caller, (await _case_row(caller, number))["id"], cursor, limit)


async def _messages(
    caller: Caller, case_id: int, cursor: str | None = None, limit: int = MESSAGES_SHOWN
) -> MessagePage:
    where = readable(caller, CaseMessage) & (CaseMessage.case == case_id)
    if cursor:
        where &= CaseMessage.id < decode_id_cursor("m", cursor)
    # newest first to take the latest page, shown oldest first (ids follow the writing order)
    rows = await (
        CaseMessage.select(
            CaseMessage.id,
            CaseMessage.at,
            CaseMessage.author_kind,
            CaseMessage.body,
            CaseMessage.agent.name.as_alias("agent_name"),
            CaseMessage.agent.display_name.as_alias("agent_display_name"),
            CaseMessage.case.customer.first_name.as_alias("customer_name"),  # type: ignore[union-attr]
        )
        .where(where)
        .order_by(CaseMessage.id, ascending=False)
        .limit(limit + 1)
        .run()
    )
    more = len(rows) > limit
    rows = rows[:limit][::-1]
    files = await attachments.attachments_of(
        caller, [r["id"] for r in rows if r["author_kind"] == "customer"]
    )
    items = [
        MessageView(
            id=r["id"],
            at=r["at"],
            author=r["author_kind"],
            author_name=(r["agent_display_name"] or r["agent_name"] or "")
            if r["author_kind"] == "agent"
            else r["customer_name"],
            body=r["body"],
            attachments=files.get(r["id"], []),
        )
        for r in rows
    ]
    return MessagePage(items, encode_id_cursor("m", rows[0]["id"]) if more else None)


async def _notes(case_id: int) -> list[NoteView]:
    rows = await (
        CaseNote.select(
            CaseNote.id,
            CaseNote.at,
            CaseNote.body,
            CaseNote.agent,
            CaseNote.agent.name.as_alias("agent_name"),
            CaseNote.agent.display_name.as_alias("agent_display_name"),
        )
        .where(CaseNote.case == case_id)
        .order_by(CaseNote.at)
        .order_by(CaseNote.id)
        .run()
    )
    return [
        NoteView(
            id=r["id"],
            at=r["at"],
            agent=AgentRef(r["agent"], r["agent_display_name"] or r["agent_name"]),
            body=r["body"],
        )
        for r in rows
    ]
