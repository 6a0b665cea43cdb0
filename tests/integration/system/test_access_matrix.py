"""The access matrix, generated from the service's own OpenAPI route list: every route is
called by every foreign caller (no token, the wrong role, another customer, another agent)
and must answer 401, 403 or 404 as API.md says, and change nothing. A new route without an
entry here fails the test."""

from __future__ import annotations

import base64
from typing import Any

import asyncpg
import pytest

from returns_service.api.auth import allow
from returns_service.clock import FrozenClock
from returns_service.db import sql
from returns_service.db.tables import (
    CaseEvent,
    CaseMessage,
    CaseNote,
    CasePhoto,
    Label,
    Macro,
    OutboxMessage,
    Payment,
    ReturnCase,
)
from returns_service.domain.access import Role
from returns_service.domain.errors import InvalidRequest
from returns_service.services.platform.auth import (
    authenticate_staff,
    create_staff_token,
    hash_token,
)
from tests.integration.helpers import (
    Client,
    add_agent,
    line_ids,
    open_return,
    order_doc,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)

PHOTO_ROUTE = ("POST", "/api/v1/portal/returns/{number}/photos")
TINY_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR4nGP4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC"
)
CUSTOMER, AGENT, LEAD, WAREHOUSE, ADMIN = "customer", "agent", "lead", "warehouse", "admin"
PUBLIC = "public"

