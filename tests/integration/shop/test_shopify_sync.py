"""`returns-service shopify sync` pages through the shop's orders into ours; the client keeps
to Shopify's cost-based rate limit (waits for the bucket, hands a THROTTLED call back to the
worker with the time to wait)."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

from returns_service.adapters.shop import ShopError
from returns_service.adapters.shop.graphql import ShopifyGraphQL
from returns_service.adapters.shop.shopify import ShopifyShop
from returns_service.db.tables import OrderLine, ShopOrder
from tests.integration.platform.test_cli import run_cli
from tests.standins.shopify import ShopifyState, shopify_standin


async def test_sync_pages_through_the_orders_since_a_date(db: None, database_url: str) -> None:
    with shopify_standin() as (url, state):
        state.order_pages = [
            [state.order_node(2001), state.order_node(2002)],
            [state.order_node(2003)],
        ]
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "RETURNS_SHOP": "shopify",
            "SHOPIFY_SHOP": "liv-watches.myshopify.com",
            "SHOPIFY_ACCESS_TOKEN": state.token,
            "SHOPIFY_API_BASE": url,
        }
        result = run_cli("shopify", "sync", "--since", "2026-08-01", env=env)
        assert result.returncode == 0, result.stderr
        assert "synced 3 orders in 2 pages (3 new)" in result.stderr
        assert state.calls == ["Orders", "Orders"]
        assert state.variables[0] == {
            "after": None,
            "query": "updated_at:>='2026-08-01T00:00:00+00:00'",
        }
        assert state.variables[1]["after"] == "cursor-1"

        numbers = {r["number"] for r in await ShopOrder.select(ShopOrder.number)}
        assert numbers == {"2001", "2002", "2003"}
        line = await OrderLine.select(OrderLine.shop_line_id, OrderLine.sku).first()
        assert line is not None and line["sku"] == "RING-8-BLK"

        again = run_cli("shopify", "sync", env=env)  # everything: updated, nothing doubled
        assert "(0 new)" in again.stderr
        assert await ShopOrder.count() == 3


def shop_at(url: str, state: ShopifyState, sleeps: list[float]) -> ShopifyShop:
    async def sleep(seconds: float) -> None:  # the client's waits, recorded instead of slept
        sleeps.append(seconds)

    api = ShopifyGraphQL(
        shop="liv-watches.myshopify.com",
        access_token=state.token,
        api_version="2026-01",
        api_base=url,
        sleep=sleep,
    )
    return ShopifyShop(api)


async def test_the_client_waits_when_the_bucket_cannot_cover_the_next_query() -> None:
    with shopify_standin() as (url, state):
        sleeps: list[float] = []
        shop = shop_at(url, state, sleeps)
        state.order_pages = [[state.order_node(2001)]]
        state.available = 60.0  # left after this answer; the orders query costs 120
        await shop.orders_since(None, None)
        assert sleeps == []
        await shop.orders_since(None, None)
        assert sleeps == [pytest.approx((120 - 60) / 50.0)]  # restoreRate 50 a second

        # a slow refill: waiting would take longer than the client waits; the job retries
        state.available, state.restore_rate = 0.0, 10.0
        await shop.orders_since(None, None)
        with pytest.raises(ShopError) as raised:
            await shop.orders_since(None, None)
        assert raised.value.kind == "throttled" and raised.value.retry_after == 12
        assert len(sleeps) == 2 and state.calls.count("Orders") == 3  # the 4th never sent


async def test_a_throttled_answer_is_retried_later_with_shopifys_wait() -> None:
    with shopify_standin() as (url, state):
        shop = shop_at(url, state, [])
        state.throttle_next = 1
        state.available = 20.0
        with pytest.raises(ShopError) as raised:
            await shop.orders_since(datetime(2026, 8, 1, tzinfo=UTC), None)
        # THROTTLED with extensions.cost: (requested 120 - available 20) / restore rate 50
        assert raised.value.retryable and raised.value.retry_after == 2
        state.order_pages = [[state.order_node(2001)]]
        page = await shop.orders_since(None, None)  # the bucket refilled: it goes through
        assert [o["name"] for o in page.orders] == ["#2001"]


async def test_a_5xx_is_retryable_and_a_bad_token_is_not() -> None:
    with shopify_standin() as (url, state):
        shop = shop_at(url, state, [])
        state.lose_answer_of = {"Orders"}
        state.order_pages = [[state.order_node(2001)]]
        with pytest.raises(ShopError) as lost:
            await shop.orders_since(None, None)
        assert lost.value.kind == "unavailable" and lost.value.retryable
        state.token = "another"
        with pytest.raises(ShopError) as refused:
            await shop.orders_since(None, None)
        assert refused.value.kind == "refused" and not refused.value.retryable
