"""The analytics package's SQL, all of it: read-only statements over a store's history, run
through db/sql.py. Every figure is defined in docs/analytics.md; the statements below are
those definitions, word for word. `$1` is always the store, `$2`/`$3` the range as instants
(`[start, end)`: the first moment of `from` and of the day after `to`, in the store's time
zone), `$4` the category filter (NULL: every category)."""

from __future__ import annotations

from datetime import date, datetime

from returns_service.db import sql


# A case is a return (its units count as returned) unless it was rejected, cancelled or
# expired, or was closed without ever being resolved (closed straight from requested or
# approved: the customer kept the item after a conversation, or after a rejection/expiry).
def counted(alias: str = "rc") -> str:
    return (
        f"({alias}.status IN ('requested', 'approved', 'in_transit', 'received', 'inspected',"
        f" 'resolved') OR ({alias}.status = 'closed' AND {alias}.resolved_at IS NOT NULL))"
    )


COUNTED_CASE = counted()

# Money that moved or is moving: every payment status but `failed`.
MOVED = "p.status <> 'failed'"

# The country a line went to, as the policy's rules read it: the customer's, else the
# shipping address's.
_COUNTRY = "COALESCE(NULLIF(cu.country, ''), o.shipping_address ->> 'country', '')"

# The returns report's figures at their finest grain, over the lines delivered in [$2, $3):
# per SKU, the line's own product key (NULL: the catalogue's), country and currency. The
# report groups these by the key asked for (reports.py), the rollup keeps them per day.
FINE_DELIVERED = f"""
    SELECT l.sku, l.product_key, {_COUNTRY} AS country, l.currency,
           sum(l.quantity)::bigint AS units
      FROM order_line l
      JOIN shop_order o ON o.id = l."order"
      JOIN customer cu ON cu.id = o.customer
     WHERE l.store = $1 AND l.delivered_at >= $2 AND l.delivered_at < $3
     GROUP BY 1, 2, 3, 4
"""

# ... and per reason and resolution too, what came back and the money for it.
FINE_RETURNED = f"""
    WITH items AS (
        SELECT l.sku, l.product_key, {_COUNTRY} AS country, l.currency, ci.reason,
               ci.resolution, ci.quantity, ci."case", ci.line, ci.id AS item,
               ci.unit_price_amount
          FROM order_line l
          JOIN shop_order o ON o.id = l."order"
          JOIN customer cu ON cu.id = o.customer
          JOIN case_item ci ON ci.line = l.id
          JOIN return_case rc ON rc.id = ci."case"
         WHERE l.store = $1 AND l.delivered_at >= $2 AND l.delivered_at < $3 AND {COUNTED_CASE}
    )
    SELECT i.sku, i.product_key, i.country, i.currency, i.reason, i.resolution,
           sum(i.quantity)::bigint AS units,
           COALESCE(sum((SELECT sum(p.amount) FROM payment p
                          WHERE p."case" = i."case" AND p.line = i.line AND p.kind = 'refund'
                            AND {MOVED})), 0)::bigint AS refunded,
           COALESCE(sum((SELECT sum(p.amount) FROM payment p
                          WHERE p."case" = i."case" AND p.line = i.line
                            AND p.kind = 'store_credit' AND {MOVED})), 0)::bigint AS credited,
           COALESCE(sum(i.unit_price_amount * i.quantity) FILTER (
               WHERE i.resolution = 'exchange'
                 AND EXISTS (SELECT 1 FROM shipment s WHERE s.item = i.item)), 0)::bigint
               AS exchanged
      FROM items i
     GROUP BY 1, 2, 3, 4, 5, 6
"""

_DELIVERED_COLUMNS = "sku, product_key, country, currency"
_RETURNED_COLUMNS = "sku, product_key, country, currency, reason, resolution"
_RETURNED_SUMS = "units, refunded, credited, exchanged"

