"""What the agent console shows beside a case: the customer's orders with their lines, what
they have bought in all (lifetime value, per currency) and the money the case has moved.
The case view itself (`views.agent_case_view`) is the API's; this adds what its lists only
count, read through the same scope (another agent's case gives nothing here either)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import msgspec

from returns_service.domain.access import Caller
from returns_service.domain.money import Money
from returns_service.services.cases import queries

ORDERS_SHOWN = 20  # the newest orders listed; the lifetime value counts every one


class OrderLineShown(msgspec.Struct, frozen=True):
    sku: str
    title: str
    variant: str
    quantity: int
    unit_price: int  # minor units, in the order's currency


@dataclass(frozen=True, slots=True)
class OrderWithLines:
    number: str
    placed_at: datetime
    total: Money
    lines: list[tuple[OrderLineShown, Money]]  # each line with its unit price as money


@dataclass(frozen=True, slots=True)
class PaymentShown:
    kind: str  # refund | store_credit | charge | charge_reversal | difference_*
    amount: Money
    provider: str
    status: str  # succeeded | to_do_in_shop | failed | pending
    at: datetime


@dataclass(frozen=True, slots=True)
class CaseSurroundings:
    orders: list[OrderWithLines]
    lifetime_value: list[Money]  # one per currency the customer bought in
    payments: list[PaymentShown]


async def case_surroundings(caller: Caller, number: str) -> CaseSurroundings:
    orders = []
    for row in await queries.customer_orders_with_lines(caller, number, ORDERS_SHOWN):
        lines = msgspec.json.decode(row["lines"], type=list[OrderLineShown])
        total = sum(line.quantity * line.unit_price for line in lines)
        orders.append(
            OrderWithLines(
                row["number"],
                row["placed_at"],
                Money(total, row["currency"]),
                [(line, Money(line.unit_price, row["currency"])) for line in lines],
            )
        )
    return CaseSurroundings(
        orders=orders,
        lifetime_value=[
            Money(total, currency)
            for currency, total in await queries.customer_lifetime_value(caller, number)
        ],
        payments=[
            PaymentShown(
                r["kind"],
                Money(r["amount"], r["currency"]),
                r["provider"],
                r["status"],
                r["created_at"],
            )
            for r in await queries.case_payments(caller, number)
        ],
    )
