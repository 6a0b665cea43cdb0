"""Shop-now and the bonus offer on a phone, in all five languages, with axe-core: the customer
swaps a watch for a dearer one from another product, searching the catalogue, sees "you pay"
on the search and the review step and opens the return; and a refund is met with the offer
of extra store credit."""

from __future__ import annotations

from typing import Any

import msgspec
import pytest

from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseItem
from returns_service.domain.access import Caller, Role
from returns_service.domain.catalog import ProductDocument
from returns_service.domain.money import Money
from returns_service.domain.orders import OrderDocument
from returns_service.domain.policy import ReturnPolicy
from returns_service.services.store.catalog import put_product
from returns_service.services.store.orders import upsert_order
from returns_service.services.store.policy import put_policy
from returns_service.translation import Translator
from tests.browser.conftest import assert_no_serious_axe_violations, shot
from tests.browser.test_portal_pages import sign_in
from tests.integration.helpers import WATCH_POLICY, order_doc
from tests.integration.money.test_shop_now import CATALOGUE

LANGUAGES = ["en", "ro", "nb", "hu", "ar"]
# the policy's restocking fee on a change of mind, refunded
RESTOCKING = {
    "when": {"reason": ["changed_mind"], "resolution": ["refund"]},
    "fee": {"percent": 10, "label": "restocking"},
}


async def seed(clock: FrozenClock, *, bonus: bool = False) -> None:
    admin = Caller(Role.ADMIN, 1)
    catalogue = {
        **CATALOGUE,
        "strap": {**CATALOGUE["strap"], "image_url": "/static/catalogue/strap.svg"},
    }
    for key, doc in catalogue.items():
        await put_product(admin, key, msgspec.convert(doc, ProductDocument), clock)
    policy: dict[str, Any] = {**WATCH_POLICY, "exchange_price_difference": "charge_or_refund"}
    if bonus:  # the real policy: 10 % extra for credit, a fee on a refund for a change of mind
        policy["bonus_credit"] = {"store_credit_percent": 10, "exchange_percent": 0}
        policy["rules"] = [*WATCH_POLICY["rules"], RESTOCKING]
    await put_policy(admin, msgspec.convert(policy, ReturnPolicy), clock)
    line = {
        "shop_line_id": "1",
        "sku": "WATCH-41-BLK",
        "product_id": "watch",
        "quantity": 1,
        "unit_price": {"amount": 39500, "currency": "USD"},
        "delivered_at": "2026-08-05T15:00:00Z",
    }
    await upsert_order(admin, msgspec.convert(order_doc(lines=[line]), OrderDocument), clock)


async def to_review(page, reason: str) -> None:  # type: ignore[no-untyped-def]
    watch = page.locator("section", has_text="41 mm")
    await watch.locator("select[name^=qty_]").select_option("1")
    await watch.locator("select[name^=reason_]").select_option(reason)
    await page.locator("form[action='/portal/return/review'] button[type=submit]").click()
    await page.wait_for_selector("#totals")


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_shop_now_for_a_dearer_watch(page, clock: FrozenClock, lang: str) -> None:  # type: ignore[no-untyped-def]
    await seed(clock)
    t = Translator(lang)
    you_pay = t("shop.you_pay", amount=t.money(Money(3000, "USD")))
    await sign_in(page, lang=lang)
    await to_review(page, "changed_mind")
    await page.locator("[id^=shop-now-]").first.click()
    await page.wait_for_selector("#q")
    assert await page.locator("h1").inner_text() == t("shop.heading")
    await page.locator("#q").fill("watch")
    await page.locator("#q").press("Enter")  # Enter searches: the search is the first button
    await page.wait_for_selector("#result-NOVA-40-STL")
    assert await page.locator("#result-STRAP-20-BRN").count() == 0
    result = page.locator("#result-NOVA-40-STL")
    assert you_pay in await result.inner_text()
    image = result.locator("img.pic")
    assert await image.get_attribute("src") == "/static/catalogue/watch.svg"
    assert await image.evaluate("img => img.complete && img.naturalWidth > 0")  # it loaded
    await assert_no_serious_axe_violations(page)
    await shot(page, f"portal-shop-now-{lang}")

    await result.locator("button").click()
    await page.wait_for_selector("[id^=shop-now-choice-]")
    assert await page.locator("input[value=shop_now]").is_checked()
    chosen = await page.locator("[id^=shop-now-difference-]").inner_text()
    assert chosen == you_pay
    assert t.money(Money(3000, "USD")) in await page.locator("#totals").inner_text()
    await assert_no_serious_axe_violations(page)
    if lang == "en":
        await shot(page, "portal-shop-now-review-en")

    await page.locator("form[action='/portal/returns'] button[type=submit]").click()
    await page.wait_for_url("**/portal/returns/*")
    items = await CaseItem.select(CaseItem.exchange_sku, CaseItem.price_difference)
    assert items == [{"exchange_sku": "NOVA-40-STL", "price_difference": 3000}]


@pytest.mark.parametrize("lang", LANGUAGES)
async def test_the_bonus_offer_before_choosing_and_against_a_refund(  # type: ignore[no-untyped-def]
    page, clock: FrozenClock, lang: str
) -> None:
    await seed(clock, bonus=True)
    t = Translator(lang)
    bonus = t.money(Money(3950, "USD"))
    await sign_in(page, lang=lang)
    await to_review(page, "changed_mind")
    offer = page.locator("[id^=bonus-credit-]")
    assert await offer.inner_text() == t("review.bonus_credit", amount=bonus)
    reoffer = page.locator("[id^=bonus-offer-]")
    assert await reoffer.inner_text() == t("review.bonus_reoffer", amount=bonus)
    # a refund is what is checked: the restocking fee comes off it, as the preview says
    totals = await page.locator("#totals").inner_text()
    assert t("fee.restocking") in totals and t.money(Money(3950, "USD")) in totals
    await assert_no_serious_axe_violations(page)
    await shot(page, f"portal-bonus-offer-{lang}")
    if lang == "en":
        await shot(page, "portal-review-fee-en")