# (method, path) -> (roles allowed, whose scope: "customer" or "agent" routes hide others' data)
MATRIX: dict[tuple[str, str], tuple[frozenset[str], str | None]] = {
    ("GET", "/health/live"): (frozenset({PUBLIC}), None),
    ("GET", "/health/ready"): (frozenset({PUBLIC}), None),
    ("POST", "/api/v1/portal/sessions"): (frozenset({PUBLIC}), None),
    ("POST", "/api/v1/portal/links"): (frozenset({PUBLIC}), None),
    ("POST", "/api/v1/webhooks/shopify/orders"): (frozenset({PUBLIC}), None),
    ("POST", "/api/v1/webhooks/shopify/fulfillments"): (frozenset({PUBLIC}), None),
    ("POST", "/api/v1/webhooks/shopify/refunds"): (frozenset({PUBLIC}), None),
    ("POST", "/api/v1/webhooks/carrier/{carrier}"): (frozenset({PUBLIC}), None),
    ("POST", "/api/v1/webhooks/carrier/easypost"): (frozenset({PUBLIC}), None),
    ("POST", "/api/v1/webhooks/carrier/shippo"): (frozenset({PUBLIC}), None),
    ("DELETE", "/api/v1/portal/sessions/current"): (frozenset({CUSTOMER}), None),
    ("GET", "/api/v1/portal/order"): (frozenset({CUSTOMER}), None),
    ("GET", "/api/v1/portal/order/lines/{line_id}/exchange-options"): (
        frozenset({CUSTOMER}),
        "customer",
    ),
    ("GET", "/api/v1/portal/order/lines/{line_id}/shop-now"): (frozenset({CUSTOMER}), "customer"),
    ("GET", "/api/v1/portal/returns"): (frozenset({CUSTOMER}), None),
    ("POST", "/api/v1/portal/returns"): (frozenset({CUSTOMER}), None),
    ("POST", "/api/v1/portal/returns/preview"): (frozenset({CUSTOMER}), None),
    ("GET", "/api/v1/portal/returns/{number}"): (frozenset({CUSTOMER}), "customer"),
    ("GET", "/api/v1/portal/returns/{number}/messages"): (frozenset({CUSTOMER}), "customer"),
    ("POST", "/api/v1/portal/returns/{number}/messages"): (frozenset({CUSTOMER}), "customer"),
    ("POST", "/api/v1/portal/returns/{number}/cancel"): (frozenset({CUSTOMER}), "customer"),
    ("GET", "/api/v1/portal/returns/{number}/label.pdf"): (frozenset({CUSTOMER}), "customer"),
    ("GET", "/api/v1/portal/returns/{number}/label-qr.png"): (frozenset({CUSTOMER}), "customer"),
    ("POST", "/api/v1/portal/returns/{number}/rating"): (frozenset({CUSTOMER}), "customer"),
    ("POST", "/api/v1/portal/returns/{number}/tracking"): (frozenset({CUSTOMER}), "customer"),
    ("POST", "/api/v1/portal/contact"): (frozenset({CUSTOMER}), None),
    ("POST", "/api/v1/portal/returns/{number}/photos"): (frozenset({CUSTOMER}), "customer"),
    ("GET", "/api/v1/portal/returns/{number}/photos/{photo_id}"): (
        frozenset({CUSTOMER}),
        "customer",
    ),
    ("GET", "/api/v1/cases/{number}/photos/{photo_id}"): (frozenset({AGENT, LEAD}), "agent"),
    ("GET", "/api/v1/cases"): (frozenset({AGENT, LEAD}), None),
    ("GET", "/api/v1/cases/{number}"): (frozenset({AGENT, LEAD}), "agent"),
    ("POST", "/api/v1/cases/{number}/approve"): (frozenset({AGENT, LEAD}), "agent"),
    ("POST", "/api/v1/cases/{number}/reject"): (frozenset({AGENT, LEAD}), "agent"),
    ("POST", "/api/v1/cases/{number}/close"): (frozenset({AGENT, LEAD}), "agent"),
    ("GET", "/api/v1/cases/{number}/messages"): (frozenset({AGENT, LEAD}), "agent"),
    ("POST", "/api/v1/cases/{number}/messages"): (frozenset({AGENT, LEAD}), "agent"),
    ("POST", "/api/v1/cases/{number}/notes"): (frozenset({AGENT, LEAD}), "agent"),
    ("POST", "/api/v1/cases/{number}/label"): (frozenset({AGENT, LEAD}), "agent"),
    ("GET", "/api/v1/cases/{number}/label.pdf"): (frozenset({AGENT, LEAD}), "agent"),
    ("GET", "/api/v1/cases/{number}/label.zpl"): (frozenset({AGENT, LEAD}), "agent"),
    ("POST", "/api/v1/cases/{number}/exchange/ship"): (frozenset({AGENT, LEAD}), "agent"),
    ("POST", "/api/v1/cases/{number}/refund"): (frozenset({AGENT, LEAD}), "agent"),
    ("POST", "/api/v1/cases/{number}/resolution"): (frozenset({AGENT, LEAD}), "agent"),
    ("POST", "/api/v1/cases/{number}/reassign"): (frozenset({LEAD}), None),
    ("GET", "/api/v1/macros"): (frozenset({AGENT, LEAD, ADMIN}), None),
    ("POST", "/api/v1/macros"): (frozenset({AGENT, LEAD, ADMIN}), None),
    ("PATCH", "/api/v1/macros/{macro_id}"): (frozenset({AGENT, LEAD, ADMIN}), None),
    ("DELETE", "/api/v1/macros/{macro_id}"): (frozenset({AGENT, LEAD, ADMIN}), None),
    ("GET", "/api/v1/agents"): (frozenset({AGENT, LEAD, ADMIN}), None),
    ("POST", "/api/v1/agents"): (frozenset({ADMIN}), None),
    ("PATCH", "/api/v1/agents/{agent_id}"): (frozenset({AGENT, LEAD, ADMIN}), "agent"),
    ("GET", "/api/v1/policy"): (frozenset({AGENT, LEAD, ADMIN}), None),
    ("PUT", "/api/v1/policy"): (frozenset({ADMIN}), None),
    ("PUT", "/api/v1/catalog/products/{product_id}"): (frozenset({ADMIN}), None),
    ("POST", "/api/v1/orders"): (frozenset({ADMIN}), None),
    ("POST", "/api/v1/stations"): (frozenset({ADMIN}), None),
    ("POST", "/api/v1/warehouse/scans"): (frozenset({WAREHOUSE}), None),
    ("POST", "/api/v1/warehouse/cases/{number}/inspection"): (frozenset({WAREHOUSE}), None),
    ("GET", "/api/v1/warehouse/unexpected-parcels"): (frozenset({WAREHOUSE, LEAD}), None),
    ("GET", "/api/v1/warehouse/search"): (frozenset({WAREHOUSE}), None),
    ("POST", "/api/v1/warehouse/cases/{number}/inspection/preview"): (frozenset({WAREHOUSE}), None),
    ("POST", "/api/v1/warehouse/cases/{number}/photos"): (frozenset({WAREHOUSE}), None),
    ("GET", "/api/v1/warehouse/cases/{number}/photos"): (
        frozenset({WAREHOUSE, AGENT, LEAD, ADMIN}),
        "agent",
    ),
    ("GET", "/api/v1/warehouse/cases/{number}/photos/{photo_id}"): (
        frozenset({WAREHOUSE, AGENT, LEAD, ADMIN}),
        "agent",
    ),
    ("GET", "/api/v1/customers/export"): (frozenset({ADMIN}), None),
    ("POST", "/api/v1/customers/redact"): (frozenset({ADMIN}), None),
    ("POST", "/api/v1/webhooks/shopify/privacy"): (frozenset({PUBLIC}), None),
    ("GET", "/api/v1/webhook-endpoints"): (frozenset({ADMIN}), None),
    ("POST", "/api/v1/webhook-endpoints"): (frozenset({ADMIN}), None),
    ("GET", "/api/v1/webhook-endpoints/{endpoint_id}"): (frozenset({ADMIN}), None),
    ("PATCH", "/api/v1/webhook-endpoints/{endpoint_id}"): (frozenset({ADMIN}), None),
    ("DELETE", "/api/v1/webhook-endpoints/{endpoint_id}"): (frozenset({ADMIN}), None),
    ("GET", "/api/v1/webhook-endpoints/{endpoint_id}/deliveries"): (frozenset({ADMIN}), None),
    ("POST", "/api/v1/webhook-endpoints/{endpoint_id}/deliveries/{delivery_id}/retry"): (
        frozenset({ADMIN}),
        None,
    ),
    ("GET", "/api/v1/analytics/returns"): (frozenset({LEAD, ADMIN}), None),
    ("GET", "/api/v1/analytics/outcomes"): (frozenset({LEAD, ADMIN}), None),
    ("GET", "/api/v1/analytics/agents"): (frozenset({LEAD, ADMIN}), None),
}

