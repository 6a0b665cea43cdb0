"""The store owner's API (role `admin`): policy, catalogue, orders, agents, stations, and the
shop's order webhook."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post, put
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody, PathParameter, QueryParameter, SkipValidation

from returns_service.adapters import shopify
from returns_service.api.admin.shop_webhooks import verified_payload
from returns_service.api.auth import PUBLIC, allow
from returns_service.clock import Clock
from returns_service.domain.access import Caller, Role
from returns_service.domain.catalog import ProductDocument
from returns_service.domain.errors import NotAuthenticated, NotFound
from returns_service.domain.orders import OrderDocument
from returns_service.domain.policy import ReturnPolicy
from returns_service.services.fulfilment import tracking
from returns_service.services.fulfilment.schemas import ProviderTrackingResult, TrackingResult
from returns_service.services.platform.runtime import Runtime
from returns_service.services.simulation import service as simulation
from returns_service.services.simulation.schemas import SimulationRequest, SimulationResult
from returns_service.services.store import catalog, orders, policy, policy_versions, staff
from returns_service.services.store.schemas import (
    CreatedWithToken,
    NewStation,
    OrderUpserted,
    PolicyVersionPage,
    ProductPut,
)
from returns_service.services.store.stores import StoreInfo
from returns_service.settings import Settings


class PolicyController(Controller):
    path = "/api/v1/policy"
    tags = ["admin"]

    @get("/", guards=[allow(Role.ADMIN, Role.LEAD, Role.AGENT)], summary="The return policy")
    async def get_policy(self, caller: NamedDependency[Caller]) -> ReturnPolicy:
        return await policy.get_policy(caller.store_id)

    # issue 16: analytics and policy routes are for leads and admins
    @put("/", guards=[allow(Role.ADMIN, Role.LEAD)], summary="Replace the return policy")
    async def put_policy(
        self,
        caller: NamedDependency[Caller],
        data: JSONBody[ReturnPolicy],
        clock: NamedDependency[SkipValidation[Clock]],
    ) -> ReturnPolicy:
        return await policy.put_policy(caller, data, clock)

    @get(
        "/versions",
        guards=[allow(Role.ADMIN, Role.LEAD)],
        summary="Every published policy, newest first",
    )
    async def list_versions(
        self,
        caller: NamedDependency[Caller],
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
    ) -> PolicyVersionPage:
        return await policy_versions.list_versions(caller, cursor=cursor, limit=limit)

    @post(
        "/simulations",
        guards=[allow(Role.ADMIN, Role.LEAD)],
        status_code=200,
        summary="Replay a draft policy and the published one over delivered lines",
    )
    async def simulate(
        self,
        caller: NamedDependency[Caller],
        data: JSONBody[SimulationRequest],
        runtime: NamedDependency[Runtime],
    ) -> SimulationResult:
        return await simulation.simulate(caller, data.policy, data.from_, data.to, runtime)


class CatalogController(Controller):
    path = "/api/v1/catalog"
    tags = ["admin"]
    guards = [allow(Role.ADMIN)]

    @put(
        "/products/{product_id:str}",
        summary="Create or replace a product and its variants",
        status_code=201,
        responses={200: ResponseSpec(ProductPut, description="The product was replaced")},
    )
    async def put_product(
        self,
        caller: NamedDependency[Caller],
        product_id: Annotated[str, PathParameter(min_length=1, max_length=128)],
        data: JSONBody[ProductDocument],
        clock: NamedDependency[SkipValidation[Clock]],
    ) -> Response[ProductPut]:
        result = await catalog.put_product(caller, product_id, data, clock)
        return Response(
            ProductPut(product_id=product_id, created=result.created),
            status_code=201 if result.created else 200,
        )


class OrdersController(Controller):
    path = "/api/v1/orders"
    tags = ["admin"]
    guards = [allow(Role.ADMIN)]

    @post(
        "/",
        summary="Create or update an order (idempotent on shop_order_id)",
        responses={200: ResponseSpec(OrderUpserted, description="The order was updated")},
    )
    async def upsert(
        self,
        caller: NamedDependency[Caller],
        data: JSONBody[OrderDocument],
        clock: NamedDependency[SkipValidation[Clock]],
    ) -> Response[OrderUpserted]:
        result = await orders.upsert_order(caller, data, clock)
        return Response(
            OrderUpserted(id=result.id, number=result.number, created=result.created),
            status_code=201 if result.created else 200,
        )


class StationsController(Controller):
    path = "/api/v1"
    tags = ["admin"]
    guards = [allow(Role.ADMIN)]

    @post("/stations", summary="Add a warehouse station; its token is shown this once")
    async def create_station(
        self,
        caller: NamedDependency[Caller],
        data: JSONBody[NewStation],
        clock: NamedDependency[SkipValidation[Clock]],
    ) -> CreatedWithToken:
        return await staff.create_station(caller, data, clock)


class ShopifyWebhookController(Controller):
    path = "/api/v1/webhooks/shopify"
    tags = ["webhooks"]
    opt = PUBLIC

    @post(
        "/orders",
        summary="Shopify order webhook (HMAC-verified, no bearer token)",
        responses={200: ResponseSpec(OrderUpserted, description="The order was updated")},
    )
    async def order_webhook(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        store: NamedDependency[StoreInfo],
        clock: NamedDependency[SkipValidation[Clock]],
    ) -> Response[OrderUpserted]:
        payload = await verified_payload(request, settings)
        document = shopify.order_from_shopify(payload)
        result = await orders.upsert_order(Caller.system(store.id), document, clock)
        return Response(
            OrderUpserted(id=result.id, number=result.number, created=result.created),
            status_code=201 if result.created else 200,
        )


class CarrierWebhookController(Controller):
    path = "/api/v1/webhooks/carrier"
    tags = ["webhooks"]
    opt = PUBLIC

    @post("/{carrier:str}", summary="Carrier tracking events, signed with the carrier's secret")
    async def carrier_event(
        self,
        carrier: Annotated[str, PathParameter(min_length=1, max_length=32)],
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        store: NamedDependency[StoreInfo],
        runtime: NamedDependency[Runtime],
    ) -> TrackingResult:
        if not settings.knows_carrier(carrier):
            raise NotFound(f"no carrier {carrier!r} is configured")
        return await tracking.handle_event(
            store.id,
            carrier,
            await request.body(),
            request.headers.get("x-carrier-signature"),
            settings.carrier_secret(carrier),
            runtime,
        )

    @post(
        "/easypost",
        summary="EasyPost's tracker events, verified by X-Hmac-Signature",
        status_code=200,
    )
    async def easypost_event(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        store: NamedDependency[StoreInfo],
        runtime: NamedDependency[Runtime],
    ) -> ProviderTrackingResult:
        return await _provider_event(
            "easypost", settings.carrier.easypost_webhook_secret, request, store, runtime
        )

    @post(
        "/shippo",
        summary="Shippo's track_updated events, verified with SHIPPO_WEBHOOK_SECRET",
        status_code=200,
    )
    async def shippo_event(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        store: NamedDependency[StoreInfo],
        runtime: NamedDependency[Runtime],
    ) -> ProviderTrackingResult:
        return await _provider_event(
            "shippo", settings.carrier.shippo_webhook_secret, request, store, runtime
        )


async def _provider_event(
    provider: str,
    secret: str,
    request: Request[Any, Any, Any],
    store: StoreInfo,
    runtime: Runtime,
) -> ProviderTrackingResult:
    if not secret:  # nothing could verify it: not taken, whatever it says
        raise NotAuthenticated(f"no webhook secret is configured for {provider}")
    return await tracking.handle_provider_event(
        store.id, provider, await request.body(), request.headers, secret, runtime
    )
