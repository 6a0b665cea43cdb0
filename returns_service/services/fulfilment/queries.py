"""The fulfilment package's SQL, all of it (services/fulfilment/*.py hold none): labels,
replacements, carrier events, aftercare. Run through db/sql.py with $n placeholders; row locks
(the customer, stock) are taken through db/locks.py."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime

from returns_service.db import sql
from returns_service.db.scope import scope_sql
from returns_service.domain.access import Caller

# ---------------------------------------------------------------------------------------------
# Labels


@dataclass(frozen=True, slots=True)
class ShipFrom:
    address: str | None  # the order's shipping address as JSON text
    first_name: str
    last_name: str
    country: str


async def ship_from(order_id: int, customer_id: int) -> ShipFrom | None:
    row = await sql.fetchrow(
        """SELECT o.shipping_address::text AS address, c.first_name, c.last_name, c.country
             FROM shop_order o, customer c WHERE o.id = $1 AND c.id = $2""",
        order_id,
        customer_id,
    )
    if row is None:
        return None
    return ShipFrom(row["address"], row["first_name"], row["last_name"], row["country"])


async def insert_label(
    *,
    store_id: int,
    case_id: int,
    carrier: str,
    tracking_number: str,
    pdf: bytes | None,
    zpl: str,
    request: str,
    at: datetime,
) -> int | None:
    """A new active label; None when its tracking number is in use already. `request` is
    what the label shows (JSON), to render its PDF later."""
    row = await sql.fetchrow(
        """
        INSERT INTO label (store, "case", carrier, tracking_number, status, pdf, zpl,
                           request, created_at)
        VALUES ($1, $2, $3, $4, 'active', $5, $6, $7::jsonb, $8)
        ON CONFLICT (tracking_number) DO NOTHING
        RETURNING id
        """,
        store_id,
        case_id,
        carrier,
        tracking_number,
        pdf,
        zpl,
        request,
        at,
    )
    return row["id"] if row else None


@dataclass(frozen=True, slots=True)
class LabelContent:
    id: int
    carrier: str
    tracking_number: str
    pdf: bytes | None  # None: a built-in label never printed yet
    zpl: str
    request: str | None  # JSON


async def active_label(case_id: int) -> LabelContent | None:
    """The case's newest active label, with its printable content."""
    row = await sql.fetchrow(
        """SELECT id, carrier, tracking_number, pdf, zpl, request::text FROM label
            WHERE "case" = $1 AND status = 'active' ORDER BY id DESC LIMIT 1""",
        case_id,
    )
    if row is None:
        return None
    return LabelContent(
        row["id"], row["carrier"], row["tracking_number"], row["pdf"], row["zpl"], row["request"]
    )


async def keep_pdf(label_id: int, pdf: bytes) -> None:
    """Keep a label's PDF once rendered (another request may have kept it first)."""
    await sql.execute("UPDATE label SET pdf = $1 WHERE id = $2 AND pdf IS NULL", pdf, label_id)


@dataclass(frozen=True, slots=True)
class GaveUpPurchase:
    """A provider's label whose `label.buy` job gave up on failures that may have come after
    the sale (timeouts, 5xx, 429s): what its jobs learnt, to resume rather than buy anew."""

    label_id: int
    replaces: bool  # the purchase replaces a voided label (the timeline says label_replaced)
    progress: dict[str, str]  # the jobs' notes, oldest first, later notes winning


async def newest_gave_up_purchase(case_id: int, kinds: frozenset[str]) -> GaveUpPurchase | None:
    """The case's newest label when it is `failed` with one of `kinds`, with its jobs' notes.
    Only the newest: an older failed one was followed by another label, already settled."""
    label = await sql.fetchrow(
        """SELECT id, status, failure_kind FROM label
            WHERE "case" = $1 ORDER BY id DESC LIMIT 1""",
        case_id,
    )
    if label is None or label["status"] != "failed" or label["failure_kind"] not in kinds:
        return None
    jobs = await sql.fetch(
        """SELECT payload::text AS payload FROM outbox_message
            WHERE kind = 'job' AND topic = 'label.buy' AND "case" = $1
              AND payload ->> 'label_id' = $2::text
            ORDER BY id""",
        case_id,
        str(label["id"]),
    )
    progress: dict[str, str] = {}
    replaces = False
    for job in jobs:
        payload = json.loads(job["payload"])
        replaces = replaces or bool(payload.get("replaces"))
        notes = payload.get("progress") or {}
        progress.update({str(k): str(v) for k, v in notes.items() if v is not None})
    return GaveUpPurchase(label["id"], replaces, progress)


