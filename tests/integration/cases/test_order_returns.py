"""The portal's order page lists the order's returns: only that order's, newest first, and no
more than a page shows, so the page costs the same with 3 returns on the order or 300."""

from __future__ import annotations

import re

from returns_service.clock import FrozenClock
from returns_service.domain.access import Role
from returns_service.web.sessions import PORTAL_COOKIE
from tests.integration.helpers import (
    Client,
    open_return,
    order_doc,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)

BIG_LINE = {
    "shop_line_id": "1",
    "sku": "RING-8-BLK",
    "product_id": "ring",
    "quantity": 100,
    "unit_price": {"amount": 2500, "currency": "USD"},
    "delivered_at": "2026-08-25T15:00:00Z",
}


async def test_the_order_page_lists_the_newest_returns_of_that_order_only(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    for number in ("2001", "2002"):  # two orders of the same customer
        doc = order_doc(number, lines=[BIG_LINE])
        assert (await client.post("/api/v1/orders", json=doc, headers=admin)).status_code == 201
    first, other = await portal_headers(client, "2001"), await portal_headers(client, "2002")
    line_of_first = (await client.get("/api/v1/portal/order", headers=first)).json()["lines"]
    line_of_other = (await client.get("/api/v1/portal/order", headers=other)).json()["lines"]
    numbers = []
    for _ in range(25):
        clock.advance(minutes=1)
        numbers.append(
            (await open_return(client, first, refund_item(line_of_first[0]["id"])))["number"]
        )
    elsewhere = (await open_return(client, other, refund_item(line_of_other[0]["id"])))["number"]

    client.cookies.set(
        PORTAL_COOKIE, first["Authorization"].removeprefix("Bearer "), path="/portal"
    )
    page = await client.get("/portal/order")

    assert page.status_code == 200
    listed = re.findall(r'href="/portal/returns/(R-[^"]+)"', page.text)
    assert listed == list(reversed(numbers))[:20]  # the newest 20, newest first
    assert elsewhere not in page.text


async def test_a_line_of_many_units_asks_for_a_number_instead_of_listing_each(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    doc = order_doc("2001", lines=[BIG_LINE])  # 100 units: a list of 100 options before
    assert (await client.post("/api/v1/orders", json=doc, headers=admin)).status_code == 201
    customer = await portal_headers(client, "2001")
    client.cookies.set(
        PORTAL_COOKIE, customer["Authorization"].removeprefix("Bearer "), path="/portal"
    )

    page = await client.get("/portal/order")

    assert page.status_code == 200
    assert 'type="number"' in page.text and 'max="100"' in page.text
    assert page.text.count("<option") < 20  # the reasons' options, not one per unit
