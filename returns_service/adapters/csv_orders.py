"""Orders from a CSV export: one row per order line, rows of one order share `shop_order_id`.

The file comes from a spreadsheet, so it is read the way spreadsheets write: UTF-8 with or
without a byte-order mark, UTF-16 ("Unicode text"), or Windows-1252 when the bytes are not
UTF-8; commas, semicolons (locales with a decimal comma) or tabs. Every row is checked before
anything is imported, and every problem is reported with its row number as the spreadsheet
shows it (the header is row 1), so one pass over the report fixes the file.
"""

from __future__ import annotations

import csv
import io
import typing
from dataclasses import dataclass
from typing import Any

import msgspec

from returns_service.domain.errors import InvalidRequest
from returns_service.domain.money import money_from_decimal
from returns_service.domain.orders import (
    CustomerDocument,
    OrderDocument,
    OrderLineDocument,
    normalize_email,
)

COLUMNS = (
    "shop_order_id",
    "number",
    "placed_at",
    "currency",
    "email",
    "first_name",
    "last_name",
    "language",
    "country",
    "shop_line_id",
    "sku",
    "product_id",
    "quantity",
    "unit_price",
    "final_sale",
    "delivered_at",
)
REQUIRED = (
    "shop_order_id",
    "number",
    "placed_at",
    "currency",
    "email",
    "shop_line_id",
    "sku",
    "quantity",
    "unit_price",
)
# Fields that describe the order, not the line: every row of one order must agree on them.
ORDER_FIELDS = (
    "number",
    "placed_at",
    "currency",
    "email",
    "first_name",
    "last_name",
    "language",
    "country",
)
DELIMITERS = (",", ";", "\t")
# Columns the schema gives no length limit (numbers, dates, flags) still get one, so a
# pasted megabyte becomes one line of report instead of a slow parse.
MAX_OTHER_FIELD = 64
MAX_PROBLEMS_SHOWN = 200
_TRUE = {"1", "true", "yes", "y"}
_FALSE = {"", "0", "false", "no", "n"}


def _field_types() -> dict[str, Any]:
    """Each column's type, with the limits the order API itself enforces (one source)."""
    order = typing.get_type_hints(OrderDocument, include_extras=True)
    customer = typing.get_type_hints(CustomerDocument, include_extras=True)
    line = typing.get_type_hints(OrderLineDocument, include_extras=True)
    return {
        "shop_order_id": order["shop_order_id"],
        "number": order["number"],
        "placed_at": order["placed_at"],
        "currency": order["currency"],
        "email": customer["email"],
        "first_name": customer["first_name"],
        "last_name": customer["last_name"],
        "language": customer["language"],
        "country": customer["country"],
        "shop_line_id": line["shop_line_id"],
        "sku": line["sku"],
        "product_id": line["product_id"],
        "quantity": line["quantity"],
        "delivered_at": line["delivered_at"],
    }


_TYPES = _field_types()
_MAX_LINES = 500  # OrderDocument.lines max_length


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int | None  # as the spreadsheet numbers it: the header is row 1; None: the file
    field: str
    value: str
    why: str

    def __str__(self) -> str:
        where = f"row {self.row}" if self.row is not None else "file"
        field = f", {self.field}" if self.field else ""
        value = f" {_excerpt(self.value)}" if self.value else ""
        return f"{where}{field}{value}: {self.why}"


class CsvRefused(InvalidRequest):
    """The file has problems; nothing from it is imported."""

    def __init__(self, problems: list[RowProblem]) -> None:
        shown = [str(p) for p in problems[:MAX_PROBLEMS_SHOWN]]
        if len(problems) > MAX_PROBLEMS_SHOWN:
            shown.append(f"... and {len(problems) - MAX_PROBLEMS_SHOWN} more problems")
        super().__init__(
            f"the CSV has {len(problems)} problem(s); nothing was imported:\n" + "\n".join(shown)
        )
        self.problems = problems


@dataclass(frozen=True, slots=True)
class CsvOrders:
    documents: list[OrderDocument]
    encoding: str  # how the bytes were read, to say so in the summary

    @property
    def line_count(self) -> int:
        return sum(len(d.lines) for d in self.documents)


def _excerpt(value: str, limit: int = 40) -> str:
    shown = value if len(value) <= limit else f"{value[:limit]}... ({len(value)} characters)"
    return repr(shown)