# ---------------------------------------------------------------------------------------------
# Replacements


async def open_exposure(store_id: int, customer_id: int) -> int:
    """Value of advance replacements out whose originals have not arrived (and not charged)."""
    row = await sql.fetchrow(
        """
        SELECT COALESCE(sum(value_amount), 0) AS open FROM shipment
         WHERE store = $1 AND customer = $2 AND advance AND original_received_at IS NULL
           AND overdue_at IS NULL
        """,
        store_id,
        customer_id,
    )
    assert row is not None  # an aggregate always has its row
    return int(row["open"])


async def unshipped_exchange_items(case_id: int) -> list[sql.Row]:
    """The case's exchange items not settled and without a replacement yet, in id order:
    id, quantity, exchange_sku, exchange_reserved, and the replacement's price_amount and
    currency (None when the variant is gone from the catalogue)."""
    return await sql.fetch(
        """
        SELECT ci.id, ci.quantity, ci.exchange_sku, ci.exchange_reserved, v.price_amount,
               v.currency, ci.price_difference, ci.currency AS paid_currency,
               ci.bonus_amount
          FROM case_item ci
          LEFT JOIN variant v ON v.store = ci.store AND v.sku = ci.exchange_sku
         WHERE ci."case" = $1 AND ci.resolution = 'exchange' AND NOT ci.settled
           AND NOT EXISTS (SELECT 1 FROM shipment s WHERE s.item = ci.id)
         ORDER BY ci.id
        """,
        case_id,
    )


# ---------------------------------------------------------------------------------------------
# Carrier events


async def record_tracking_event(
    *,
    store_id: int,
    carrier: str,
    event_id: str,
    tracking_number: str,
    status: str,
    occurred_at: datetime,
    received_at: datetime,
) -> bool:
    """Keep a carrier's event; False when it was received before (a replay)."""
    row = await sql.fetchrow(
        """
        INSERT INTO tracking_event (store, carrier, event_id, tracking_number, status,
                                    occurred_at, received_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (store, carrier, event_id) DO NOTHING RETURNING id
        """,
        store_id,
        carrier,
        event_id,
        tracking_number,
        status,
        occurred_at,
        received_at,
    )
    return row is not None


# ---------------------------------------------------------------------------------------------
# Aftercare (the worker's jobs, every store)


@dataclass(frozen=True, slots=True)
class AdvanceShipment:
    id: int
    store_id: int
    case_number: str
    return_deadline: date
    reminded_7_at: datetime | None
    reminded_2_at: datetime | None


