"""The merchant at a desk: signs in to the dashboard with an admin's token, narrows it to one
category, reads the charts and tables and downloads a table as CSV; then edits a draft policy
(watches 30 -> 90 days) in the simulator, runs it, sees the watch line that changes, and
publishes it after the confirmation; the portal then answers with the new window. The store's
history is seeded through the HTTP API, enough cases to draw real charts."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from playwright.async_api import expect

from returns_service.clock import FrozenClock
from returns_service.domain.access import Role
from returns_service.services.platform.auth import create_staff_token
from tests.browser.conftest import DESKTOP, assert_no_serious_axe_violations, shot
from tests.integration.helpers import WATCH_POLICY, ring_product, watch_product

# 30 days for everything: the draft gives watches 90
THIRTY_DAYS: dict[str, Any] = {
    **WATCH_POLICY,
    "rules": [{"match": {"sku": "GIFT-CARD"}, "returnable": False}],
}
STRAP = {
    "title": "Leather strap",
    "category": "straps",
    "variants": [
        {
            "sku": f"STRAP-{colour.upper()}",
            "title": colour.title(),
            "options": {"colour": colour},
            "price": {"amount": 4500, "currency": "USD"},
            "stock": 10,
        }
        for colour in ("brown", "black")
    ],
}
RING = {"sku": "RING-8-BLK", "product_id": "ring", "price": 2500}
WATCH = {"sku": "WATCH-41-BLK", "product_id": "watch", "price": 39500}
STRAP_LINE = {"sku": "STRAP-BROWN", "product_id": "strap", "price": 4500}
# (number, country, delivered, lines) and, per returned line, (reason, resolution, graded?)
ORDERS: list[tuple[str, str, str, list[tuple[dict[str, Any], int]]]] = [
    ("2001", "US", "2026-08-05", [(RING, 2), (STRAP_LINE, 1)]),
    ("2002", "RO", "2026-08-08", [(RING, 1), (WATCH, 1)]),
    ("2003", "NO", "2026-08-12", [(RING, 3)]),
    ("2004", "US", "2026-08-15", [(WATCH, 1), (STRAP_LINE, 2)]),
    ("2005", "HU", "2026-08-18", [(RING, 1), (STRAP_LINE, 1)]),
    ("2006", "US", "2026-08-20", [(RING, 2)]),
    ("2007", "US", "2026-08-22", [(STRAP_LINE, 1), (RING, 1)]),
    ("2008", "RO", "2026-08-25", [(RING, 1)]),
    ("1999", "US", "2026-07-18", [(WATCH, 1), (RING, 1)]),  # 45 days ago: closed at 30 days
]
RETURNS = [
    ("2001", "RING-8-BLK", "too_small", "exchange", True),
    ("2002", "WATCH-41-BLK", "changed_mind", "refund", True),
    ("2003", "RING-8-BLK", "too_small", "store_credit", True),
    ("2004", "STRAP-BROWN", "defective", "refund", True),
    ("2005", "RING-8-BLK", "too_large", "refund", False),
    ("2006", "RING-8-BLK", "too_small", "exchange", False),
    ("2007", "STRAP-BROWN", "not_as_described", "store_credit", False),
]


def _order(number: str, country: str, delivered: str, lines: list[Any]) -> dict[str, Any]:
    return {
        "shop_order_id": f"shop-{number}",
        "number": number,
        "placed_at": f"{delivered}T08:00:00Z",
        "currency": "USD",
        "customer": {
            "email": f"c{number}@example.com",
            "first_name": "Customer",
            "last_name": number,
            "language": "en",
            "country": country,
        },
        "shipping_address": {
            "line1": "1 Main St",
            "city": "Somewhere",
            "postal_code": "10001",
            "country": country,
        },
        "lines": [
            {
                "shop_line_id": str(n),
                "sku": line["sku"],
                "product_id": line["product_id"],
                "quantity": quantity,
                "unit_price": {"amount": line["price"], "currency": "USD"},
                "delivered_at": f"{delivered}T15:00:00Z",
            }
            for n, (line, quantity) in enumerate(lines, start=1)
        ],
    }


async def _ok(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code in (200, 201), response.text
    return response.json()  # type: ignore[no-any-return]


async def seed_history(live_server: str, clock: FrozenClock) -> str:
    """The catalogue, a 30-day policy, nine orders, two concierges and seven returns (four
    of them received and graded, so money moved); the admin's token."""
    admin_token = (await create_staff_token(1, Role.ADMIN, clock, name="Owner")).token
    admin = {"Authorization": f"Bearer {admin_token}"}
    async with httpx.AsyncClient(base_url=live_server) as http:
        for key, product in (
            ("ring", ring_product(20)),
            ("watch", watch_product()),
            ("strap", STRAP),
        ):
            await _ok(
                await http.put(f"/api/v1/catalog/products/{key}", json=product, headers=admin)
            )
        await _ok(await http.put("/api/v1/policy", json=THIRTY_DAYS, headers=admin))
        for name in ("Maria", "Jonas"):
            agent = {
                "name": name,
                "email": f"{name.lower()}@store.test",
                "role": "agent",
                "languages": ["en"],
                "capacity": 20,
            }
            await _ok(await http.post("/api/v1/agents", json=agent, headers=admin))
        for number, country, delivered, lines in ORDERS:
            await _ok(
                await http.post(
                    "/api/v1/orders", json=_order(number, country, delivered, lines), headers=admin
                )
            )
        station = await _ok(
            await http.post("/api/v1/stations", json={"name": "Dock"}, headers=admin)
        )
        warehouse = {"Authorization": f"Bearer {station['token']}"}
        for number, sku, reason, resolution, graded in RETURNS:
            session = await _ok(
                await http.post(
                    "/api/v1/portal/sessions",
                    json={"order_number": number, "email": f"c{number}@example.com"},
                )
            )
            customer = {"Authorization": f"Bearer {session['token']}"}
            order = await _ok(await http.get("/api/v1/portal/order", headers=customer))
            line = next(line for line in order["lines"] if line["sku"] == sku)
            item: dict[str, Any] = {
                "line_id": line["id"],
                "quantity": 1,
                "reason": reason,
                "resolution": resolution,
            }
            if resolution == "exchange":
                item["exchange_sku"] = "RING-9-BLK"
            case = await _ok(
                await http.post("/api/v1/portal/returns", json={"items": [item]}, headers=customer)
            )
            if graded:
                await _ok(
                    await http.post(
                        "/api/v1/warehouse/scans",
                        json={"barcode": case["number"]},
                        headers=warehouse,
                    )
                )
                graded_item = {
                    "line_id": line["id"],
                    "quantity": 1,
                    "condition": "like_new",
                    "disposition": "restock",
                }
                await _ok(
                    await http.post(
                        f"/api/v1/warehouse/cases/{case['number']}/inspection",
                        json={"items": [graded_item]},
                        headers=warehouse,
                    )
                )
    return admin_token


