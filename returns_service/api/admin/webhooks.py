"""Outbound webhook endpoints (role `admin`): where the store's events go, their delivery log
and replay (docs/webhooks.md)."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from returns_service.api.auth import allow
from returns_service.domain.access import Caller, Role
from returns_service.services.events import endpoints
from returns_service.services.events.schemas import (
    DeliveryPage,
    DeliveryView,
    EndpointCreated,
    EndpointIn,
    EndpointList,
    EndpointPatch,
    EndpointView,
)
from returns_service.services.platform.runtime import Runtime

Limit = Annotated[int, QueryParameter(ge=1, le=100)]
Cursor = Annotated[str | None, QueryParameter(max_length=200)]


class WebhookEndpointsController(Controller):
    path = "/api/v1/webhook-endpoints"
    tags = ["admin"]
    guards = [allow(Role.ADMIN)]

    @get("/", summary="The store's webhook endpoints (secrets are never shown again)")
    async def list_endpoints(self, caller: NamedDependency[Caller]) -> EndpointList:
        return EndpointList(await endpoints.list_endpoints(caller))

    @post("/", summary="Add an endpoint; its signing secret is shown this once")
    async def create_endpoint(
        self,
        caller: NamedDependency[Caller],
        data: JSONBody[EndpointIn],
        runtime: NamedDependency[Runtime],
    ) -> EndpointCreated:
        return await endpoints.create_endpoint(caller, data, runtime)

    @get("/{endpoint_id:int}", summary="One endpoint")
    async def get_endpoint(
        self, caller: NamedDependency[Caller], endpoint_id: FromPath[int]
    ) -> EndpointView:
        return await endpoints.get_endpoint(caller, endpoint_id)

    @patch("/{endpoint_id:int}", summary="Change url, events or description; pause or resume")
    async def update_endpoint(
        self,
        caller: NamedDependency[Caller],
        endpoint_id: FromPath[int],
        data: JSONBody[EndpointPatch],
        runtime: NamedDependency[Runtime],
    ) -> EndpointView:
        return await endpoints.update_endpoint(caller, endpoint_id, data, runtime)

    @delete("/{endpoint_id:int}", summary="Remove an endpoint and its log", status_code=204)
    async def delete_endpoint(
        self, caller: NamedDependency[Caller], endpoint_id: FromPath[int]
    ) -> None:
        await endpoints.delete_endpoint(caller, endpoint_id)

    @get("/{endpoint_id:int}/deliveries", summary="The delivery log, newest first")
    async def deliveries(
        self,
        caller: NamedDependency[Caller],
        endpoint_id: FromPath[int],
        cursor: Cursor = None,
        limit: Limit = 50,
    ) -> DeliveryPage:
        return await endpoints.delivery_page(caller, endpoint_id, cursor, limit)

    @post(
        "/{endpoint_id:int}/deliveries/{delivery_id:int}/retry",
        summary="Send a delivery again (the same webhook-id and body)",
        status_code=202,
    )
    async def retry_delivery(
        self,
        caller: NamedDependency[Caller],
        endpoint_id: FromPath[int],
        delivery_id: FromPath[int],
        runtime: NamedDependency[Runtime],
    ) -> DeliveryView:
        return await endpoints.replay_delivery(caller, endpoint_id, delivery_id, runtime)
