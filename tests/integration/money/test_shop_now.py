"""Shop-now: exchanging a line for a variant of another product. Allowed when the policy
settles or absorbs the price difference, refused under `same_price_only`; the dearer
replacement is charged once through the payment adapter, the cheaper one refunded once, and
the replacement's stock is held exactly as for another size."""

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
    staff_headers,
)


def product(title: str, category: str, *variants: tuple[str, str, int, int], **extra: Any) -> dict:
    return {
        "title": title,
        "category": category,
        **extra,
        "variants": [
            {
                "sku": sku,
                "title": name,
                "options": {"size": name},
                "price": {"amount": price, "currency": "USD"},
                "stock": stock,
            }
            for sku, name, price, stock in variants
        ],
    }


CATALOGUE = {
    "watch": product("Genesis chronograph", "watches", ("WATCH-41-BLK", "41 mm", 39500, 3)),
    "nova": product(
        "Nova automatic",
        "watches",
        ("NOVA-40-STL", "40 mm", 42500, 2),
        ("NOVA-38-STL", "38 mm", 42500, 0),  # sold out: never offered, refused on submit
        image_url="/static/catalogue/watch.svg",
    ),
    "strap": product("Leather strap set", "straps", ("STRAP-20-BRN", "20 mm", 36500, 4)),
    "franc": {  # priced in another currency than the order: cannot be settled against it
        "title": "Swiss edition",
        "category": "watches",
        "variants": [
            {
                "sku": "SWISS-40",
                "title": "40 mm",
                "price": {"amount": 42500, "currency": "CHF"},
                "stock": 5,
            }
        ],
    },
}


async def setup(client: Client, clock: FrozenClock, mode: str | None) -> dict[str, Any]:
    admin = await staff_headers(client, Role.ADMIN, clock)
    for key, doc in CATALOGUE.items():
        put = await client.put(f"/api/v1/catalog/products/{key}", json=doc, headers=admin)
        assert put.is_success, put.text
    policy: dict[str, Any] = {**WATCH_POLICY, "advance_exchange": "on_receipt"}
    if mode is not None:
        policy["exchange_price_difference"] = mode
    assert (await client.put("/api/v1/policy", json=policy, headers=admin)).is_success
    line = {
        "shop_line_id": "1",
        "sku": "WATCH-41-BLK",
        "product_id": "watch",
        "quantity": 1,
        "unit_price": {"amount": 39500, "currency": "USD"},
        "delivered_at": "2026-08-05T15:00:00Z",
    }
    order = order_doc("2001", "eva@example.com", lines=[line])
    assert (await client.post("/api/v1/orders", json=order, headers=admin)).status_code == 201
    _, agent = await add_agent(client, admin, "Ioana")
    customer = await portal_headers(client, "2001", "eva@example.com")
    line_id = (await line_ids(client, customer))["WATCH-41-BLK"]
    return {
        "admin": admin,
        "customer": customer,
        "agent": agent,
        "warehouse": await staff_headers(client, Role.WAREHOUSE, clock),
        "line": line_id,
    }


def shop_now(line_id: int, sku: str) -> dict[str, Any]:
    return {
        "items": [
            {
                "line_id": line_id,
                "quantity": 1,
                "reason": "changed_mind",
                "resolution": "exchange",
                "exchange_sku": sku,
            }
        ]
    }


async def payments() -> list[tuple[str, int, str]]:
    rows = await Payment.select(Payment.kind, Payment.amount, Payment.provider).order_by(Payment.id)
    return [(r["kind"], r["amount"], r["provider"]) for r in rows]


async def stock() -> dict[str, int]:
    return {r["sku"]: r["stock"] for r in await Variant.select(Variant.sku, Variant.stock)}


