"""The demo store makes shop-now look real: its products have pictures served by the service
itself (nothing from another host), and its policy lets a customer swap for anything."""

from __future__ import annotations

from returns_service.clock import FrozenClock
from returns_service.db.tables import Product
from returns_service.demo import DEMO_POLICY, load_demo
from tests.integration.helpers import Client


async def test_demo_products_have_pictures_the_service_serves(
    client: Client, clock: FrozenClock
) -> None:
    store_id = client.app.state.store.id  # type: ignore[attr-defined]
    assert (await load_demo(store_id, clock)).loaded
    images = [r["image_url"] for r in await Product.select(Product.image_url)]
    assert len([url for url in images if url]) >= 4
    for url in filter(None, images):
        assert url.startswith("/static/catalogue/")
        served = await client.get(url)
        assert served.status_code == 200, url
        assert served.headers["content-type"].startswith("image/svg+xml")
        assert b"<svg" in served.content
    assert DEMO_POLICY.exchange_price_difference == "charge_or_refund"