# The rollup of one day ($4) from the same statements, replacing what it held.
ROLL_DAY = [
    "DELETE FROM analytics_dirty_day WHERE store = $1 AND day = $2",
    "DELETE FROM analytics_delivered WHERE store = $1 AND day = $2",
    "DELETE FROM analytics_returned WHERE store = $1 AND day = $2",
]
ROLL_DELIVERED = f"""
    INSERT INTO analytics_delivered (store, day, {_DELIVERED_COLUMNS}, units)
    SELECT $1, $4::date, {_DELIVERED_COLUMNS}, units FROM ({FINE_DELIVERED}) f
"""
ROLL_RETURNED = f"""
    INSERT INTO analytics_returned (store, day, {_RETURNED_COLUMNS}, {_RETURNED_SUMS})
    SELECT $1, $4::date, {_RETURNED_COLUMNS}, {_RETURNED_SUMS} FROM ({FINE_RETURNED}) f
"""
ROLLED = """
    INSERT INTO analytics_day (store, day, rolled_at) VALUES ($1, $2, $3)
    ON CONFLICT (store, day) DO UPDATE SET rolled_at = EXCLUDED.rolled_at
"""


async def fine_delivered(store_id: int, start: datetime, end: datetime) -> list[sql.Row]:
    return await sql.fetch(FINE_DELIVERED, store_id, start, end)


async def fine_returned(store_id: int, start: datetime, end: datetime) -> list[sql.Row]:
    return await sql.fetch(FINE_RETURNED, store_id, start, end)


async def rolled_delivered(store_id: int, days: list[date]) -> list[sql.Row]:
    """The rollup's delivered units over these days, summed per fine key."""
    return await sql.fetch(
        f"SELECT {_DELIVERED_COLUMNS}, sum(units)::bigint AS units FROM analytics_delivered "
        f"WHERE store = $1 AND day = ANY($2::date[]) GROUP BY {_DELIVERED_COLUMNS}",
        store_id,
        days,
    )


async def rolled_returned(store_id: int, days: list[date]) -> list[sql.Row]:
    sums = ", ".join(f"sum({c})::bigint AS {c}" for c in _RETURNED_SUMS.split(", "))
    return await sql.fetch(
        f"SELECT {_RETURNED_COLUMNS}, {sums} FROM analytics_returned "
        f"WHERE store = $1 AND day = ANY($2::date[]) GROUP BY {_RETURNED_COLUMNS}",
        store_id,
        days,
    )


async def clean_days(store_id: int, first: date, last: date) -> list[date]:
    """The days of [first, last] rolled up and not dirty since."""
    rows = await sql.fetch(
        """
        SELECT d.day FROM analytics_day d
         WHERE d.store = $1 AND d.day BETWEEN $2 AND $3
           AND NOT EXISTS (SELECT 1 FROM analytics_dirty_day x
                            WHERE x.store = d.store AND x.day = d.day)
         ORDER BY d.day
        """,
        store_id,
        first,
        last,
    )
    return [r["day"] for r in rows]


async def days_to_roll(store_id: int, tz: str, before: date, limit: int) -> list[date]:
    """Past days with deliveries (before `before`, in the store's zone `tz`) never rolled up,
    or dirty since: the oldest first."""
    rows = await sql.fetch(
        """
        WITH span AS (
            SELECT (min(delivered_at) AT TIME ZONE $2)::date AS first FROM order_line
             WHERE store = $1 AND delivered_at IS NOT NULL
        )
        SELECT g.day::date AS day
          FROM span, generate_series(span.first, $3::date - 1, interval '1 day') g(day)
         WHERE NOT EXISTS (SELECT 1 FROM analytics_day d WHERE d.store = $1 AND d.day = g.day)
            OR EXISTS (SELECT 1 FROM analytics_dirty_day x WHERE x.store = $1 AND x.day = g.day)
         ORDER BY 1 LIMIT $4
        """,
        store_id,
        tz,
        before,
        limit,
    )
    return [r["day"] for r in rows]


async def roll_day(store_id: int, day: date, start: datetime, end: datetime, at: datetime) -> None:
    """Replace the day's rollup (in the caller's transaction). The day stops being dirty
    first: a change committed after that marks it again (docs/analytics.md)."""
    for statement in ROLL_DAY:
        await sql.execute(statement, store_id, day)
    await sql.execute(ROLL_DELIVERED, store_id, start, end, day)
    await sql.execute(ROLL_RETURNED, store_id, start, end, day)
    await sql.execute(ROLLED, store_id, day, at)


