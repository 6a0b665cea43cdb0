"""The cases package's SQL, all of it (services/cases/*.py hold none): run through db/sql.py,
one placeholder style ($n). Row locks are taken through db/locks.py.

The statements that read cases for display come first: one case, or one page of a queue, each
in a single round trip (the items, exchange, label, refund and timeline come along as JSON).
Who may read which case is decided by `scope.scope_sql`, which renders the same conditions as
`scope.readable`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, TypeAlias

from returns_service.db import sql
from returns_service.db.scope import scope_sql
from returns_service.domain.access import Caller
from returns_service.domain.assignment import AgentLoad
from returns_service.domain.cases import CaseStatus

# A case read: the case's columns, its order number, agent and customer names, its items
# (JSON text), the held exchange SKUs, its first replacement shipment; one case's read also
# has its active label, refunds (JSON), timeline (JSON) and whether its parcel was received.
# Hot paths (every case page, queue and scan) read it as it comes, without a copy.
CaseRow: TypeAlias = sql.Row

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
             'outside_policy_reason', ci.outside_policy_reason,
             'price_difference', ci.price_difference,
             'fees', ci.fees, 'bonus_amount', ci.bonus_amount,
             'reason_labels', ci.reason_labels) ORDER BY ci.id)::text AS items,
         array_agg(ci.exchange_sku) FILTER (WHERE ci.exchange_reserved) AS reserved_skus
    FROM cases JOIN case_item ci ON ci."case" = cases.id
    JOIN order_line l ON l.id = ci.line
    LEFT JOIN variant v ON v.store = l.store AND v.sku = l.sku
    LEFT JOIN product p ON p.id = v.product
   GROUP BY ci."case")
SELECT rc.id, rc.number, rc.status, rc.created_at, rc.updated_at, rc.comment,
       rc.outside_policy, rc.approved_as_exception, rc.reject_reason, rc.awaiting_reply,
       rc.attention, rc.customer, rc.agent, o.number AS order_number,
       a.name AS agent_name, a.display_name AS agent_display_name,
       c.email AS customer_email, c.first_name AS customer_first_name,
       c.last_name AS customer_last_name, c.language AS customer_language,
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


async def case_row(caller: Caller, number: str) -> CaseRow | None:
    """One case the caller may read, with its label, refund and timeline (customers see only
    the events meant for them), and whether its parcel was received."""
    return await sql.fetch_one(case_row_statement(caller, number))


async def case_row_by_label(caller: Caller, tracking_number: str) -> CaseRow | None:
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
       lb.status AS label_status, lb.service AS label_service,
       lb.cost_amount AS label_cost_amount, lb.cost_currency AS label_cost_currency,
       lb.qr AS label_qr, lb.failure_kind AS label_failure_kind,
       lb.failure_message AS label_failure_message,
       (SELECT json_agg(r)::text FROM (
            SELECT currency, sum(amount)::bigint AS amount,
                   array_agg(DISTINCT kind) AS kinds, array_agg(DISTINCT status) AS statuses
              FROM payment
             WHERE "case" = rc.id AND kind IN ('refund', 'store_credit')
             GROUP BY currency) r) AS refunds,
       (SELECT COALESCE(json_agg(json_build_object(
                   'at', e.at, 'kind', e.kind, 'params', e.params, 'text', e.text,
                   'from_status', e.from_status, 'to_status', e.to_status,
                   'actor', e.actor_kind || ':' || e.actor_name,
                   'detail', NULLIF(e.detail, '')) ORDER BY e.at, e.id), '[]')
          FROM case_event e
         WHERE e."case" = rc.id AND (e.customer_visible OR $2))::text AS timeline,
       EXISTS (SELECT 1 FROM receipt r WHERE r."case" = rc.id) AS received
{_FROM}
  LEFT JOIN LATERAL (
      -- the newest label still meant to be used: active, or a provider's being bought or
      -- failed (a re-issue voids the one before)
      SELECT carrier, tracking_number, status, service, cost_amount, cost_currency,
             qr_code_png IS NOT NULL AS qr, failure_kind, failure_message FROM label
       WHERE "case" = rc.id AND status <> 'voided' ORDER BY id DESC LIMIT 1) lb ON true""",
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