def decode_csv(data: bytes) -> tuple[str, str]:
    """The text of a spreadsheet export and the encoding it was read as."""
    try:
        if data.startswith(b"\xef\xbb\xbf"):
            return data[3:].decode("utf-8"), "UTF-8 (with BOM)"
        if data.startswith(b"\xff\xfe"):
            return data[2:].decode("utf-16-le"), "UTF-16 LE"
        if data.startswith(b"\xfe\xff"):
            return data[2:].decode("utf-16-be"), "UTF-16 BE"
        head = data[:64]
        # UTF-16 without a BOM: an ASCII header leaves every other byte zero
        if len(head) >= 8 and not any(head[1::2]) and all(head[0::2]):
            return data.decode("utf-16-le"), "UTF-16 LE"
        if len(head) >= 8 and not any(head[0::2]) and all(head[1::2]):
            return data.decode("utf-16-be"), "UTF-16 BE"
    except UnicodeDecodeError as error:
        why = f"is not valid text in the encoding its first bytes announce: {error}"
        raise CsvRefused([RowProblem(None, "", "", why)]) from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:  # the five bytes cp1252 leaves undefined
        return data.decode("latin-1"), "Latin-1"


def _delimiter(header_line: str) -> str | None:
    """The delimiter that makes the header hold our columns (the header says which it is)."""
    for delimiter in DELIMITERS:
        names = {n.strip().lower() for n in header_line.split(delimiter)}
        if "shop_order_id" in names and "sku" in names:
            return delimiter
    return None


def _parse_row(row_number: int, row: dict[str, str], problems: list[RowProblem]) -> dict[str, Any]:
    """The row's values converted to the document's types; problems appended, not raised."""
    values: dict[str, Any] = {}
    for name in COLUMNS:
        text = row.get(name, "")
        if "\x00" in text:
            problems.append(RowProblem(row_number, name, text, "contains a NUL character"))
            continue
        if name in REQUIRED and not text:
            problems.append(RowProblem(row_number, name, "", "is required"))
            continue
        if name not in _TYPES and len(text) > MAX_OTHER_FIELD:
            why = f"is longer than {MAX_OTHER_FIELD} characters"
            problems.append(RowProblem(row_number, name, text, why))
            continue
        if name == "unit_price":
            values[name] = text  # converted once the currency is known
        elif name == "final_sale":
            if text.lower() not in _TRUE | _FALSE:
                why = "must be one of true/false, yes/no, 1/0 or empty"
                problems.append(RowProblem(row_number, name, text, why))
            values[name] = text.lower() in _TRUE
        elif name in ("product_id", "country", "delivered_at") and not text:
            values[name] = None
        elif name in ("first_name", "last_name") and not text:
            values[name] = ""
        elif name == "language" and not text:
            values[name] = "en"
        else:
            try:
                values[name] = msgspec.convert(text, _TYPES[name], strict=False)
            except msgspec.ValidationError as error:
                problems.append(RowProblem(row_number, name, text, _why(name, error)))
    if "unit_price" in values and isinstance(values.get("currency"), str):
        try:
            price = money_from_decimal(values["unit_price"], values["currency"])
            values["unit_price"] = msgspec.to_builtins(price)
        except (ValueError, ArithmeticError):
            why = f"is not an amount in {values['currency']} (write it like 25.00)"
            problems.append(RowProblem(row_number, "unit_price", values["unit_price"], why))
    return values


def _why(name: str, error: msgspec.ValidationError) -> str:
    message = str(error).removesuffix(" - at `$`")
    if message.startswith("Expected `int`"):
        return "is not a whole number"
    if "datetime" in message:
        return f"{message[0].lower()}{message[1:]} (write it like 2026-08-01T10:00:00Z)"
    return message


def _order_key(name: str, value: Any) -> Any:
    return normalize_email(value) if name == "email" and isinstance(value, str) else value


