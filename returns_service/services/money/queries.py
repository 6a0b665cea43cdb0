"""The money package's SQL, all of it (services/money/*.py hold none): run through db/sql.py
with $n placeholders. The order lines a refund is capped by are locked through db/locks.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from returns_service.db import sql


async def refunded_per_line(line_ids: list[int]) -> dict[int, int]:
    """What was refunded or credited so far for each of these order lines (absent: nothing)."""
    rows = await sql.fetch(
        "SELECT line, sum(amount) AS total FROM payment "
        "WHERE line = ANY($1) AND kind IN ('refund', 'store_credit') "
        # an unknown payment is not counted: the line is paid again by resuming it
        "AND status NOT IN ('failed', 'unknown') GROUP BY line",
        line_ids,
    )
    return {r["line"]: int(r["total"]) for r in rows}


async def add_to_credit(credit_id: int, amount: int) -> None:
    await sql.execute(
        "UPDATE store_credit SET balance = balance + $1 WHERE id = $2", amount, credit_id
    )


@dataclass(frozen=True, slots=True)
class Charge:
    id: int
    amount: int
    currency: str
    shipment: int
    provider_reference: str


async def unreversed_charges(case_id: int) -> list[Charge]:
    """The case's charges for replacements (not failed) that were not given back yet."""
    rows = await sql.fetch(
        """
        SELECT p.id, p.amount, p.currency, p.shipment, p.provider_reference FROM payment p
         WHERE p."case" = $1 AND p.kind = 'charge' AND p.status <> 'failed'
           AND NOT EXISTS (SELECT 1 FROM payment r WHERE r.kind = 'charge_reversal'
                            AND r.shipment = p.shipment)
        """,
        case_id,
    )
    return [
        Charge(r["id"], r["amount"], r["currency"], r["shipment"], r["provider_reference"])
        for r in rows
    ]


@dataclass(frozen=True, slots=True)
class DifferenceDue:
    id: int
    price_difference: int
    currency: str


async def differences_to_refund(case_id: int) -> list[DifferenceDue]:
    """Exchange items of the case whose cheaper replacement shipped and whose difference was
    not refunded yet."""
    rows = await sql.fetch(
        """
        SELECT ci.id, ci.price_difference, ci.currency FROM case_item ci
         WHERE ci."case" = $1 AND ci.resolution = 'exchange' AND ci.price_difference < 0
           AND EXISTS (SELECT 1 FROM shipment s WHERE s.item = ci.id)
           AND NOT EXISTS (SELECT 1 FROM payment p WHERE p.kind = 'difference_refund'
                            AND p."case" = ci."case"
                            AND p.idempotency_key = 'difference:' || ci.store || ':' || ci.id)
         ORDER BY ci.id
        """,
        case_id,
    )
    return [DifferenceDue(r["id"], r["price_difference"], r["currency"]) for r in rows]


@dataclass(frozen=True, slots=True)
class PaymentRow:
    id: int
    store_id: int
    case_id: int
    case_number: str
    line_id: int | None
    shipment_id: int | None
    kind: str
    amount: int
    currency: str
    provider: str
    provider_reference: str
    status: str
    idempotency_key: str


async def payment(payment_id: int) -> PaymentRow | None:
    row = await sql.fetchrow(
        """
        SELECT p.id, p.store, p."case", c.number, p.line, p.shipment, p.kind, p.amount,
               p.currency, p.provider, p.provider_reference, p.status, p.idempotency_key
          FROM payment p JOIN return_case c ON c.id = p."case"
         WHERE p.id = $1
        """,
        payment_id,
    )
    if row is None:
        return None
    return PaymentRow(
        row["id"],
        row["store"],
        row["case"],
        row["number"],
        row["line"],
        row["shipment"],
        row["kind"],
        row["amount"],
        row["currency"],
        row["provider"],
        row["provider_reference"],
        row["status"],
        row["idempotency_key"],
    )