async def case_page(
    caller: Caller,
    *,
    agent: int | None,
    unassigned: bool,
    statuses: list[str] | None,
    after: tuple[datetime, int] | None,
    limit: int,
) -> list[CaseRow]:
    return await sql.fetch_all(
        case_page_statement(
            caller,
            agent=agent,
            unassigned=unassigned,
            statuses=statuses,
            after=after,
            limit=limit,
        )
    )


# ---------------------------------------------------------------------------------------------
# A case locked for a change (records.lock_case: db/locks.py locks it first)


@dataclass(slots=True)
class LockedCase:
    """A case locked for this transaction, with what its emails need."""

    id: int
    store_id: int
    number: str
    status: CaseStatus
    agent_id: int | None
    agent_name: str | None
    customer_id: int
    order_id: int
    customer_email: str
    first_name: str
    language: str
    outside_policy: bool
    store_name: str


async def locked_case(case_id: int) -> LockedCase:
    """The case, once it is locked (it cannot have gone)."""
    row = await sql.fetchrow(
        """
        SELECT c.id, c.store, c.number, c.status, c.agent, c.customer, c."order", c.language,
               c.outside_policy, COALESCE(NULLIF(a.display_name, ''), a.name) AS agent_name,
               cu.email, cu.first_name, s.name AS store_name
          FROM return_case c
          JOIN customer cu ON cu.id = c.customer
          JOIN store s ON s.id = c.store
          LEFT JOIN agent a ON a.id = c.agent
         WHERE c.id = $1
        """,
        case_id,
    )
    assert row is not None  # locked in this transaction: it cannot have gone
    return LockedCase(
        id=row["id"],
        store_id=row["store"],
        number=row["number"],
        status=CaseStatus(row["status"]),
        agent_id=row["agent"],
        agent_name=row["agent_name"],
        customer_id=row["customer"],
        order_id=row["order"],
        customer_email=row["email"],
        first_name=row["first_name"],
        language=row["language"],
        outside_policy=row["outside_policy"],
        store_name=row["store_name"],
    )


# ---------------------------------------------------------------------------------------------
# Opening a case


async def insert_case(
    *,
    store_id: int,
    number: str,
    order_id: int,
    customer_id: int,
    language: str,
    comment: str,
    outside_policy: bool,
    at: datetime,
    first_response_due_at: datetime,
) -> int | None:
    """A new requested case; None when its number is taken already."""
    row = await sql.fetchrow(
        """
        INSERT INTO return_case (store, number, "order", customer, status, language, comment,
                                 outside_policy, approved_as_exception, awaiting_reply,
                                 created_at, updated_at, first_response_due_at)
        VALUES ($1, $2, $3, $4, 'requested', $5, $6, $7, false, false, $8, $8, $9)
        ON CONFLICT (store, number) DO NOTHING
        RETURNING id
        """,
        store_id,
        number,
        order_id,
        customer_id,
        language,
        comment,
        outside_policy,
        at,
        first_response_due_at,
    )
    return row["id"] if row else None


async def record_first_response(case_id: int, agent_id: int | None, at: datetime) -> None:
    """The store's first answer to the customer; later ones change nothing."""
    await sql.execute(
        """UPDATE return_case SET first_responded_at = $3, first_response_agent = $2
            WHERE id = $1 AND first_responded_at IS NULL""",
        case_id,
        agent_id,
        at,
    )


async def insert_case_item(
    *,
    store_id: int,
    case_id: int,
    line_id: int,
    quantity: int,
    reason: str,
    resolution: str,
    exchange_sku: str | None,
    exchange_reserved: bool,
    outside_policy_reason: str | None,
    unit_price_amount: int,
    currency: str,
    price_difference: int = 0,
    reason_labels: Mapping[str, str] | None = None,
) -> None:
    await sql.execute(
        """INSERT INTO case_item (store, "case", line, quantity, reason, resolution,
                                  exchange_sku, exchange_reserved, outside_policy_reason,
                                  unit_price_amount, currency, settled, price_difference,
                                  reason_labels, requested_resolution)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, false, $12, $13::jsonb, $6)""",
        store_id,
        case_id,
        line_id,
        quantity,
        reason,
        resolution,
        exchange_sku,
        exchange_reserved,
        outside_policy_reason,
        unit_price_amount,
        currency,
        price_difference,
        json.dumps(dict(reason_labels or {})),
    )


