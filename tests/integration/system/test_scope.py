"""The caller's scope has one implementation (db/scope.py: `terms`), rendered for the query
builder (`readable`) and for plain SQL (`scope_sql`, the hot paths' db/sql.py): both let every
caller read exactly the same cases, and through the service's order read the same orders,
role by role."""

from __future__ import annotations

from returns_service.clock import FrozenClock
from returns_service.db import scope, sql
from returns_service.db.engine import DB
from returns_service.db.scope import readable, scope_sql
from returns_service.db.tables import ReturnCase, ShopOrder
from returns_service.domain.access import Caller, Role
from returns_service.domain.errors import NotFound
from returns_service.services.store.eligibility import evaluate_order

# two stores; in store 1 two customers with two orders each, two agents, one waiting case
ROWS = [
    "INSERT INTO store (slug, name, timezone, created_at) VALUES ('a', 'A', 'UTC', now()),"
    " ('b', 'B', 'UTC', now())",
    """INSERT INTO customer (store, email, first_name, last_name, language, country, created_at)
       VALUES (1, 'c1@x.test', 'C', '1', 'en', 'US', now()),
              (1, 'c2@x.test', 'C', '2', 'en', 'US', now()),
              (2, 'c3@x.test', 'C', '3', 'en', 'US', now())""",
    """INSERT INTO shop_order (store, shop_order_id, number, customer, placed_at, currency,
                              shipping_address, payment_reference, created_at, updated_at)
       SELECT s, 'o' || n, n::text, c, now(), 'USD', '{}', '', now(), now()
         FROM (VALUES (1, 1, 1), (2, 1, 1), (3, 1, 2), (4, 1, 2), (5, 2, 3)) v(n, s, c)""",
    """INSERT INTO agent (store, name, display_name, email, role, languages, capacity, available,
                         created_at)
       VALUES (1, 'A1', 'A1', 'a1@x.test', 'agent', '{en}', 10, true, now()),
              (1, 'A2', 'A2', 'a2@x.test', 'agent', '{en}', 10, true, now()),
              (2, 'A3', 'A3', 'a3@x.test', 'agent', '{en}', 10, true, now())""",
    """INSERT INTO return_case (store, number, "order", customer, status, agent, language,
                               comment, outside_policy, approved_as_exception, awaiting_reply,
                               overdue, created_at, updated_at)
       SELECT s, 'R-' || n, o, c, 'approved', a, 'en', '', false, false, false, false, now(),
              now()
         FROM (VALUES ('AAAAA1', 1, 1, 1, 1), ('AAAAA2', 1, 2, 1, 2), ('AAAAA3', 1, 3, 2, 1),
                      ('AAAAA4', 1, 4, 2, NULL), ('AAAAA5', 2, 5, 3, 3))
              v(n, s, o, c, a)""",
]

CALLERS = {
    "customer 1": Caller(Role.CUSTOMER, 1, customer_id=1, order_id=1),
    "customer 2": Caller(Role.CUSTOMER, 1, customer_id=2, order_id=3),
    "a customer session without a customer": Caller(Role.CUSTOMER, 1),
    "agent 1": Caller(Role.AGENT, 1, agent_id=1),
    "agent 2": Caller(Role.AGENT, 1, agent_id=2),
    "an agent token linked to no agent": Caller(Role.AGENT, 1),
    "lead": Caller(Role.LEAD, 1, agent_id=1),
    "warehouse": Caller(Role.WAREHOUSE, 1, station_id=1),
    "admin": Caller(Role.ADMIN, 1),
    "admin of the other store": Caller(Role.ADMIN, 2),
    "the system": Caller.system(1),
}


async def readable_orders_by_service(caller: Caller, clock: FrozenClock) -> set[int]:
    """The orders `evaluate_order` (the order read of every portal page) lets `caller` read."""
    found = set()
    for order_id in range(1, 6):
        try:
            found.add((await evaluate_order(caller, order_id, clock)).id)
        except NotFound:
            pass
    return found


async def test_plain_sql_scopes_match_readable_for_every_caller(
    db: None, clock: FrozenClock
) -> None:
    for statement in ROWS:
        await DB.run_ddl(statement)
    plain_cases: dict[str, set[int]] = {}
    plain_orders: dict[str, set[int]] = {}
    for name, caller in CALLERS.items():
        condition, args = scope_sql(caller, "return_case", "c", first=1)
        rows = await sql.fetch(f"SELECT c.id FROM return_case c WHERE {condition}", *args)
        plain_cases[name] = {r["id"] for r in rows}
        cases = ReturnCase.select(ReturnCase.id).where(readable(caller, ReturnCase))
        assert plain_cases[name] == {r["id"] for r in await cases}, name

        plain_orders[name] = await readable_orders_by_service(caller, clock)
        orders = ShopOrder.select(ShopOrder.id).where(readable(caller, ShopOrder))
        assert plain_orders[name] == {r["id"] for r in await orders}, name
    # and the callers differ: the check is not comparing empty sets
    assert plain_cases["agent 1"] == {1, 3} and plain_cases["lead"] == {1, 2, 3, 4}
    assert plain_orders["customer 1"] == {1, 2} and plain_orders["admin"] == {1, 2, 3, 4}
    assert plain_cases["the system"] == {1, 2, 3, 4} and plain_cases[
        "admin of the other store"
    ] == {5}


async def test_both_renderings_come_from_the_one_scope(db: None, monkeypatch: object) -> None:
    """Change the scope's terms and both the builder's and the plain-SQL condition follow."""
    for statement in ROWS:
        await DB.run_ddl(statement)
    customer = CALLERS["customer 1"]
    monkeypatch.setattr(scope, "terms", lambda s, table: [("store", 1), ("agent", 2)])  # type: ignore[attr-defined]
    condition, args = scope_sql(customer, "return_case", "c", first=1)
    rows = await sql.fetch(f"SELECT c.id FROM return_case c WHERE {condition}", *args)
    cases = ReturnCase.select(ReturnCase.id).where(readable(customer, ReturnCase))
    assert {r["id"] for r in rows} == {r["id"] for r in await cases} == {2}
