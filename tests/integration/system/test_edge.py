"""What every route does for any caller: OPTIONS without a login, deep JSON refused as a
problem, the security headers on pages."""

from __future__ import annotations

import re

from litestar.routes import HTTPRoute

from returns_service.api.edge import MAX_JSON_DEPTH
from returns_service.clock import Clock
from returns_service.domain.access import Role
from tests.integration.helpers import Client, ring_product, staff_headers


def _concrete(path: str) -> str:
    """A real path for a route template: every parameter filled with a plausible value."""
    path = re.sub(r"\{[^}]*:int\}", "1", path)
    return re.sub(r"\{[^}]*\}", "x", path)


async def test_options_answers_every_route_without_a_login(client: Client) -> None:
    routes = [r for r in client.app.routes if isinstance(r, HTTPRoute)]  # type: ignore[attr-defined]
    assert len(routes) > 20
    for route in routes:
        response = await client.options(_concrete(route.path))
        assert response.status_code == 204, (route.path, response.text)
        allowed = set(response.headers["allow"].split(", "))
        assert allowed == set(route.methods), route.path


async def test_options_on_the_policy_lists_put(client: Client, clock: Clock) -> None:
    anonymous = await client.options("/api/v1/policy")
    admin = await client.options(
        "/api/v1/policy", headers=await staff_headers(client, Role.ADMIN, clock)
    )
    for response in (anonymous, admin):
        assert response.status_code == 204
        assert response.headers["allow"] == "GET, OPTIONS, PUT"


async def test_json_nested_1000_deep_is_a_400_problem_on_the_public_sign_in(
    client: Client,
) -> None:
    body = "[" * 1000 + "]" * 1000
    response = await client.post(
        "/api/v1/portal/sessions", content=body, headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "nested deeper than 64" in response.json()["detail"]


async def test_nesting_is_counted_outside_strings_only(client: Client, clock: Clock) -> None:
    headers = await staff_headers(client, Role.ADMIN, clock)
    brackets_in_text = {**ring_product(), "title": '\\"[' * 100}
    response = await client.put(
        "/api/v1/catalog/products/brackets", json=brackets_in_text, headers=headers
    )
    assert response.status_code == 201, response.text
    deep: object = "leaf"
    for _ in range(MAX_JSON_DEPTH - 1):  # with the outer object: exactly the limit
        deep = [deep]
    response = await client.put("/api/v1/policy", json={"rules": deep}, headers=headers)
    assert response.status_code in (400, 422)
    assert "nested deeper" not in response.json()["detail"]
    response = await client.put("/api/v1/policy", json={"rules": [deep]}, headers=headers)
    assert response.status_code == 400
    assert "nested deeper than 64" in response.json()["detail"]


async def test_a_body_over_the_limit_is_a_413_problem(client: Client) -> None:
    limit = client.app.state.settings.server.max_body_bytes  # type: ignore[attr-defined]
    response = await client.post(
        "/api/v1/portal/sessions",
        content=b"[" + b"1," * limit + b"1]",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_pages_send_security_headers(client: Client) -> None:
    for path in ("/portal", "/warehouse/station", "/schema"):
        response = await client.get(path, follow_redirects=True)
        assert response.status_code == 200, path
        csp = response.headers["content-security-policy"]
        assert "default-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"
        assert response.headers["x-frame-options"] == "DENY"
