"""The service with RETURNS_SHOP=shopify against the Shopify stand-in (tests/standins)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from returns_service.clock import FrozenClock
from returns_service.domain.access import Role
from returns_service.services.platform.runtime import Runtime
from returns_service.settings import Settings
from tests.integration.helpers import Client, add_agent, portal_headers, seed_store, staff_headers
from tests.standins.shopify import ShopifyState, shopify_standin


@pytest.fixture
def standin() -> Iterator[tuple[str, ShopifyState]]:
    with shopify_standin() as running:
        yield running


@pytest.fixture
def settings(database_url: str, standin: tuple[str, ShopifyState]) -> Settings:
    url, state = standin
    return Settings.from_env(
        {
            **os.environ,
            "RETURNS_SHOP": "shopify",
            "SHOPIFY_SHOP": "liv-watches.myshopify.com",
            "SHOPIFY_ACCESS_TOKEN": state.token,
            "SHOPIFY_API_BASE": url,
            "RETURNS_CARRIER_TIMEOUT_SECONDS": "5",
        }
    )


def runtime(client: Client) -> Runtime:
    return client.app.state.runtime  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
async def shop(
    client: Client, clock: FrozenClock, standin: tuple[str, ShopifyState]
) -> dict[str, Any]:
    """Order 1001 in our store and in the stand-in (every line fulfilled and paid)."""
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    _, agent = await add_agent(client, admin, "Ioana")
    _, state = standin
    state.add_order("shop-1001", [("1", 2), ("2", 1), ("3", 1)])
    for number, sku in enumerate(("RING-8-BLK", "WATCH-41-BLK", "RING-9-BLK", "RING-7-BLK")):
        state.add_variant(sku, 500 + number)
    return {
        "admin": admin,
        "agent": agent,
        "warehouse": await staff_headers(client, Role.WAREHOUSE, clock),
        "customer": await portal_headers(client),
        "state": state,
    }
