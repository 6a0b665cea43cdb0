"""A report as CSV (RFC 4180: CRLF line ends, fields quoted when they must be): the same rows
as its JSON `items`, one column per field, Money as two columns `<name>_amount` (minor
units) and `<name>_currency`. A text cell a spreadsheet would run as a formula (starting
with `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`."""

from __future__ import annotations

import csv
import io
import typing
from typing import Any

import msgspec

from returns_service.domain.money import Money
from returns_service.services.analytics.schemas import (
    AgentRow,
    AgentsReport,
    OutcomeRow,
    OutcomesReport,
    ReturnsReport,
    ReturnsRow,
)

Report = ReturnsReport | OutcomesReport | AgentsReport

_ROW_TYPES: dict[type[Any], type[msgspec.Struct]] = {
    ReturnsReport: ReturnsRow,
    OutcomesReport: OutcomeRow,
    AgentsReport: AgentRow,
}

_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _is_money(annotation: Any) -> bool:
    return annotation is Money or Money in typing.get_args(annotation)


def columns(row_type: type[msgspec.Struct]) -> list[tuple[str, bool]]:
    """(field name, is money) in the row's order."""
    hints = typing.get_type_hints(row_type)
    return [(f, _is_money(hints[f])) for f in row_type.__struct_fields__]


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return "'" + value if value.startswith(_FORMULA_STARTS) else value
    return str(value)


def to_csv(report: Report) -> str:
    row_type = _ROW_TYPES[type(report)]
    fields = columns(row_type)
    header: list[str] = []
    for name, money in fields:
        header += [f"{name}_amount", f"{name}_currency"] if money else [name]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for item in report.items:
        cells: list[str] = []
        for name, money in fields:
            value = getattr(item, name)
            if money:
                cells += ["", ""] if value is None else [str(value.amount), _cell(value.currency)]
            else:
                cells.append(_cell(value))
        writer.writerow(cells)
    return out.getvalue()