async def test_browse_lists_in_stock_variants_of_every_product_with_the_difference(
    client: Client, clock: FrozenClock
) -> None:
    shop = await setup(client, clock, "charge_or_refund")
    path = f"/api/v1/portal/order/lines/{shop['line']}/shop-now"
    page = await client.get(path, headers=shop["customer"])
    assert page.status_code == 200, page.text
    items = page.json()["items"]
    # not the watch being returned, not the sold-out size, not the other currency
    assert [i["sku"] for i in items] == ["NOVA-40-STL", "STRAP-20-BRN"]
    nova, strap = items
    assert nova["price_difference"] == {"amount": 3000, "currency": "USD"}
    assert strap["price_difference"] == {"amount": -3000, "currency": "USD"}
    assert nova["image_url"] == "/static/catalogue/watch.svg"
    assert strap["image_url"] is None
    assert (nova["title"], nova["variant"], nova["product_id"]) == (
        "Nova automatic",
        "40 mm",
        "nova",
    )
    assert page.json()["next_cursor"] is None

    # q: title, SKU or category, case-insensitive; % is a character, not a wildcard
    for q, found in (
        ("nova", ["NOVA-40-STL"]),
        ("strap-20", ["STRAP-20-BRN"]),
        ("STRAPS", ["STRAP-20-BRN"]),
        ("%", []),
        ("watch", ["NOVA-40-STL"]),
    ):
        searched = await client.get(path, params={"q": q}, headers=shop["customer"])
        assert [i["sku"] for i in searched.json()["items"]] == found, q

    # paging: one at a time, the cursor leads to the next and then to the end
    first = (await client.get(path, params={"limit": 1}, headers=shop["customer"])).json()
    assert [i["sku"] for i in first["items"]] == ["NOVA-40-STL"]
    second = (
        await client.get(
            path, params={"limit": 1, "cursor": first["next_cursor"]}, headers=shop["customer"]
        )
    ).json()
    assert [i["sku"] for i in second["items"]] == ["STRAP-20-BRN"]
    bad = await client.get(path, params={"cursor": "nonsense"}, headers=shop["customer"])
    assert bad.status_code == 422
    assert "cursor" in bad.text


async def test_browse_is_refused_under_same_price_only_and_for_another_order(
    client: Client, clock: FrozenClock
) -> None:
    shop = await setup(client, clock, None)
    path = f"/api/v1/portal/order/lines/{shop['line']}/shop-now"
    refused = await client.get(path, headers=shop["customer"])
    assert refused.status_code == 403
    assert "same_price_only" in refused.json()["detail"]
    assert (await client.get(path)).status_code == 401
    unknown = await client.get(
        f"/api/v1/portal/order/lines/{shop['line'] + 999}/shop-now", headers=shop["customer"]
    )
    assert unknown.status_code == 404


