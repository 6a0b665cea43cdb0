"""Orders coming in from the shop: an idempotent upsert keyed on the shop's order id."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg
import msgspec

from returns_service.clock import Clock
from returns_service.db.engine import DB
from returns_service.domain.access import Caller
from returns_service.domain.errors import Conflict, DomainError, InvalidRequest
from returns_service.domain.orders import OrderDocument, normalize_email
from returns_service.services.store import queries


@dataclass(frozen=True, slots=True)
class UpsertedOrder:
    id: int
    number: str
    created: bool


async def import_orders(caller: Caller, docs: Sequence[OrderDocument], clock: Clock) -> int:
    """Every order of an import in one transaction: a conflict on the last one leaves the first
    ones unsaved too. Returns how many were new."""
    created = 0
    async with DB.transaction():
        for doc in docs:
            try:
                created += (await upsert_order(caller, doc, clock)).created
            except (DomainError, asyncpg.PostgresError) as error:
                why = error.detail if isinstance(error, DomainError) else str(error)
                raise InvalidRequest(
                    f"order {doc.shop_order_id} (number {doc.number}): {why}; nothing was imported"
                ) from error
    return created


async def upsert_order(caller: Caller, doc: OrderDocument, clock: Clock) -> UpsertedOrder:
    """Create the order, or bring it up to date when the shop sends it again.

    Lines are matched by `shop_line_id`; a line missing from a later document is kept, because
    a return case may already cover it. Each line keeps the price the customer paid.
    """
    doc.check()
    try:
        return await _upsert(caller.store_id, doc, clock.now())
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name == "shop_order_unique_number":
            raise Conflict(
                f"order number {doc.number} already belongs to another shop order",
                field="number",
            ) from error
        raise


async def _upsert(store: int, doc: OrderDocument, now: datetime) -> UpsertedOrder:
    c = doc.customer
    async with DB.transaction():
        customer_id = await queries.upsert_customer(
            store_id=store,
            email=normalize_email(c.email),
            first_name=c.first_name,
            last_name=c.last_name,
            language=c.language,
            country=c.country or (doc.shipping_address.country if doc.shipping_address else ""),
            at=now,
        )
        if c.tags is not None:
            await queries.set_customer_tags(customer_id, msgspec.json.encode(c.tags).decode())
        address = msgspec.to_builtins(doc.shipping_address) if doc.shipping_address else {}
        order_id, created = await queries.upsert_order(
            store_id=store,
            shop_order_id=doc.shop_order_id,
            number=doc.number,
            customer_id=customer_id,
            placed_at=doc.placed_at,
            currency=doc.currency,
            shipping_address=msgspec.json.encode(address).decode(),
            payment_reference=doc.payment_reference or "",
            at=now,
        )
        for line in doc.lines:
            await queries.upsert_order_line(
                store_id=store,
                order_id=order_id,
                shop_line_id=line.shop_line_id,
                sku=line.sku,
                product_key=line.product_id,
                quantity=line.quantity,
                unit_price_amount=line.unit_price.amount,
                currency=line.unit_price.currency,
                final_sale=line.final_sale,
                delivered_at=line.delivered_at,
            )
    return UpsertedOrder(id=order_id, number=doc.number, created=created)