# ---------------------------------------------------------------------------------------------
# Assignment (under the agents' lock, db/locks.py)


async def agent_loads(store_id: int, open_statuses: list[str]) -> list[tuple[AgentLoad, str]]:
    """Each agent of the store with their open cases, and the name customers know them by."""
    rows = await sql.fetch(
        """
        SELECT a.id, a.available, a.capacity, a.languages, a.last_assigned_at,
               COALESCE(NULLIF(a.display_name, ''), a.name) AS display_name,
               (SELECT count(*) FROM return_case c
                 WHERE c.store = a.store AND c.agent = a.id
                   AND c.status = ANY($1::text[])) AS open_cases
          FROM agent a
         WHERE a.store = $2
         ORDER BY a.id
        """,
        open_statuses,
        store_id,
    )
    return [
        (
            AgentLoad(
                id=r["id"],
                available=r["available"],
                capacity=r["capacity"],
                open_cases=int(r["open_cases"]),
                languages=tuple(r["languages"] or ()),
                last_assigned_at=r["last_assigned_at"],
            ),
            r["display_name"],
        )
        for r in rows
    ]


async def previous_agent(store_id: int, customer_id: int, before_case_id: int) -> int | None:
    """The agent who owned this customer's most recent earlier case."""
    row = await sql.fetchrow(
        """SELECT agent FROM return_case
            WHERE store = $1 AND customer = $2 AND id <> $3 AND agent IS NOT NULL
            ORDER BY created_at DESC, id DESC LIMIT 1""",
        store_id,
        customer_id,
        before_case_id,
    )
    return row["agent"] if row else None


# Changes written in the statement of the timeline event that records them (timeline.record's
# `along_with`): each a statement with its parameters numbered from $1.
Change: TypeAlias = tuple[str, tuple[Any, ...]]


def leave_waiting(case_id: int, at: datetime) -> Change:
    return (
        "UPDATE return_case SET agent = NULL, assigned_at = NULL, updated_at = $1 WHERE id = $2",
        (at, case_id),
    )


def assign_to(case_id: int, agent_id: int, at: datetime) -> Change:
    return (
        "UPDATE return_case SET agent = $1, assigned_at = $2, updated_at = $2 WHERE id = $3",
        (agent_id, at, case_id),
    )


def note_assignment(agent_id: int, at: datetime) -> Change:
    return ("UPDATE agent SET last_assigned_at = $1 WHERE id = $2", (at, agent_id))


# ---------------------------------------------------------------------------------------------
# The team, and a customer's history


async def agents_with_open_cases(store_id: int, open_statuses: list[str]) -> list[sql.Row]:
    """Every agent of the store (all their columns) with `open_cases`, in id order."""
    return await sql.fetch(
        """
        SELECT a.*, count(c.id) AS open_cases
          FROM agent a
          LEFT JOIN return_case c ON c.store = a.store AND c.agent = a.id AND c.status = ANY($1)
         WHERE a.store = $2
         GROUP BY a.id ORDER BY a.id
        """,
        open_statuses,
        store_id,
    )


@dataclass(frozen=True, slots=True)
class OrderTotal:
    number: str
    placed_at: datetime
    currency: str
    total: int  # minor units
    lines: int


async def customer_orders(store_id: int, customer_id: int) -> list[OrderTotal]:
    """The customer's orders, newest first, each with its total and number of lines."""
    rows = await sql.fetch(
        """
        SELECT o.number, o.placed_at, o.currency,
               COALESCE(sum(l.quantity * l.unit_price_amount), 0) AS total,
               count(l.id) AS lines
          FROM shop_order o LEFT JOIN order_line l ON l."order" = o.id
         WHERE o.store = $1 AND o.customer = $2
         GROUP BY o.id ORDER BY o.placed_at DESC
        """,
        store_id,
        customer_id,
    )
    return [
        OrderTotal(r["number"], r["placed_at"], r["currency"], int(r["total"]), int(r["lines"]))
        for r in rows
    ]


