"""A person with only a phone browser: a refund, a size exchange (in English and in Arabic,
right to left), a message to the concierge, the lookup error. (The scan station: test_station.py.)"""

from __future__ import annotations

import httpx
import msgspec
import pytest

from returns_service.clock import FrozenClock
from returns_service.db.tables import ReturnCase, Variant
from returns_service.domain.access import Caller, Role
from returns_service.domain.catalog import ProductDocument
from returns_service.domain.orders import OrderDocument
from returns_service.domain.policy import ReturnPolicy
from returns_service.services.store.catalog import put_product
from returns_service.services.store.orders import upsert_order
from returns_service.services.store.policy import put_policy
from returns_service.services.store.schemas import NewAgent
from returns_service.services.store.staff import create_agent
from tests.browser.conftest import assert_no_serious_axe_violations, shot
from tests.integration.helpers import WATCH_POLICY, order_doc, ring_product, watch_product


async def seed(clock: FrozenClock, language: str = "en", email: str = "ana@example.com") -> None:
    admin = Caller(Role.ADMIN, 1)
    await put_product(admin, "ring", msgspec.convert(ring_product(), ProductDocument), clock)
    await put_product(admin, "watch", msgspec.convert(watch_product(), ProductDocument), clock)
    await put_policy(admin, msgspec.convert(WATCH_POLICY, ReturnPolicy), clock)
    doc = order_doc(email=email)
    doc["customer"]["language"] = language
    await upsert_order(admin, msgspec.convert(doc, OrderDocument), clock)
    await create_agent(
        admin,
        NewAgent(
            name="Ioana Pop", display_name="Ioana", email="ioana@store.test", languages=["en", "ar"]
        ),
        clock,
    )


async def sign_in(page, email: str = "ana@example.com", lang: str = "en") -> None:  # type: ignore[no-untyped-def]
    await page.goto(f"/portal?lang={lang}")
    await page.locator("#order_number").fill("1001")
    await page.locator("#email").fill(email)
    await page.locator("button[type=submit]").click()
    await page.wait_for_url("**/portal/order")


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_a_refund_and_a_message(page, clock: FrozenClock, lang: str) -> None:  # type: ignore[no-untyped-def]
    await seed(clock, language=lang)
    await page.goto(f"/portal?lang={lang}")
    await shot(page, f"portal-find-{lang}")
    await assert_no_serious_axe_violations(page)
    await sign_in(page, lang=lang)
    assert await page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    await shot(page, f"portal-order-{lang}")
    await assert_no_serious_axe_violations(page)
    line = page.locator("section", has_text="Size 8 / Black")
    await line.locator("select[name^=qty_]").select_option("1")
    await line.locator("select[name^=reason_]").select_option("changed_mind")
    await page.locator("form[action='/portal/return/review'] button[type=submit]").click()
    await page.locator("input[value=refund]").check()
    await page.locator("form[action='/portal/returns'] button[type=submit]").click()
    await page.wait_for_url("**/portal/returns/R-*")
    assert "Ioana" in await page.locator("#concierge").inner_text()
    expected_status = {"en": "Approved", "ar": "تمت الموافقة"}[lang]
    assert await page.locator("#case-status").inner_text() == expected_status
    # the label downloads as a PDF
    href = await page.locator("#label-link").get_attribute("href")
    response = await page.request.get(href)
    assert response.status == 200 and (await response.body()).startswith(b"%PDF-")
    await shot(page, f"portal-case-{lang}")
    await assert_no_serious_axe_violations(page)
    # a message to the concierge
    await page.locator("#body").fill("Can I drop it off at the post office?")
    await page.locator("form[action$='/messages'] button[type=submit]").click()
    await page.wait_for_selector("text=Can I drop it off at the post office?")
    cases = await ReturnCase.select(ReturnCase.status, ReturnCase.awaiting_reply)
    assert cases == [{"status": "approved", "awaiting_reply": True}]


@pytest.mark.parametrize("lang", ["en", "ro", "nb", "hu", "ar"])
async def test_a_size_exchange(page, clock: FrozenClock, lang: str) -> None:  # type: ignore[no-untyped-def]
    await seed(clock, language=lang)
    await sign_in(page, lang=lang)
    assert await page.locator("html").get_attribute("dir") == ("rtl" if lang == "ar" else "ltr")
    assert await page.locator("html").get_attribute("lang") == lang
    line = page.locator("section", has_text="Size 8 / Black")
    await line.locator("select[name^=qty_]").select_option("1")
    await line.locator("select[name^=reason_]").select_option("too_small")
    await page.locator("form[action='/portal/return/review'] button[type=submit]").click()
    # the next size up is offered first, already chosen; refund stays one tap away
    assert await page.locator("input[name^=resolution_][value=exchange]").is_checked()
    suggested = page.locator("input[name$=_size][value='9']")
    assert await suggested.is_checked()
    assert await page.locator("input[value=refund]").count() == 1
    await assert_no_serious_axe_violations(page)
    await shot(page, f"portal-review-{lang}")
    before = (await Variant.select(Variant.stock).where(Variant.sku == "RING-9-BLK"))[0]["stock"]
    await page.locator("form[action='/portal/returns'] button[type=submit]").click()
    await page.wait_for_url("**/portal/returns/R-*")
    await shot(page, f"portal-exchange-{lang}")
    assert "Ioana" in await page.locator("#concierge").inner_text()
    after = (await Variant.select(Variant.stock).where(Variant.sku == "RING-9-BLK"))[0]["stock"]
    assert after == before - 1
    items = await ReturnCase.select(ReturnCase.status)
    assert items == [{"status": "approved"}]


async def test_the_lookup_error_reveals_nothing(page, clock: FrozenClock) -> None:  # type: ignore[no-untyped-def]
    await seed(clock)
    await page.goto("/portal?lang=en")
    await page.get_by_label("Order number").fill("1001")
    await page.get_by_label("Email address").fill("someone@else.com")
    await page.get_by_role("button", name="Find my order").click()
    error = page.get_by_role("alert")
    assert (
        await error.inner_text()
        == "We could not find an order with this order number and email address."
    )
    await page.get_by_label("Order number").fill("9999")
    await page.get_by_label("Email address").fill("ana@example.com")
    await page.get_by_role("button", name="Find my order").click()
    assert await page.get_by_role("alert").inner_text() == await error.inner_text()
    assert "ana@example.com" not in page.url


async def test_a_form_post_without_a_csrf_token_is_refused(
    live_server: str, clock: FrozenClock
) -> None:
    await seed(clock)
    async with httpx.AsyncClient(base_url=live_server) as http:
        response = await http.post(
            "/portal", data={"order_number": "1001", "email": "ana@example.com"}
        )
    assert response.status_code == 403