async def sign_in(page, token: str) -> None:  # type: ignore[no-untyped-def]
    await page.set_viewport_size(DESKTOP)
    await page.goto("/admin/insights")
    await expect(page.locator("#token")).to_be_focused()
    await page.locator("#token").fill(token)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url("**/admin/insights")


@pytest.mark.browser
async def test_the_dashboard_with_a_category_filter(
    page, live_server: str, clock: FrozenClock
) -> None:  # type: ignore[no-untyped-def]
    token = await seed_history(live_server, clock)
    await page.set_viewport_size(DESKTOP)
    await page.goto("/admin/insights")
    await assert_no_serious_axe_violations(page)  # the sign-in form
    await sign_in(page, token)
    headline = page.locator(".headline", has_text="Return rate")
    # 7 of the 18 units delivered in the last 30 days came back (the July order is older)
    await expect(headline.locator("dd")).to_contain_text("38.9%")
    await expect(page.locator(".headline", has_text="Refunded").locator("dd")).to_contain_text(
        "$440.00"
    )
    chart = page.locator("#chart-rate-category svg[role=img]")
    await expect(chart).to_have_attribute(
        "aria-labelledby", "rate-category-title rate-category-desc"
    )
    assert await page.locator("#chart-rate-category .bar").count() == 3  # rings, straps, watches
    assert await page.locator("#chart-mix .segment").count() == 3  # exchange, refund, credit
    await shot(page, "insights-dashboard")
    await assert_no_serious_axe_violations(page)

    # the category filter: straps only
    await page.locator("#category").select_option("straps")
    await page.get_by_role("button", name="Show").click()
    await page.wait_for_url("**category=straps**")
    await expect(page.locator("#category")).to_have_value("straps")
    await expect(headline.locator("dd")).to_contain_text("40.0%")  # 2 of 5 straps
    assert await page.locator("#chart-rate-category .bar").count() == 1
    # the table by reason, still for straps, and its CSV
    await page.locator("nav.tabs").get_by_role("link", name="Reason").click()
    await page.wait_for_url("**group_by=reason**")
    table = page.locator("section[aria-labelledby=returns-h] table")
    await expect(table).to_contain_text("Defective")
    await expect(table).not_to_contain_text("Too small")
    href = await page.get_by_role(
        "link", name="Download the return rate by Reason as CSV"
    ).get_attribute("href")
    assert href is not None and "category=straps" in href and "group_by=reason" in href
    csv = await page.request.get(href)
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    assert (await csv.text()).splitlines()[0].startswith("key,currency,units_delivered")
    await assert_no_serious_axe_violations(page)

    # a bad date: the page says so, and shows the default range
    await page.locator("#from").fill("2026-08-20")
    await page.locator("#to").fill("2026-08-10")
    await page.get_by_role("button", name="Show").click()
    await expect(page.locator("#to-error")).to_have_text("The end date is before the start date.")
    await assert_no_serious_axe_violations(page)