async def catalogue(store_id: int) -> tuple[list[sql.Row], list[sql.Row]]:
    """(variants: sku, product_key, category) and (products: product_key, category): how a
    line's SKU and product key become its product and category, read as the report runs."""
    variants = await sql.fetch(
        "SELECT v.sku, p.product_key, p.category FROM variant v JOIN product p ON p.id = v.product"
        " WHERE v.store = $1",
        store_id,
    )
    products = await sql.fetch(
        "SELECT product_key, category FROM product WHERE store = $1", store_id
    )
    return variants, products


# ---------------------------------------------------------------------------------------------
# Outcomes: over the cases opened in the range (with an item in the category, when filtered)

_CASES = """
    SELECT rc.* FROM return_case rc
     WHERE rc.store = $1 AND rc.created_at >= $2 AND rc.created_at < $3 AND {category}
"""
_CASE_IN_CATEGORY = """EXISTS (
    SELECT 1 FROM case_item ci
      JOIN order_line l ON l.id = ci.line
      LEFT JOIN variant v ON v.store = l.store AND v.sku = l.sku
      LEFT JOIN product p ON p.id = v.product
      LEFT JOIN product pk ON pk.store = l.store AND pk.product_key = l.product_key
     WHERE ci."case" = rc.id AND COALESCE(p.category, pk.category, '') = $4)"""

# The items of those cases (only the category's, when filtered).
_ITEMS = 'SELECT ci.* FROM rc_in rc JOIN case_item ci ON ci."case" = rc.id'
_ITEMS_IN_CATEGORY = """
    SELECT ci.* FROM rc_in rc
      JOIN case_item ci ON ci."case" = rc.id
      JOIN order_line l ON l.id = ci.line
      LEFT JOIN variant v ON v.store = l.store AND v.sku = l.sku
      LEFT JOIN product p ON p.id = v.product
      LEFT JOIN product pk ON pk.store = l.store AND pk.product_key = l.product_key
     WHERE COALESCE(p.category, pk.category, '') = $4
"""

_CASE_COUNTS = f"""
    SELECT count(*)::bigint AS cases,
           count(*) FILTER (WHERE rc.status = 'expired'
                 OR (rc.status = 'closed' AND rc.resolved_at IS NULL AND rc.reject_reason IS NULL
                     AND EXISTS (SELECT 1 FROM case_event e
                                  WHERE e."case" = rc.id AND e.to_status = 'expired')))::bigint
               AS expired,
           count(*) FILTER (WHERE {COUNTED_CASE}
                 AND (rc.decision ->> 'keep_it')::boolean)::bigint AS keep_it_cases,
           COALESCE((SELECT sum(i.quantity) FROM items i JOIN rc_in c ON c.id = i."case"
                      WHERE (c.decision ->> 'keep_it')::boolean AND {counted("c")}), 0)::bigint
               AS keep_it_units
      FROM rc_in rc
"""

_MIX = f"""
    SELECT i.resolution, count(DISTINCT i."case")::bigint AS cases,
           sum(i.quantity)::bigint AS units
      FROM items i JOIN rc_in rc ON rc.id = i."case"
     WHERE {COUNTED_CASE}
     GROUP BY i.resolution ORDER BY i.resolution
"""

