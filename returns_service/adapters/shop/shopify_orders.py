"""An order read through the GraphQL API, in the shape of Shopify's order webhook, so one
mapping (adapters/shopify.order_from_shopify) turns both into our order document."""

from __future__ import annotations

from typing import Any

from returns_service.adapters.shop.graphql import numeric


def order_from_graphql(node: dict[str, Any]) -> dict[str, Any]:
    customer = node.get("customer") or {}
    address = node.get("shippingAddress") or {}
    fulfillments = []
    for fulfillment in node.get("fulfillments") or []:
        delivered = fulfillment.get("displayStatus") == "DELIVERED"
        fulfillments.append(
            {
                "shipment_status": "delivered" if delivered else None,
                "delivered_at": fulfillment.get("deliveredAt"),
                "line_items": [
                    {"id": numeric(item["lineItem"]["id"])}
                    for item in fulfillment["fulfillmentLineItems"]["nodes"]
                ],
            }
        )
    order: dict[str, Any] = {
        "id": numeric(node["id"]),
        "name": node.get("name"),
        "email": node.get("email"),
        "created_at": node.get("createdAt"),
        "processed_at": node.get("processedAt"),
        "currency": node.get("currencyCode"),
        "customer_locale": node.get("customerLocale"),
        "customer": {
            "email": customer.get("email"),
            "first_name": customer.get("firstName"),
            "last_name": customer.get("lastName"),
        },
        "shipping_address": {
            "name": address.get("name"),
            "address1": address.get("address1"),
            "address2": address.get("address2"),
            "city": address.get("city"),
            "province_code": address.get("provinceCode"),
            "zip": address.get("zip"),
            "country_code": address.get("countryCodeV2"),
        },
        "line_items": [
            {
                "id": numeric(item["id"]),
                "sku": item.get("sku"),
                "variant_id": numeric(item["variant"]["id"]) if item.get("variant") else None,
                "product_id": numeric(item["product"]["id"]) if item.get("product") else None,
                "quantity": item["quantity"],
                "price": item["originalUnitPriceSet"]["shopMoney"]["amount"],
            }
            for item in node["lineItems"]["nodes"]
        ],
        "fulfillments": fulfillments,
    }
    return order
