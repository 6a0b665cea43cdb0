"""An order's lines with what the policy allows for each, read in one query."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any

import msgspec

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
from returns_service.services.store.policy import get_policy_version
from returns_service.services.store.schemas import OrderLineView
from returns_service.services.store.stores import get_store


@dataclass(frozen=True, slots=True)
class EvaluatedLine:
    view: OrderLineView
    covered: int  # units already held by return cases
    product_key: str | None
    facts: LineFacts | None = None  # what the policy's rules know of it (no reason yet)

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
    customer_country: str = ""
    shipping_address: dict[str, Any] = field(default_factory=dict)
    policy_version: int | None = None  # the published version `policy` is (None: defaults)

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
    policy_version, policy = await get_policy_version(caller.store_id)
    tz = (await get_store(caller.store_id)).tz
    now = clock.now()
    address: dict[str, Any] = msgspec.json.decode(order["shipping_address"] or "{}")
    country = order["customer_country"] or str(address.get("country") or "")
    history = await _history(policy, order["customer"], now)
    total = sum(row["unit_price_amount"] * row["quantity"] for row in rows)
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
            unit_price=Money(row["unit_price_amount"], row["currency"]),
            country=country or None,
            customer_tags=tuple(msgspec.json.decode(order["customer_tags"] or "[]")),
            order_total=Money(total, row["currency"]),
            days_since_delivery=_days_since(row["delivered_at"], now, tz),
            customer_returns_last_365_days=history[0],
            customer_refunded_last_365_days=history[1],
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
        lines.append(EvaluatedLine(view, int(row["covered"]), row["product_key"], facts))
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
        customer_country=country,
        shipping_address=address,
        policy_version=policy_version,
    )


def _days_since(delivered_at: datetime | None, now: datetime, tz: tzinfo) -> int | None:
    if delivered_at is None:
        return None
    return (now.astimezone(tz).date() - delivered_at.astimezone(tz).date()).days


async def _history(
    policy: ReturnPolicy, customer_id: int, now: datetime
) -> tuple[int | None, Money | None]:
    """The customer's returns and refunded value in the last 365 days, read only when a rule
    tests them (every portal page evaluates the order)."""
    wanted = any(
        rule.when is not None
        and (
            rule.when.customer_returns_last_365_days_at_least is not None
            or rule.when.customer_refunded_last_365_days_at_least is not None
        )
        for rule in policy.rules
    )
    if not wanted:
        return None, None
    cases, refunded, currency = await queries.customer_history(
        customer_id, now - timedelta(days=365)
    )
    return cases, Money(refunded, currency) if currency else None