@pytest.mark.parametrize(("sku", "difference"), [("NOVA-40-STL", 3000), ("STRAP-20-BRN", -3000)])
async def test_shop_now_settles_the_difference_once_through_the_payment_adapter(
    client: Client, clock: FrozenClock, sku: str, difference: int
) -> None:
    shop = await setup(client, clock, "charge_or_refund")
    body = shop_now(shop["line"], sku)
    preview = await client.post(
        "/api/v1/portal/returns/preview", json=body, headers=shop["customer"]
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["amounts"]["difference_due"] == {"amount": difference, "currency": "USD"}
    before = await stock()

    opened = await client.post("/api/v1/portal/returns", json=body, headers=shop["customer"])
    assert opened.status_code == 201, opened.text
    case = opened.json()
    assert case["items"][0]["exchange_sku"] == sku
    assert case["exchange"]["sku"] == sku
    assert case["exchange"]["price_difference"] == {"amount": difference, "currency": "USD"}
    assert case["amounts"]["difference_due"] == {"amount": difference, "currency": "USD"}
    # the replacement is held at once, as for another size
    assert (await stock())[sku] == before[sku] - 1
    assert await payments() == []

    number = case["number"]
    answers = await asyncio.gather(
        *(
            client.post(f"/api/v1/cases/{number}/exchange/ship", headers=shop["agent"])
            for _ in range(4)
        )
    )
    assert sorted(a.status_code for a in answers) == [200, 409, 409, 409]
    charged = [("difference_charge", 3000, "manual")] if difference > 0 else []
    assert await payments() == charged

    graded = await receive_and_grade(client, shop["warehouse"], number, shop["line"])
    assert graded.status_code == 200, graded.text
    assert graded.json()["status"] == "resolved"
    moved = charged or [("difference_refund", 3000, "manual")]
    assert await payments() == moved
    kinds = [e["kind"] for e in graded.json()["timeline"]]
    assert kinds.count("price_difference_charged") == (1 if difference > 0 else 0)
    assert kinds.count("price_difference_refunded") == (1 if difference < 0 else 0)
    # the stock taken when the case opened is the stock that shipped: nothing taken twice
    assert (await stock())[sku] == before[sku] - 1


async def test_same_price_only_refuses_another_product_and_changes_nothing(
    client: Client, clock: FrozenClock
) -> None:
    shop = await setup(client, clock, "same_price_only")
    before = await stock()
    for path in ("/api/v1/portal/returns/preview", "/api/v1/portal/returns"):
        response = await client.post(
            path, json=shop_now(shop["line"], "STRAP-20-BRN"), headers=shop["customer"]
        )
        assert response.status_code == 422, response.text
        problem = response.json()
        assert problem["type"].endswith("exchange-other-product")
        assert "same_price_only" in problem["detail"]
        assert "items[0].exchange_sku" in response.text
    assert await ReturnCase.count() == 0
    assert await stock() == before


@pytest.mark.parametrize(
    ("sku", "status", "words"),
    [
        ("NOVA-38-STL", 409, "out of stock"),
        ("NO-SUCH-SKU", 422, "not in the catalogue"),
        ("SWISS-40", 422, "CHF"),
    ],
)
async def test_a_replacement_that_cannot_be_sold_is_refused_naming_the_field(
    client: Client, clock: FrozenClock, sku: str, status: int, words: str
) -> None:
    shop = await setup(client, clock, "charge_or_refund")
    before = await stock()
    for path in ("/api/v1/portal/returns/preview", "/api/v1/portal/returns"):
        response = await client.post(
            path, json=shop_now(shop["line"], sku), headers=shop["customer"]
        )
        assert response.status_code == status, response.text
        assert words in response.json()["detail"]
        assert "items[0].exchange_sku" in response.text
    assert await ReturnCase.count() == 0
    assert await stock() == before
    assert await payments() == []


async def test_two_customers_racing_for_the_last_unit_get_it_once(
    client: Client, clock: FrozenClock
) -> None:
    shop = await setup(client, clock, "charge_or_refund")
    await Variant.update({Variant.stock: 1}).where(Variant.sku == "NOVA-40-STL")
    line = {
        "shop_line_id": "1",
        "sku": "WATCH-41-BLK",
        "product_id": "watch",
        "quantity": 1,
        "unit_price": {"amount": 39500, "currency": "USD"},
        "delivered_at": "2026-08-05T15:00:00Z",
    }
    order = order_doc("2002", "finn@example.com", lines=[line])
    assert (await client.post("/api/v1/orders", json=order, headers=shop["admin"])).is_success
    other = await portal_headers(client, "2002", "finn@example.com")
    other_line = (await line_ids(client, other))["WATCH-41-BLK"]
    answers = await asyncio.gather(
        client.post(
            "/api/v1/portal/returns",
            json=shop_now(shop["line"], "NOVA-40-STL"),
            headers=shop["customer"],
        ),
        client.post(
            "/api/v1/portal/returns", json=shop_now(other_line, "NOVA-40-STL"), headers=other
        ),
    )
    assert sorted(a.status_code for a in answers) == [201, 409]
    refused = next(a for a in answers if a.status_code == 409)
    assert "items[0].exchange_sku" in refused.text
    assert (await stock())["NOVA-40-STL"] == 0
    assert await ReturnCase.count() == 1
