"""The demo store is believable: what the README promises a new user can see."""

from __future__ import annotations

from returns_service.clock import FrozenClock
from returns_service.db.tables import Agent, ApiToken, Customer, ShopOrder, Station, Variant
from returns_service.demo import load_demo
from returns_service.domain.access import Caller, Role
from returns_service.services.store.portal import order_view
from returns_service.services.store.stores import ensure_default_store


async def test_demo_loads_once_and_shows_both_windows(db: None, clock: FrozenClock) -> None:
    store = await ensure_default_store("Demo", "UTC", clock)
    report = await load_demo(store.id, clock)
    assert report.loaded
    assert await ShopOrder.count() == 120  # 50 recent orders, 70 older ones (the history)
    assert {r["language"] for r in await Customer.select(Customer.language)} >= {
        "en",
        "ro",
        "nb",
        "hu",
        "ar",
    }
    roles = sorted(r["role"] for r in await Agent.select(Agent.role))
    assert roles == ["agent", "agent", "lead"]
    assert await Station.count() == 1
    assert await Variant.count().where(Variant.stock == 0) > 0  # some sizes are sold out
    assert len(report.orders) == 5 and set(report.tokens) >= {"admin", "warehouse station"}

    # every delivered watch and ring line has 30 days (watches: the simulator's story),
    # final-sale lines are ineligible
    seen = set()
    for order in await ShopOrder.select(ShopOrder.id, ShopOrder.customer):
        caller = Caller(
            Role.CUSTOMER, store.id, customer_id=order["customer"], order_id=order["id"]
        )
        for line in (await order_view(caller, clock)).lines:
            if line.final_sale and line.sku != "GIFT-CARD":
                assert line.ineligible_reason == "final_sale"
                seen.add("final_sale")
            if line.delivered_at is None or line.return_by is None:
                continue
            days = (line.return_by - line.delivered_at.date()).days
            if line.sku.startswith("WATCH"):
                assert days == 30
                seen.add("watch")
            elif line.sku.startswith("RING"):
                assert days == 30
                seen.add("ring")
    assert seen == {"watch", "ring", "final_sale"}

    again = await load_demo(store.id, clock)
    assert not again.loaded
    assert await ShopOrder.count() == 120
    active = await ApiToken.count().where(ApiToken.revoked_at.is_null())
    assert active == len(again.tokens)  # the first run's demo tokens were revoked
