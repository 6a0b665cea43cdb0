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