def parse_orders_csv(data: bytes) -> CsvOrders:
    """Every order in the file, or CsvRefused listing every problem in it."""
    text, encoding = decode_csv(data)
    header_line = text.split("\n", 1)[0].rstrip("\r")
    delimiter = _delimiter(header_line)
    if delimiter is None:
        why = (
            "the first row must be the header, with the columns separated by commas, "
            f"semicolons or tabs; the required columns are: {', '.join(REQUIRED)}"
        )
        raise CsvRefused([RowProblem(1, "", header_line, why)])
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    problems: list[RowProblem] = []
    try:
        header = [name.strip().lower() for name in next(reader)]
        missing = [c for c in REQUIRED if c not in header]
        if missing:
            raise CsvRefused([RowProblem(1, "", "", f"lacks the columns: {', '.join(missing)}")])
        # shop_order_id -> (first row, its order-level values, lines, seen line ids)
        orders: dict[str, tuple[int, dict[str, Any], list[dict[str, Any]], dict[str, int]]] = {}
        numbers: dict[Any, tuple[str, int]] = {}
        for row_number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue  # spreadsheets export empty rows at the end
            if len(cells) > len(header):
                why = f"has {len(cells)} cells, the header {len(header)}"
                problems.append(RowProblem(row_number, "", "", why))
                continue
            row = {name: cell.strip() for name, cell in zip(header, cells, strict=False)}
            found = len(problems)
            values = _parse_row(row_number, row, problems)
            if all(name in values for name in ("shop_order_id", *ORDER_FIELDS)):
                # a row with a bad line field still says what it thinks the order is
                _group(row_number, values, orders, numbers, problems, len(problems) == found)
    except csv.Error as error:  # e.g. a field over csv's own size limit: nothing after is safe
        problems.append(RowProblem(reader.line_num, "", "", f"cannot be read as CSV: {error}"))
    if problems:
        raise CsvRefused(problems)
    documents = []
    for shop_order_id, (first_row, order, lines, _) in orders.items():
        raw = {
            "shop_order_id": shop_order_id,
            "number": order["number"],
            "placed_at": order["placed_at"],
            "currency": order["currency"],
            "customer": {
                "email": order["email"],
                "first_name": order["first_name"],
                "last_name": order["last_name"],
                "language": order["language"],
                "country": order["country"],
            },
            "lines": lines,
        }
        try:
            documents.append(msgspec.convert(raw, OrderDocument))
        except msgspec.ValidationError as error:  # every field was checked: a rule we missed
            problems.append(RowProblem(first_row, "", "", f"order {shop_order_id}: {error}"))
    if problems:
        raise CsvRefused(problems)
    return CsvOrders(documents, encoding)


def _group(
    row_number: int,
    values: dict[str, Any],
    orders: dict[str, tuple[int, dict[str, Any], list[dict[str, Any]], dict[str, int]]],
    numbers: dict[Any, tuple[str, int]],
    problems: list[RowProblem],
    line_ok: bool,
) -> None:
    """Add the row's line to its order, reporting rows that contradict the order's first row."""
    shop_order_id = values["shop_order_id"]
    order_values = {name: values[name] for name in ORDER_FIELDS}
    first_row, order, lines, line_ids = orders.setdefault(
        shop_order_id, (row_number, order_values, [], {})
    )
    for name in ORDER_FIELDS:
        if _order_key(name, order[name]) != _order_key(name, values[name]):
            why = (
                f"differs from row {first_row} of the same order {shop_order_id} "
                f"({_excerpt(str(order[name] or ''))}); every row of an order must agree"
            )
            problems.append(RowProblem(row_number, name, str(values[name] or ""), why))
    other = numbers.setdefault(values["number"], (shop_order_id, row_number))
    if other[0] != shop_order_id:
        why = f"is also the number of order {other[0]} (row {other[1]})"
        problems.append(RowProblem(row_number, "number", values["number"], why))
    if not line_ok:
        return
    line_id = values["shop_line_id"]
    if line_id in line_ids:
        why = f"appears twice in order {shop_order_id} (row {line_ids[line_id]})"
        problems.append(RowProblem(row_number, "shop_line_id", line_id, why))
        return
    line_ids[line_id] = row_number
    if len(lines) == _MAX_LINES:
        why = f"order {shop_order_id} has more than {_MAX_LINES} lines"
        problems.append(RowProblem(row_number, "shop_line_id", line_id, why))
        return
    lines.append(
        {
            name: values[name]
            for name in (
                "shop_line_id",
                "sku",
                "product_id",
                "quantity",
                "unit_price",
                "final_sale",
                "delivered_at",
            )
        }
    )


def orders_from_csv(text: str) -> list[OrderDocument]:
    """Parse every order in already-decoded text, or raise CsvRefused naming every bad row."""
    return parse_orders_csv(text.encode("utf-8")).documents
