"""The self-shipping customer's journey on a phone, in English and in Arabic: "email me a
link" on the lookup page, the link from the mail drop, an exchange, the "how to send it" card,
their own tracking number, the carrier's first scan moving the return (and shipping the new
size); and cancelling a return, which asks first."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import re
from pathlib import Path

import httpx
import msgspec
import pytest

from returns_service.adapters.mail import MailDropMailer
from returns_service.clock import FrozenClock
from returns_service.db.tables import ReturnCase, Shipment
from returns_service.domain.access import Caller, Role
from returns_service.domain.catalog import ProductDocument
from returns_service.domain.orders import OrderDocument
from returns_service.domain.policy import ReturnPolicy
from returns_service.services.platform.runtime import Runtime
from returns_service.services.platform.worker import WorkerConfig, run_once
from returns_service.services.store.catalog import put_product
from returns_service.services.store.orders import upsert_order
from returns_service.services.store.policy import put_policy
from returns_service.settings import Settings
from returns_service.translation import Translator
from tests.browser.conftest import assert_no_serious_axe_violations, shot
from tests.integration.helpers import WATCH_POLICY, order_doc, ring_product, watch_product

CARRIER, CARRIER_SECRET = "dhl", "dhl-webhook-secret"
CLUJ = {
    "name": "Maraviq Retururi",
    "line1": "Strada Fabricii 7",
    "city": "Cluj-Napoca",
    "postal_code": "400632",
    "country": "RO",
}


@pytest.fixture
def settings(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("RETURNS_CARRIER_SECRETS", f"{CARRIER}={CARRIER_SECRET}")
    return Settings.from_env()


async def seed(clock: FrozenClock, language: str) -> None:
    admin = Caller(Role.ADMIN, 1)
    await put_product(admin, "ring", msgspec.convert(ring_product(), ProductDocument), clock)
    await put_product(admin, "watch", msgspec.convert(watch_product(), ProductDocument), clock)
    policy = {**WATCH_POLICY, "return_addresses": [{"countries": ["RO"], "address": CLUJ}]}
    await put_policy(admin, msgspec.convert(policy, ReturnPolicy), clock)
    doc = order_doc(email="ilinca@example.ro")
    doc["customer"] |= {"language": language, "country": "RO"}
    doc["shipping_address"] = {"line1": "Str. Mare 1", "city": "Iași", "postal_code": "700001"}
    doc["shipping_address"]["country"] = "RO"
    await upsert_order(admin, msgspec.convert(doc, OrderDocument), clock)


async def emailed_link(clock: FrozenClock, drop: Path) -> str:
    """Deliver the outbox to a mail drop, as the worker does, and read the link back."""
    await run_once(Runtime(clock), WorkerConfig(mailer=MailDropMailer(drop), sender="r@shop.test"))
    [eml] = sorted(drop.glob("*.eml"))  # noqa: ASYNC240 (a test's temporary directory)
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    text = message.get_body(("plain",)).get_content()  # type: ignore[union-attr]
    match = re.search(r"https?://[^/\s]+(/portal/r/\S+)", text)
    assert match, text
    return match.group(1)


async def sign_in_by_email(page, clock: FrozenClock, lang: str, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    await page.goto(f"/portal?lang={lang}")
    await page.locator("#order_number").fill("1001")
    await page.locator("#email").fill("ilinca@exmaple.ro")  # a typo first
    await page.locator("form button[type=submit]").first.click()
    error = page.locator("#lookup-error")
    assert await error.inner_text() == Translator(lang)("find.not_found")
    await page.locator("#order_number").fill("1001")
    await page.locator("#email").fill("ilinca@example.ro")
    await page.locator("#email-link").click()
    notice = page.locator("#lookup-notice")
    assert await notice.inner_text() == Translator(lang)("find.link_sent")
    await shot(page, f"portal-email-link-{lang}")
    await assert_no_serious_axe_violations(page)
    await page.goto(await emailed_link(clock, tmp_path))
    await page.wait_for_url("**/portal/order")


@pytest.mark.parametrize("lang", ["en", "ro", "nb", "hu", "ar"])
async def test_self_ship_with_own_tracking(  # type: ignore[no-untyped-def]
    page, live_server: str, clock: FrozenClock, lang: str, tmp_path: Path
) -> None:
    t = Translator(lang)
    await seed(clock, lang)
    await sign_in_by_email(page, clock, lang, tmp_path)
    line = page.locator("section", has_text="Size 8 / Black")
    await line.locator("select[name^=qty_]").select_option("1")
    await line.locator("select[name^=reason_]").select_option("too_small")
    await page.locator("form[action='/portal/return/review'] button[type=submit]").click()
    # the next size up is offered first and chosen: size 9, the same colour
    assert await page.locator("input[name$=_size][value='9']").is_checked()
    assert await page.locator("input[name$=_colour][value=black]").is_checked()
    await page.locator("form[action='/portal/returns'] button[type=submit]").click()
    await page.wait_for_url("**/portal/returns/R-*")
    card = page.locator("#how-to-send")
    assert "Strada Fabricii 7" in await card.locator("#return-address").inner_text()
    assert await card.locator("#postage").inner_text() == t("case.postage_you")
    await page.locator("#carrier").fill("dhl")
    await page.locator("#tracking_number").fill("JD0146 0000 12345")
    await shot(page, f"portal-how-to-send-{lang}")
    await assert_no_serious_axe_violations(page)
    await card.locator("button[type=submit]").click()
    await page.wait_for_selector("#own-tracking")
    assert "JD014600001234" in await page.locator("#own-tracking").inner_text()
    assert await Shipment.count() == 0
    # the carrier scans the customer's parcel: the return is on its way, the new size ships
    body = json.dumps(
        {
            "event_id": "scan-1",
            "tracking_number": "JD0146000012345",
            "status": "in_transit",
            "occurred_at": "2026-09-02T10:00:00Z",
        }
    ).encode()
    signature = hmac.new(CARRIER_SECRET.encode(), body, hashlib.sha256).hexdigest()
    async with httpx.AsyncClient(base_url=live_server) as http:
        scanned = await http.post(
            f"/api/v1/webhooks/carrier/{CARRIER}",
            content=body,
            headers={"X-Carrier-Signature": f"sha256={signature}"},
        )
    assert scanned.status_code in (200, 201), scanned.text
    await page.reload()
    assert await page.locator("#case-status").inner_text() == t("status.in_transit")
    assert await Shipment.count() == 1
    assert await page.locator("#how-to-send form").count() == 0  # no more changes
    await shot(page, f"portal-own-tracking-{lang}")
    await assert_no_serious_axe_violations(page)


@pytest.mark.parametrize("lang", ["en", "ro", "nb", "hu", "ar"])
async def test_cancel_asks_for_confirmation(  # type: ignore[no-untyped-def]
    page, clock: FrozenClock, lang: str, tmp_path: Path
) -> None:
    t = Translator(lang)
    await seed(clock, lang)
    await sign_in_by_email(page, clock, lang, tmp_path)
    line = page.locator("section", has_text="41 mm")
    await line.locator("select[name^=qty_]").select_option("1")
    await line.locator("select[name^=reason_]").select_option("changed_mind")
    await page.locator("form[action='/portal/return/review'] button[type=submit]").click()
    await page.locator("input[value=refund]").check()
    await page.locator("form[action='/portal/returns'] button[type=submit]").click()
    await page.wait_for_url("**/portal/returns/R-*")
    number = page.url.rsplit("/", 1)[-1].split("?")[0]
    await page.locator("#cancel-start").click()
    await page.wait_for_url(f"**/portal/returns/{number}/cancel*")  # a GET form: "cancel?"
    assert t("case.cancel_consequence") in await page.locator("#cancel-confirm").inner_text()
    await shot(page, f"portal-cancel-confirm-{lang}")
    await assert_no_serious_axe_violations(page)
    # changing one's mind keeps the return
    await page.locator("#cancel-no").click()
    await page.wait_for_url(f"**/portal/returns/{number}")
    assert (await ReturnCase.select(ReturnCase.status))[0]["status"] == "approved"
    await page.locator("#cancel-start").click()
    await page.locator("#cancel-yes").click()
    await page.wait_for_url(f"**/portal/returns/{number}")
    assert await page.locator("#case-status").inner_text() == t("status.cancelled")
    assert (await ReturnCase.select(ReturnCase.status))[0]["status"] == "cancelled"