# Money per currency, one row per (figure, currency).
_MONEY = f"""
    SELECT 'refunded' AS figure, p.currency, sum(p.amount)::bigint AS amount, count(*) AS n
      FROM payment p JOIN items i ON i."case" = p."case" AND i.line = p.line
     WHERE p.kind = 'refund' AND {MOVED} GROUP BY p.currency
    UNION ALL
    SELECT 'credited', p.currency, sum(p.amount)::bigint, count(*)
      FROM payment p JOIN items i ON i."case" = p."case" AND i.line = p.line
     WHERE p.kind = 'store_credit' AND {MOVED} GROUP BY p.currency
    UNION ALL
    SELECT 'bonus_credit', p.currency, sum(p.amount)::bigint, count(*)
      FROM payment p JOIN rc_in rc ON rc.id = p."case"
     WHERE p.kind = 'store_credit' AND p.line IS NULL AND {MOVED} GROUP BY p.currency
    UNION ALL
    SELECT 'exchanged', i.currency, sum(i.unit_price_amount * i.quantity)::bigint, count(*)
      FROM items i WHERE i.resolution = 'exchange'
       AND EXISTS (SELECT 1 FROM shipment s WHERE s.item = i.id) GROUP BY i.currency
    UNION ALL
    SELECT 'fees', i.currency, sum(f.amount)::bigint, count(*)
      FROM items i
     CROSS JOIN LATERAL (SELECT (e ->> 'amount')::bigint AS amount
                           FROM jsonb_array_elements(i.fees) e) f
     WHERE i.settled GROUP BY i.currency
    UNION ALL
    SELECT 'label_costs', lb.cost_currency, sum(lb.cost_amount)::bigint, count(*)
      FROM label lb JOIN rc_in rc ON rc.id = lb."case"
     WHERE lb.cost_amount IS NOT NULL AND lb.status <> 'voided' GROUP BY lb.cost_currency
    UNION ALL
    SELECT CASE WHEN s.overdue_at IS NULL THEN 'advance_exposure' ELSE 'overdue' END,
           s.currency, sum(s.value_amount)::bigint, count(*)
      FROM shipment s JOIN items i ON i.id = s.item
     WHERE s.advance AND s.original_received_at IS NULL
     GROUP BY 1, s.currency
    UNION ALL
    SELECT CASE WHEN p.status = 'failed' THEN 'losses_failed' ELSE 'losses_charged' END,
           p.currency, sum(p.amount)::bigint, count(*)
      FROM payment p
      JOIN shipment s ON s.id = p.shipment
      JOIN items i ON i.id = s.item
     WHERE p.kind = 'charge' AND s.original_received_at IS NULL
     GROUP BY 1, p.currency
"""

_HOURS = "(extract(epoch FROM ({a} - {b})) / 3600.0)::float8"
_TO_RESOLVE = _HOURS.format(a="rc.resolved_at", b="rc.created_at")
_TO_ANSWER = _HOURS.format(a="rc.first_responded_at", b="rc.created_at")

# the hours themselves: percentiles are taken over the whole range (reports.percentile_cont)
_TIMES = f"""
    SELECT COALESCE(array_agg({_TO_RESOLVE}) FILTER (WHERE rc.resolved_at IS NOT NULL),
                    '{{}}') AS resolution_hours,
           COALESCE(array_agg({_TO_ANSWER}) FILTER (WHERE rc.first_response_agent IS NOT NULL),
                    '{{}}') AS response_hours
      FROM rc_in rc
"""

_RATINGS = """
    SELECT fu.rating, count(*)::bigint AS n
      FROM follow_up fu JOIN rc_in rc ON rc.id = fu."case"
     GROUP BY fu.rating ORDER BY fu.rating
"""

# per product (the line's, else the catalogue's), units returned too small / too large
_FIT = f"""
    SELECT COALESCE(l.product_key, p.product_key, '') AS product,
           min(COALESCE(p.title, pk.title, l.sku)) AS title,
           COALESCE(sum(i.quantity) FILTER (WHERE i.reason = 'too_small'), 0)::bigint AS too_small,
           COALESCE(sum(i.quantity) FILTER (WHERE i.reason = 'too_large'), 0)::bigint AS too_large
      FROM items i JOIN rc_in rc ON rc.id = i."case"
      JOIN order_line l ON l.id = i.line
      LEFT JOIN variant v ON v.store = l.store AND v.sku = l.sku
      LEFT JOIN product p ON p.id = v.product
      LEFT JOIN product pk ON pk.store = l.store AND pk.product_key = l.product_key
     WHERE {COUNTED_CASE} AND i.reason IN ('too_small', 'too_large')
     GROUP BY 1 ORDER BY 1
"""