BODIES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/portal/returns/{number}/messages"): {"body": "hello"},
    ("POST", "/api/v1/portal/returns/{number}/rating"): {"rating": 5},
    ("POST", "/api/v1/portal/returns/{number}/tracking"): {
        "carrier": "dhl",
        "tracking_number": "JD0146000012345",
    },
    ("POST", "/api/v1/portal/contact"): {"body": "hello", "line_id": 1},
    ("POST", "/api/v1/cases/{number}/reject"): {"reason": "no"},
    ("POST", "/api/v1/cases/{number}/messages"): {"body": "hello"},
    ("POST", "/api/v1/cases/{number}/notes"): {"body": "hello"},
    ("POST", "/api/v1/cases/{number}/reassign"): {"agent_id": 1, "reason": "x"},
    ("POST", "/api/v1/macros"): {"name": "m", "body": "hi"},
    ("PATCH", "/api/v1/macros/{macro_id}"): {"body": "changed"},
    ("PATCH", "/api/v1/agents/{agent_id}"): {"available": False},
    ("PUT", "/api/v1/policy"): {"window_days": 1},
    ("PUT", "/api/v1/catalog/products/{product_id}"): {
        "title": "x",
        "variants": [{"sku": "X-1", "title": "x", "price": {"amount": 1, "currency": "USD"}}],
    },
    ("POST", "/api/v1/orders"): order_doc("7777", "z@example.com"),
    ("POST", "/api/v1/stations"): {"name": "x"},
    ("POST", "/api/v1/agents"): {"name": "x", "email": "x@y.z"},
    ("POST", "/api/v1/warehouse/scans"): {"barcode": "R-ZZZZZZ"},
    ("POST", "/api/v1/warehouse/cases/{number}/inspection"): {
        "items": [{"line_id": 1, "quantity": 1, "condition": "new", "disposition": "restock"}]
    },
    ("POST", "/api/v1/warehouse/cases/{number}/inspection/preview"): {
        "items": [{"line_id": 1, "quantity": 1, "condition": "new", "disposition": "restock"}]
    },
    ("POST", "/api/v1/portal/returns"): {
        "items": [{"line_id": 1, "quantity": 1, "reason": "other", "resolution": "refund"}]
    },
    ("POST", "/api/v1/customers/redact"): {"email": "ana@example.com"},
    ("POST", "/api/v1/cases/{number}/resolution"): {
        "items": [{"line_id": 1, "resolution": "store_credit"}]
    },
}


