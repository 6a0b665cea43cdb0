"""Order backfill from the shop (`returns-service shopify sync [--since DATE]`): the shop's
orders page by page (cursor paging), each mapped like the order webhook and stored through
the order import, one transaction per page (a page that fails leaves earlier pages kept,
and running the sync again brings the rest: orders are upserted). With `--bulk` (big shops)
Shopify exports the orders into one file (adapters/shop/shopify_bulk.py), imported in
batches of BULK_BATCH, one transaction each."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from returns_service.adapters.shop import ShopError
from returns_service.adapters.shop.graphql import ShopifyGraphQL
from returns_service.adapters.shop.shopify_bulk import ShopifyBulkExport
from returns_service.adapters.shopify import order_from_shopify
from returns_service.clock import Clock
from returns_service.domain.access import Caller
from returns_service.domain.errors import Conflict
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store.orders import import_orders

BULK_BATCH = 250
BULK_POLL_SECONDS = 2.0


@dataclass(frozen=True, slots=True)
class SyncReport:
    pages: int
    orders: int
    created: int


async def sync_orders(
    store_id: int, rt: Runtime, since: datetime | None, clock: Clock | None = None
) -> SyncReport:
    cursor: str | None = None
    pages = orders = created = 0
    while True:
        try:
            page = await rt.shop.orders_since(since, cursor)
        except ShopError as error:
            raise Conflict(f"{rt.shop.name} did not give its orders: {error.message}") from error
        documents = [order_from_shopify(order) for order in page.orders]
        created += await import_orders(Caller.system(store_id), documents, clock or rt.clock)
        pages, orders = pages + 1, orders + len(documents)
        if page.cursor is None:
            return SyncReport(pages, orders, created)
        cursor = page.cursor


async def sync_orders_bulk(
    store_id: int,
    rt: Runtime,
    since: datetime | None,
    *,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    batch: int = BULK_BATCH,
    clock: Clock | None = None,
) -> SyncReport:
    """The orders through one bulk export; `pages` counts the batches imported."""
    api = getattr(rt.shop, "api", None)
    if not isinstance(api, ShopifyGraphQL):
        raise Conflict(f"{rt.shop.name} has no bulk export of orders")
    export = ShopifyBulkExport(api, sleep)
    pages = orders = created = 0
    try:
        url = await export.wait(await export.start(since), BULK_POLL_SECONDS)
        if url is None:
            return SyncReport(0, 0, 0)
        async for documents in export.orders(url, batch):
            mapped = [order_from_shopify(order) for order in documents]
            created += await import_orders(Caller.system(store_id), mapped, clock or rt.clock)
            pages, orders = pages + 1, orders + len(mapped)
    except ShopError as error:
        raise Conflict(f"{rt.shop.name} did not give its orders: {error.message}") from error
    return SyncReport(pages, orders, created)
