"""Caller-scoped reads, one implementation for both ways of querying.

`Caller.scope()` (domain/access.py) says what a caller may read. `terms` turns that scope into
the conditions on one table, each a column that must equal a value; `readable` renders them as
a query-builder WHERE clause, `scope_sql` as a plain-SQL condition for db/sql.py. Neither
adds a rule of its own, so the two cannot drift apart (tests/integration/system/test_scope.py
runs both for every kind of caller).
"""

from __future__ import annotations

from typing import Any

from piccolo.columns.combination import Combinable
from piccolo.table import Table

from returns_service.domain.access import Caller, Scope

# A column, relative to the table ("case.customer" goes through the case's foreign key), and
# the value it must equal.
Term = tuple[str, Any]

# How each table a customer may read reaches its customer; they read no other table.
_CUSTOMER_COLUMN = {
    "customer": "id",
    "shop_order": "customer",
    "order_line": "order.customer",
    "return_case": "customer",
    "case_item": "case.customer",
    "case_message": "case.customer",
    "case_event": "case.customer",
    "case_photo": "case.customer",
}
# The case and what hangs off it: how each reaches the case's agent.
_AGENT_COLUMN = {
    "return_case": "agent",
    "case_item": "case.agent",
    "case_event": "case.agent",
    "case_message": "case.agent",
    "case_note": "case.agent",
    "case_photo": "case.agent",
    "case_attachment": "case.agent",
}


def terms(scope: Scope, table: str) -> list[Term]:
    """The conditions limiting the table named `table` to `scope`, all of which must hold."""
    found: list[Term] = [("store", scope.store_id)]
    if scope.customer_id is not None:
        column = _CUSTOMER_COLUMN.get(table)
        if column is None:
            raise PermissionError(f"customers never read {table}")
        found.append((column, scope.customer_id))
        if table == "case_event":
            found.append(("customer_visible", True))  # the events meant for them
    elif scope.case_agent_id is not None and table in _AGENT_COLUMN:
        found.append((_AGENT_COLUMN[table], scope.case_agent_id))
    return found


def readable(caller: Caller, table: type[Table]) -> Combinable:
    """The query-builder WHERE clause limiting `table` to what `caller` may read."""
    clause: Combinable | None = None
    for column, value in terms(caller.scope(), table._meta.tablename):
        condition: Combinable = _column(table, column) == value
        clause = condition if clause is None else clause & condition
    assert clause is not None  # the store's condition is always there
    return clause


def scope_sql(caller: Caller, table: str, alias: str, *, first: int) -> tuple[str, list[Any]]:
    """The same for plain SQL (db/sql.py): the condition on `table` aliased `alias`, with its
    parameters numbered from `$first`."""
    conditions = []
    args: list[Any] = []
    for column, value in terms(caller.scope(), table):
        if "." in column:
            raise ValueError(f"{table} reaches {column} through a join: read it with readable()")
        conditions.append(f'{alias}."{column}" = ${first + len(args)}')
        args.append(value)
    return " AND ".join(conditions), args


def _column(table: type[Table], path: str) -> Any:
    column: Any = table
    for name in path.split("."):
        column = getattr(column, name)
    return column