@pytest.mark.browser
async def test_the_simulator_edit_run_publish(page, live_server: str, clock: FrozenClock) -> None:  # type: ignore[no-untyped-def]
    token = await seed_history(live_server, clock)
    await sign_in(page, token)
    await page.get_by_role("link", name="Policy simulator").click()
    await page.wait_for_url("**/admin/insights/simulator")
    draft = json.loads(await page.locator("#policy").input_value())
    assert draft["window_days"] == 30 and draft["rules"] == THIRTY_DAYS["rules"]
    await shot(page, "insights-simulator")
    await assert_no_serious_axe_violations(page)

    # a broken draft first: its field error is in the page
    await page.locator("#policy").fill('{"window_days": "ninety"}')
    await page.get_by_role("button", name="Run the simulation").click()
    await expect(page.locator("#draft-errors")).to_contain_text("policy.window_days")
    await assert_no_serious_axe_violations(page)

    # watches 30 -> 90 days
    draft["rules"] = [{"match": {"category": "watches"}, "window_days": 90}, *draft["rules"]]
    await page.locator("#policy").fill(json.dumps(draft, indent=2))
    await page.get_by_role("button", name="Run the simulation").click()
    result = page.locator("#result")
    await expect(result).to_contain_text("The draft against the published version 1.")
    changes = page.locator("table.changes")
    # the three watches delivered in the last 90 days: two get a later date, one reopens
    await expect(changes.locator("tbody tr")).to_have_count(3)
    assert await changes.locator("tbody td", has_text="WATCH-41-BLK").count() == 3
    reopened = changes.locator("tbody tr", has_text="1999")
    await expect(reopened).to_contain_text("Not returnable (30-day window)")
    await expect(reopened).to_contain_text("Returnable until October 16, 2026 (90-day window)")
    # the expected returns differ, and the row says so
    await expect(page.locator("table.side-by-side tr.changed").first).to_be_visible()
    await shot(page, "insights-simulator-result")
    await assert_no_serious_axe_violations(page)

    await page.get_by_role("button", name="Publish this draft…").click()
    await expect(page.locator("h1")).to_have_text("Publish version 2?")
    await expect(page.locator("p.lead")).to_have_text("Version 2 replaces version 1.")
    await assert_no_serious_axe_violations(page)
    await page.get_by_role("button", name="Publish version 2").click()
    await page.wait_for_url("**/admin/insights/simulator?published=2")
    await expect(page.locator(".notice")).to_contain_text("Version 2 is published")
    rows = page.locator("table.versions tbody tr")
    await expect(rows.first).to_contain_text("2")
    await expect(rows.first).to_contain_text("Owner")
    await expect(rows).to_have_count(2)

    # the portal's answer for the watch delivered 45 days ago: open until October 16
    async with httpx.AsyncClient(base_url=live_server) as http:
        session = await _ok(
            await http.post(
                "/api/v1/portal/sessions",
                json={"order_number": "1999", "email": "c1999@example.com"},
            )
        )
        order = await _ok(
            await http.get(
                "/api/v1/portal/order", headers={"Authorization": f"Bearer {session['token']}"}
            )
        )
    watch = next(line for line in order["lines"] if line["sku"] == "WATCH-41-BLK")
    assert (watch["ineligible_reason"], watch["return_by"]) == (None, "2026-10-16")
