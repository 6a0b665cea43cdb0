"""The statements that read cases for display: one case, or one page of a queue, each in a
single round trip (the items, exchange, label, refund and timeline come along as JSON).

They run through `db/sql.py`. Who may read which case is decided by `scope.scope_sql`, which
renders the same conditions as `scope.readable`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import asyncpg

from returns_service.db import sql
from returns_service.db.scope import scope_sql
from returns_service.domain.access import Caller

# A case read starts from `cases`, the case rows to show (one case, or one page of a queue,
# cut first); their items are gathered in one grouped pass rather than a subquery per case.
_WITH_ITEMS = """
WITH cases AS MATERIALIZED ({cases}),
items AS (
  SELECT ci."case",
         json_agg(json_build_object(
             'line_id', ci.line, 'sku', l.sku, 'title', COALESCE(p.title, l.sku),
             'quantity', ci.quantity, 'reason', ci.reason, 'resolution', ci.resolution,
             'exchange_sku', ci.exchange_sku, 'condition', ci.condition,
             'disposition', ci.disposition,
             'unit_price', json_build_object('amount', ci.unit_price_amount,
                                             'currency', ci.currency),
             'outside_policy_reason', ci.outside_policy_reason) ORDER BY ci.id)::text AS items,
         array_agg(ci.exchange_sku) FILTER (WHERE ci.exchange_reserved) AS reserved_skus
    FROM cases JOIN case_item ci ON ci."case" = cases.id
    JOIN order_line l ON l.id = ci.line
    LEFT JOIN variant v ON v.store = l.store AND v.sku = l.sku
    LEFT JOIN product p ON p.id = v.product
   GROUP BY ci."case")
SELECT rc.id, rc.number, rc.status, rc.created_at, rc.updated_at, rc.comment,
       rc.outside_policy, rc.approved_as_exception, rc.reject_reason, rc.awaiting_reply,
       rc.customer, rc.agent, o.number AS order_number,
       a.name AS agent_name, a.display_name AS agent_display_name,
       c.email AS customer_email, c.first_name AS customer_first_name,
       c.last_name AS customer_last_name,
       sh.sku AS shipment_sku, sh.advance AS shipment_advance,
       sh.tracking_number AS shipment_tracking_number,
       sh.return_deadline AS shipment_return_deadline,
       sh.delivered_at AS shipment_delivered_at,
       COALESCE(i.items, '[]') AS items, COALESCE(i.reserved_skus, '{{}}') AS reserved_skus"""

# ... and the case's first replacement shipment, if any (the LATERAL)
_FROM = """
  FROM cases rc
  JOIN shop_order o ON o.id = rc."order"
  JOIN customer c ON c.id = rc.customer
  LEFT JOIN agent a ON a.id = rc.agent
  LEFT JOIN items i ON i."case" = rc.id
  LEFT JOIN LATERAL (
      SELECT s.sku, s.advance, s.tracking_number, s.return_deadline, s.delivered_at
        FROM shipment s WHERE s."case" = rc.id ORDER BY s.id LIMIT 1) sh ON true"""


async def case_row(caller: Caller, number: str) -> asyncpg.Record | None:
    """One case the caller may read, with its label, refund and timeline (customers see only
    the events meant for them), and whether its parcel was received."""
    return await sql.fetch_one(case_row_statement(caller, number))


async def case_row_by_label(caller: Caller, tracking_number: str) -> asyncpg.Record | None:
    """The same, for the case whose label (active or voided) has this tracking number."""
    return await sql.fetch_one(case_row_by_label_statement(caller, tracking_number))


def case_row_statement(caller: Caller, number: str) -> sql.Statement:
    scope, args = scope_sql(caller, "return_case", "rc", first=3)
    return _single_case(
        f"SELECT * FROM return_case rc WHERE rc.number = $1 AND {scope}",
        [number, caller.is_staff(), *args],
    )


def case_row_by_label_statement(caller: Caller, tracking_number: str) -> sql.Statement:
    scope, args = scope_sql(caller, "return_case", "rc", first=3)
    return _single_case(
        f"""SELECT rc.* FROM label l JOIN return_case rc ON rc.id = l."case"
             WHERE l.tracking_number = $1 AND l.store = rc.store AND {scope}""",
        [tracking_number, caller.is_staff(), *args],
    )


def _single_case(cases: str, args: list[Any]) -> sql.Statement:
    """$1 is the case's key, $2 whether the caller is staff (who see the whole timeline)."""
    return (
        f"""{_WITH_ITEMS.format(cases=cases)},
       lb.carrier AS label_carrier, lb.tracking_number AS label_tracking_number,
       (SELECT json_agg(r)::text FROM (
            SELECT currency, sum(amount)::bigint AS amount,
                   array_agg(DISTINCT kind) AS kinds, array_agg(DISTINCT status) AS statuses
              FROM payment
             WHERE "case" = rc.id AND kind IN ('refund', 'store_credit')
             GROUP BY currency) r) AS refunds,
       (SELECT COALESCE(json_agg(json_build_object(
                   'at', e.at, 'kind', e.kind, 'text', e.text,
                   'from_status', e.from_status, 'to_status', e.to_status,
                   'actor', e.actor_kind || ':' || e.actor_name,
                   'detail', NULLIF(e.detail, '')) ORDER BY e.at, e.id), '[]')
          FROM case_event e
         WHERE e."case" = rc.id AND (e.customer_visible OR $2))::text AS timeline,
       EXISTS (SELECT 1 FROM receipt r WHERE r."case" = rc.id) AS received
{_FROM}
  LEFT JOIN LATERAL (
      SELECT carrier, tracking_number FROM label
       WHERE "case" = rc.id AND status = 'active' ORDER BY id DESC LIMIT 1) lb ON true""",
        args,
    )


def case_page_statement(
    caller: Caller,
    *,
    agent: int | None,
    unassigned: bool,
    statuses: list[str] | None,
    after: tuple[datetime, int] | None,
    limit: int,
) -> sql.Statement:
    """A page of the cases the caller may read, oldest first. Only the conditions in use are
    written into the statement, so each variant gets a plan that fits it (an "x IS NULL OR"
    condition would keep the planner from the indexes)."""
    scope, args = scope_sql(caller, "return_case", "rc", first=2)
    where = [scope]
    params: list[Any] = [limit, *args]

    def param(value: Any) -> str:
        params.append(value)
        return f"${len(params)}"

    if agent is not None:
        where.append(f"rc.agent = {param(agent)}")
    if unassigned:
        where.append("rc.agent IS NULL")
    if statuses:
        where.append(f"rc.status = ANY({param(statuses)}::text[])")
    if after is not None:
        at, last_id = after
        where.append(f"(rc.created_at, rc.id) > ({param(at)}, {param(last_id)})")
    # the page is cut first, so the joins and the per-case reads run for its rows only,
    # whatever the planner's statistics say
    page = f"""SELECT * FROM return_case rc
          WHERE {" AND ".join(where)}
          ORDER BY rc.created_at, rc.id
          LIMIT $1"""
    return (f"{_WITH_ITEMS.format(cases=page)}\n{_FROM}\n ORDER BY rc.created_at, rc.id", params)
