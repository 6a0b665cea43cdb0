"""The return journey on a phone in every language, with axe-core on every page: no reason
chosen for the shopper, size and colour picked apart, money told per line and in total,
mixed-direction text isolated in Arabic, and a photo of a defect sent from the case page;
the same pages checked again on a desktop."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from playwright.async_api import expect

from returns_service.clock import FrozenClock
from returns_service.db.tables import CasePhoto, ReturnCase
from tests.browser.conftest import DESKTOP, assert_no_serious_axe_violations, shot
from tests.browser.test_portal_pages import seed, sign_in


def png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (120, 90), (30, 90, 160)).save(out, format="PNG")
    return out.getvalue()


@pytest.mark.parametrize("lang", ["en", "ro", "nb", "hu", "ar"])
async def test_an_exchange_and_a_defect_with_a_photo(page, clock: FrozenClock, lang: str) -> None:  # type: ignore[no-untyped-def]
    await seed(clock, language="en")  # the shop says English; the shopper picks theirs
    await page.goto(f"/portal?lang={lang}")
    await assert_no_serious_axe_violations(page)
    await sign_in(page, lang=lang)
    assert await page.locator("html").get_attribute("lang") == lang  # kept after sign-in
    await assert_no_serious_axe_violations(page)

    ring = page.locator("section", has_text="Size 8 / Black")
    watch = page.locator("section", has_text="41 mm / Black")
    # no reason is chosen for anyone
    for line in (ring, watch):
        assert await line.locator("select[name^=reason_]").input_value() == ""
    # "41 mm / Black · $395.00 x 1": each part isolated, so Arabic cannot reorder them
    assert await watch.locator("bdi", has_text="41 mm / Black").count() == 1
    assert await watch.locator("bdi", has_text="395").count() == 1
    await ring.locator("select[name^=qty_]").select_option("1")
    await ring.locator("select[name^=reason_]").select_option("too_small")
    await watch.locator("select[name^=qty_]").select_option("1")
    await watch.locator("select[name^=reason_]").select_option("defective")
    await page.locator("form[action='/portal/return/review'] button[type=submit]").click()

    # the ring: exchange for the next size up, size and colour apart; the watch: money
    await page.wait_for_selector("#totals")
    ring_line = page.locator("fieldset.card", has_text="Size 8 / Black")
    sizes = ring_line.locator("input[name$=_size]")
    assert await sizes.count() == 1 and await sizes.first.get_attribute("value") == "9"
    assert await sizes.first.is_checked()
    assert await ring_line.locator("input[name$=_colour]:checked").get_attribute("value") == (
        "black"
    )
    watch_line = page.locator("fieldset.card", has_text="41 mm / Black")
    assert await watch_line.locator("input[value=exchange]").count() == 0
    await watch_line.locator("input[value=store_credit]").check()
    assert "420" in await page.locator("#totals").inner_text()  # 395.00 + 25.00
    await assert_no_serious_axe_violations(page)
    await shot(page, f"portal-picker-{lang}")
    await page.locator("form[action='/portal/returns'] button[type=submit]").click()
    await page.wait_for_url("**/portal/returns/R-*")

    # the case page: what each line gets, and a photo of the defect
    assert "395" in await page.locator("#amounts").inner_text()
    await assert_no_serious_axe_violations(page)
    await page.locator("#photo").set_input_files(
        files=[{"name": "defect.png", "mimeType": "image/png", "buffer": png()}]
    )
    await page.locator("#photos button[type=submit]").click()
    await page.wait_for_url("**/portal/returns/R-*?photo=1*")
    shown = page.locator("#photos img")
    assert await shown.count() == 1
    await shown.scroll_into_view_if_needed()  # the image loads lazily
    await expect(shown).to_have_js_property("naturalWidth", 120)  # served and decoded
    await assert_no_serious_axe_violations(page)
    await shot(page, f"portal-photo-{lang}")
    assert await CasePhoto.count() == 1
    assert await ReturnCase.select(ReturnCase.language) == [{"language": lang}]

    # the same pages on a desktop
    await page.set_viewport_size(DESKTOP)
    await assert_no_serious_axe_violations(page)
    await page.goto("/portal/order")
    await assert_no_serious_axe_violations(page)
