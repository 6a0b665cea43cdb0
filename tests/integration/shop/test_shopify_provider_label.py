"""A provider's label is bought by a `label.buy` job after the approval commits, so the
shop's return (`shop.return`) may be made before the label exists: the label's tracking
then reaches Shopify's reverse delivery through `shop.tracking`, once."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from returns_service.clock import FrozenClock
from returns_service.db.tables import Label, ShopRecord
from returns_service.services.platform import jobs
from returns_service.settings import Settings
from tests.integration.helpers import Client, line_ids, open_return, refund_item
from tests.integration.shop.conftest import runtime
from tests.standins.easypost import EasyPostStandin
from tests.standins.shopify import ShopifyState


@pytest.fixture
def easypost() -> Iterator[EasyPostStandin]:
    with EasyPostStandin.running() as standin:
        yield standin


@pytest.fixture
def settings(
    database_url: str, standin: tuple[str, ShopifyState], easypost: EasyPostStandin
) -> Settings:
    url, state = standin
    return Settings.from_env(
        {
            **os.environ,
            "RETURNS_SHOP": "shopify",
            "SHOPIFY_SHOP": "liv-watches.myshopify.com",
            "SHOPIFY_ACCESS_TOKEN": state.token,
            "SHOPIFY_API_BASE": url,
            "RETURNS_CARRIER": "easypost",
            "EASYPOST_API_BASE": easypost.url,
            "EASYPOST_API_KEY": easypost.api_key,
            "EASYPOST_WEBHOOK_SECRET": "easypost-webhook-secret",
            "RETURNS_CARRIER_TIMEOUT_SECONDS": "5",
        }
    )


async def test_a_label_bought_after_the_shops_return_reaches_its_reverse_delivery(
    client: Client, clock: FrozenClock, shop: dict[str, Any]
) -> None:
    state = shop["state"]
    lines = await line_ids(client, shop["customer"])
    case = await open_return(client, shop["customer"], refund_item(lines["WATCH-41-BLK"]))
    await jobs.run_due(runtime(client))
    await jobs.run_due(runtime(client))

    [label] = await Label.select(Label.tracking_number, Label.status, Label.provider)
    assert label["provider"] == "easypost" and label["status"] == "active"
    (made,) = state.returns.values()
    numbers = [d["deliverable"]["tracking"]["number"] for d in made["deliveries"]]
    assert numbers == [label["tracking_number"]]
    assert state.calls.count("ReverseDelivery") == 1
    assert await ShopRecord.count().where(ShopRecord.kind == "tracking") == 1
    assert case["number"]