async def advance_shipments_out() -> list[AdvanceShipment]:
    """Advance replacements whose originals are not back and that were not charged yet,
    earliest deadline first."""
    rows = await sql.fetch(
        """
        SELECT s.id, s.store, s.return_deadline, s.reminded_7_at, s.reminded_2_at,
               c.number
          FROM shipment s JOIN return_case c ON c.id = s."case"
         WHERE s.advance AND s.original_received_at IS NULL AND s.overdue_at IS NULL
         ORDER BY s.return_deadline, s.id
        """
    )
    return [
        AdvanceShipment(
            r["id"],
            r["store"],
            r["number"],
            r["return_deadline"],
            r["reminded_7_at"],
            r["reminded_2_at"],
        )
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class CaseShipment:
    id: int
    store_id: int
    case_number: str


async def delivered_without_follow_up(delivered_by: datetime) -> list[CaseShipment]:
    """Replacements delivered by then whose "did it fit?" was not sent yet."""
    rows = await sql.fetch(
        """
        SELECT s.id, s.store, c.number FROM shipment s JOIN return_case c ON c.id = s."case"
         WHERE s.delivered_at IS NOT NULL AND s.delivered_at <= $1 AND s.follow_up_sent_at IS NULL
         ORDER BY s.id
        """,
        delivered_by,
    )
    return [CaseShipment(r["id"], r["store"], r["number"]) for r in rows]


async def approved_and_unsent(approved_by: datetime) -> list[tuple[int, str]]:
    """(store, number) of the cases approved by then and still approved (their parcel never
    left), not yet handed to their concierge by an earlier pass (`expiry_held`)."""
    rows = await sql.fetch(
        """
        SELECT c.store, c.number FROM return_case c
         WHERE c.status = 'approved'
           AND NOT EXISTS (SELECT 1 FROM case_event h
                            WHERE h."case" = c.id AND h.kind = 'expiry_held')
           AND NOT EXISTS (SELECT 1 FROM customer_tracking t WHERE t."case" = c.id)
           AND (SELECT max(e.at) FROM case_event e
                 WHERE e."case" = c.id AND e.to_status = 'approved') <= $1
        """,
        approved_by,
    )
    return [(r["store"], r["number"]) for r in rows]


async def save_rating(
    *, store_id: int, case_id: int, rating: int, comment: str, at: datetime
) -> bool:
    """The customer's rating of an exchange, once: False when the case was rated already."""
    row = await sql.fetchrow(
        """
        INSERT INTO follow_up (store, "case", rating, comment, at) VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT ("case") DO NOTHING RETURNING id
        """,
        store_id,
        case_id,
        rating,
        comment,
        at,
    )
    return row is not None


# ---------------------------------------------------------------------------------------------
# The station's search for a parcel without a readable label

# Cases found by their order's number (exact), their customer's email (stored lower-cased)
# or the start of a first or last name, or a first name and the start of the last ($5, $6);
# names are compared as ranges in the "C" collation, which the customer_*_name_prefix
# indexes serve whatever the parameters. Newest first, paged by case id.
_PARCEL_SEARCH = """
WITH hits AS (
  SELECT rc.id FROM shop_order o JOIN return_case rc ON rc."order" = o.id
   WHERE o.store = $1 AND o.number = $2
  UNION
  SELECT rc.id FROM customer c
    JOIN return_case rc ON rc.store = c.store AND rc.customer = c.id
   WHERE c.store = $1
     AND (c.email = $3
          OR (lower(c.first_name) COLLATE "C" >= $4 AND lower(c.first_name) COLLATE "C" < $5)
          OR (lower(c.last_name) COLLATE "C" >= $4 AND lower(c.last_name) COLLATE "C" < $5)
          OR (lower(c.first_name) COLLATE "C" = $6
              AND lower(c.last_name) COLLATE "C" >= $7 AND lower(c.last_name) COLLATE "C" < $8))
)
SELECT rc.id, rc.number, rc.status, rc.created_at, o.number AS order_number,
       c.first_name, c.last_name,
       (SELECT json_agg(json_build_object('sku', l.sku, 'quantity', ci.quantity)
                        ORDER BY ci.id)::text
          FROM case_item ci JOIN order_line l ON l.id = ci.line
         WHERE ci."case" = rc.id) AS items
  FROM hits
  JOIN return_case rc ON rc.id = hits.id
  JOIN shop_order o ON o.id = rc."order"
  JOIN customer c ON c.id = rc.customer
 WHERE rc.status = ANY($9) AND rc.id < $10 AND {scope}
 ORDER BY rc.id DESC
 LIMIT $11
"""


def parcel_search_statement(
    caller: Caller,
    *,
    order_number: str,
    email: str,
    name: tuple[str, str],
    full_name: tuple[str, str, str],
    statuses: list[str],
    before_id: int,
    limit: int,
) -> sql.Statement:
    """`name` and the last two of `full_name` are [from, to) ranges of lower-cased names."""
    condition, args = scope_sql(caller, "return_case", "rc", first=12)
    values = [caller.store_id, order_number, email, *name, *full_name, statuses, before_id]
    return _PARCEL_SEARCH.format(scope=condition), [*values, limit, *args]


async def parcel_search(statement: sql.Statement) -> list[sql.Row]:
    return await sql.fetch_all(statement)


async def unreturned_advance(customer_id: int, case_id: int) -> str | None:
    """The number of another case of this customer whose advance replacement's original never
    came back (charged as overdue, or the case expired); None when there is none."""
    row = await sql.fetchrow(
        """
        SELECT rc.number FROM shipment s JOIN return_case rc ON rc.id = s."case"
         WHERE s.customer = $1 AND s."case" <> $2 AND s.advance
           AND s.original_received_at IS NULL
           AND (s.overdue_at IS NOT NULL OR rc.status = 'expired')
         ORDER BY s.id LIMIT 1
        """,
        customer_id,
        case_id,
    )
    return None if row is None else str(row["number"])