def outcomes_statement(category: bool) -> str:
    """Every outcome figure in one statement (the cases and their items are read once), each
    part as JSON: counts, mix, money, times, ratings, fit."""
    cases = _CASES.format(category=_CASE_IN_CATEGORY if category else "$4::text IS NULL")
    items = _ITEMS_IN_CATEGORY if category else _ITEMS
    return f"""
    WITH rc_in AS MATERIALIZED ({cases}), items AS MATERIALIZED ({items})
    SELECT (SELECT row_to_json(x) FROM ({_CASE_COUNTS}) x)::text AS counts,
           (SELECT COALESCE(json_agg(x), '[]') FROM ({_MIX}) x)::text AS mix,
           (SELECT COALESCE(json_agg(x), '[]') FROM ({_MONEY}) x)::text AS money,
           (SELECT row_to_json(x) FROM ({_TIMES}) x)::text AS times,
           (SELECT COALESCE(json_agg(x), '[]') FROM ({_RATINGS}) x)::text AS ratings,
           (SELECT COALESCE(json_agg(x), '[]') FROM ({_FIT}) x)::text AS fit
    """


_OUTCOMES = {True: outcomes_statement(True), False: outcomes_statement(False)}


async def outcomes(store_id: int, start: datetime, end: datetime, category: str | None) -> sql.Row:
    rows = await sql.fetch(_OUTCOMES[category is not None], store_id, start, end, category)
    return rows[0]


# ---------------------------------------------------------------------------------------------
# Agents: per concierge, over the cases opened in the range

_AGENTS = f"""
    WITH rc_in AS MATERIALIZED (
        SELECT rc.id, rc.agent, rc.status, rc.resolved_at, rc.reject_reason, rc.created_at,
               rc.first_responded_at, rc.first_response_agent
          FROM return_case rc
         WHERE rc.store = $1 AND rc.created_at >= $2 AND rc.created_at < $3
    ),
    assigned AS (SELECT rc.agent, count(*) AS n FROM rc_in rc GROUP BY rc.agent),
    answered AS (
        SELECT rc.first_response_agent AS agent, array_agg({_TO_ANSWER}) AS hours
          FROM rc_in rc WHERE rc.first_response_agent IS NOT NULL GROUP BY 1
    ),
    kept AS (
        -- closed straight from requested or approved: the customer kept the item
        SELECT rc.id, rc.agent FROM rc_in rc
         WHERE rc.status = 'closed' AND rc.resolved_at IS NULL AND rc.reject_reason IS NULL
           AND EXISTS (SELECT 1 FROM case_event e
                        WHERE e."case" = rc.id AND e.to_status = 'closed'
                          AND e.from_status IN ('requested', 'approved'))
    ),
    saved AS (
        SELECT rc.agent, count(*) AS n FROM rc_in rc JOIN case_item ci ON ci."case" = rc.id
         WHERE {{saved}} GROUP BY rc.agent
    ),
    rated AS (
        SELECT rc.agent, count(*) AS n, sum(fu.rating) AS total
          FROM follow_up fu JOIN rc_in rc ON rc.id = fu."case" GROUP BY rc.agent
    )
    SELECT a.id AS agent,
           COALESCE(assigned.n, 0)::bigint AS cases_assigned,
           COALESCE(answered.hours, '{{{{}}}}') AS response_hours,
           COALESCE(saved.n, 0)::bigint AS saves,
           COALESCE(rated.n, 0)::bigint AS ratings_count,
           COALESCE(rated.total, 0)::bigint AS ratings_total
      FROM agent a
      LEFT JOIN assigned ON assigned.agent = a.id
      LEFT JOIN answered ON answered.agent = a.id
      LEFT JOIN saved ON saved.agent = a.id
      LEFT JOIN rated ON rated.agent = a.id
     WHERE a.store = $1
       AND (assigned.n IS NOT NULL OR answered.hours IS NOT NULL OR rated.n IS NOT NULL)
"""

