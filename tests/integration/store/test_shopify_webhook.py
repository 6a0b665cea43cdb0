"""The Shopify order webhook: HMAC-verified, mapped into our order, nothing stored when forged."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

from returns_service.clock import FrozenClock
from returns_service.db.tables import OrderLine, ShopOrder
from tests.integration.helpers import Client
from tests.unit.test_domain_misc import SHOPIFY_ORDER

SECRET = "shopify-test-secret"  # set in conftest before the app reads its settings
URL = "/api/v1/webhooks/shopify/orders"


def signed(body: bytes, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {
        "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
        "content-type": "application/json",
    }


async def test_a_signed_order_is_stored_once(client: Client, clock: FrozenClock) -> None:
    body = json.dumps(SHOPIFY_ORDER).encode()
    first = await client.post(URL, content=body, headers=signed(body))
    assert first.status_code == 201, first.text
    again = await client.post(URL, content=body, headers=signed(body))
    assert again.status_code == 200
    order = await ShopOrder.select().first()
    assert order is not None and order["number"] == "1001"
    assert order["shop_order_id"] == "820982911946154508"
    assert await OrderLine.count() == 2
    # the customer can now sign in with the order number and email from Shopify
    session = await client.post(
        "/api/v1/portal/sessions", json={"order_number": "1001", "email": "jon@example.com"}
    )
    assert session.status_code == 201


async def test_a_bad_signature_is_401_and_stores_nothing(client: Client) -> None:
    body = json.dumps(SHOPIFY_ORDER).encode()
    for headers in (
        signed(body, secret="wrong"),
        signed(body + b" "),
        {"content-type": "application/json"},
    ):
        response = await client.post(URL, content=body, headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
    assert await ShopOrder.count() == 0


async def test_a_signed_but_unreadable_order_is_422(client: Client) -> None:
    body = json.dumps({"id": 5, "line_items": []}).encode()
    response = await client.post(URL, content=body, headers=signed(body))
    assert response.status_code == 422
    assert await ShopOrder.count() == 0
    garbage = b"{not json"
    response = await client.post(URL, content=garbage, headers=signed(garbage))
    assert response.status_code == 422
