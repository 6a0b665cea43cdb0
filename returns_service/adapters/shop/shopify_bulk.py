"""Shopify's bulk export of orders, for shops too big to page through (`shopify sync --bulk`):
`bulkOperationRunQuery` starts it, `node(id:)` is polled until it is COMPLETED, and the JSONL
at its `url` is read line by line. In that file each connection's nodes are lines of their
own that name their order in `__parentId` (lines of an order come after the order itself),
so lines are gathered under their order before the orders are handed on in batches.

A bulk query may not hold a connection inside a list (fulfillments[].fulfillmentLineItems), so
a line counts as delivered when nothing of it is left to fulfil (`unfulfilledQuantity` 0)
and every fulfillment of its order is DELIVERED (the latest `deliveredAt` is its date).
Reference: https://shopify.dev/docs/api/usage/bulk-operations/queries
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any

import httpx

from returns_service.adapters.shop.base import ShopError
from returns_service.adapters.shop.graphql import ShopifyGraphQL
from returns_service.adapters.shop.shopify_orders import order_from_graphql

# https://shopify.dev/docs/api/admin-graphql/latest/mutations/bulkOperationRunQuery
BULK_RUN = """
mutation BulkOrders($query: String!) {
  bulkOperationRunQuery(query: $query) {
    bulkOperation { id status }
    userErrors { field message }
  }
}"""

# https://shopify.dev/docs/api/admin-graphql/latest/objects/BulkOperation
BULK_STATUS = """
query BulkStatus($id: ID!) {
  node(id: $id) { ... on BulkOperation { id status errorCode objectCount url } }
}"""

ORDERS_EXPORT = """
{ orders(query: %s, sortKey: UPDATED_AT) { edges { node {
    id name email createdAt processedAt currencyCode customerLocale
    customer { email firstName lastName }
    shippingAddress { name address1 address2 city provinceCode zip countryCodeV2 }
    fulfillments { displayStatus deliveredAt }
    lineItems { edges { node { id sku quantity unfulfilledQuantity variant { id }
        product { id } originalUnitPriceSet { shopMoney { amount } } } } }
} } } }"""

FAILED = frozenset({"FAILED", "CANCELED", "CANCELLED", "EXPIRED"})
MAX_POLLS = 720  # at the caller's interval: a bulk export that never ends is given up


def _bulk_node(order: dict[str, Any], lines: list[dict[str, Any]]) -> dict[str, Any]:
    """An order of the export in the shape the `orders` query gives (order_from_graphql)."""
    fulfillments = order.get("fulfillments") or []
    delivered = bool(fulfillments) and all(
        f.get("displayStatus") == "DELIVERED" for f in fulfillments
    )
    done = [line for line in lines if int(line.get("unfulfilledQuantity") or 0) == 0]
    shipped = (
        [
            {
                "displayStatus": "DELIVERED",
                "deliveredAt": max((f.get("deliveredAt") or "") for f in fulfillments) or None,
                "fulfillmentLineItems": {"nodes": [{"lineItem": {"id": li["id"]}} for li in done]},
            }
        ]
        if delivered and done
        else []
    )
    return {**order, "fulfillments": shipped, "lineItems": {"nodes": lines}}


class ShopifyBulkExport:
    def __init__(self, api: ShopifyGraphQL, sleep: Callable[[float], Awaitable[None]]) -> None:
        self.api = api
        self.sleep = sleep

    async def start(self, since: datetime | None) -> str:
        search = json.dumps(f"updated_at:>='{since.isoformat()}'" if since else "")
        payload = await self.api.mutate(
            "bulkOperationRunQuery", BULK_RUN, {"query": ORDERS_EXPORT % search}
        )
        return str(payload["bulkOperation"]["id"])

    async def wait(self, operation: str, interval: float) -> str | None:
        """The export's file once COMPLETED (None: it found no orders)."""
        for _ in range(MAX_POLLS):
            node = (await self.api.run(BULK_STATUS, {"id": operation})).get("node") or {}
            status = node.get("status")
            if status == "COMPLETED":
                return str(node["url"]) if node.get("url") else None
            if status in FAILED or status is None:
                raise ShopError(
                    "refused", f"Shopify's bulk export {status}: {node.get('errorCode')}"
                )
            await self.sleep(interval)
        raise ShopError("unavailable", "Shopify's bulk export did not finish")

    async def orders(self, url: str, batch: int) -> AsyncIterator[list[dict[str, Any]]]:
        """The file's orders (webhook-shaped), `batch` at a time."""
        orders: dict[str, dict[str, Any]] = {}
        lines: dict[str, list[dict[str, Any]]] = {}
        try:
            async with (
                httpx.AsyncClient(timeout=self.api.timeout, transport=self.api.transport) as client,
                client.stream("GET", url) as response,
            ):
                if response.status_code != 200:
                    raise ShopError(
                        "unavailable", f"the export file answered {response.status_code}"
                    )
                async for text in response.aiter_lines():
                    if not text.strip():
                        continue
                    row = json.loads(text)
                    parent = row.pop("__parentId", None)
                    if parent is None:
                        orders[row["id"]] = row
                        lines.setdefault(row["id"], [])
                    else:
                        lines.setdefault(parent, []).append(row)
        except httpx.HTTPError as error:
            raise ShopError(
                "unavailable", f"the export file could not be read: {error!r}"
            ) from error
        except ValueError as error:
            raise ShopError("refused", "the export file is not JSONL") from error
        ids = list(orders)
        for start in range(0, len(ids), batch):
            yield [
                order_from_graphql(_bulk_node(orders[i], lines.get(i, [])))
                for i in ids[start : start + batch]
            ]
