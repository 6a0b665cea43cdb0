"""Who may see a page: the portal's session cookie and the scan station's cookie. A page
without a usable cookie (missing, expired, forged, another role's) sends the visitor to its
sign-in page; the sign-in pages themselves are open."""

from __future__ import annotations

import pytest

from returns_service.clock import FrozenClock
from returns_service.domain.access import Role
from returns_service.web.sessions import AGENT_COOKIE, PORTAL_COOKIE, STATION_COOKIE
from tests.integration.helpers import Client, portal_headers, seed_store, staff_headers

CUSTOMER_PAGES = ["/portal/order", "/portal/returns/R-1", "/portal/returns/R-1/label.pdf"]


async def _signed_in_customer(client: Client, clock: FrozenClock) -> str:
    await seed_store(client, await staff_headers(client, Role.ADMIN, clock))
    token = (await portal_headers(client))["Authorization"].removeprefix("Bearer ")
    client.cookies.set(PORTAL_COOKIE, token, path="/portal")
    return token


@pytest.mark.parametrize("page", CUSTOMER_PAGES)
async def test_a_customer_page_without_a_session_goes_to_find_the_order(
    client: Client, page: str
) -> None:
    response = await client.get(page)
    assert response.status_code == 303
    assert response.headers["location"] == "/portal"


async def test_a_form_post_without_a_session_goes_to_find_the_order(client: Client) -> None:
    csrf = (await client.get("/portal")).cookies["csrftoken"]  # the find page is open
    response = await client.post(
        "/portal/returns", data={"qty_1": "1"}, headers={"x-csrftoken": csrf}
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/portal"


async def test_the_session_cookie_opens_the_order_page_until_it_expires(
    client: Client, clock: FrozenClock
) -> None:
    await _signed_in_customer(client, clock)
    page = await client.get("/portal/order")
    assert page.status_code == 200 and "1001" in page.text
    clock.advance(minutes=121)  # RETURNS_PORTAL_SESSION_TTL_MINUTES is 120
    expired = await client.get("/portal/order")
    assert (expired.status_code, expired.headers["location"]) == (303, "/portal")


async def test_a_forged_session_cookie_opens_nothing(client: Client, clock: FrozenClock) -> None:
    token = await _signed_in_customer(client, clock)
    client.cookies.set(PORTAL_COOKIE, token[:-2] + ("AA" if token[-2:] != "AA" else "BB"))
    response = await client.get("/portal/order")
    assert (response.status_code, response.headers["location"]) == (303, "/portal")


async def test_signing_out_on_the_page_ends_the_session_on_the_server(
    client: Client, clock: FrozenClock
) -> None:
    token = await _signed_in_customer(client, clock)
    csrf = (await client.get("/portal")).cookies["csrftoken"]
    response = await client.post("/portal/sign-out", headers={"x-csrftoken": csrf})
    assert (response.status_code, response.headers["location"]) == (303, "/portal")
    # a copy of the cookie kept elsewhere (another tab, a stolen one) opens nothing now
    client.cookies.set(PORTAL_COOKIE, token, path="/portal")
    page = await client.get("/portal/order")
    assert (page.status_code, page.headers["location"]) == (303, "/portal")
    api = await client.get("/api/v1/portal/order", headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 401


async def test_the_station_signs_in_with_a_warehouse_token_only(
    client: Client, clock: FrozenClock
) -> None:
    login = await client.get("/warehouse/station")
    assert login.status_code == 200 and 'name="token"' in login.text
    agent = (await staff_headers(client, Role.AGENT, clock))["Authorization"][7:]
    client.cookies.set(STATION_COOKIE, agent, path="/warehouse")
    assert 'name="token"' in (await client.get("/warehouse/station")).text  # still the login
    station = (await staff_headers(client, Role.WAREHOUSE, clock))["Authorization"][7:]
    client.cookies.set(STATION_COOKIE, station, path="/warehouse")
    scan = await client.get("/warehouse/station")
    assert scan.status_code == 200 and 'name="barcode"' in scan.text


async def test_a_station_post_without_its_cookie_goes_back_to_the_login(
    client: Client,
) -> None:
    csrf = (await client.get("/warehouse/station")).cookies["csrftoken"]
    response = await client.post(
        "/warehouse/station/scan", data={"barcode": "R-1"}, headers={"x-csrftoken": csrf}
    )
    assert (response.status_code, response.headers["location"]) == (303, "/warehouse/station")


async def test_the_agent_console_signs_in_with_an_agent_or_lead_token_only(
    client: Client, clock: FrozenClock
) -> None:
    login = await client.get("/agent")
    assert login.status_code == 200 and 'name="token"' in login.text
    assert (await client.get("/agent/queue")).headers["location"] == "/agent"
    csrf = login.cookies["csrftoken"]
    station = (await staff_headers(client, Role.WAREHOUSE, clock))["Authorization"][7:]
    wrong = await client.post(
        "/agent/login", data={"token": station}, headers={"x-csrftoken": csrf}
    )
    assert wrong.status_code == 200 and "not an agent" in wrong.text
    assert AGENT_COOKIE not in wrong.cookies
    for role in (Role.AGENT, Role.LEAD):
        token = (await staff_headers(client, role, clock))["Authorization"][7:]
        signed = await client.post(
            "/agent/login", data={"token": token}, headers={"x-csrftoken": csrf}
        )
        assert (signed.status_code, signed.headers["location"]) == (303, "/agent/queue")
        assert signed.cookies[AGENT_COOKIE] == token
        client.cookies.set(AGENT_COOKIE, token, path="/agent")
        assert (await client.get("/agent/queue")).status_code == 200
    client.cookies.set(AGENT_COOKIE, station, path="/agent")
    assert (await client.get("/agent/queue")).headers["location"] == "/agent"
