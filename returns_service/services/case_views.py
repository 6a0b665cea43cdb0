"""Reading one case: as everyone sees it, and the agent's fuller view with the customer's
history. The lists (queues, boards) are in `case_lists.py`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import msgspec

from returns_service.db.scope import readable
from returns_service.db.tables import (
    CaseEvent,
    CaseItem,
    CaseMessage,
    CaseNote,
    Customer,
    Label,
    Payment,
    ReturnCase,
    Shipment,
    ShopOrder,
)
from returns_service.domain.access import Caller
from returns_service.domain.cases import RELEASED_STATUSES, CaseStatus
from returns_service.domain.errors import NotFound
from returns_service.domain.money import Money


class AgentRef(msgspec.Struct, frozen=True):
    id: int
    display_name: str


class CaseItemView(msgspec.Struct, frozen=True):
    line_id: int
    sku: str
    title: str
    quantity: int
    reason: str
    resolution: str
    exchange_sku: str | None
    condition: str | None
    disposition: str | None
    unit_price: Money
    outside_policy_reason: str | None


class LabelView(msgspec.Struct, frozen=True):
    carrier: str
    tracking_number: str
    label_url: str


class ExchangeView(msgspec.Struct, frozen=True):
    sku: str
    status: str  # waiting | reserved | shipped | delivered | cancelled
    advance: bool
    tracking_number: str | None
    return_deadline: date | None


class RefundView(msgspec.Struct, frozen=True):
    amount: Money
    method: str
    status: str


class TimelineEntry(msgspec.Struct, frozen=True, omit_defaults=True):
    at: datetime
    kind: str
    text: str
    from_status: str | None = None
    to_status: str | None = None
    actor: str | None = None  # agents only
    detail: str | None = None  # agents only


class CaseView(msgspec.Struct, frozen=True):
    number: str
    status: CaseStatus
    order_number: str
    created_at: datetime
    updated_at: datetime
    items: list[CaseItemView]
    agent: AgentRef | None
    label: LabelView | None
    exchange: ExchangeView | None
    refund: RefundView | None
    timeline: list[TimelineEntry]
    comment: str
    outside_policy: bool
    approved_as_exception: bool
    reject_reason: str | None


class MessageView(msgspec.Struct, frozen=True):
    id: int
    at: datetime
    author: str  # customer | agent
    author_name: str
    body: str


class NoteView(msgspec.Struct, frozen=True):
    id: int
    at: datetime
    agent: AgentRef
    body: str


class OrderSummary(msgspec.Struct, frozen=True):
    number: str
    placed_at: datetime
    total: Money
    lines: int


class CaseRef(msgspec.Struct, frozen=True):
    number: str
    status: CaseStatus
    created_at: datetime
    agent: AgentRef | None


class CustomerView(msgspec.Struct, frozen=True):
    email: str
    name: str
    language: str
    country: str
    orders: list[OrderSummary]
    cases: list[CaseRef]


class AgentCaseView(CaseView, frozen=True):
    customer: CustomerView
    messages: list[MessageView]
    notes: list[NoteView]
    awaiting_reply: bool


CASE_COLUMNS = (
    ReturnCase.id,
    ReturnCase.number,
    ReturnCase.status,
    ReturnCase.created_at,
    ReturnCase.updated_at,
    ReturnCase.comment,
    ReturnCase.outside_policy,
    ReturnCase.approved_as_exception,
    ReturnCase.reject_reason,
    ReturnCase.awaiting_reply,
    ReturnCase.customer,
    ReturnCase.agent,
    ReturnCase.order.number.as_alias("order_number"),
    ReturnCase.agent.name.as_alias("agent_name"),
    ReturnCase.agent.display_name.as_alias("agent_display_name"),
)


def agent_ref(row: dict[str, Any]) -> AgentRef | None:
    if row["agent"] is None:
        return None
    return AgentRef(row["agent"], row["agent_display_name"] or row["agent_name"])


async def items_by_case(case_ids: list[int]) -> dict[int, list[CaseItemView]]:
    if not case_ids:
        return {}
    rows = await CaseItem.raw(
        """
        SELECT ci."case", ci.line, l.sku, COALESCE(p.title, l.sku) AS title, ci.quantity,
               ci.reason, ci.resolution, ci.exchange_sku, ci.condition, ci.disposition,
               ci.unit_price_amount, ci.currency, ci.outside_policy_reason, ci.exchange_reserved
          FROM case_item ci
          JOIN order_line l ON l.id = ci.line
          LEFT JOIN variant v ON v.store = l.store AND v.sku = l.sku
          LEFT JOIN product p ON p.id = v.product
         WHERE ci."case" = ANY({})
         ORDER BY ci.id
        """,
        case_ids,
    ).run()
    grouped: dict[int, list[CaseItemView]] = {}
    for r in rows:
        grouped.setdefault(r["case"], []).append(
            CaseItemView(
                line_id=r["line"],
                sku=r["sku"],
                title=r["title"],
                quantity=r["quantity"],
                reason=r["reason"],
                resolution=r["resolution"],
                exchange_sku=r["exchange_sku"],
                condition=r["condition"],
                disposition=r["disposition"],
                unit_price=Money(r["unit_price_amount"], r["currency"]),
                outside_policy_reason=r["outside_policy_reason"],
            )
        )
    return grouped


@dataclass(frozen=True, slots=True)
class Fulfilment:
    """What has happened to the goods and the money of some cases, read in three queries."""

    reserved: set[tuple[int, str]]
    shipments: dict[int, dict[str, Any]]  # case id -> first replacement shipment
    labels: dict[int, dict[str, Any]]  # case id -> active label
    refunds: dict[int, RefundView]

    @classmethod
    async def load(cls, case_ids: list[int]) -> Fulfilment:
        if not case_ids:
            return cls(set(), {}, {}, {})
        reserved = await CaseItem.select(CaseItem.case, CaseItem.exchange_sku).where(
            CaseItem.case.is_in(case_ids) & (CaseItem.exchange_reserved == True)  # noqa: E712
        )
        shipments: dict[int, dict[str, Any]] = {}
        for row in (
            await Shipment.select().where(Shipment.case.is_in(case_ids)).order_by(Shipment.id)
        ):
            shipments.setdefault(row["case"], row)
        labels = {
            row["case"]: row
            for row in await Label.select(Label.case, Label.carrier, Label.tracking_number).where(
                Label.case.is_in(case_ids) & (Label.status == "active")
            )
        }
        refunds: dict[int, RefundView] = {}
        rows = await Payment.raw(
            """
            SELECT "case", currency, sum(amount) AS amount,
                   array_agg(DISTINCT kind) AS kinds, array_agg(DISTINCT status) AS statuses
              FROM payment WHERE "case" = ANY({}) AND kind IN ('refund', 'store_credit')
             GROUP BY "case", currency
            """,
            case_ids,
        ).run()
        for row in rows:
            kinds = set(row["kinds"])
            refunds[row["case"]] = RefundView(
                amount=Money(int(row["amount"]), row["currency"]),
                method=kinds.pop() if len(kinds) == 1 else "mixed",
                status="to_do_in_shop" if "to_do_in_shop" in row["statuses"] else "succeeded",
            )
        return cls({(r["case"], r["exchange_sku"]) for r in reserved}, shipments, labels, refunds)

    def label(self, case_id: int, number: str) -> LabelView | None:
        row = self.labels.get(case_id)
        if row is None:
            return None
        url = f"/api/v1/portal/returns/{number}/label.pdf"
        return LabelView(row["carrier"], row["tracking_number"], url)

    def exchange(
        self, case_id: int, status: CaseStatus, items: list[CaseItemView]
    ) -> ExchangeView | None:
        shipment = self.shipments.get(case_id)
        for item in items:
            if item.resolution != "exchange" or not item.exchange_sku:
                continue
            if shipment is not None:
                state = "delivered" if shipment["delivered_at"] else "shipped"
                return ExchangeView(
                    shipment["sku"],
                    state,
                    shipment["advance"],
                    shipment["tracking_number"],
                    shipment["return_deadline"],
                )
            if (case_id, item.exchange_sku) in self.reserved:
                state = "reserved"
            elif status in RELEASED_STATUSES or status is CaseStatus.CLOSED:
                state = "cancelled"
            else:
                state = "waiting"
            return ExchangeView(item.exchange_sku, state, False, None, None)
        return None


async def _case_row(caller: Caller, number: str) -> dict[str, Any]:
    row = await (
        ReturnCase.select(*CASE_COLUMNS)
        .where(readable(caller, ReturnCase) & (ReturnCase.number == number))
        .first()
        .run()
    )
    if row is None:
        raise NotFound(f"there is no case {number}")
    return row


async def _timeline(caller: Caller, case_id: int) -> list[TimelineEntry]:
    rows = await (
        CaseEvent.select()
        .where(readable(caller, CaseEvent) & (CaseEvent.case == case_id))
        .order_by(CaseEvent.at)
        .order_by(CaseEvent.id)
        .run()
    )
    staff = caller.is_staff()
    return [
        TimelineEntry(
            at=r["at"],
            kind=r["kind"],
            text=r["text"],
            from_status=r["from_status"],
            to_status=r["to_status"],
            actor=f"{r['actor_kind']}:{r['actor_name']}" if staff else None,
            detail=(r["detail"] or None) if staff else None,
        )
        for r in rows
    ]


async def case_view(caller: Caller, number: str) -> CaseView:
    """The case as the caller may see it (customers: the customer-facing timeline)."""
    return await _view(caller, await _case_row(caller, number))


async def _view(caller: Caller, row: dict[str, Any]) -> CaseView:
    items = (await items_by_case([row["id"]])).get(row["id"], [])
    fulfilment = await Fulfilment.load([row["id"]])
    status = CaseStatus(row["status"])
    return CaseView(
        number=row["number"],
        status=status,
        order_number=row["order_number"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        items=items,
        agent=agent_ref(row),
        label=fulfilment.label(row["id"], row["number"]),
        exchange=fulfilment.exchange(row["id"], status, items),
        refund=fulfilment.refunds.get(row["id"]),
        timeline=await _timeline(caller, row["id"]),
        comment=row["comment"],
        outside_policy=row["outside_policy"],
        approved_as_exception=row["approved_as_exception"],
        reject_reason=row["reject_reason"],
    )


async def agent_case_view(caller: Caller, number: str) -> AgentCaseView:
    """The case plus everything about the customer on one screen."""
    row = await _case_row(caller, number)
    base = await _view(caller, row)
    return AgentCaseView(
        **msgspec.structs.asdict(base),
        customer=await _customer_view(caller.store_id, row["customer"]),
        messages=await _messages(caller, row["id"]),
        notes=await _notes(row["id"]),
        awaiting_reply=row["awaiting_reply"],
    )


async def _customer_view(store_id: int, customer_id: int) -> CustomerView:
    # The case's owner sees the customer's whole history with the store (customer 360).
    customer = await Customer.select().where(
        (Customer.store == store_id) & (Customer.id == customer_id)
    )
    c = customer[0]
    orders = await ShopOrder.raw(
        """
        SELECT o.number, o.placed_at, o.currency,
               COALESCE(sum(l.quantity * l.unit_price_amount), 0) AS total,
               count(l.id) AS lines
          FROM shop_order o LEFT JOIN order_line l ON l."order" = o.id
         WHERE o.store = {} AND o.customer = {}
         GROUP BY o.id ORDER BY o.placed_at DESC
        """,
        store_id,
        customer_id,
    ).run()
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
                number=o["number"],
                placed_at=o["placed_at"],
                total=Money(int(o["total"]), o["currency"]),
                lines=int(o["lines"]),
            )
            for o in orders
        ],
        cases=[
            CaseRef(r["number"], CaseStatus(r["status"]), r["created_at"], agent_ref(r))
            for r in cases
        ],
    )


async def messages(caller: Caller, number: str) -> list[MessageView]:
    return await _messages(caller, (await _case_row(caller, number))["id"])


async def _messages(caller: Caller, case_id: int) -> list[MessageView]:
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
        .where(readable(caller, CaseMessage) & (CaseMessage.case == case_id))
        .order_by(CaseMessage.at)
        .order_by(CaseMessage.id)
        .run()
    )
    return [
        MessageView(
            id=r["id"],
            at=r["at"],
            author=r["author_kind"],
            author_name=(r["agent_display_name"] or r["agent_name"] or "")
            if r["author_kind"] == "agent"
            else r["customer_name"],
            body=r["body"],
        )
        for r in rows
    ]


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
