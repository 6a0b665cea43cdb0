"""The price difference of an exchange on a phone, before the customer confirms: each size
says what it costs more, the totals carry it, in English and in Arabic, with axe-core."""

from __future__ import annotations

import msgspec
import pytest

from returns_service.clock import FrozenClock
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
from tests.integration.money.test_price_difference import WATCHES


@pytest.mark.parametrize("lang", ["en", "ar"])
async def test_a_dearer_size_says_what_it_costs_before_confirming(  # type: ignore[no-untyped-def]
    page, clock: FrozenClock, lang: str
) -> None:
    admin = Caller(Role.ADMIN, 1)
    await put_product(admin, "watch", msgspec.convert(WATCHES, ProductDocument), clock)
    policy = {**WATCH_POLICY, "exchange_price_difference": "charge_or_refund"}
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
    await sign_in(page, lang=lang)
    watch = page.locator("section", has_text="41 mm / Black")
    await watch.locator("select[name^=qty_]").select_option("1")
    await watch.locator("select[name^=reason_]").select_option("too_small")
    await page.locator("form[action='/portal/return/review'] button[type=submit]").click()
    await page.wait_for_selector("#totals")

    t = Translator(lang)
    to_pay = t("review.to_pay", amount=t.money(Money(3000, "USD")))
    size = page.locator("label.chip", has=page.locator("input[value='44']"))
    assert await page.locator("input[name$=_case_size][value='44']").is_checked()
    # the suggestion no longer says "free of charge" for a size that costs more
    notice = await page.locator("p.notice").inner_text()
    assert notice == t("review.suggest_priced", variant="\u206844 mm / Black\u2069")
    assert to_pay in await size.inner_text()
    assert to_pay in await page.locator("[id^=difference-]").inner_text()
    assert t.money(Money(3000, "USD")) in await page.locator("#totals").inner_text()
    await assert_no_serious_axe_violations(page)
    await shot(page, f"portal-price-difference-{lang}")
