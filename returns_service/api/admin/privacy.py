"""Privacy requests: the store owner's export and erasure of a customer (role `admin`), and
Shopify's mandatory privacy webhooks (HMAC-verified, no bearer token)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, QueryParameter, SkipValidation

from returns_service.adapters import shopify_privacy
from returns_service.api.admin.shop_webhooks import verified_body
from returns_service.api.auth import PUBLIC, allow
from returns_service.clock import Clock
from returns_service.domain.access import Caller, Role
from returns_service.domain.text import EMAIL
from returns_service.services.privacy import export, redaction, store_redaction
from returns_service.services.privacy.schemas import (
    CustomerExport,
    RedactRequest,
    RedactResult,
    ShopifyPrivacyResult,
)
from returns_service.services.store.stores import StoreInfo
from returns_service.settings import Settings

Email = Annotated[str, QueryParameter(min_length=3, max_length=320, pattern=EMAIL)]


class CustomersPrivacyController(Controller):
    path = "/api/v1/customers"
    tags = ["admin"]
    guards = [allow(Role.ADMIN)]

    @get("/export", summary="Everything held about a customer (a GDPR access request)")
    async def export_customer(
        self,
        caller: NamedDependency[Caller],
        email: Email,
        clock: NamedDependency[SkipValidation[Clock]],
    ) -> CustomerExport:
        return await export.export_customer(caller.store_id, email, clock.now())

    @post(
        "/redact",
        status_code=200,
        summary="Remove a customer's personal data; money, stock and timeline stay (idempotent)",
    )
    async def redact_customer(
        self,
        caller: NamedDependency[Caller],
        data: JSONBody[RedactRequest],
        clock: NamedDependency[SkipValidation[Clock]],
    ) -> RedactResult:
        done = await redaction.redact_email(caller.store_id, data.email, clock.now())
        return RedactResult(customers=done.customers, cases=done.cases)


class ShopifyPrivacyWebhookController(Controller):
    path = "/api/v1/webhooks/shopify"
    tags = ["webhooks"]
    opt = PUBLIC

    @post(
        "/privacy",
        status_code=200,
        summary="Shopify's privacy webhooks: customers/data_request, customers/redact, shop/redact",
    )
    async def privacy_webhook(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        store: NamedDependency[StoreInfo],
        clock: NamedDependency[SkipValidation[Clock]],
    ) -> ShopifyPrivacyResult:
        body = await verified_body(request, settings)
        topic, payload = shopify_privacy.read_privacy_request(
            request.headers.get("x-shopify-topic"), body
        )
        if topic == "shop/redact":
            asked = await store_redaction.request_store_redaction(store.id, clock)
            return ShopifyPrivacyResult(
                topic, asked.customers, asked.cases, queued=asked.customers > 0
            )
        email = payload.customer.email if payload.customer else None
        orders = [str(o) for o in payload.orders_to_redact or payload.orders_requested]
        customers = await redaction.customers_named(store.id, email, orders)
        if topic == "customers/redact":
            done = await redaction.redact_customers(customers, clock.now())
            return ShopifyPrivacyResult(topic, done.customers, done.cases)
        # Shopify forwards nothing back to the merchant: the store owner gets the same data
        # with the admin export or the CLI; the answer carries it for the record
        exports = [await export.export_customer_id(c, clock.now()) for c in customers]
        return ShopifyPrivacyResult(
            topic, len(exports), sum(len(e.cases) for e in exports), exports=exports
        )
