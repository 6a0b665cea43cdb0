"""The customer portal as JSON (role `customer`): sign in, see the order and what can go back."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter, SkipValidation

from returns_service.api.auth import PUBLIC, allow
from returns_service.clock import Clock
from returns_service.domain.access import Caller, Role
from returns_service.services.platform.auth import revoke_portal_session
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store import portal, shop_now, sign_in_links
from returns_service.services.store.portal import LookupLimits
from returns_service.services.store.schemas import (
    ExchangeOption,
    LinkRequested,
    OrderView,
    SessionRequest,
    SessionResponse,
    ShopNowPage,
)
from returns_service.services.store.stores import StoreInfo
from returns_service.settings import Settings


class PortalSessionController(Controller):
    path = "/api/v1/portal/sessions"
    tags = ["portal"]

    @post("/", opt=PUBLIC, summary="Sign in with order number and email")
    async def open_session(
        self,
        data: JSONBody[SessionRequest],
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        store: NamedDependency[StoreInfo],
        clock: NamedDependency[SkipValidation[Clock]],
    ) -> SessionResponse:
        session = await portal.open_session(
            store.id,
            data.order_number,
            data.email,
            client=request.client.host if request.client else "unknown",
            secret=settings.server.secret_key,
            ttl_minutes=settings.portal.session_ttl_minutes,
            limits=LookupLimits(
                settings.portal.lookup_failures_allowed,
                settings.portal.lookup_failure_window_seconds,
            ),
            clock=clock,
        )
        return SessionResponse(
            token=session.token, expires_at=session.expires_at, order=session.order
        )

    @delete(
        "/current",
        guards=[allow(Role.CUSTOMER)],
        summary="Sign out: this session's token stops working",
        status_code=204,
    )
    async def close_session(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        clock: NamedDependency[SkipValidation[Clock]],
    ) -> None:
        await revoke_portal_session(settings.server.secret_key, request.auth, clock)


class PortalLinksController(Controller):
    path = "/api/v1/portal/links"
    tags = ["portal"]

    @post(
        "/",
        opt=PUBLIC,
        status_code=202,
        summary="Email me a link: a sign-in link to the order, if the pair matches",
    )
    async def email_me_a_link(
        self,
        data: JSONBody[SessionRequest],
        request: Request[Any, Any, Any],
        store: NamedDependency[StoreInfo],
        runtime: NamedDependency[Runtime],
    ) -> LinkRequested:
        client = request.client.host if request.client else "unknown"
        await sign_in_links.email_sign_in_link(
            store.id, data.order_number, data.email, client, runtime
        )
        return LinkRequested()


class PortalOrderController(Controller):
    path = "/api/v1/portal/order"
    tags = ["portal"]
    guards = [allow(Role.CUSTOMER)]

    @get("/", summary="The order, with what can go back until when")
    async def get_order(
        self, caller: NamedDependency[Caller], clock: NamedDependency[SkipValidation[Clock]]
    ) -> OrderView:
        return await portal.order_view(caller, clock)

    @get("/lines/{line_id:int}/exchange-options", summary="Variants a line can be exchanged for")
    async def exchange_options(
        self, caller: NamedDependency[Caller], line_id: FromPath[int]
    ) -> list[ExchangeOption]:
        return await portal.exchange_options(caller, line_id)

    @get(
        "/lines/{line_id:int}/shop-now",
        summary="Shop-now: in-stock variants of any product the line can be exchanged for, "
        "searched by q (title, SKU, category), with the price difference for `quantity` units",
    )
    async def shop_now(
        self,
        caller: NamedDependency[Caller],
        line_id: FromPath[int],
        q: Annotated[str, QueryParameter(max_length=200)] = "",
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 20,
        quantity: Annotated[int, QueryParameter(ge=1, le=10_000)] = 1,
        lang: Annotated[str, QueryParameter(pattern=r"^[a-z]{2,3}$")] = "en",
    ) -> ShopNowPage:
        return await shop_now.browse(
            caller, line_id, q=q, cursor=cursor, limit=limit, quantity=quantity, language=lang
        )
