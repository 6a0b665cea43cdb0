"""Every hot query uses an index: the tables are filled to tens of thousands of rows with
PostgreSQL's own generate_series, analysed, and each query's plan must not scan a big table
sequentially. (The 1M-order benchmark run is bench/'s job; this keeps the indexes honest.)"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from returns_service.db import sql
from returns_service.db.engine import DB
from returns_service.domain.access import Caller, Role
from returns_service.services.analytics.queries import FINE_DELIVERED, FINE_RETURNED
from returns_service.services.cases import queries as case_reads
from returns_service.services.cases.search import case_search
from returns_service.services.fulfilment import search as parcels
from returns_service.services.fulfilment.queries import parcel_search_statement
from returns_service.services.platform.queries import TOKEN_BY_HASH
from returns_service.services.store.queries import order_with_lines_statement, shop_now_statement

SEED = [
    "INSERT INTO store (slug, name, timezone, created_at) VALUES ('s', 'S', 'UTC', now())",
    """INSERT INTO customer (store, email, first_name, last_name, language, country, created_at)
       SELECT 1, 'c' || n || '@example.com', 'C', 'N', 'en', 'US', now()
         FROM generate_series(1, 40000) n""",
    # a few customers with names of their own (the others are all "C N"): a name search
    """UPDATE customer SET first_name = 'Cara' || id, last_name = 'Nuñez' || id
        WHERE id % 1000 = 0""",
    """INSERT INTO shop_order (store, shop_order_id, number, customer, placed_at, currency,
                              shipping_address, payment_reference, created_at, updated_at)
       SELECT 1, 'o' || n, (100000 + n)::text, n, now(), 'USD', '{}', '', now(), now()
         FROM generate_series(1, 40000) n""",
    """INSERT INTO order_line (store, "order", shop_line_id, sku, product_key, quantity,
                              unit_price_amount, currency, final_sale, delivered_at)
       SELECT 1, (n % 40000) + 1, n::text, 'SKU-' || (n % 50), NULL, 1, 2500, 'USD', false, now()
         FROM generate_series(1, 80000) n""",
    """INSERT INTO agent (store, name, display_name, email, role, languages, capacity, available,
                         created_at)
       SELECT 1, 'A' || n, 'A' || n, 'a' || n || '@s.test', 'agent', '{en}', 10000, true, now()
         FROM generate_series(1, 20) n""",
    """INSERT INTO return_case (store, number, "order", customer, status, agent, language, comment,
                               outside_policy, approved_as_exception, awaiting_reply, overdue,
                               created_at, updated_at)
       SELECT 1, 'R-' || lpad(n::text, 6, '0'), (n % 40000) + 1, (n % 40000) + 1,
              (ARRAY['approved','closed','resolved','requested'])[(n % 4) + 1], (n % 20) + 1, 'en',
              '', false, false, false, false, now() - (n || ' minutes')::interval, now()
         FROM generate_series(1, 30000) n""",
    # most cases were answered long ago; a few still wait for their first answer
    """UPDATE return_case SET first_response_due_at = created_at + interval '1 day',
              first_responded_at = CASE WHEN id % 500 = 0 THEN NULL
                                        ELSE created_at + interval '1 hour' END""",
    """INSERT INTO customer_tracking (store, "case", carrier, tracking_number, created_at)
       SELECT 1, n, 'ups', '1Z' || lpad(n::text, 16, '0'), now()
         FROM generate_series(1, 30000, 3) n""",
    """INSERT INTO case_item (store, "case", line, quantity, reason, resolution,
                             exchange_reserved, unit_price_amount, currency, settled)
       SELECT 1, n, n, 1, 'other', 'refund', false, 2500, 'USD', false
         FROM generate_series(1, 30000) n""",
    """INSERT INTO case_event (store, "case", at, actor_kind, actor_name, kind, text, detail,
                              customer_visible)
       SELECT 1, (n % 30000) + 1, now(), 'system', 'system', 'status', 'x', '', true
         FROM generate_series(1, 90000) n""",
    """INSERT INTO label (store, "case", carrier, tracking_number, status, pdf, zpl, created_at)
       SELECT 1, n, 'concierge-post', 'RC' || lpad(n::text, 11, '0'), 'active', '', '', now()
         FROM generate_series(1, 30000) n""",
    """INSERT INTO product (store, product_key, title, category, updated_at)
       SELECT 1, 'p' || n, 'Product ' || n, 'c' || (n % 40), now()
         FROM generate_series(1, 5000) n""",
    # most of a big catalogue is sold out at any time: the shop-now page skips those rows
    """INSERT INTO variant (store, product, sku, title, price_amount, currency, stock, position)
       SELECT 1, (n % 5000) + 1, 'V-' || n, 'S', 2500, 'USD',
              CASE WHEN n % 10 = 0 THEN 3 ELSE 0 END, n / 5000
         FROM generate_series(1, 50000) n""",
    """INSERT INTO api_token (store, token_hash, role, name, created_at)
       SELECT 1, md5(n::text) || md5((n + 1)::text), 'agent', '', now()
         FROM generate_series(1, 20000) n""",
    "ANALYZE",
]

HOT = {
    "portal sign-in": """SELECT o.id FROM shop_order o JOIN customer c ON c.id = o.customer
                          WHERE o.store = 1 AND o.number = '112345'
                            AND c.email = 'c12345@example.com'""",
    "order lines": """SELECT * FROM order_line WHERE store = 1 AND "order" = 12345""",
    "covered quantities": """SELECT sum(ci.quantity) FROM case_item ci
                              JOIN return_case rc ON rc.id = ci."case"
                              WHERE ci.line = 12345 AND rc.status <> ALL('{cancelled}')""",
    "case by number": """SELECT id FROM return_case WHERE store = 1 AND number = 'R-012345'""",
    "agent queue": """SELECT id FROM return_case WHERE store = 1 AND agent = 7
                       ORDER BY created_at, id LIMIT 51""",
    "capacity count": """SELECT count(*) FROM return_case WHERE store = 1 AND agent = 7
                          AND status = ANY('{requested,approved,in_transit,received,inspected}')""",
    "timeline": """SELECT * FROM case_event WHERE "case" = 12345 ORDER BY at, id""",
    "scan by tracking number": """SELECT "case" FROM label WHERE store = 1
                                   AND tracking_number = 'RC00000012345'""",
    "token": """SELECT id FROM api_token WHERE token_hash = 'abc' AND revoked_at IS NULL""",
    "customer's cases": """SELECT id FROM return_case WHERE store = 1 AND customer = 12345
                            ORDER BY created_at""",
}
LEAD = Caller(Role.LEAD, 1, agent_id=1)
NOW = datetime(2026, 6, 1, tzinfo=UTC)


def _search(q: str | None, overdue: bool | None = None) -> case_reads.QueueFilter:
    return case_reads.QueueFilter(
        agent=None,
        unassigned=False,
        statuses=None,
        search=case_search(q) if q else None,
        overdue=overdue,
        now=NOW,
    )


AGENT = Caller(Role.AGENT, 1, agent_id=7)
CUSTOMER = Caller(Role.CUSTOMER, 1, customer_id=12345, order_id=12345)
PAGE: dict[str, Any] = {"unassigned": False, "statuses": None, "after": None, "limit": 51}
A_DAY = [datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)]
# the service's own statements, with the parameters it sends (db/sql.py runs them)
SERVICE: dict[str, sql.Statement] = {
    "order with lines": order_with_lines_statement(CUSTOMER, 12345),
    "token by hash": (TOKEN_BY_HASH, ["abc"]),
    "scan by tracking number": case_reads.case_row_by_label_statement(LEAD, "RC00000012345"),
    "case page": case_reads.case_row_statement(CUSTOMER, "R-012345"),
    "case page for staff": case_reads.case_row_statement(LEAD, "R-012345"),
    "lead's board": case_reads.case_page_statement(LEAD, agent=None, **PAGE),
    "lead's board, open": case_reads.case_page_statement(
        LEAD, agent=None, **{**PAGE, "statuses": ["requested", "approved"]}
    ),
    "agent's queue": case_reads.case_page_statement(AGENT, agent=7, **PAGE),
    "agent's queue, next page": case_reads.case_page_statement(
        AGENT, agent=7, **{**PAGE, "after": (datetime(2026, 1, 1, tzinfo=UTC), 5)}
    ),
    "customer's returns": case_reads.case_page_statement(CUSTOMER, agent=None, **PAGE),
    "station's parcel search": parcel_search_statement(
        Caller(Role.WAREHOUSE, 1, station_id=1),
        order_number="112345",
        email="c12345@example.com",
        name=parcels._prefix_range("c12345"),
        full_name=("c", *parcels._prefix_range("n1")),
        statuses=parcels.OPEN,
        before_id=2**63 - 1,
        limit=21,
    ),
    # the queue's search (services/cases/search.py reads `q` into these keys)
    **{
        f"queue search: {name}": case_reads.queue_page_statement(
            who, where=_search(q), sort=sort, after=None, limit=51
        )
        for name, who, q, sort in (
            ("case number", LEAD, "R-012345", "created_at"),
            ("order number", LEAD, "112345", "created_at"),
            ("email", LEAD, "c12345@example.com", "created_at"),
            ("email's beginning", LEAD, "c1234", "-created_at"),
            ("name", LEAD, "Cara Nu", "created_at"),
            ("tracking number", LEAD, "RC00000012345", "due_at"),
            ("an agent's own", AGENT, "c12345@example.com", "due_at"),
        )
    },
    "lead's board by due time": case_reads.queue_page_statement(
        LEAD, where=_search(None), sort="due_at", after=None, limit=51
    ),
    "lead's board by due time, next page": case_reads.queue_page_statement(
        LEAD,
        where=_search(None),
        sort="due_at",
        after=(1, datetime(2026, 1, 1, tzinfo=UTC), 5),
        limit=51,
    ),
    "lead's overdue tab": case_reads.queue_page_statement(
        LEAD, where=_search(None, overdue=True), sort="created_at", after=None, limit=51
    ),
    "lead's board, newest first": case_reads.queue_page_statement(
        LEAD, where=_search(None), sort="-created_at", after=None, limit=51
    ),
    "shop-now page": shop_now_statement(
        1, currency="USD", except_sku="V-1", pattern="", language="en", after=(0, 0, 0), limit=21
    ),
    "shop-now next page": shop_now_statement(
        1, currency="USD", except_sku="V-1", pattern="", language="en", after=(2500, 3, 9), limit=21
    ),
    # the analytics read a day not rolled up yet live (services/analytics/rollup.py)
    "analytics: a day's deliveries": (FINE_DELIVERED, [1, *A_DAY]),
    "analytics: a day's returns": (FINE_RETURNED, [1, *A_DAY]),
}
BIG = {
    "customer_tracking",
    "customer",
    "shop_order",
    "order_line",
    "return_case",
    "case_item",
    "case_event",
    "label",
    "api_token",
    "variant",
}


def seq_scans(plan: dict[str, object]) -> list[str]:
    found = []
    if plan.get("Node Type") == "Seq Scan" and plan.get("Relation Name") in BIG:
        found.append(str(plan["Relation Name"]))
    for child in plan.get("Plans", []):  # type: ignore[union-attr]
        found += seq_scans(child)
    return found


async def plan_of(query: str, *args: Any) -> dict[str, object]:
    rows = await sql.fetch(f"EXPLAIN (FORMAT JSON) {query}", *args)
    return json.loads(rows[0]["QUERY PLAN"])[0]["Plan"]  # type: ignore[no-any-return]


async def test_hot_queries_use_indexes(db: None) -> None:
    for statement in SEED:
        await DB.run_ddl(statement)
    scanning = {name: seq_scans(await plan_of(query)) for name, query in HOT.items()}
    for name, (statement, args) in SERVICE.items():
        scanning[name] = seq_scans(await plan_of(statement, *args))
    assert {name: tables for name, tables in scanning.items() if tables} == {}
    # shop-now pages through in-stock variants only, in the partial index's order
    statement, args = SERVICE["shop-now next page"]
    assert "variant_in_stock_page" in json.dumps(await plan_of(statement, *args))
    # and the check itself sees a sequential scan when there is one
    unindexed = await plan_of("SELECT id FROM return_case WHERE comment = 'x'")
    assert seq_scans(unindexed) == ["return_case"]
