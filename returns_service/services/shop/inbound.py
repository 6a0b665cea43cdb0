"""What the shop tells us by webhook besides orders: a fulfilment's delivery (the delivery
date return windows count from), and a refund made by hand in the shop's admin, which shows
on the case (a timeline event, and a payment row so the case's amounts include it). A
webhook delivered twice changes nothing the second time (shop_record, once per key)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from returns_service.db.engine import DB
from returns_service.domain.cases import SYSTEM
from returns_service.domain.errors import InvalidRequest
from returns_service.domain.money import Money, money_from_decimal
from returns_service.domain.text import CURRENCY
from returns_service.services.cases import timeline
from returns_service.services.platform.runtime import Runtime
from returns_service.services.shop import queries

MAX_AMOUNT = 10**12  # what Money accepts anywhere (domain/money.py)


def _when(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError as error:
        raise InvalidRequest(f"{value!r} is not a date and time") from error


async def fulfillment_updated(store_id: int, body: dict[str, Any]) -> int:
    """Shopify's fulfillments/update: a delivered fulfilment dates its lines' delivery.
    Returns how many of our order lines it dated."""
    try:
        order_id = str(body["order_id"])
        lines = [str(item["id"]) for item in body.get("line_items") or []]
        status = body.get("shipment_status")
    except (KeyError, TypeError, AttributeError) as error:
        raise InvalidRequest(f"the Shopify fulfilment could not be read: {error}") from error
    if status != "delivered" or not lines:
        return 0
    at = _when(body.get("delivered_at") or body.get("updated_at"))
    if at is None:
        raise InvalidRequest("a delivered fulfilment needs delivered_at or updated_at")
    return await queries.date_delivery(store_id, order_id, lines, at)


def _refund_amount(body: dict[str, Any]) -> Money:
    total = Decimal(0)
    currency = ""
    for transaction in body.get("transactions") or []:
        if transaction.get("kind") != "refund" or transaction.get("status") != "success":
            continue
        total += Decimal(str(transaction["amount"]))
        currency = str(transaction.get("currency") or currency)
    if not re.fullmatch(CURRENCY, currency):
        raise InvalidRequest("the refund has no successful refund transaction in a currency")
    amount = money_from_decimal(str(total), currency)
    if not 0 < amount.amount <= MAX_AMOUNT:
        raise InvalidRequest("the refund's amount must be positive")
    return amount


async def refund_created(store_id: int, body: dict[str, Any], rt: Runtime) -> str:
    """Shopify's refunds/create. Ours (made by our refundCreate) are known already; one made
    by hand in the Shopify admin lands on the order's latest case. Returns what was done:
    `ours`, `recorded`, `no_case` or `again`."""
    try:
        refund_id = str(body["id"])
        order_id = str(body["order_id"])
        if not re.fullmatch(r"\d{1,30}", refund_id) or not 0 < len(order_id) <= 128:
            raise ValueError("the refund's id or order_id is not one of Shopify's")
        amount = _refund_amount(body)
    except (KeyError, TypeError, ValueError, AttributeError, InvalidOperation) as error:
        raise InvalidRequest(f"the Shopify refund could not be read: {error}") from error
    reference = f"gid://shopify/Refund/{refund_id}"
    note = str(body.get("note") or "")
    async with DB.transaction():
        if await queries.recorded(store_id, f"refund:{refund_id}") is not None:
            return "again"
        if await queries.our_refund(store_id, reference, note):
            return "ours"
        case = await queries.latest_case_of_order(store_id, order_id)
        case_id = case[0] if case else None
        if not await queries.remember(
            store_id=store_id,
            case_id=case_id,
            kind="manual_refund",
            key=f"refund:{refund_id}",
            reference=reference,
            at=rt.clock.now(),
        ):
            return "again"
        if case is None:
            return "no_case"
        await queries.insert_shop_refund(
            store_id=store_id,
            case_id=case[0],
            amount=amount,
            reference=reference,
            key=f"shopify-refund:{refund_id}",
            at=rt.clock.now(),
        )
        await timeline.record(
            store_id=store_id,
            case_id=case[0],
            actor=SYSTEM,
            kind="shop_refund_by_hand",
            params={"amount": amount, "shop": "shopify"},
            detail=f"{reference} {note}".strip(),
            at=rt.clock.now(),
        )
    return "recorded"
