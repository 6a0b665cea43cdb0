"""Shopify's order webhook: verify its HMAC, and map its order JSON to our order document."""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any

import msgspec

from returns_service.domain.errors import InvalidRequest
from returns_service.domain.money import money_from_decimal
from returns_service.domain.orders import OrderDocument


def verify_hmac(secret: str, body: bytes, signature_header: str | None) -> bool:
    """`X-Shopify-Hmac-Sha256` is the base64 HMAC-SHA256 of the raw body with the app secret."""
    if not secret or not signature_header:
        return False
    expected = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    return hmac.compare_digest(expected.encode(), signature_header.strip().encode())


def _delivery_dates(order: dict[str, Any]) -> dict[str, str]:
    """Line item id -> when its fulfilment was delivered (Shopify's `shipment_status`)."""
    delivered: dict[str, str] = {}
    for fulfillment in order.get("fulfillments") or []:
        if fulfillment.get("shipment_status") != "delivered":
            continue
        at = fulfillment.get("delivered_at") or fulfillment.get("updated_at")
        for item in fulfillment.get("line_items") or []:
            if at and item.get("id") is not None:
                delivered[str(item["id"])] = at
    return delivered


def order_from_shopify(order: dict[str, Any]) -> OrderDocument:
    try:
        currency = order["currency"]
        customer = order.get("customer") or {}
        address = order.get("shipping_address") or {}
        delivered = _delivery_dates(order)
        document: dict[str, Any] = {
            "shop_order_id": str(order["id"]),
            "number": str(order.get("name") or order.get("order_number") or order["id"]).lstrip(
                "#"
            ),
            "placed_at": order.get("processed_at") or order["created_at"],
            "currency": currency,
            "customer": {
                "email": order.get("email") or customer["email"],
                "first_name": customer.get("first_name") or "",
                "last_name": customer.get("last_name") or "",
                "language": (order.get("customer_locale") or "en").split("-")[0].lower(),
                "country": address.get("country_code"),
            },
            "lines": [
                {
                    "shop_line_id": str(item["id"]),
                    "sku": item.get("sku") or f"SHOPIFY-{item.get('variant_id') or item['id']}",
                    "product_id": str(item["product_id"]) if item.get("product_id") else None,
                    "quantity": item["quantity"],
                    "unit_price": msgspec.to_builtins(
                        money_from_decimal(str(item["price"]), currency)
                    ),
                    "delivered_at": delivered.get(str(item["id"])),
                }
                for item in order["line_items"]
            ],
        }
        if address.get("address1"):
            document["shipping_address"] = {
                "line1": address["address1"],
                "line2": address.get("address2") or None,
                "city": address.get("city") or "",
                "region": address.get("province_code") or None,
                "postal_code": address.get("zip") or "",
                "country": address.get("country_code") or "",
                "name": address.get("name") or None,
            }
        return msgspec.convert(document, OrderDocument)
    except (KeyError, TypeError, ValueError, msgspec.ValidationError) as error:
        raise InvalidRequest(f"the Shopify order could not be read: {error}") from error
