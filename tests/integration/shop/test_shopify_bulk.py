"""`returns-service shopify sync --bulk`: one bulk export (bulkOperationRunQuery, polled
until COMPLETED, its JSONL read from the `url`) imported in batches, like the paged sync."""

from __future__ import annotations

import os

import pytest

from returns_service.adapters.shop import ShopError
from returns_service.adapters.shop.shopify_bulk import ShopifyBulkExport
from returns_service.db.tables import OrderLine, ShopOrder
from tests.integration.platform.test_cli import run_cli
from tests.integration.shop.test_shopify_sync import shop_at
from tests.standins.shopify import shopify_standin


async def test_bulk_sync_imports_the_export_and_again_doubles_nothing(
    db: None, database_url: str
) -> None:
    with shopify_standin() as (url, state):
        state.bulk_orders = [state.order_node(n) for n in (3001, 3002, 3003)]
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "RETURNS_SHOP": "shopify",
            "SHOPIFY_SHOP": "liv-watches.myshopify.com",
            "SHOPIFY_ACCESS_TOKEN": state.token,
            "SHOPIFY_API_BASE": url,
        }
        result = run_cli("shopify", "sync", "--bulk", "--since", "2026-08-01", env=env)
        assert result.returncode == 0, result.stderr
        assert "synced 3 orders in 1 pages (3 new)" in result.stderr
        assert state.calls == ["BulkOrders", "BulkStatus"]  # no paging through `orders`
        assert "updated_at:>='2026-08-01T00:00:00+00:00'" in state.bulk_queries[0]

        numbers = {r["number"] for r in await ShopOrder.select(ShopOrder.number)}
        assert numbers == {"3001", "3002", "3003"}
        lines = await OrderLine.select(OrderLine.sku, OrderLine.delivered_at)
        assert len(lines) == 3 and {line["sku"] for line in lines} == {"RING-8-BLK"}
        assert all(line["delivered_at"] is not None for line in lines)  # DELIVERED, fulfilled

        again = run_cli("shopify", "sync", "--bulk", env=env)
        assert "synced 3 orders in 1 pages (0 new)" in again.stderr
        assert await ShopOrder.count() == 3


async def test_the_export_is_polled_until_completed_and_handed_on_in_batches() -> None:
    with shopify_standin() as (url, state):
        sleeps: list[float] = []

        async def sleep(seconds: float) -> None:  # recorded instead of slept
            sleeps.append(seconds)

        shop = shop_at(url, state, [])
        state.bulk_orders = [state.order_node(n) for n in (3001, 3002, 3003)]
        state.bulk_running_polls = 2
        export = ShopifyBulkExport(shop.api, sleep)
        file = await export.wait(await export.start(None), 2.0)
        assert file == f"{url}/bulk/1.jsonl"
        assert sleeps == [2.0, 2.0] and state.calls.count("BulkStatus") == 3
        batches = [batch async for batch in export.orders(file, 2)]
        assert [[o["name"] for o in batch] for batch in batches] == [["#3001", "#3002"], ["#3003"]]
        assert batches[0][0]["line_items"][0]["id"] == "30011"  # its __parentId line, gathered
        assert batches[0][0]["fulfillments"][0]["line_items"] == [{"id": "30011"}]

        state.bulk_orders = []  # an export that found nothing has no file
        assert await export.wait(await export.start(None), 2.0) is None


async def test_a_failed_bulk_export_fails_the_sync_and_imports_nothing(
    db: None, database_url: str
) -> None:
    with shopify_standin() as (url, state):
        state.bulk_orders = [state.order_node(3001)]
        state.bulk_failed = True
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "RETURNS_SHOP": "shopify",
            "SHOPIFY_SHOP": "liv-watches.myshopify.com",
            "SHOPIFY_ACCESS_TOKEN": state.token,
            "SHOPIFY_API_BASE": url,
        }
        result = run_cli("shopify", "sync", "--bulk", env=env)
        assert result.returncode == 1 and "Traceback" not in result.stderr
        assert "FAILED" in result.stderr and "INTERNAL_SERVER_ERROR" in result.stderr
        assert await ShopOrder.count() == 0
        with pytest.raises(ShopError) as refused:  # the same through the adapter
            export = ShopifyBulkExport(shop_at(url, state, []).api, _no_sleep)
            await export.wait(await export.start(None), 2.0)
        assert refused.value.kind == "refused"


async def _no_sleep(seconds: float) -> None:
    raise AssertionError("a failed export is not waited for")
