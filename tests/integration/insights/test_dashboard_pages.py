"""The merchant's dashboard page (`/admin/insights`): who may see it, the figures it shows
for a known history, the filters (a bad one re-renders with a message, never a 5xx) and the
CSV of each table."""

from __future__ import annotations

import re

import pytest

from returns_service.clock import FrozenClock
from returns_service.domain.access import Role
from returns_service.web.sessions import INSIGHTS_COOKIE
from tests.integration.helpers import (
    Client,
    add_agent,
    line_ids,
    open_return,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)


async def _token(client: Client, role: Role, clock: FrozenClock) -> str:
    return (await staff_headers(client, role, clock))["Authorization"].removeprefix("Bearer ")


async def _signed_in(client: Client, clock: FrozenClock, role: Role = Role.ADMIN) -> None:
    client.cookies.set(INSIGHTS_COOKIE, await _token(client, role, clock), path="/admin")


async def _history(client: Client, clock: FrozenClock) -> None:
    """Order 1001 (delivered 2026-08-05: 2 rings, 1 watch, 1 final-sale ring) and one return
    of a ring for a refund, opened on 2026-09-01."""
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    await add_agent(client, admin, "Maria")
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    await open_return(client, customer, refund_item(lines["RING-8-BLK"], reason="too_small"))


def _csrf(page_cookies: object) -> str:
    return page_cookies["csrftoken"]  # type: ignore[index]


async def test_signed_out_the_dashboard_is_the_sign_in_form(client: Client) -> None:
    page = await client.get("/admin/insights")
    assert page.status_code == 200
    assert 'name="token"' in page.text and "Sign in to the insights dashboard" in page.text
    for guarded in ("/admin/insights/export.csv?report=agents", "/admin/insights/simulator"):
        response = await client.get(guarded)
        assert (response.status_code, response.headers["location"]) == (303, "/admin/insights")


async def test_a_lead_or_an_admin_signs_in_an_agent_is_refused(
    client: Client, clock: FrozenClock
) -> None:
    login = await client.get("/admin/insights")
    csrf = _csrf(login.cookies)
    for role in (Role.AGENT, Role.WAREHOUSE):
        wrong = await client.post(
            "/admin/insights/login",
            data={"token": await _token(client, role, clock)},
            headers={"x-csrftoken": csrf},
        )
        assert wrong.status_code == 200
        assert "not a lead" in wrong.text and 'name="token"' in wrong.text
        assert INSIGHTS_COOKIE not in wrong.cookies
    for role in (Role.LEAD, Role.ADMIN):
        token = await _token(client, role, clock)
        signed = await client.post(
            "/admin/insights/login", data={"token": token}, headers={"x-csrftoken": csrf}
        )
        assert (signed.status_code, signed.headers["location"]) == (303, "/admin/insights")
        cookie = signed.headers["set-cookie"]
        assert f"{INSIGHTS_COOKIE}={token}" in cookie and "Path=/admin" in cookie
        assert "HttpOnly" in cookie and "SameSite=lax" in cookie
        client.cookies.set(INSIGHTS_COOKIE, token, path="/admin")
        page = await client.get("/admin/insights")
        assert page.status_code == 200 and "Returns dashboard" in page.text
    # an agent's token put in the cookie by hand opens nothing either
    client.cookies.set(INSIGHTS_COOKIE, await _token(client, Role.AGENT, clock), path="/admin")
    assert 'name="token"' in (await client.get("/admin/insights")).text
    assert (await client.get("/admin/insights/simulator")).status_code == 303


async def test_signing_out_clears_the_cookie(client: Client, clock: FrozenClock) -> None:
    await _signed_in(client, clock)
    page = await client.get("/admin/insights")
    out = await client.post("/admin/insights/logout", headers={"x-csrftoken": _csrf(page.cookies)})
    assert (out.status_code, out.headers["location"]) == (303, "/admin/insights")
    assert f'{INSIGHTS_COOKIE}="";' in out.headers["set-cookie"] or (
        f"{INSIGHTS_COOKIE}=;" in out.headers["set-cookie"]
    )
    assert "Max-Age=0" in out.headers["set-cookie"]


