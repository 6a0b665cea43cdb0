"""The application factory: routers per audience, lifespan, OpenAPI, problem details, rate
limits. Nothing else lives here."""

from __future__ import annotations

import asyncio
import contextlib
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Litestar, Request
from litestar.config.csrf import CSRFConfig
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from returns_service import __version__
from returns_service.api.admin.analytics import AnalyticsController
from returns_service.api.admin.controllers import (
    CarrierWebhookController,
    CatalogController,
    OrdersController,
    PolicyController,
    ShopifyWebhookController,
    StationsController,
)
from returns_service.api.admin.privacy import (
    CustomersPrivacyController,
    ShopifyPrivacyWebhookController,
)
from returns_service.api.admin.shop_webhooks import ShopifyShopWebhookController
from returns_service.api.admin.webhooks import WebhookEndpointsController
from returns_service.api.agents.controllers import (
    AgentsController,
    CasesController,
    MacrosController,
)
from returns_service.api.auth import BearerAuthMiddleware
from returns_service.api.bench import CeilingController, bench_pool
from returns_service.api.cors import portal_cors
from returns_service.api.dependencies import app_dependencies, app_state
from returns_service.api.docs import LocalSwaggerUI, swagger_assets, swagger_init
from returns_service.api.edge import edge_middleware
from returns_service.api.health import HealthController
from returns_service.api.openapi import finish_openapi
from returns_service.api.portal.controllers import (
    PortalLinksController,
    PortalOrderController,
    PortalSessionController,
)
from returns_service.api.portal.returns import PortalContactController, PortalReturnsController
from returns_service.api.problems import EXCEPTION_HANDLERS
from returns_service.api.proxies import trusted_proxy_middleware
from returns_service.api.request_log import configure_logging, request_log_middleware
from returns_service.api.warehouse import WarehouseController
from returns_service.clock import Clock, SystemClock
from returns_service.db.engine import close_pool, open_pool
from returns_service.services.platform.runtime import runtime_from_settings
from returns_service.services.platform.worker import run_forever, worker_config
from returns_service.services.store.stores import ensure_default_store
from returns_service.settings import Settings
from returns_service.web.agent.pages import AgentConsolePages
from returns_service.web.journey import PortalCaseSteps, PortalLinkPages
from returns_service.web.pages import WEB_DIR, PortalPages, PortalSignInPages, static_files
from returns_service.web.portal_photos import PortalPhotoPages
from returns_service.web.shop_now import PortalShopNowPages
from returns_service.web.station import StationPages

LOOKUP_PATHS = frozenset(
    {"/api/v1/portal/sessions", "/portal", "/api/v1/portal/links", "/portal/link"}
)


# async although it awaits nothing: Litestar runs a plain function here in a worker thread,
# a thread hop on every request of every route
async def _is_portal_lookup(request: Request[Any, Any, Any]) -> bool:
    return request.method == "POST" and request.url.path.rstrip("/") in LOOKUP_PATHS


def create_app(settings: Settings | None = None, clock: Clock | None = None) -> Litestar:
    """Build the service. The database must already be chosen (see `db.database`)."""
    settings = settings or Settings.from_env()
    clock = clock or SystemClock()
    configure_logging(settings.server.log_level)

    runtime = runtime_from_settings(settings, clock)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        await open_pool(settings.database.pool_min, settings.database.pool_max)
        worker: asyncio.Task[None] | None = None
        try:
            app.state.store = await ensure_default_store(
                settings.store.name, settings.store.timezone, clock
            )
            if settings.worker.run_in_serve:
                worker = asyncio.create_task(run_forever(runtime, worker_config(settings)))
            # Everything made so far (modules, the app, its routes and schemas) lives as long
            # as the process: moved out of the collector's sight, a full collection no longer
            # walks it, which is where the slowest requests' time went.
            gc.collect()  # what is garbage now is not frozen with the rest
            gc.freeze()
            yield
        finally:
            if worker is not None:
                worker.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await worker
            await close_pool()

    # A flood guard for the sign-in lookup; wrong order/email pairs are limited separately
    # (per client, in PostgreSQL, so every worker process counts the same failures).
    lookup_flood_guard = RateLimitConfig(
        rate_limit=("minute", settings.portal.lookup_requests_per_minute),
        check_throttle_handler=_is_portal_lookup,
    )
    extra_handlers: list[Any] = [CeilingController] if settings.server.bench else []
    return Litestar(
        route_handlers=[
            *extra_handlers,
            HealthController,
            PortalSessionController,
            PortalOrderController,
            PortalReturnsController,
            PortalLinksController,
            PortalContactController,
            CasesController,
            MacrosController,
            AgentsController,
            PolicyController,
            CatalogController,
            OrdersController,
            StationsController,
            ShopifyWebhookController,
            ShopifyShopWebhookController,
            CarrierWebhookController,
            WarehouseController,
            CustomersPrivacyController,
            ShopifyPrivacyWebhookController,
            WebhookEndpointsController,
            AnalyticsController,
            PortalSignInPages,
            PortalPages,
            PortalLinkPages,
            PortalCaseSteps,
            PortalPhotoPages,
            PortalShopNowPages,
            StationPages,
            AgentConsolePages,
            static_files,
            swagger_assets,
            swagger_init,
        ],
        template_config=TemplateConfig(directory=WEB_DIR / "templates", engine=JinjaTemplateEngine),
        # forms posted from the pages carry a token; the JSON API (bearer tokens) does not
        csrf_config=CSRFConfig(
            secret=settings.server.secret_key,
            cookie_httponly=True,
            cookie_samesite="lax",
            cookie_secure=settings.server.public_url.startswith("https"),
            exclude=["/api/", "/health", "/schema"],
        ),
        lifespan=[lifespan, bench_pool] if settings.server.bench else [lifespan],
        state=app_state(settings, clock, runtime),
        dependencies=app_dependencies(settings, clock, runtime),
        middleware=[
            trusted_proxy_middleware(settings.server.trusted_proxies),
            request_log_middleware,
            edge_middleware,
            lookup_flood_guard.middleware,
            DefineMiddleware(
                BearerAuthMiddleware, exclude_from_auth_key="public", exclude=["^/schema"]
            ),
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        before_send=portal_cors(settings.server.cors_origins),
        on_startup=[finish_openapi],
        request_max_body_size=settings.server.max_body_bytes,
        openapi_config=OpenAPIConfig(
            title="Returns concierge",
            version=__version__,
            path="/schema",
            render_plugins=[LocalSwaggerUI(path=["/", "/swagger"])],
            components=Components(
                security_schemes={
                    "bearer": SecurityScheme(type="http", scheme="bearer"),
                }
            ),
            security=[{"bearer": []}],
        ),
        debug=False,
    )
