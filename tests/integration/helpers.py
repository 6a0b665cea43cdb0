"""Small builders shared by the HTTP tests."""

from __future__ import annotations

from typing import Any

import httpx

from returns_service.clock import Clock
from returns_service.domain.access import Role
from returns_service.services.platform.auth import create_staff_token

Client = httpx.AsyncClient


async def staff_headers(client: Client, role: Role, clock: Clock) -> dict[str, str]:
    store_id = client.app.state.store.id  # type: ignore[attr-defined]
    issued = await create_staff_token(store_id, role, clock, name=f"test {role}")
    return {"Authorization": f"Bearer {issued.token}"}


def ring_product(stock: int = 5) -> dict[str, Any]:
    return {
        "title": "Active silicone ring",
        "category": "rings",
        "variants": [
            {
                "sku": f"RING-{size}-BLK",
                "title": f"Size {size} / Black",
                "options": {"size": str(size), "colour": "black"},
                "price": {"amount": 2500, "currency": "USD"},
                "stock": stock if size != 10 else 0,
            }
            for size in (7, 8, 9, 10)
        ],
    }


def watch_product() -> dict[str, Any]:
    return {
        "title": "Genesis chronograph",
        "category": "watches",
        "variants": [
            {
                "sku": "WATCH-41-BLK",
                "title": "41 mm / Black",
                "options": {"case_size": "41"},
                "price": {"amount": 39500, "currency": "USD"},
                "stock": 3,
            }
        ],
    }


def order_doc(
    number: str = "1001",
    email: str = "ana@example.com",
    *,
    shop_order_id: str | None = None,
    delivered_at: str | None = "2026-08-05T15:00:00Z",
    lines: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    return {
        "shop_order_id": shop_order_id or f"shop-{number}",
        "number": number,
        "placed_at": "2026-08-01T10:00:00Z",
        "currency": "USD",
        "customer": {
            "email": email,
            "first_name": "Ana",
            "last_name": "Pop",
            "language": "ro",
            "country": "US",
        },
        "shipping_address": {
            "line1": "1 Main St",
            "city": "Santa Ana",
            "region": "CA",
            "postal_code": "92701",
            "country": "US",
        },
        "lines": lines
        if lines is not None
        else [
            {
                "shop_line_id": "1",
                "sku": "RING-8-BLK",
                "product_id": "ring",
                "quantity": 2,
                "unit_price": {"amount": 2500, "currency": "USD"},
                "delivered_at": delivered_at,
            },
            {
                "shop_line_id": "2",
                "sku": "WATCH-41-BLK",
                "product_id": "watch",
                "quantity": 1,
                "unit_price": {"amount": 39500, "currency": "USD"},
                "delivered_at": delivered_at,
            },
            {
                "shop_line_id": "3",
                "sku": "RING-9-BLK",
                "product_id": "ring",
                "quantity": 1,
                "unit_price": {"amount": 1500, "currency": "USD"},
                "final_sale": True,
                "delivered_at": delivered_at,
            },
        ],
    }


WATCH_POLICY: dict[str, Any] = {
    "window_days": 30,
    "window_starts": "delivery",
    "rules": [
        {"match": {"category": "watches"}, "window_days": 90},
        {"match": {"sku": "GIFT-CARD"}, "returnable": False},
    ],
    "final_sale_returnable": False,
    "prepaid_label_countries": ["US"],
    "advance_exchange": "on_first_scan",
    "advance_exchange_return_days": 21,
    "advance_exchange_max_open": {"amount": 100000, "currency": "USD"},
    "auto_approve": True,
}


async def seed_store(client: Client, admin: dict[str, str]) -> None:
    """Catalogue, the watch policy and order 1001 (ana@example.com), through the admin API."""
    for key, product in (("ring", ring_product()), ("watch", watch_product())):
        response = await client.put(f"/api/v1/catalog/products/{key}", json=product, headers=admin)
        assert response.status_code in (200, 201), response.text
    response = await client.put("/api/v1/policy", json=WATCH_POLICY, headers=admin)
    assert response.status_code == 200, response.text
    response = await client.post("/api/v1/orders", json=order_doc(), headers=admin)
    assert response.status_code == 201, response.text


async def portal_headers(
    client: Client, number: str = "1001", email: str = "ana@example.com"
) -> dict[str, str]:
    response = await client.post(
        "/api/v1/portal/sessions", json={"order_number": number, "email": email}
    )
    assert response.status_code == 201, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


async def add_agent(
    client: Client,
    admin: dict[str, str],
    name: str,
    *,
    role: str = "agent",
    languages: list[str] | None = None,
    capacity: int = 20,
) -> tuple[int, dict[str, str]]:
    response = await client.post(
        "/api/v1/agents",
        json={
            "name": name,
            "email": f"{name.lower().replace(' ', '.')}@store.test",
            "role": role,
            "languages": languages or ["en", "ro"],
            "capacity": capacity,
        },
        headers=admin,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    return body["id"], {"Authorization": f"Bearer {body['token']}"}


async def line_ids(client: Client, customer: dict[str, str]) -> dict[str, int]:
    order = (await client.get("/api/v1/portal/order", headers=customer)).json()
    return {line["sku"]: line["id"] for line in order["lines"]}


def exchange_item(line_id: int, sku: str = "RING-9-BLK", quantity: int = 1) -> dict[str, Any]:
    return {
        "line_id": line_id,
        "quantity": quantity,
        "reason": "too_small",
        "resolution": "exchange",
        "exchange_sku": sku,
    }


def refund_item(line_id: int, quantity: int = 1, reason: str = "changed_mind") -> dict[str, Any]:
    return {"line_id": line_id, "quantity": quantity, "reason": reason, "resolution": "refund"}


async def open_return(
    client: Client, customer: dict[str, str], *items: dict[str, Any]
) -> dict[str, Any]:
    """The customer opens a return; the case as the API returns it."""
    response = await client.post(
        "/api/v1/portal/returns", json={"items": list(items)}, headers=customer
    )
    assert response.status_code == 201, response.text
    return response.json()


async def receive_and_grade(
    client: Client,
    warehouse: dict[str, str],
    number: str,
    line_id: int,
    *,
    quantity: int = 1,
    condition: str = "new",
    disposition: str = "restock",
    note: str | None = None,
) -> httpx.Response:
    """A station scans the parcel by its case number and grades its one item."""
    scan = await client.post("/api/v1/warehouse/scans", json={"barcode": number}, headers=warehouse)
    assert scan.status_code == 200, scan.text
    item: dict[str, Any] = {
        "line_id": line_id,
        "quantity": quantity,
        "condition": condition,
        "disposition": disposition,
    }
    if note:
        item["note"] = note
    return await client.post(
        f"/api/v1/warehouse/cases/{number}/inspection", json={"items": [item]}, headers=warehouse
    )