async def test_the_dashboard_shows_the_history_as_figures_charts_and_tables(
    client: Client, clock: FrozenClock
) -> None:
    await _history(client, clock)
    await _signed_in(client, clock, Role.LEAD)
    page = await client.get("/admin/insights")
    assert page.status_code == 200, page.text
    text = page.text
    # the default range: the last 30 days by the clock (2026-09-01), today included
    assert 'value="2026-08-03"' in text and 'value="2026-09-01"' in text
    assert "From August 3, 2026 to September 1, 2026" in text
    # 1 of 4 units delivered in the range came back (the rings' 3 and the watch's 1)
    assert re.search(r"<dt>Return rate</dt><dd>25\.0%<span class=\"note\">1 of 4 units", text)
    assert text.count('role="img"') == 6  # rates by category, product, reason, country; mix; kept
    assert '<title id="rate-category-title">Return rate by category</title>' in text
    assert '<option value="rings"' in text and '<option value="watches"' in text
    assert "Too small" in text  # the reason, in words
    assert (
        "/admin/insights/export.csv?report=returns&amp;group_by=category&amp;from=2026-08-03"
        in (text)
    )


async def test_the_category_filter_and_the_table_tab_are_kept_in_the_links(
    client: Client, clock: FrozenClock
) -> None:
    await _history(client, clock)
    await _signed_in(client, clock)
    page = await client.get(
        "/admin/insights?from=2026-08-01&to=2026-08-31&category=watches&group_by=sku"
    )
    assert page.status_code == 200
    assert "category watches" in page.text
    assert '<option value="watches" selected>' in page.text
    # the watch was delivered and not returned: 0% in the SKU table
    assert '<th scope="row">WATCH-41-BLK</th>' in page.text
    assert "RING-8-BLK" not in page.text.split('id="returns-h"')[1].split("</table>")[0]
    assert (
        "report=returns&amp;group_by=sku&amp;from=2026-08-01&amp;to=2026-08-31&amp;category=watches"
        in page.text
    )


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("from=yesterday", "from", "Enter a date as YYYY-MM-DD."),
        ("from=2026-02-30", "from", "Enter a date as YYYY-MM-DD."),
        ("from=2026-08-10&to=2026-08-09", "to", "The end date is before the start date."),
        ("from=2025-01-01&to=2026-08-09", "to", "A range is at most 366 days."),
        ("category=hats", "category", "There is no such category in the catalogue."),
    ],
)
async def test_a_bad_filter_re_renders_the_page_with_a_message(
    client: Client, clock: FrozenClock, query: str, field: str, message: str
) -> None:
    await _history(client, clock)
    await _signed_in(client, clock)
    page = await client.get(f"/admin/insights?{query}")
    assert page.status_code == 200
    assert f'id="{field}-error">{message}</p>' in page.text
    assert 'aria-invalid="true"' in page.text
    assert "From August 3, 2026 to September 1, 2026" in page.text  # the default range shown


async def test_the_csv_export_is_the_analytics_csv_with_a_file_name(
    client: Client, clock: FrozenClock
) -> None:
    await _history(client, clock)
    await _signed_in(client, clock)
    answer = await client.get(
        "/admin/insights/export.csv?report=returns&group_by=category&from=2026-08-01&to=2026-08-31"
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == (
        'attachment; filename="returns-by-category-2026-08-01-2026-08-31.csv"'
    )
    admin = await staff_headers(client, Role.ADMIN, clock)
    api = await client.get(
        "/api/v1/analytics/returns?group_by=category&from=2026-08-01&to=2026-08-31",
        headers={**admin, "Accept": "text/csv"},
    )
    assert answer.text == api.text
    assert answer.text.splitlines()[1:] == [
        "rings,USD,3,1,0.3333,0,USD,0,USD,0,USD",
        "watches,USD,1,0,0.0,0,USD,0,USD,0,USD",
    ]
    for report in ("outcomes", "agents"):
        other = await client.get(f"/admin/insights/export.csv?report={report}")
        assert other.status_code == 200 and other.text.count("\r\n") >= 1


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("report=everything", "report"),
        ("report=returns&group_by=colour", "group_by"),
        ("report=agents&from=2026-13-01", "from"),
        ("report=outcomes&from=2026-08-10&to=2026-08-01", "to"),
    ],
)
async def test_a_bad_export_is_a_422_problem_naming_the_field(
    client: Client, clock: FrozenClock, query: str, field: str
) -> None:
    await _signed_in(client, clock)
    answer = await client.get(f"/admin/insights/export.csv?{query}")
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["field"] == field


@pytest.mark.parametrize(
    "path",
    [
        "/admin/insights",
        "/admin/insights/login",
        "/admin/insights/logout",
        "/admin/insights/export.csv",
        "/admin/insights/simulator",
        "/admin/insights/simulator/publish",
        "/admin/insights/simulator/publish/confirm",
    ],
)
async def test_options_on_every_page_answers_without_a_5xx(client: Client, path: str) -> None:
    # the pages are left out of the OpenAPI document, so the fuzzer's OPTIONS sweep misses them
    response = await client.options(path)
    assert response.status_code < 500, (path, response.status_code)
