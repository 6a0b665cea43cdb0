"""CORS for the portal API alone (RETURNS_CORS_ORIGINS): a store's theme on the shop's own
origin may call `/api/v1/portal/*`; another origin gets no `Access-Control-Allow-Origin`,
staff routes never answer another origin, no credentials are allowed, and `OPTIONS` is
never a 5xx."""

from __future__ import annotations

import dataclasses
import re

import httpx
import pytest

from returns_service.app import create_app
from returns_service.clock import FrozenClock
from returns_service.settings import Settings
from tests.conftest import NOW

SHOP = "https://shop.example"
PREFLIGHT = {
    "Origin": SHOP,
    "Access-Control-Request-Method": "POST",
    "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
}


@pytest.fixture
def settings(database_url: str) -> Settings:
    base = Settings.from_env()
    return dataclasses.replace(base, server=dataclasses.replace(base.server, cors_origins=(SHOP,)))


def cors_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k.startswith("access-control-")}


async def test_a_preflight_from_the_shop_s_origin_is_allowed(client: httpx.AsyncClient) -> None:
    response = await client.options("/api/v1/portal/returns", headers=PREFLIGHT)
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == SHOP
    assert "POST" in response.headers["access-control-allow-methods"]
    allowed = response.headers["access-control-allow-headers"].lower()
    assert {"authorization", "content-type", "idempotency-key"} <= set(re.split(r",\s*", allowed))
    assert "Origin" in response.headers["vary"]
    assert "access-control-allow-credentials" not in response.headers


async def test_the_shop_s_page_reads_the_answer_and_its_errors(client: httpx.AsyncClient) -> None:
    accepted = await client.post(
        "/api/v1/portal/links",
        json={"order_number": "1001", "email": "nobody@example.com"},
        headers={"Origin": SHOP},
    )
    assert accepted.status_code == 202
    assert accepted.headers["access-control-allow-origin"] == SHOP
    assert "Retry-After" in accepted.headers["access-control-expose-headers"]
    assert "access-control-allow-credentials" not in accepted.headers
    # a refusal too, so the theme can show it
    refused = await client.get("/api/v1/portal/order", headers={"Origin": SHOP})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == SHOP


async def test_another_origin_gets_no_allow_origin(client: httpx.AsyncClient) -> None:
    other = {**PREFLIGHT, "Origin": "https://evil.example"}
    preflight = await client.options("/api/v1/portal/returns", headers=other)
    assert preflight.status_code == 204 and cors_headers(preflight) == {}
    post = await client.post(
        "/api/v1/portal/links",
        json={"order_number": "1001", "email": "nobody@example.com"},
        headers={"Origin": "https://evil.example"},
    )
    assert post.status_code == 202 and cors_headers(post) == {}
    # a look-alike of the allowed origin is another origin
    lookalike = await client.options(
        "/api/v1/portal/returns", headers={**PREFLIGHT, "Origin": SHOP + ".evil.example"}
    )
    assert cors_headers(lookalike) == {}


@pytest.mark.parametrize(
    "path",
    ["/api/v1/cases", "/api/v1/policy", "/api/v1/warehouse/search", "/portal", "/health/live"],
)
async def test_staff_routes_and_pages_never_send_cors_headers(
    client: httpx.AsyncClient, path: str
) -> None:
    preflight = await client.options(path, headers=PREFLIGHT)
    assert preflight.status_code == 204 and cors_headers(preflight) == {}
    get = await client.get(path, headers={"Origin": SHOP})
    assert cors_headers(get) == {}


async def test_options_is_never_a_5xx_whatever_the_origin(client: httpx.AsyncClient) -> None:
    document = (await client.get("/schema/openapi.json")).json()
    for path in document["paths"]:
        concrete = re.sub(r"\{[^}]*\}", "1", path)
        for origin in (SHOP, "https://evil.example", "null"):
            response = await client.options(concrete, headers={**PREFLIGHT, "Origin": origin})
            assert response.status_code == 204, (concrete, origin, response.status_code)
            allowed = origin == SHOP and concrete.startswith("/api/v1/portal/")
            assert ("access-control-allow-origin" in response.headers) is allowed, concrete


async def test_without_origins_the_portal_sends_no_cors_headers(settings: Settings) -> None:
    """The default (RETURNS_CORS_ORIGINS unset): as before CORS existed. OPTIONS is answered
    before any handler or database, so the app needs no lifespan here."""
    default = dataclasses.replace(
        settings, server=dataclasses.replace(settings.server, cors_origins=())
    )
    app = create_app(default, FrozenClock(NOW))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        response = await http.options("/api/v1/portal/returns", headers=PREFLIGHT)
    assert response.status_code == 204 and cors_headers(response) == {}
