"""Order backfill from the shop (`returns-service shopify sync [--since DATE]`): the shop's
orders page by page (cursor paging), each mapped like the order webhook and stored through
the order import, one transaction per page (a page that fails leaves earlier pages kept,
and running the sync again brings the rest: orders are upserted)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from returns_service.adapters.shop import ShopError
from returns_service.adapters.shopify import order_from_shopify
from returns_service.clock import Clock
from returns_service.domain.access import Caller
from returns_service.domain.errors import Conflict
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store.orders import import_orders


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