async def insert_pending_payment(
    *,
    store_id: int,
    case_id: int,
    line_id: int | None,
    shipment_id: int | None,
    kind: str,
    amount: int,
    currency: str,
    provider: str,
    key: str,
    at: datetime,
) -> int:
    row = await sql.fetchrow(
        """
        INSERT INTO payment (store, "case", line, shipment, kind, amount, currency, provider,
                             provider_reference, status, idempotency_key, created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, '', 'pending', $9, $10)
        RETURNING id
        """,
        store_id,
        case_id,
        line_id,
        shipment_id,
        kind,
        amount,
        currency,
        provider,
        key,
        at,
    )
    assert row is not None
    return int(row["id"])


async def finish_payment(payment_id: int, provider: str, reference: str, status: str) -> bool:
    """Write a pending payment's outcome; False when it was written already (a retry)."""
    row = await sql.fetchrow(
        "UPDATE payment SET provider = $2, provider_reference = $3, status = $4 "
        "WHERE id = $1 AND status = 'pending' RETURNING id",
        payment_id,
        provider,
        reference,
        status,
    )
    return row is not None


async def keys_like(prefix: str) -> int:
    """How many payments have a key starting with `prefix` (earlier attempts that failed)."""
    row = await sql.fetchrow(
        "SELECT count(*) AS n FROM payment WHERE idempotency_key = $1 "
        "OR idempotency_key LIKE $1 || ':again%'",
        prefix,
    )
    return int(row["n"]) if row else 0


@dataclass(frozen=True, slots=True)
class UnknownPayment:
    id: int
    kind: str
    amount: int
    currency: str


async def unknown_payment(case_id: int, line_id: int | None) -> UnknownPayment | None:
    """The case's newest payment of this line (or of no line) whose outcome is unknown."""
    row = await sql.fetchrow(
        """
        SELECT id, kind, amount, currency FROM payment
         WHERE "case" = $1 AND line IS NOT DISTINCT FROM $2 AND status = 'unknown'
         ORDER BY id DESC LIMIT 1
        """,
        case_id,
        line_id,
    )
    if row is None:
        return None
    return UnknownPayment(row["id"], row["kind"], row["amount"], row["currency"])


async def resume_payment(payment_id: int) -> None:
    """An unknown payment is asked for again, under its own key."""
    await sql.execute(
        "UPDATE payment SET status = 'pending', provider_reference = '' "
        "WHERE id = $1 AND status = 'unknown'",
        payment_id,
    )


async def unsettle_line(case_id: int, line_id: int) -> None:
    """The money of this line failed to move: its items are unsettled again."""
    await sql.execute(
        'UPDATE case_item SET settled = false WHERE "case" = $1 AND line = $2 '
        "AND resolution IN ('refund', 'store_credit')",
        case_id,
        line_id,
    )


async def flag_case(case_id: int, why: str) -> None:
    """A person must look at the case (shown in the queue as `attention`)."""
    await sql.execute("UPDATE return_case SET attention = $2 WHERE id = $1", case_id, why)


async def order_refs(case_id: int) -> tuple[str, str]:
    """The case's order as the shop knows it, and its payment reference."""
    row = await sql.fetchrow(
        """
        SELECT o.shop_order_id, o.payment_reference FROM return_case c
          JOIN shop_order o ON o.id = c."order" WHERE c.id = $1
        """,
        case_id,
    )
    assert row is not None
    return row["shop_order_id"], row["payment_reference"] or row["shop_order_id"]


async def shop_line(case_id: int, line_id: int) -> tuple[str, int]:
    """The order line as the shop knows it, and how many of its units the case returns."""
    row = await sql.fetchrow(
        """
        SELECT l.shop_line_id, COALESCE(sum(ci.quantity), 0)::int AS quantity
          FROM order_line l LEFT JOIN case_item ci ON ci.line = l.id AND ci."case" = $1
         WHERE l.id = $2 GROUP BY l.shop_line_id
        """,
        case_id,
        line_id,
    )
    return (str(row["shop_line_id"]), int(row["quantity"])) if row else ("", 0)


async def customer_email(case_id: int) -> str:
    row = await sql.fetchrow(
        "SELECT cu.email FROM return_case c JOIN customer cu ON cu.id = c.customer WHERE c.id = $1",
        case_id,
    )
    return str(row["email"]) if row else ""
