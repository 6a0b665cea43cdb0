"""Orders coming in from the shop: an idempotent upsert keyed on the shop's order id."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import asyncpg
import msgspec

from returns_service.clock import Clock
from returns_service.db.engine import DB
from returns_service.db.tables import Customer, OrderLine, ShopOrder
from returns_service.domain.access import Caller
from returns_service.domain.errors import Conflict
from returns_service.domain.orders import OrderDocument, normalize_email


@dataclass(frozen=True, slots=True)
class UpsertedOrder:
    id: int
    number: str
    created: bool


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
        customer_rows = await Customer.raw(
            """
            INSERT INTO customer (store, email, first_name, last_name, language, country,
                                  created_at)
            VALUES ({}, {}, {}, {}, {}, {}, {})
            ON CONFLICT (store, email) DO UPDATE
               SET first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
                   language = EXCLUDED.language,
                   country = COALESCE(NULLIF(EXCLUDED.country, ''), customer.country)
            RETURNING id
            """,
            store,
            normalize_email(c.email),
            c.first_name,
            c.last_name,
            c.language,
            c.country or (doc.shipping_address.country if doc.shipping_address else ""),
            now,
        ).run()
        customer_id = customer_rows[0]["id"]
        address = msgspec.to_builtins(doc.shipping_address) if doc.shipping_address else {}
        order_rows = await ShopOrder.raw(
            """
            INSERT INTO shop_order (store, shop_order_id, number, customer, placed_at, currency,
                                    shipping_address, payment_reference, created_at, updated_at)
            VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {})
            ON CONFLICT (store, shop_order_id) DO UPDATE
               SET number = EXCLUDED.number, customer = EXCLUDED.customer,
                   placed_at = EXCLUDED.placed_at, currency = EXCLUDED.currency,
                   shipping_address = EXCLUDED.shipping_address,
                   payment_reference = EXCLUDED.payment_reference,
                   updated_at = EXCLUDED.updated_at
            RETURNING id, (xmax = 0) AS created
            """,
            store,
            doc.shop_order_id,
            doc.number,
            customer_id,
            doc.placed_at,
            doc.currency,
            msgspec.json.encode(address).decode(),
            doc.payment_reference or "",
            now,
            now,
        ).run()
        order_id, created = order_rows[0]["id"], order_rows[0]["created"]
        for line in doc.lines:
            await OrderLine.raw(
                """
                INSERT INTO order_line (store, "order", shop_line_id, sku, product_key, quantity,
                                        unit_price_amount, currency, final_sale, delivered_at)
                VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {})
                ON CONFLICT ("order", shop_line_id) DO UPDATE
                   SET sku = EXCLUDED.sku, product_key = EXCLUDED.product_key,
                       final_sale = EXCLUDED.final_sale, delivered_at = EXCLUDED.delivered_at,
                       -- once a return covers the line, what was paid is fixed: refunds are
                       -- capped by it
                       quantity = CASE WHEN EXISTS (SELECT 1 FROM case_item ci
                                                    WHERE ci.line = order_line.id)
                                       THEN order_line.quantity ELSE EXCLUDED.quantity END,
                       unit_price_amount = CASE WHEN EXISTS (SELECT 1 FROM case_item ci
                                                             WHERE ci.line = order_line.id)
                                       THEN order_line.unit_price_amount
                                       ELSE EXCLUDED.unit_price_amount END,
                       currency = CASE WHEN EXISTS (SELECT 1 FROM case_item ci
                                                    WHERE ci.line = order_line.id)
                                       THEN order_line.currency ELSE EXCLUDED.currency END
                """,
                store,
                order_id,
                line.shop_line_id,
                line.sku,
                line.product_id,
                line.quantity,
                line.unit_price.amount,
                line.unit_price.currency,
                line.final_sale,
                line.delivered_at,
            ).run()
    return UpsertedOrder(id=order_id, number=doc.number, created=created)
