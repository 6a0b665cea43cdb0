"""The admin API: catalogue, orders, policy, agents and stations; and bad input changing nothing."""

from __future__ import annotations

import json

import pytest

from returns_service.clock import FrozenClock
from returns_service.db.tables import (
    Agent,
    ApiToken,
    Customer,
    OrderLine,
    Product,
    ShopOrder,
    Station,
    StorePolicy,
    Variant,
)
from returns_service.domain.access import Role
from tests.integration.helpers import (
    WATCH_POLICY,
    Client,
    order_doc,
    portal_headers,
    ring_product,
    seed_store,
    staff_headers,
)


async def test_orders_are_upserted_on_shop_order_id(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    first = await client.post("/api/v1/orders", json=order_doc(), headers=admin)
    assert first.status_code == 201
    assert first.json()["created"] is True
    again = order_doc()
    again["lines"][0]["quantity"] = 3
    again["customer"]["first_name"] = "Anamaria"
    second = await client.post("/api/v1/orders", json=again, headers=admin)
    assert second.status_code == 200
    assert second.json() == {**first.json(), "created": False}
    assert await ShopOrder.count() == 1
    assert await OrderLine.count() == 3
    line = await OrderLine.select().where(OrderLine.shop_line_id == "1").first()
    assert line is not None and line["quantity"] == 3
    assert line["unit_price_amount"] == 2500  # the price paid, not the catalogue's
    customer = await Customer.select().first()
    assert customer is not None
    assert customer["first_name"] == "Anamaria" and customer["email"] == "ana@example.com"


async def test_an_order_number_of_another_shop_order_is_409(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    assert (await client.post("/api/v1/orders", json=order_doc(), headers=admin)).status_code == 201
    clash = order_doc(shop_order_id="another")
    response = await client.post("/api/v1/orders", json=clash, headers=admin)
    assert response.status_code == 409
    assert await ShopOrder.count() == 1


async def test_order_in_two_currencies_is_422_and_stores_nothing(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    doc = order_doc()
    doc["lines"][1]["unit_price"]["currency"] = "EUR"
    response = await client.post("/api/v1/orders", json=doc, headers=admin)
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    assert "EUR" in response.json()["detail"]
    assert await ShopOrder.count() == 0 and await Customer.count() == 0


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({**order_doc(), "lines": [{**order_doc()["lines"][0], "quantity": "two"}]}, "quantity"),
        ({**order_doc(), "placed_at": "yesterday"}, "placed_at"),
        ({**order_doc(), "currency": "usd"}, "currency"),
        ({**order_doc(), "surprise": True}, "surprise"),
        ({**order_doc(), "lines": [{**order_doc()["lines"][0], "quantity": -1}]}, "quantity"),
        ({**order_doc(), "lines": []}, "lines"),
    ],
    ids=["wrong type", "bad date", "lower-case currency", "unknown field", "negative", "no lines"],
)
async def test_invalid_orders_name_the_field_and_store_nothing(
    client: Client, clock: FrozenClock, body: dict[str, object], field: str
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    response = await client.post("/api/v1/orders", json=body, headers=admin)
    assert response.status_code == 400
    problem = response.json()
    assert response.headers["content-type"] == "application/problem+json"
    assert {"type", "title", "status", "detail"} <= problem.keys()
    assert any(field in error["field"] or field in error["message"] for error in problem["errors"])
    assert "Traceback" not in response.text
    assert await ShopOrder.count() == 0


async def test_malformed_json_is_a_400_problem(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    response = await client.post(
        "/api/v1/orders",
        content=b'{"shop_order_id": "1", ',
        headers={**admin, "content-type": "application/json"},
    )
    assert response.status_code == 400
    assert response.json()["type"] == "/problems/malformed-body"
    assert await ShopOrder.count() == 0


async def test_a_huge_body_is_refused(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    huge = json.dumps({**order_doc(), "number": "x" * 2_000_000})
    response = await client.post(
        "/api/v1/orders", content=huge, headers={**admin, "content-type": "application/json"}
    )
    assert response.status_code == 413
    assert response.headers["content-type"] == "application/problem+json"
    assert await ShopOrder.count() == 0


async def test_products_are_created_then_replaced(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    created = await client.put("/api/v1/catalog/products/ring", json=ring_product(), headers=admin)
    assert created.status_code == 201
    smaller = ring_product()
    smaller["variants"] = smaller["variants"][:2]
    smaller["variants"][0]["stock"] = 42
    replaced = await client.put("/api/v1/catalog/products/ring", json=smaller, headers=admin)
    assert replaced.status_code == 200
    variants = await Variant.select(Variant.sku, Variant.stock).order_by(Variant.position)
    assert variants == [{"sku": "RING-7-BLK", "stock": 42}, {"sku": "RING-8-BLK", "stock": 5}]
    assert await Product.count() == 1


async def test_a_sku_cannot_belong_to_two_products(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await client.put("/api/v1/catalog/products/ring", json=ring_product(), headers=admin)
    response = await client.put(
        "/api/v1/catalog/products/other", json=ring_product(), headers=admin
    )
    assert response.status_code == 409
    assert await Product.count() == 1  # the second product was rolled back with its variants


async def test_negative_stock_is_refused(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    product = ring_product()
    product["variants"][0]["stock"] = -1
    response = await client.put("/api/v1/catalog/products/ring", json=product, headers=admin)
    assert response.status_code == 400
    assert await Variant.count() == 0


async def test_the_portal_reflects_a_new_policy_at_once(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    portal = await portal_headers(client)

    async def ring_return_by() -> str:
        order = (await client.get("/api/v1/portal/order", headers=portal)).json()
        return next(line for line in order["lines"] if line["sku"] == "RING-8-BLK")["return_by"]

    assert await ring_return_by() == "2026-09-04"
    response = await client.put(
        "/api/v1/policy", json={**WATCH_POLICY, "window_days": 90}, headers=admin
    )
    assert response.status_code == 200
    assert await ring_return_by() == "2026-11-03"
    fetched = await client.get("/api/v1/policy", headers=admin)
    assert fetched.json()["window_days"] == 90
    assert (await StorePolicy.select(StorePolicy.version).first()) == {"version": 2}


async def test_policy_without_a_document_has_defaults(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    policy = (await client.get("/api/v1/policy", headers=admin)).json()
    assert policy["window_days"] == 30 and policy["window_starts"] == "delivery"


async def test_an_invalid_policy_changes_nothing(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    bad = {**WATCH_POLICY, "advance_exchange": "whenever"}
    response = await client.put("/api/v1/policy", json=bad, headers=admin)
    assert response.status_code == 400
    assert "advance_exchange" in response.json()["detail"]
    assert await StorePolicy.count() == 0


async def test_agents_and_stations_get_a_token_once(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    response = await client.post(
        "/api/v1/agents",
        json={
            "name": "Maria",
            "email": "maria@store.test",
            "role": "lead",
            "languages": ["en", "ro"],
            "capacity": 30,
        },
        headers=admin,
    )
    assert response.status_code == 201
    agent = response.json()
    assert agent["token"].startswith("rs_") and len(agent["token"]) >= 32
    stored = await ApiToken.select().where(ApiToken.agent == agent["id"]).first()
    assert stored is not None and stored["role"] == "lead"
    assert agent["token"] not in stored["token_hash"]  # only a hash is kept
    assert (await Agent.select(Agent.languages).first()) == {"languages": ["en", "ro"]}
    duplicate = await client.post(
        "/api/v1/agents", json={"name": "M", "email": "MARIA@store.test"}, headers=admin
    )
    assert duplicate.status_code == 409
    station = await client.post("/api/v1/stations", json={"name": "Dock 1"}, headers=admin)
    assert station.status_code == 201
    assert await Station.count() == 1
    # the station's token works, and is a warehouse token (so admin routes are 403 for it)
    station_headers = {"Authorization": f"Bearer {station.json()['token']}"}
    assert (await client.get("/api/v1/policy", headers=station_headers)).status_code == 403


@pytest.mark.parametrize("role", [Role.AGENT, Role.LEAD, Role.WAREHOUSE])
async def test_admin_routes_refuse_other_roles(
    client: Client, clock: FrozenClock, role: Role
) -> None:
    headers = await staff_headers(client, role, clock)
    response = await client.post("/api/v1/orders", json=order_doc(), headers=headers)
    assert response.status_code == 403
    assert response.json()["type"] == "/problems/forbidden"
    assert await ShopOrder.count() == 0


async def test_unknown_and_revoked_tokens_are_401(client: Client, clock: FrozenClock) -> None:
    from returns_service.services.platform.auth import create_staff_token, revoke_token

    bogus = {"Authorization": "Bearer rs_not-a-real-token"}
    assert (await client.post("/api/v1/orders", json=order_doc(), headers=bogus)).status_code == 401
    store_id = client.app.state.store.id  # type: ignore[attr-defined]
    issued = await create_staff_token(store_id, Role.ADMIN, clock)
    headers = {"Authorization": f"Bearer {issued.token}"}
    assert (await client.get("/api/v1/policy", headers=headers)).status_code == 200
    await revoke_token(store_id, issued.id, clock)
    assert (await client.get("/api/v1/policy", headers=headers)).status_code == 401


async def test_health_and_openapi(client: Client) -> None:
    assert (await client.get("/health/live")).json() == {"status": "ok"}
    ready = await client.get("/health/ready")
    assert ready.status_code == 200
    schema = (await client.get("/schema/openapi.json")).json()
    paths = schema["paths"]
    for path in (
        "/api/v1/portal/sessions",
        "/api/v1/portal/order",
        "/api/v1/portal/order/lines/{line_id}/exchange-options",
        "/api/v1/policy",
        "/api/v1/catalog/products/{product_id}",
        "/api/v1/orders",
        "/api/v1/agents",
        "/api/v1/stations",
        "/api/v1/webhooks/shopify/orders",
        "/health/live",
        "/health/ready",
    ):
        assert path in paths, path


async def test_unknown_route_is_a_404_problem(client: Client) -> None:
    response = await client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def test_text_postgresql_cannot_store_is_a_422_problem(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    product = ring_product()
    product["title"] = "Ring\u0000"
    response = await client.put("/api/v1/catalog/products/ring", json=product, headers=admin)
    assert response.status_code == 422
    assert response.json()["type"] == "/problems/unstorable-value"
    assert await Product.count() == 0


async def test_openapi_documents_problems_and_closed_bodies(client: Client) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    create = schema["paths"]["/api/v1/portal/returns"]["post"]
    assert "application/problem+json" in create["responses"]["409"]["content"]
    assert schema["paths"]["/health/live"]["get"]["security"] == []
    ref = create["requestBody"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert schema["components"]["schemas"][ref]["additionalProperties"] is False
