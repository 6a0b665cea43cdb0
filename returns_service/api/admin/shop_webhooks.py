"""Shopify's webhooks besides orders, on the same route pattern and the same HMAC check
(`X-Shopify-Hmac-Sha256` with SHOPIFY_WEBHOOK_SECRET): `fulfillments/update` dates deliveries,
`refunds/create` shows a refund made by hand in the Shopify admin on its case."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, post
from litestar.di import NamedDependency

from returns_service.adapters import shopify
from returns_service.api.auth import PUBLIC
from returns_service.domain.errors import InvalidRequest, NotAuthenticated
from returns_service.services.platform.runtime import Runtime
from returns_service.services.shop import inbound
from returns_service.services.store.stores import StoreInfo
from returns_service.settings import Settings


class ShopWebhookAnswer(msgspec.Struct):
    outcome: str  # what the webhook changed: dated N lines, recorded, ours, again, no_case


async def verified_body(request: Request[Any, Any, Any], settings: Settings) -> bytes:
    """The body of a webhook from the shop, once its X-Shopify-Hmac-Sha256 matches it (every
    Shopify webhook route: orders, refunds, fulfilments, privacy)."""
    body = await request.body()
    secret = settings.store.shopify_webhook_secret
    if not shopify.verify_hmac(secret, body, request.headers.get("x-shopify-hmac-sha256")):
        raise NotAuthenticated("The X-Shopify-Hmac-Sha256 signature does not match the body.")
    return body


async def verified_payload(request: Request[Any, Any, Any], settings: Settings) -> dict[str, Any]:
    """The verified body as a JSON object."""
    body = await verified_body(request, settings)
    try:
        payload = msgspec.json.decode(body)
    except msgspec.DecodeError as error:
        raise InvalidRequest("The webhook body is not valid JSON.") from error
    if not isinstance(payload, dict):
        raise InvalidRequest("The webhook body must be a JSON object.")
    return payload


class ShopifyShopWebhookController(Controller):
    path = "/api/v1/webhooks/shopify"
    tags = ["webhooks"]
    opt = PUBLIC

    @post("/fulfillments", status_code=200, summary="Shopify fulfillments/update (HMAC-verified)")
    async def fulfillment_webhook(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        store: NamedDependency[StoreInfo],
    ) -> ShopWebhookAnswer:
        dated = await inbound.fulfillment_updated(
            store.id, await verified_payload(request, settings)
        )
        return ShopWebhookAnswer(outcome=f"dated {dated} lines")

    @post("/refunds", status_code=200, summary="Shopify refunds/create (HMAC-verified)")
    async def refund_webhook(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        store: NamedDependency[StoreInfo],
        runtime: NamedDependency[Runtime],
    ) -> ShopWebhookAnswer:
        payload = await verified_payload(request, settings)
        return ShopWebhookAnswer(outcome=await inbound.refund_created(store.id, payload, runtime))
