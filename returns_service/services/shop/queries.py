"""The shop package's SQL, all of it: run through db/sql.py with $n placeholders."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from returns_service.db import sql
from returns_service.domain.money import Money


@dataclass(frozen=True, slots=True)
class CaseForShop:
    id: int
    store_id: int
    number: str
    status: str
    shop_order_id: str
    lines: list[tuple[str, int, str]]  # (shop line id, quantity, our reason)
    tracking_number: str | None
    carrier: str | None


async def case_for_shop(case_id: int) -> CaseForShop | None:
    row = await sql.fetchrow(
        """
        SELECT c.id, c.store, c.number, c.status, o.shop_order_id,
               (SELECT json_agg(json_build_array(l.shop_line_id, ci.quantity, ci.reason)
                                ORDER BY ci.id)::text
                  FROM case_item ci JOIN order_line l ON l.id = ci.line
                 WHERE ci."case" = c.id) AS lines,
               lb.tracking_number, lb.carrier
          FROM return_case c JOIN shop_order o ON o.id = c."order"
          LEFT JOIN LATERAL (SELECT tracking_number, carrier FROM label
                              WHERE "case" = c.id AND status = 'active'
                              ORDER BY id DESC LIMIT 1) lb ON true
         WHERE c.id = $1
        """,
        case_id,
    )
    if row is None:
        return None
    lines = [(str(a), int(b), str(c)) for a, b, c in json.loads(row["lines"] or "[]")]
    return CaseForShop(
        row["id"],
        row["store"],
        row["number"],
        row["status"],
        row["shop_order_id"],
        lines,
        row["tracking_number"],
        row["carrier"],
    )


async def current_tracking(case_id: int) -> set[str]:
    """The tracking numbers the case's parcel goes by now: its active label's, the
    customer's own."""
    rows = await sql.fetch(
        """
        SELECT tracking_number FROM label
         WHERE "case" = $1 AND status = 'active' AND tracking_number IS NOT NULL
        UNION ALL
        SELECT tracking_number FROM customer_tracking WHERE "case" = $1
        """,
        case_id,
    )
    return {str(r["tracking_number"]) for r in rows}


async def remember(
    *, store_id: int, case_id: int | None, kind: str, key: str, reference: str, at: datetime
) -> bool:
    """Keep what was written to or seen in the shop; False when that key was kept already."""
    row = await sql.fetchrow(
        """
        INSERT INTO shop_record (store, "case", kind, key, reference, created_at)
        VALUES ($1, $2, $3, $4, $5, $6)
        ON CONFLICT (store, key) DO NOTHING RETURNING id
        """,
        store_id,
        case_id,
        kind,
        key,
        reference,
        at,
    )
    return row is not None


async def recorded(store_id: int, key: str) -> str | None:
    """The shop's reference kept under `key`, if any."""
    row = await sql.fetchrow(
        "SELECT reference FROM shop_record WHERE store = $1 AND key = $2", store_id, key
    )
    return str(row["reference"]) if row else None


async def flag_case(case_id: int, why: str) -> None:
    await sql.execute("UPDATE return_case SET attention = $2 WHERE id = $1", case_id, why)


async def customer_email(case_id: int) -> str:
    row = await sql.fetchrow(
        "SELECT cu.email FROM return_case c JOIN customer cu ON cu.id = c.customer WHERE c.id = $1",
        case_id,
    )
    return str(row["email"]) if row else ""


async def job_pending(case_id: int, topic: str) -> bool:
    """A job of this topic for the case has neither run nor failed for good yet."""
    row = await sql.fetchrow(
        """
        SELECT 1 FROM outbox_message
         WHERE "case" = $1 AND kind = 'job' AND topic = $2
           AND delivered_at IS NULL AND failed_at IS NULL
         LIMIT 1
        """,
        case_id,
        topic,
    )
    return row is not None


async def date_delivery(
    store_id: int, shop_order_id: str, shop_line_ids: list[str], at: datetime
) -> int:
    rows = await sql.fetch(
        """
        UPDATE order_line l SET delivered_at = $4
          FROM shop_order o
         WHERE o.id = l."order" AND o.store = $1 AND o.shop_order_id = $2
           AND l.shop_line_id = ANY($3)
        RETURNING l.id
        """,
        store_id,
        shop_order_id,
        shop_line_ids,
        at,
    )
    return len(rows)


async def our_refund(store_id: int, reference: str, note: str) -> bool:
    """A refund we made: its reference is on one of our payments, or (its answer not written
    back yet) its note is one of ours ("return R-…") on a payment still pending."""
    row = await sql.fetchrow(
        """
        SELECT 1 FROM payment p JOIN return_case c ON c.id = p."case"
         WHERE p.store = $1 AND p.provider = 'shopify'
           AND p.idempotency_key NOT LIKE 'shopify-refund:%'
           AND (p.provider_reference = $2
                OR (p.status = 'pending' AND $3 <> '' AND $3 = 'return ' || c.number))
         LIMIT 1
        """,
        store_id,
        reference,
        note,
    )
    return row is not None


