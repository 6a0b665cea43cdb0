"""The money package's SQL, all of it (services/money/*.py hold none): run through db/sql.py
with $n placeholders. The order lines a refund is capped by are locked through db/locks.py."""

from __future__ import annotations

from dataclasses import dataclass

from returns_service.db import sql


async def refunded_per_line(line_ids: list[int]) -> dict[int, int]:
    """What was refunded or credited so far for each of these order lines (absent: nothing)."""
    rows = await sql.fetch(
        "SELECT line, sum(amount) AS total FROM payment "
        "WHERE line = ANY($1) AND kind IN ('refund', 'store_credit') GROUP BY line",
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