# A save: the customer asked for a refund (what they first asked, kept on the item) and the
# case ended with the item exchanged or credited (a case that counts as a return), or with the
# customer keeping it by agreement.
SAVED = f"""ci.requested_resolution = 'refund'
    AND ((ci.resolution IN ('exchange', 'store_credit') AND {COUNTED_CASE})
         OR rc.id IN (SELECT id FROM kept))"""


AGENTS = _AGENTS.format(saved=SAVED)


async def agents(store_id: int, start: datetime, end: datetime) -> list[sql.Row]:
    """Per agent with any figure in the range: assigned, hours to first response (all of
    them), saves, ratings (count and sum)."""
    return await sql.fetch(AGENTS, store_id, start, end)


async def agent_names(store_id: int) -> list[sql.Row]:
    return await sql.fetch(
        "SELECT id, name FROM agent WHERE store = $1 ORDER BY name, id", store_id
    )


# ---------------------------------------------------------------------------------------------
# The rollup of the cases opened on a day (outcomes per category, and '' for all; agents)

ROLL_CASE_DAY = [
    "DELETE FROM analytics_dirty_case_day WHERE store = $1 AND day = $2",
    "DELETE FROM analytics_case_day WHERE store = $1 AND day = $2",
]
ROLLED_CASE_DAY = """
    INSERT INTO analytics_case_day (store, day, category, outcomes, agents, rolled_at)
    VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6)
"""


async def categories_of_day(store_id: int, start: datetime, end: datetime) -> list[str]:
    rows = await sql.fetch(
        """
        SELECT DISTINCT COALESCE(p.category, pk.category, '') AS category
          FROM return_case rc
          JOIN case_item ci ON ci."case" = rc.id
          JOIN order_line l ON l.id = ci.line
          LEFT JOIN variant v ON v.store = l.store AND v.sku = l.sku
          LEFT JOIN product p ON p.id = v.product
          LEFT JOIN product pk ON pk.store = l.store AND pk.product_key = l.product_key
         WHERE rc.store = $1 AND rc.created_at >= $2 AND rc.created_at < $3
        """,
        store_id,
        start,
        end,
    )
    return [r["category"] for r in rows if r["category"]]


async def clean_case_days(
    store_id: int, first: date, last: date, category: str
) -> dict[date, sql.Row | None]:
    """The rolled-up, clean days of [first, last] with their documents for `category`."""
    rows = await sql.fetch(
        """
        SELECT d.day, d.outcomes::text AS outcomes, d.agents::text AS agents
          FROM analytics_case_day d
         WHERE d.store = $1 AND d.day BETWEEN $2 AND $3 AND d.category = ''
           AND NOT EXISTS (SELECT 1 FROM analytics_dirty_case_day x
                            WHERE x.store = d.store AND x.day = d.day)
        """,
        store_id,
        first,
        last,
    )
    found = {r["day"]: r for r in rows}
    if category and found:
        # a day without the category's row had no case with such an item: nothing to add
        rows = await sql.fetch(
            "SELECT day, outcomes::text AS outcomes, agents::text AS agents "
            "FROM analytics_case_day WHERE store = $1 AND day = ANY($2::date[]) "
            "AND category = $3",
            store_id,
            list(found),
            category,
        )
        by_day = {r["day"]: r for r in rows}
        return {day: by_day.get(day) for day in found}
    return found


async def case_days_to_roll(store_id: int, tz: str, before: date, limit: int) -> list[date]:
    rows = await sql.fetch(
        """
        WITH span AS (
            SELECT (min(created_at) AT TIME ZONE $2)::date AS first FROM return_case
             WHERE store = $1
        )
        SELECT g.day::date AS day
          FROM span, generate_series(span.first, $3::date - 1, interval '1 day') g(day)
         WHERE NOT EXISTS (SELECT 1 FROM analytics_case_day d
                            WHERE d.store = $1 AND d.day = g.day AND d.category = '')
            OR EXISTS (SELECT 1 FROM analytics_dirty_case_day x
                        WHERE x.store = $1 AND x.day = g.day)
         ORDER BY 1 LIMIT $4
        """,
        store_id,
        tz,
        before,
        limit,
    )
    return [r["day"] for r in rows]