async def order_cases(caller: Caller, order_id: int, limit: int) -> list[sql.Row]:
    """The newest `limit` cases of one order the caller may read: number, status, created_at.
    Only what a list shows, so the order page costs the same with 3 returns or 300."""
    scope, args = scope_sql(caller, "return_case", "rc", first=3)
    return await sql.fetch(
        f"""SELECT rc.number, rc.status, rc.created_at FROM return_case rc
             WHERE rc."order" = $1 AND {scope}
             ORDER BY rc.created_at DESC, rc.id DESC
             LIMIT $2""",
        order_id,
        limit,
        *args,
    )


# ---------------------------------------------------------------------------------------------
# The timeline

# one timeline event; `text` stays empty: the words are rendered for each reader from kind and
# params (the column keeps the English prose of events written before they had params)
INSERT_EVENT = """INSERT INTO case_event (store, "case", at, actor_kind, actor_id, actor_name, kind,
                                   from_status, to_status, params, detail, customer_visible)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10::jsonb, $11, $12)"""
INSERT_EVENT_PARAMS = 12

SET_CASE_STATUS = "UPDATE return_case SET status = $1, updated_at = $2 WHERE id = $3"

_PARAM = re.compile(r"\$(\d+)")


def _shifted(statement: str, offset: int) -> str:
    """Renumber a statement's $n by `offset` (past the parameters written before it)."""
    return _PARAM.sub(lambda m: f"${int(m.group(1)) + offset}", statement)


def insert_event_with(along_with: Sequence[tuple[str, tuple[Any, ...]]]) -> sql.Statement:
    """INSERT_EVENT, preceded by the changes the event records (data-modifying statements, each
    with its parameters numbered from $1) as WITH clauses: one statement, one round trip
    (PostgreSQL runs a data-modifying WITH even when nothing reads it). Returns the statement
    and the changes' parameters, which follow the event's own."""
    if not along_with:
        return INSERT_EVENT, []
    changes, extra = [], list[Any]()
    for n, (change, args) in enumerate(along_with):
        changes.append(f"change{n} AS ({_shifted(change, INSERT_EVENT_PARAMS + len(extra))})")
        extra.extend(args)
    return f"WITH {', '.join(changes)}\n{INSERT_EVENT}", extra


@dataclass(frozen=True, slots=True)
class EmailFacts:
    items: list[tuple[str, str, int]]  # title, variant, quantity
    has_label: bool  # an active label to print
    deadline: date | None  # when an advance exchange's original is due back
    # a provider's label: carrier, service, tracking number, whether it has a drop-off QR code
    provider_label: tuple[str, str, str, bool] | None = None


async def email_facts(case_id: int) -> EmailFacts:
    """What a customer email lists and links beside its text (`records.email_facts`), in one
    round trip: emails are queued inside the transactions of busy use cases."""
    row = await sql.fetchrow(
        """
        SELECT (SELECT COALESCE(json_agg(json_build_array(
                          COALESCE(p.title, l.sku), COALESCE(v.title, ''), ci.quantity)
                          ORDER BY ci.id), '[]')
                  FROM case_item ci
                  JOIN order_line l ON l.id = ci.line
                  LEFT JOIN variant v ON v.store = l.store AND v.sku = l.sku
                  LEFT JOIN product p ON p.id = v.product
                 WHERE ci."case" = $1) AS items,
               EXISTS (SELECT 1 FROM label WHERE "case" = $1 AND status = 'active') AS has_label,
               (SELECT min(return_deadline) FROM shipment
                 WHERE "case" = $1 AND advance AND original_received_at IS NULL) AS deadline,
               (SELECT json_build_array(carrier, service, tracking_number,
                                        qr_code_png IS NOT NULL)::text
                  FROM label WHERE "case" = $1 AND status = 'active' AND service <> ''
                 ORDER BY id DESC LIMIT 1) AS provider_label
        """,
        case_id,
    )
    assert row is not None  # a SELECT without FROM always answers one row
    items = json.loads(row["items"]) if isinstance(row["items"], str) else row["items"]
    label = json.loads(row["provider_label"]) if row["provider_label"] else None
    return EmailFacts(
        [(str(t), str(v), int(q)) for t, v, q in items],
        row["has_label"],
        row["deadline"],
        (str(label[0]), str(label[1]), str(label[2]), bool(label[3])) if label else None,
    )
