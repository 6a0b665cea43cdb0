"""Orders from a CSV export: one row per order line, rows of one order share `shop_order_id`."""

from __future__ import annotations

import csv
import io
from typing import Any

import msgspec

from returns_service.domain.errors import InvalidRequest
from returns_service.domain.money import money_from_decimal
from returns_service.domain.orders import OrderDocument

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


def _truthy(text: str) -> bool:
    return text.strip().lower() in {"1", "true", "yes", "y"}


def orders_from_csv(text: str) -> list[OrderDocument]:
    """Parse every order in the file, or raise naming the first bad row."""
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in REQUIRED if c not in (reader.fieldnames or [])]
    if missing:
        raise InvalidRequest(f"the CSV lacks the columns: {', '.join(missing)}")
    orders: dict[str, dict[str, Any]] = {}
    for row_number, raw_row in enumerate(reader, start=2):
        row: dict[str, str] = {k: (v or "").strip() for k, v in raw_row.items() if k}

        def get(name: str, row: dict[str, str] = row) -> str:
            return row.get(name, "")

        try:
            order = orders.setdefault(
                get("shop_order_id"),
                {
                    "shop_order_id": get("shop_order_id"),
                    "number": get("number"),
                    "placed_at": get("placed_at"),
                    "currency": get("currency"),
                    "customer": {
                        "email": get("email"),
                        "first_name": get("first_name"),
                        "last_name": get("last_name"),
                        "language": get("language") or "en",
                        "country": get("country") or None,
                    },
                    "lines": [],
                },
            )
            order["lines"].append(
                {
                    "shop_line_id": get("shop_line_id"),
                    "sku": get("sku"),
                    "product_id": get("product_id") or None,
                    "quantity": int(get("quantity")),
                    "unit_price": msgspec.to_builtins(
                        money_from_decimal(get("unit_price"), order["currency"])
                    ),
                    "final_sale": _truthy(get("final_sale")),
                    "delivered_at": get("delivered_at") or None,
                }
            )
        except (ValueError, ArithmeticError) as error:
            raise InvalidRequest(f"row {row_number}: {error}") from error
    documents = []
    for shop_order_id, raw in orders.items():
        try:
            documents.append(msgspec.convert(raw, OrderDocument))
        except msgspec.ValidationError as error:
            raise InvalidRequest(f"order {shop_order_id}: {error}") from error
    return documents
