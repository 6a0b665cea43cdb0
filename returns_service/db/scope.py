"""Caller-scoped reads, in one place: every query that reads on behalf of a caller starts from
`readable(caller, Table)`, so access rules are not repeated (or forgotten) per query."""

from __future__ import annotations

from typing import Any

from piccolo.columns.combination import Combinable
from piccolo.table import Table

from returns_service.db.tables import CaseItem, Customer, OrderLine, ReturnCase, ShopOrder
from returns_service.domain.access import Caller, Role


def readable(caller: Caller, table: type[Table]) -> Combinable:
    """The WHERE clause limiting `table` to what `caller` may read."""
    store_col: Any = table.store  # type: ignore[attr-defined]
    clause: Combinable = store_col == caller.store_id
    if caller.role is Role.CUSTOMER:
        clause = clause & _customer_clause(caller, table)
    return clause


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
    raise PermissionError(f"customers never read {table._meta.tablename}")
