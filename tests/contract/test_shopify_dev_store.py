"""Read-only checks against a real Shopify development store: our order query and the
throttle status every answer carries. Skipped unless SHOPIFY_TEST_SHOP and
SHOPIFY_TEST_ACCESS_TOKEN are set (SHOPIFY_TEST_API_VERSION optional)."""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

import pytest

from returns_service.adapters.shop.graphql import ShopifyGraphQL
from returns_service.adapters.shop.shopify import ShopifyShop
from returns_service.adapters.shopify import order_from_shopify
from returns_service.settings import ShopSettings

SHOP = os.environ.get("SHOPIFY_TEST_SHOP", "")
TOKEN = os.environ.get("SHOPIFY_TEST_ACCESS_TOKEN", "")

pytestmark = pytest.mark.skipif(
    not (SHOP and TOKEN),
    reason="no Shopify dev store: set SHOPIFY_TEST_SHOP and SHOPIFY_TEST_ACCESS_TOKEN",
)


def api() -> ShopifyGraphQL:
    return ShopifyGraphQL(
        shop=SHOP,
        access_token=TOKEN,
        api_version=os.environ.get("SHOPIFY_TEST_API_VERSION", ShopSettings().shopify_api_version),
    )


async def test_the_orders_query_reads_and_maps_a_page() -> None:
    shop = ShopifyShop(api())
    page = await shop.orders_since(datetime.now(UTC) - timedelta(days=365), None)
    for order in page.orders:  # every order Shopify gives maps to our document
        if order["line_items"]:
            assert order_from_shopify(order).shop_order_id == order["id"]


async def test_every_answer_carries_the_throttle_status() -> None:
    client = api()
    data = await client.run("query Shop { shop { name } }", {}, cost=1)
    assert data["shop"]["name"]
    assert client.available is not None and 0 <= client.available
    assert client.restore_rate > 0
