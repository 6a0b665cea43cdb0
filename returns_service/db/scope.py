"""Caller-scoped reads, in one place: every query that reads on behalf of a caller starts from
`readable(caller, Table)`, so access rules are not repeated (or forgotten) per query."""

from __future__ import annotations

from typing import Any

from piccolo.columns.combination import Combinable
from piccolo.table import Table

from returns_service.db.tables import (
    CaseEvent,
    CaseItem,
    CaseMessage,
    CaseNote,
    Customer,
    OrderLine,
    ReturnCase,
    ShopOrder,
)
from returns_service.domain.access import Caller, Role

_CASE_TABLES = (ReturnCase, CaseItem, CaseEvent, CaseMessage, CaseNote)


def readable(caller: Caller, table: type[Table]) -> Combinable:
    """The WHERE clause limiting `table` to what `caller` may read."""
    store_col: Any = table.store  # type: ignore[attr-defined]
    clause: Combinable = store_col == caller.store_id
    if caller.role is Role.CUSTOMER:
        clause = clause & _customer_clause(caller, table)
    elif caller.role is Role.AGENT and table in _CASE_TABLES:
        clause = clause & _agent_clause(caller, table)
    return clause


def case_scope_sql(caller: Caller, alias: str, *, first: int) -> tuple[str, list[Any]]:
    """`readable(caller, ReturnCase)` for plain SQL (db/sql.py): the condition on the
    return_case aliased `alias`, with its parameters numbered from `$first`."""
    clauses = [f"{alias}.store = ${first}"]
    args: list[Any] = [caller.store_id]
    if caller.role is Role.CUSTOMER:
        clauses.append(f"{alias}.customer = ${first + 1}")
        args.append(caller.customer_id)
    elif caller.role is Role.AGENT:
        if caller.agent_id is None:
            clauses.append("false")  # a bare agent-role token owns nothing (see _agent_clause)
        else:
            clauses.append(f"{alias}.agent = ${first + 1}")
            args.append(caller.agent_id)
    return " AND ".join(clauses), args


def order_owner(caller: Caller) -> int | None:
    """For plain SQL (db/sql.py) on orders: the customer whose orders `caller` may read, or
    None when the caller may read every order of their store. A customer session without a
    customer reads nothing (-1 is no customer's id), as `readable` does."""
    if caller.role is Role.CUSTOMER:
        return caller.customer_id if caller.customer_id is not None else -1
    return None


def _agent_clause(caller: Caller, table: type[Table]) -> Combinable:
    """An agent (not a lead) reads only the cases they own, and what hangs off them."""
    if caller.agent_id is None:
        # a bare agent-role token owns nothing ("agent IS NULL" would mean the waiting cases)
        return ReturnCase.id == -1 if table is ReturnCase else table.id == -1  # type: ignore[attr-defined]
    if table is ReturnCase:
        return ReturnCase.agent == caller.agent_id
    case_column: Any = table.case  # type: ignore[attr-defined]
    return case_column.agent == caller.agent_id


def _customer_clause(caller: Caller, table: type[Table]) -> Combinable:
    if table is Customer:
        return Customer.id == caller.customer_id
    if table is ShopOrder:
        return ShopOrder.customer == caller.customer_id
    if table is OrderLine:
        return OrderLine.order.customer == caller.customer_id
    if table is ReturnCase:
        return ReturnCase.customer == caller.customer_id
    if table is CaseItem:
        return CaseItem.case.customer == caller.customer_id
    if table is CaseMessage:
        return CaseMessage.case.customer == caller.customer_id
    if table is CaseEvent:
        return (CaseEvent.case.customer == caller.customer_id) & (
            CaseEvent.customer_visible == True  # noqa: E712 (a SQL expression)
        )
    raise PermissionError(f"customers never read {table._meta.tablename}")
