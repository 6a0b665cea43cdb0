"""An order's lines with what the policy allows for each, read in one query."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from returns_service.clock import Clock
from returns_service.db import locks
from returns_service.domain.access import Caller
from returns_service.domain.errors import NotFound
from returns_service.domain.money import Money
from returns_service.domain.policy import (
    LineFacts,
    ReturnPolicy,
    evaluate_line,
)
from returns_service.services.store import queries
from returns_service.services.store.policy import get_policy
from returns_service.services.store.schemas import OrderLineView
from returns_service.services.store.stores import get_store


@dataclass(frozen=True, slots=True)
class EvaluatedLine:
    view: OrderLineView
    covered: int  # units already held by return cases
    product_key: str | None

    @property
    def unreturned(self) -> int:
        return self.view.quantity - self.covered


@dataclass(frozen=True, slots=True)
class EvaluatedOrder:
    id: int
    number: str
    placed_at: datetime
    currency: str
    customer_id: int
    lines: list[EvaluatedLine]
    policy: ReturnPolicy  # the policy the lines were judged by
    customer_first_name: str
    customer_language: str
    customer_email: str

    def line(self, line_id: int) -> EvaluatedLine | None:
        return next((line for line in self.lines if line.view.id == line_id), None)


async def evaluate_order(
    caller: Caller, order_id: int, clock: Clock, *, lock: bool = False
) -> EvaluatedOrder:
    """The order (read through the caller's scope) and each line's eligibility now.

    With `lock`, the order's lines are locked until the transaction ends, so two cases opened
    at the same moment cannot both claim the same units.
    """
    if lock:  # in its own statement: the read below must see what was committed meanwhile
        await locks.lock_order_lines(caller, order_id)
    rows = await queries.order_with_lines(caller, order_id)
    if not rows:
        raise NotFound("order not found")
    order = rows[0]
    if order["id"] is None:  # an order without lines
        rows = []
    policy = await get_policy(caller.store_id)
    tz = (await get_store(caller.store_id)).tz
    now = clock.now()
    lines = []
    for row in rows:
        facts = LineFacts(
            sku=row["sku"],
            product_id=row["product_key"],
            category=row["category"] or None,
            quantity=row["quantity"],
            final_sale=row["final_sale"],
            placed_at=order["placed_at"],
            delivered_at=row["delivered_at"],
        )
        eligibility = evaluate_line(policy, facts, already_covered=row["covered"], now=now, tz=tz)
        view = OrderLineView(
            id=row["id"],
            sku=row["sku"],
            title=row["title"],
            variant=row["variant_title"] or "",
            category=row["category"],
            quantity=row["quantity"],
            unit_price=Money(row["unit_price_amount"], row["currency"]),
            final_sale=row["final_sale"],
            delivered_at=row["delivered_at"],
            returnable_quantity=eligibility.returnable_quantity,
            return_by=eligibility.return_by,
            ineligible_reason=eligibility.ineligible_reason,
        )
        lines.append(EvaluatedLine(view, int(row["covered"]), row["product_key"]))
    return EvaluatedOrder(
        id=order["order_id"],
        number=order["number"],
        placed_at=order["placed_at"],
        currency=order["order_currency"],
        customer_id=order["customer"],
        lines=lines,
        policy=policy,
        customer_first_name=order["customer_first_name"],
        customer_language=order["customer_language"],
        customer_email=order["customer_email"],
    )
