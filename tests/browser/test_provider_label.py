"""The case page of a return whose label a provider sold: the carrier and service, the "print
the label" link, and the QR code for label-free drop-off shown as what it is, served by the
service itself (the page's CSP loads nothing from another host), in every language."""

from __future__ import annotations

import dataclasses
from urllib.parse import urlsplit

import msgspec
import pytest

from returns_service.clock import FrozenClock
from returns_service.db.tables import OrderLine, ShopOrder
from returns_service.domain.access import Caller, Role
from returns_service.domain.cases import Reason, RequestedItem, Resolution, ReturnRequest
from returns_service.domain.catalog import ProductDocument
from returns_service.domain.orders import OrderDocument
from returns_service.domain.policy import ReturnPolicy
from returns_service.services.cases.opening import open_case
from returns_service.services.platform.links import case_link
from returns_service.services.platform.runtime import runtime_from_settings
from returns_service.services.store.catalog import put_product
from returns_service.services.store.orders import upsert_order
from returns_service.services.store.policy import put_policy
from returns_service.settings import Settings
from returns_service.translation import Translator
from tests.browser.conftest import assert_no_serious_axe_violations, shot
from tests.integration.fulfilment.carrier_fakes import FakeProvider
from tests.integration.helpers import WATCH_POLICY, order_doc, ring_product, watch_product


@pytest.mark.parametrize("lang", ["en", "ro", "nb", "hu", "ar"])
async def test_a_providers_label_shows_its_drop_off_qr_code(  # type: ignore[no-untyped-def]
    page, settings: Settings, clock: FrozenClock, lang: str
) -> None:
    t = Translator(lang)
    admin = Caller(Role.ADMIN, 1)
    await put_product(admin, "ring", msgspec.convert(ring_product(), ProductDocument), clock)
    await put_product(admin, "watch", msgspec.convert(watch_product(), ProductDocument), clock)
    await put_policy(admin, msgspec.convert(WATCH_POLICY, ReturnPolicy), clock)
    doc = order_doc(email="ana@example.com")
    doc["customer"] |= {"language": lang}
    order = await upsert_order(admin, msgspec.convert(doc, OrderDocument), clock)
    customer_id = (await ShopOrder.select(ShopOrder.customer).where(ShopOrder.id == order.id))[0][
        "customer"
    ]
    # the return is approved and its label bought from the (scripted) provider, as a request
    # of the running service would do
    provider = FakeProvider()
    rt = dataclasses.replace(
        runtime_from_settings(settings, clock), carrier=provider, carriers=lambda name: provider
    )
    customer = Caller(Role.CUSTOMER, 1, customer_id=customer_id, order_id=order.id)
    line_id = (
        await OrderLine.select(OrderLine.id).where(
            (OrderLine.order == order.id) & (OrderLine.sku == "RING-8-BLK")
        )
    )[0]["id"]
    request = ReturnRequest(
        items=[RequestedItem(line_id, 1, Reason.CHANGED_MIND, Resolution.REFUND)]
    )
    number = await open_case(customer, request, rt)
    assert len(provider.sold) == 1

    await page.goto(urlsplit(case_link(1, number, rt)).path)
    await page.wait_for_url(f"**/portal/returns/{number}")
    details = page.locator("#label-carrier")
    assert await details.inner_text() == t(
        "case.label_service",
        carrier="USPS",
        service="GroundAdvantage",
        tracking_number="9400100000000000000001",
    )
    qr = page.locator("#dropoff-qr")
    assert await qr.get_attribute("src") == f"/portal/returns/{number}/label-qr.png"
    assert await qr.get_attribute("alt") == t("case.label_dropoff_alt", carrier="USPS")
    # the image really loaded (from this service)
    assert await qr.evaluate("img => img.complete && img.naturalWidth > 0")
    explained = page.locator("#dropoff-explained")
    assert await explained.inner_text() == t("case.label_dropoff", carrier="USPS")
    assert await page.locator("#qr-explained").count() == 0  # not the built-in label's words
    pdf = await page.request.get(f"/portal/returns/{number}/label.pdf")
    assert pdf.ok and (await pdf.body()).startswith(b"%PDF-1.4 provider label")
    await shot(page, f"portal-label-qr-{lang}")
    await assert_no_serious_axe_violations(page)