async def latest_case_of_order(store_id: int, shop_order_id: str) -> tuple[int, str] | None:
    row = await sql.fetchrow(
        """
        SELECT c.id, c.number FROM return_case c JOIN shop_order o ON o.id = c."order"
         WHERE c.store = $1 AND o.shop_order_id = $2
         ORDER BY c.created_at DESC, c.id DESC LIMIT 1
           FOR UPDATE OF c
        """,
        store_id,
        shop_order_id,
    )
    return (int(row["id"]), str(row["number"])) if row else None


async def insert_shop_refund(
    *, store_id: int, case_id: int, amount: Money, reference: str, key: str, at: datetime
) -> None:
    """A refund made in the shop, on the case's money (no order line: the shop chose it)."""
    await sql.execute(
        """
        INSERT INTO payment (store, "case", kind, amount, currency, provider, provider_reference,
                             status, idempotency_key, created_at)
        VALUES ($1, $2, 'refund', $3, $4, 'shopify', $5, 'succeeded', $6, $7)
        ON CONFLICT (idempotency_key) DO NOTHING
        """,
        store_id,
        case_id,
        amount.amount,
        amount.currency,
        reference,
        key,
        at,
    )


async def store_ids() -> list[int]:
    return [int(r["id"]) for r in await sql.fetch("SELECT id FROM store ORDER BY id")]


@dataclass(frozen=True, slots=True)
class OrderMoney:
    shop_order_id: str
    latest_case_id: int
    refunded: int  # refunds in the shop we know of (ours confirmed, and those made by hand)
    currency: str


async def orders_to_reconcile(store_id: int, since: datetime) -> list[OrderMoney]:
    """Orders with a case changed since `since`, and what we know was refunded in the shop."""
    rows = await sql.fetch(
        """
        SELECT o.shop_order_id, o.currency,
               (SELECT c2.id FROM return_case c2 WHERE c2."order" = o.id
                 ORDER BY c2.created_at DESC, c2.id DESC LIMIT 1) AS latest_case_id,
               COALESCE((SELECT sum(p.amount) FROM payment p JOIN return_case c3
                           ON c3.id = p."case"
                          WHERE c3."order" = o.id AND p.provider = 'shopify'
                            AND p.kind IN ('refund', 'difference_refund')
                            AND p.status = 'succeeded'), 0)::bigint AS refunded
          FROM shop_order o
         WHERE o.store = $1
           AND EXISTS (SELECT 1 FROM return_case c WHERE c."order" = o.id AND c.updated_at >= $2)
         ORDER BY o.id
        """,
        store_id,
        since,
    )
    return [
        OrderMoney(r["shop_order_id"], r["latest_case_id"], int(r["refunded"]), r["currency"])
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class StaleMoney:
    payment_id: int
    case_id: int
    kind: str
    amount: int
    currency: str


async def stale_pending_money(store_id: int, before: datetime) -> list[StaleMoney]:
    rows = await sql.fetch(
        """
        SELECT id, "case", kind, amount, currency FROM payment
         WHERE store = $1 AND provider = 'shopify' AND status = 'pending' AND created_at < $2
         ORDER BY id
        """,
        store_id,
        before,
    )
    return [StaleMoney(r["id"], r["case"], r["kind"], r["amount"], r["currency"]) for r in rows]


@dataclass(frozen=True, slots=True)
class OurCredit:
    payment_id: int
    case_id: int
    reference: str  # the shop's store-credit account or gift card
    amount: Money


async def credits_to_reconcile(store_id: int, since: datetime) -> list[OurCredit]:
    """Store credit we issued through the shop on cases changed since `since`."""
    rows = await sql.fetch(
        """
        SELECT p.id, p."case", p.provider_reference, p.amount, p.currency
          FROM payment p JOIN return_case c ON c.id = p."case"
         WHERE p.store = $1 AND p.provider = 'shopify' AND p.kind = 'store_credit'
           AND p.status = 'succeeded' AND c.updated_at >= $2
         ORDER BY p.id
        """,
        store_id,
        since,
    )
    return [
        OurCredit(
            r["id"],
            r["case"],
            str(r["provider_reference"] or ""),
            Money(r["amount"], r["currency"]),
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class OurReplacement:
    shipment_id: int
    case_id: int
    sku: str
    quantity: int
    reference: str | None  # the shop's order, None when none was recorded
    pending: bool  # its shop.replacement job has not run (or given up) yet


async def replacements_to_reconcile(store_id: int, since: datetime) -> list[OurReplacement]:
    """Exchanges' replacements shipped on cases changed since `since`, with the shop's order."""
    rows = await sql.fetch(
        """
        SELECT s.id, s."case", s.sku, s.quantity, r.reference,
               EXISTS (SELECT 1 FROM outbox_message m
                        WHERE m."case" = s."case" AND m.kind = 'job'
                          AND m.topic = 'shop.replacement'
                          AND m.delivered_at IS NULL AND m.failed_at IS NULL) AS pending
          FROM shipment s JOIN return_case c ON c.id = s."case"
          LEFT JOIN shop_record r ON r.store = s.store AND r.key = 'replacement:' || s.store
                                                                  || ':' || s.id
         WHERE s.store = $1 AND c.updated_at >= $2
         ORDER BY s.id
        """,
        store_id,
        since,
    )
    return [
        OurReplacement(
            r["id"], r["case"], r["sku"], int(r["quantity"]), r["reference"], bool(r["pending"])
        )
        for r in rows
    ]
