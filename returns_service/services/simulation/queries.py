"""The simulator's SQL, all of it: delivered lines grouped by what the rules read, the store's
return history as aggregates, and a few example lines. Lines are first aggregated on
order_line alone (the index `order_line_store_delivered` covers them), then joined to the
catalogue for their category: the join runs over groups, not over every line."""

from __future__ import annotations

from datetime import date, datetime

from returns_service.db import sql
from returns_service.domain.cases import RELEASED_STATUSES

_RELEASED = [s.value for s in RELEASED_STATUSES]

# the category of a (sku, product_key) as the portal reads it (services/store/queries.py)
_CATEGORY = """
    LEFT JOIN variant v ON v.store = $1 AND v.sku = g.sku
    LEFT JOIN product p ON p.id = v.product
    LEFT JOIN product pk ON pk.store = $1 AND pk.product_key = g.product_key"""

# Delivered lines in [$2, $3), grouped by sku, product, final sale, price and the days (in the
# store's time zone $4) they were delivered and placed; with $5 also by the customer's
# country, tags and the order's total (read only when a rule tests them: the join to the
# order and the customer costs more than the rest).
_GROUPS_PLAIN = f"""
    WITH g AS (
        SELECT l.sku, l.product_key, l.final_sale, l.unit_price_amount, l.currency,
               (l.delivered_at AT TIME ZONE $4)::date AS delivered,
               (l.delivered_at AT TIME ZONE $4)::date AS placed,
               NULL::text AS country, NULL::text AS tags, NULL::bigint AS order_total,
               sum(l.quantity) AS units, count(*) AS lines
          FROM order_line l
         WHERE l.store = $1 AND l.delivered_at >= $2 AND l.delivered_at < $3 AND NOT $5
         GROUP BY 1, 2, 3, 4, 5, 6)
    SELECT COALESCE(p.category, pk.category, '') AS category,
           COALESCE(g.product_key, p.product_key) AS product_id, g.*
      FROM g {_CATEGORY}"""

_GROUPS_WITH_ORDER = f"""
    WITH l AS (
        SELECT l.*, sum(l.unit_price_amount * l.quantity) OVER (PARTITION BY l."order")
                    AS order_total
          FROM order_line l
         WHERE l.store = $1 AND l.delivered_at >= $2 AND l.delivered_at < $3 AND $5),
    g AS (
        SELECT l.sku, l.product_key, l.final_sale, l.unit_price_amount, l.currency,
               (l.delivered_at AT TIME ZONE $4)::date AS delivered,
               (o.placed_at AT TIME ZONE $4)::date AS placed,
               COALESCE(NULLIF(cu.country, ''), o.shipping_address->>'country') AS country,
               cu.tags::text AS tags, l.order_total,
               sum(l.quantity) AS units, count(*) AS lines
          FROM l
          JOIN shop_order o ON o.id = l."order"
          JOIN customer cu ON cu.id = o.customer
         GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)
    SELECT COALESCE(p.category, pk.category, '') AS category,
           COALESCE(g.product_key, p.product_key) AS product_id, g.*
      FROM g {_CATEGORY}"""


async def line_groups(
    store_id: int, start: datetime, end: datetime, tz: str, with_order: bool
) -> list[sql.Row]:
    """Groups of delivered lines: category, product_id, sku, final_sale, unit_price_amount,
    currency, delivered, placed, country, tags (JSON text), order_total, units, lines."""
    statement = _GROUPS_WITH_ORDER if with_order else _GROUPS_PLAIN
    return await sql.fetch(statement, store_id, start, end, tz, with_order)


async def delivered_history(store_id: int, since: datetime, today: date, tz: str) -> list[sql.Row]:
    """Units delivered since `since` by category and age (days before `today`)."""
    return await sql.fetch(
        f"""
        WITH g AS (
            SELECT l.sku, l.product_key,
                   $3::date - (l.delivered_at AT TIME ZONE $4)::date AS age,
                   sum(l.quantity) AS units
              FROM order_line l
             WHERE l.store = $1 AND l.delivered_at >= $2
             GROUP BY 1, 2, 3)
        SELECT COALESCE(p.category, pk.category, '') AS category, g.age, sum(g.units) AS units
          FROM g {_CATEGORY}
         GROUP BY 1, 2
        """,
        store_id,
        since,
        today,
        tz,
    )


async def returned_history(store_id: int, since: datetime, tz: str) -> list[sql.Row]:
    """Units returned on lines delivered since `since`, by category, day since delivery (the
    case's opening day), reason and resolution; cases rejected, cancelled or expired do not
    count as returns."""
    return await sql.fetch(
        f"""
        WITH g AS (
            SELECT l.sku, l.product_key,
                   (rc.created_at AT TIME ZONE $3)::date
                     - (l.delivered_at AT TIME ZONE $3)::date AS day,
                   ci.reason, ci.resolution, sum(ci.quantity) AS units
              FROM case_item ci
              JOIN return_case rc ON rc.id = ci."case"
              JOIN order_line l ON l.id = ci.line
             WHERE ci.store = $1 AND l.delivered_at >= $2
               AND rc.status <> ALL($4::text[])
             GROUP BY 1, 2, 3, 4, 5)
        SELECT COALESCE(p.category, pk.category, '') AS category, g.day, g.reason,
               g.resolution, sum(g.units) AS units
          FROM g {_CATEGORY}
         GROUP BY 1, 2, 3, 4
        """,
        store_id,
        since,
        tz,
        _RELEASED,
    )


async def example_lines(
    store_id: int,
    tz: str,
    skus: list[str],
    days: list[date],
    limit: int,
) -> list[sql.Row]:
    """Lines of the given (sku, delivery day) pairs, in the pairs' order, at most `limit`: each
    pair reads its one day of the delivery index, and the reading stops at `limit` rows."""
    return await sql.fetch(
        """
        SELECT o.number AS order_number, l.id AS line_id, l.sku, l.product_key, l.final_sale,
               l.unit_price_amount, l.currency, p.day AS delivered
          FROM unnest($3::text[], $4::date[]) WITH ORDINALITY AS p(sku, day, n)
         CROSS JOIN LATERAL (
               SELECT l.* FROM order_line l
                WHERE l.store = $1 AND l.sku = p.sku
                  AND l.delivered_at >= (p.day::timestamp AT TIME ZONE $2)
                  AND l.delivered_at < ((p.day + 1)::timestamp AT TIME ZONE $2)
                ORDER BY l.delivered_at DESC, l.id
                LIMIT $5) l
          JOIN shop_order o ON o.id = l."order"
         ORDER BY p.n, l.delivered_at DESC, l.id
         LIMIT $5
        """,
        store_id,
        tz,
        skus,
        days,
        limit,
    )


async def history_mark() -> tuple[int, int]:
    """What moves whenever the history does (a case changes: a timeline event; a line comes
    in): the newest ids, read from their primary keys at once (over every store: one
    deployment serves one store)."""
    row = await sql.fetchrow(
        """SELECT (SELECT COALESCE(max(id), 0) FROM case_event) AS events,
                  (SELECT COALESCE(max(id), 0) FROM order_line) AS lines"""
    )
    assert row is not None
    return int(row["events"]), int(row["lines"])
