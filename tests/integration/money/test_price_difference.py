"""An exchange for a variant of another price: refused, charged or refunded, or absorbed, as
the policy's `exchange_price_difference` says; shown before the customer confirms."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from returns_service.clock import FrozenClock
from returns_service.db.tables import Payment, ReturnCase, Variant
from returns_service.domain.access import Role
from tests.integration.helpers import (
    WATCH_POLICY,
    Client,
    add_agent,
    line_ids,
    order_doc,
    portal_headers,
    receive_and_grade,
    seed_store,
    staff_headers,
)

WATCHES = {
    "title": "Genesis chronograph",
    "category": "watches",
    "variants": [
        {
            "sku": sku,
            "title": title,
            "options": {"case_size": size},
            "price": {"amount": price, "currency": "USD"},
            "stock": 3,
        }
        for sku, title, size, price in (
            ("WATCH-41-BLK", "41 mm / Black", "41", 39500),
            ("WATCH-44-BLK", "44 mm / Black", "44", 42500),
        )
    ],
}


async def setup(client: Client, clock: FrozenClock, mode: str | None, bought: str) -> dict:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    assert (
        await client.put("/api/v1/catalog/products/watch", json=WATCHES, headers=admin)
    ).is_success
    policy: dict[str, Any] = {**WATCH_POLICY, "advance_exchange": "on_receipt"}
    if mode is not None:
        policy["exchange_price_difference"] = mode
    assert (await client.put("/api/v1/policy", json=policy, headers=admin)).is_success
    price = 39500 if bought == "WATCH-41-BLK" else 42500
    line = {
        "shop_line_id": "1",
        "sku": bought,
        "product_id": "watch",
        "quantity": 1,
        "unit_price": {"amount": price, "currency": "USD"},
        "delivered_at": "2026-08-05T15:00:00Z",
    }
    order = order_doc("2001", "eva@example.com", lines=[line])
    assert (await client.post("/api/v1/orders", json=order, headers=admin)).status_code == 201
    _, agent = await add_agent(client, admin, "Ioana")
    customer = await portal_headers(client, "2001", "eva@example.com")
    lines = await line_ids(client, customer)
    other = "WATCH-44-BLK" if bought == "WATCH-41-BLK" else "WATCH-41-BLK"
    body = {
        "items": [
            {
                "line_id": lines[bought],
                "quantity": 1,
                "reason": "too_small",
                "resolution": "exchange",
                "exchange_sku": other,
            }
        ]
    }
    return {
        "customer": customer,
        "agent": agent,
        "warehouse": await staff_headers(client, Role.WAREHOUSE, clock),
        "body": body,
        "line": lines[bought],
    }


async def payments() -> list[tuple[str, int, str]]:
    rows = await Payment.select(Payment.kind, Payment.amount, Payment.provider).order_by(Payment.id)
    return [(r["kind"], r["amount"], r["provider"]) for r in rows]


@pytest.mark.parametrize("mode", [None, "same_price_only"])
@pytest.mark.parametrize("bought", ["WATCH-41-BLK", "WATCH-44-BLK"])
async def test_same_price_only_refuses_another_price_and_changes_nothing(
    client: Client, clock: FrozenClock, mode: str | None, bought: str
) -> None:
    shop = await setup(client, clock, mode, bought)
    for path in ("/api/v1/portal/returns/preview", "/api/v1/portal/returns"):
        response = await client.post(path, json=shop["body"], headers=shop["customer"])
        assert response.status_code == 422, response.text
        problem = response.json()
        assert "exchange_price_difference" in problem["detail"]
        assert "items[0].exchange_sku" in response.text
    assert await ReturnCase.count() == 0
    stock = await Variant.select(Variant.sku, Variant.stock).where(Variant.sku.like("WATCH-%"))
    assert {r["stock"] for r in stock} == {3}


@pytest.mark.parametrize(
    ("bought", "difference"), [("WATCH-41-BLK", 3000), ("WATCH-44-BLK", -3000)]
)
async def test_charge_or_refund_moves_the_difference_once_through_the_adapter(
    client: Client, clock: FrozenClock, bought: str, difference: int
) -> None:
    shop = await setup(client, clock, "charge_or_refund", bought)
    preview = await client.post(
        "/api/v1/portal/returns/preview", json=shop["body"], headers=shop["customer"]
    )
    assert preview.status_code == 200, preview.text
    shown = preview.json()
    assert shown["items"][0]["price_difference"] == {"amount": difference, "currency": "USD"}
    assert shown["amounts"]["difference_due"] == {"amount": difference, "currency": "USD"}
    assert shown["amounts"]["refund_total"] == {"amount": 0, "currency": "USD"}
    assert shown["amounts"]["fees"] == []
    assert await ReturnCase.count() == 0  # a preview writes nothing

    opened = await client.post(
        "/api/v1/portal/returns", json=shop["body"], headers=shop["customer"]
    )
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["exchange"]["price_difference"] == {"amount": difference, "currency": "USD"}
    assert case["amounts"] == shown["amounts"]
    assert await payments() == []  # nothing moves before the replacement ships

    # the agent ships it now, five times at once: one shipment, at most one charge
    number = case["number"]
    answers = await asyncio.gather(
        *(
            client.post(f"/api/v1/cases/{number}/exchange/ship", headers=shop["agent"])
            for _ in range(5)
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409, 409]
    expected = [("difference_charge", 3000, "manual")] if difference > 0 else []
    assert await payments() == expected

    graded = await receive_and_grade(client, shop["warehouse"], number, shop["line"])
    assert graded.status_code == 200, graded.text
    if difference < 0:
        expected = [("difference_refund", 3000, "manual")]
    assert await payments() == expected
    again = await client.post(
        f"/api/v1/warehouse/cases/{number}/inspection",
        json={
            "items": [
                {
                    "line_id": shop["line"],
                    "quantity": 1,
                    "condition": "new",
                    "disposition": "restock",
                }
            ]
        },
        headers=shop["warehouse"],
    )
    assert again.status_code in (200, 409)
    assert await payments() == expected  # never twice
    kinds = [e["kind"] for e in graded.json()["timeline"]]
    assert ("price_difference_charged" in kinds) is (difference > 0)
    assert ("price_difference_refunded" in kinds) is (difference < 0)
    # money moved: the customer can no longer cancel
    assert graded.json()["status"] == "resolved"


@pytest.mark.parametrize("bought", ["WATCH-41-BLK", "WATCH-44-BLK"])
async def test_absorb_ships_at_no_difference(
    client: Client, clock: FrozenClock, bought: str
) -> None:
    shop = await setup(client, clock, "absorb", bought)
    preview = await client.post(
        "/api/v1/portal/returns/preview", json=shop["body"], headers=shop["customer"]
    )
    assert preview.json()["amounts"]["difference_due"] == {"amount": 0, "currency": "USD"}
    case = (
        await client.post("/api/v1/portal/returns", json=shop["body"], headers=shop["customer"])
    ).json()
    assert case["exchange"]["price_difference"] == {"amount": 0, "currency": "USD"}
    shipped = await client.post(
        f"/api/v1/cases/{case['number']}/exchange/ship", headers=shop["agent"]
    )
    assert shipped.status_code == 200, shipped.text
    graded = await receive_and_grade(client, shop["warehouse"], case["number"], shop["line"])
    assert graded.json()["status"] == "resolved"
    assert await payments() == []


async def test_a_charged_difference_blocks_the_cancel(client: Client, clock: FrozenClock) -> None:
    shop = await setup(client, clock, "charge_or_refund", "WATCH-41-BLK")
    case = (
        await client.post("/api/v1/portal/returns", json=shop["body"], headers=shop["customer"])
    ).json()
    await client.post(f"/api/v1/cases/{case['number']}/exchange/ship", headers=shop["agent"])
    cancel = await client.post(
        f"/api/v1/portal/returns/{case['number']}/cancel", headers=shop["customer"]
    )
    assert cancel.status_code == 409