# multipart routes: sent as a form with a file instead of JSON
FILES: dict[tuple[str, str], Any] = {
    ("POST", "/api/v1/portal/returns/{number}/photos"): {"photo": ("p.png", TINY_PNG, "image/png")},
}


async def snapshot() -> dict[str, int]:
    tables = (
        ReturnCase,
        CaseEvent,
        CaseMessage,
        CaseNote,
        Macro,
        OutboxMessage,
        Payment,
        Label,
        CasePhoto,
    )
    return {t._meta.tablename: await t.count() for t in tables}


async def test_every_route_refuses_every_foreign_caller(client: Client, clock: FrozenClock) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    routes = {
        (method.upper(), path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in ("get", "post", "put", "patch", "delete")
    }
    assert routes == set(MATRIX), f"routes without a matrix entry: {routes - set(MATRIX)}"

    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    x_id, agent_x = await add_agent(client, admin, "Xena")  # owns customer A's case
    ana = await portal_headers(client)
    lines = await line_ids(client, ana)
    number = (await open_return(client, ana, refund_item(lines["RING-8-BLK"])))["number"]
    photo = await client.post(
        f"/api/v1/portal/returns/{number}/photos", files=FILES[PHOTO_ROUTE], headers=ana
    )
    assert photo.status_code == 201, photo.text
    _, agent_y = await add_agent(client, admin, "Yann")
    await client.post("/api/v1/orders", json=order_doc("1002", "bo@example.com"), headers=admin)
    customer_b = await portal_headers(client, "1002", "bo@example.com")
    macro_id = (
        await client.post("/api/v1/macros", json={"name": "hi", "body": "Hi"}, headers=agent_x)
    ).json()["id"]
    callers = {
        "nobody": ({}, None),
        "customer_b": (customer_b, CUSTOMER),
        "agent_y": (agent_y, AGENT),
        "lead": (await staff_headers(client, Role.LEAD, clock), LEAD),
        "warehouse": (await staff_headers(client, Role.WAREHOUSE, clock), WAREHOUSE),
        "admin": (admin, ADMIN),
    }
    params = {
        "{number}": number,
        "{line_id}": str(lines["RING-8-BLK"]),
        "{macro_id}": str(macro_id),
        "{agent_id}": str(x_id),
        "{product_id}": "ring",
        "{carrier}": "concierge-post",
        "{photo_id}": str(photo.json()["id"]),
        "{endpoint_id}": "1",
        "{delivery_id}": "1",
    }
    before = await snapshot()
    checked = 0
    for (method, template), (allowed, scope) in sorted(MATRIX.items()):
        if PUBLIC in allowed:
            continue
        path = template
        for key, value in params.items():
            path = path.replace(key, value)
        for name, (headers, role) in callers.items():
            if role is None:
                expected = 401
            elif role not in allowed:
                expected = 403
            elif scope == "customer" and name == "customer_b":
                expected = 404
            elif scope == "agent" and name == "agent_y":
                expected = 403 if "/agents/" in template else 404
            else:
                continue  # an allowed caller in scope: the other tests cover what they may do
            if (method, template) in FILES:
                response = await client.request(
                    method, path, files=FILES[(method, template)], headers=headers
                )
            else:
                response = await client.request(
                    method, path, json=BODIES.get((method, template)), headers=headers
                )
            assert response.status_code == expected, (
                f"{name} {method} {path}: {response.status_code} {response.text}"
            )
            assert response.headers["content-type"] == "application/problem+json", (
                f"{name} {method} {path}"
            )
            checked += 1
    assert checked > 100
    assert await snapshot() == before


async def test_customers_cannot_set_protected_fields(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    ana = await portal_headers(client)
    lines = await line_ids(client, ana)
    for extra in ({"status": "resolved"}, {"agent": {"id": 1}}, {"refund": {"amount": 999999}}):
        body = {"items": [refund_item(lines["RING-8-BLK"])], **extra}
        response = await client.post("/api/v1/portal/returns", json=body, headers=ana)
        assert response.status_code == 400, extra
    item = {**refund_item(lines["RING-8-BLK"]), "unit_price": {"amount": 1, "currency": "USD"}}
    assert (
        await client.post("/api/v1/portal/returns", json={"items": [item]}, headers=ana)
    ).status_code == 400
    assert await ReturnCase.count() == 0


async def test_an_agent_token_linked_to_no_agent_owns_nothing(
    client: Client, clock: FrozenClock
) -> None:
    """`tokens create --role agent` makes a token without an agent: it must not read the
    waiting (unassigned) cases as if they were its own."""
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    ana = await portal_headers(client)
    lines = await line_ids(client, ana)
    number = (await open_return(client, ana, refund_item(lines["RING-8-BLK"])))["number"]
    assert (await ReturnCase.select(ReturnCase.agent))[0]["agent"] is None  # waiting: no agents
    bare = await staff_headers(client, Role.AGENT, clock)
    assert (await client.get("/api/v1/cases", headers=bare)).json()["items"] == []
    assert (await client.get(f"/api/v1/cases/{number}", headers=bare)).status_code == 404
    assert (await client.post(f"/api/v1/cases/{number}/close", headers=bare)).status_code == 404


async def test_no_token_or_session_carries_the_system_role(
    client: Client, clock: FrozenClock
) -> None:
    """The system caller (the service acting for the whole store) is never issued: no staff
    token is made for it, the table refuses one, a row claiming it authenticates nobody, and
    no route admits it."""
    store_id = client.app.state.store.id  # type: ignore[attr-defined]
    with pytest.raises(InvalidRequest):
        await create_staff_token(store_id, Role.SYSTEM, clock)
    with pytest.raises(asyncpg.CheckViolationError):
        await sql.execute(
            "INSERT INTO api_token (store, token_hash, role, name, created_at)"
            " VALUES ($1, $2, 'system', '', now())",
            store_id,
            hash_token("rs_forged"),
        )
    # even if such a row existed (a constraint dropped by hand), it would let nobody in
    issued = await create_staff_token(store_id, Role.ADMIN, clock)
    await sql.execute("ALTER TABLE api_token DROP CONSTRAINT api_token_role_known")
    try:
        await sql.execute("UPDATE api_token SET role = 'system' WHERE id = $1", issued.id)
        assert await authenticate_staff(issued.token) is None
        response = await client.get(
            "/api/v1/policy", headers={"Authorization": f"Bearer {issued.token}"}
        )
        assert response.status_code == 401
    finally:
        await sql.execute("DELETE FROM api_token WHERE id = $1", issued.id)
        await sql.execute(
            "ALTER TABLE api_token ADD CONSTRAINT api_token_role_known"
            " CHECK (role IN ('admin', 'agent', 'lead', 'warehouse'))"
        )
    with pytest.raises(ValueError):
        allow(Role.SYSTEM)
