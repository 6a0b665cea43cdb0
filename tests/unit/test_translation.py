"""The one catalogue: every timeline kind in every language, money in the currency's own
digits, English as the fallback, and .po files that compile as they are."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import msgspec
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from returns_service.domain.cases import CaseStatus
from returns_service.domain.emails import EmailTemplate, Message, render_email
from returns_service.domain.money import Money
from returns_service.services.cases import timeline
from returns_service.services.cases.views import TimelineEntry
from returns_service.translation import LANGUAGES, LOCALES, Translator, compile_po, po_path

ADDRESS = {"name": "Depozit", "line1": "Strada Mare 1", "city": "Cluj", "postal_code": "400001"}
# representative params per kind, as `timeline.record` stores them (JSON)
PARAMS: dict[str, dict[str, Any]] = {
    "label": {},
    "label_replaced": {},
    "assigned": {"name": "Ioana"},
    "handover": {"name": "Ioana"},
    "waiting_for_agent": {},
    "refund": {"amount": {"amount": 4500, "currency": "JPY"}},
    "store_credit": {"amount": {"amount": 12345, "currency": "KWD"}, "code": "K7Q2"},
    "overdue": {},
    "charge_reversed": {},
    "decision_needed": {},
    "exchange_waits": {},
    "exchange_out_of_stock": {},
    "replacement_shipped": {"sku": "RING-9", "tracking": "CP123", "return_by": None},
    "rating": {"rating": 5, "low": False},
    "expiry_held": {"days": 30},
    "price_difference_charged": {"amount": {"amount": 3000, "currency": "USD"}},
    "price_difference_refunded": {"amount": {"amount": 3000, "currency": "USD"}},
    "delivered_to_warehouse": {},
    "replacement_delivered": {},
    "ship_yourself": {"address": {**ADDRESS, "country": "RO"}, "case_number": "R-ABC234"},
    "own_tracking": {"carrier": "dhl", "tracking_number": "JD0146000012345"},
    "customer_redacted": {},
    # the provider's words, in the provider's language (here: none a test would call English)
    "label_failed": {"reason": "invalid_address", "message": "ZIP 00000 / NV"},
    "label_void_failed": {
        "tracking_number": "9400100000000000000000",
        "reason": "rejected",
        "message": "E.SHIPMENT.REFUND",
    },
    "rules_review": {"reasons": "rule 3, blocklist (email)"},
    "keep_it": {},
    "advance_refused": {"case_number": "R-7QK2MX"},
    "payment_failed": {"amount": {"amount": 39500, "currency": "USD"}, "payment": "refund"},
    "payment_unknown": {"amount": {"amount": 39500, "currency": "USD"}, "payment": "refund"},
    "resolution_changed": {
        "line": "Harbor Watch",
        "sku": "WATCH-41-BLK",
        "from": "refund",
        "to": "store_credit",
    },
    "shop_refunded": {"amount": {"amount": 39500, "currency": "HUF"}, "shop": "shopify"},
    "shop_return": {"shop": "shopify"},
    "shop_tracking": {"shop": "shopify", "tracking": "CP123"},
    "shop_restock": {"shop": "shopify", "sku": "RING-8-BLK", "quantity": 1},
    "shop_replacement": {"shop": "shopify", "sku": "RING-7-BLK"},
    "shop_closed": {"shop": "shopify"},
    "shop_failed": {"shop": "shopify", "call": "shop.return"},
    "shop_refund_by_hand": {"amount": {"amount": 5000, "currency": "NOK"}, "shop": "shopify"},
    "shop_mismatch": {"shop": "shopify", "what": "refunds"},
    "shop_store_credit": {"amount": {"amount": 39500, "currency": "RON"}},
}
STATUS_PARAMS: dict[str, dict[str, Any]] = {
    "rejected": {"reason": "Ioana"},
    "expired": {"days": 14},
}
EVENTS = (
    [(kind, None, params) for kind, params in PARAMS.items()]
    + [
        ("replacement_shipped", None, {**PARAMS["replacement_shipped"], "return_by": "2026-09-01"}),
        ("rating", None, {"rating": 1, "low": True}),
    ]
    + [("status", s.value, STATUS_PARAMS.get(s.value, {})) for s in CaseStatus]
)
# words that give English away (none of them is a word in ro, nb, hu or ar)
ENGLISH = re.compile(
    r"\b(your|we|the|is|has|been|was|return|parcel|replacement|please|thank|label|store|"
    r"credit|tracking|code|rated|within|days?|concierge is|busy|approved|refunded)\b",
    re.IGNORECASE,
)


def entry(kind: str, to_status: str | None, params: dict[str, Any]) -> TimelineEntry:
    # through JSON, as the events come back from the database
    stored = msgspec.json.decode(msgspec.json.encode(params))
    return TimelineEntry(datetime(2026, 8, 1, tzinfo=UTC), kind, stored, "", to_status=to_status)


def test_every_timeline_kind_has_a_text() -> None:
    assert set(PARAMS) == set(timeline.MESSAGES)


@pytest.mark.parametrize("language", sorted(set(LANGUAGES) - {"en"}))
@pytest.mark.parametrize(("kind", "to_status", "params"), EVENTS)
def test_every_timeline_event_reads_without_english(
    language: str, kind: str, to_status: str | None, params: dict[str, Any]
) -> None:
    english = timeline.render(Translator("en"), entry(kind, to_status, params))
    text = timeline.render(Translator(language), entry(kind, to_status, params))
    assert english and text and text != english
    assert "{" not in text and "event." not in text and not text.startswith(kind)
    assert not ENGLISH.search(text), text


def test_the_english_texts_are_complete_sentences() -> None:
    t = Translator("en")
    for kind, to_status, params in EVENTS:
        text = timeline.render(t, entry(kind, to_status, params))
        assert text.endswith((".", "!")) or to_status == "rejected", (kind, text)
        assert "{" not in text and "event." not in text


def test_money_has_the_currency_s_own_digits() -> None:
    en, ar = Translator("en"), Translator("ar")
    assert timeline.render(en, entry("refund", None, PARAMS["refund"])) == "We refunded ¥4,500."
    credit = timeline.render(en, entry("store_credit", None, PARAMS["store_credit"]))
    assert "12.345" in credit and "KWD" in credit
    assert "12.345" in timeline.render(ar, entry("store_credit", None, PARAMS["store_credit"]))
    assert en.money(Money(150000, "HUF")) == "HUF1,500"  # stored in fillér (ISO 4217: 2)
    assert Translator("hu").money(Money(150000, "HUF")) == "1\xa0500\xa0Ft"
    refund = render_email(EmailTemplate.REFUND_ISSUED, en, detail=Money(4500, "JPY"))
    assert "We have refunded ¥4,500 for" in refund.body
    credit_email = render_email(
        EmailTemplate.STORE_CREDIT_ISSUED,
        Translator("ro"),
        detail=Message("email.credit_detail", {"amount": Money(12345, "KWD"), "code": "K7"}),
    )
    assert "12,345\xa0KWD, codul K7" in credit_email.body


def test_dates_and_counts_are_the_reader_s() -> None:
    advance = entry(
        "replacement_shipped", None, {**PARAMS["replacement_shipped"], "return_by": "2026-09-01"}
    )
    assert "1 septembrie 2026" in timeline.render(Translator("ro"), advance)
    expired = [entry("status", "expired", {"days": n}) for n in (1, 2, 20)]
    ro = [timeline.render(Translator("ro"), e) for e in expired]
    assert ro[0].endswith("1 zi.") and ro[1].endswith("2 zile.") and ro[2].endswith("20 de zile.")
    assert timeline.render(Translator("en"), expired[0]).endswith("within 1 day.")
    reminder = render_email(
        EmailTemplate.RETURN_REMINDER, Translator("nb"), detail=date(2026, 9, 1)
    )
    assert "1. september 2026" in reminder.body


def test_events_written_before_params_are_shown_as_written() -> None:
    old = TimelineEntry(datetime(2026, 8, 1, tzinfo=UTC), "refund", {}, "We refunded 12.00 USD.")
    assert timeline.render(Translator("ro"), old) == "We refunded 12.00 USD."
    approved = msgspec.structs.replace(old, kind="status", to_status="approved", text="x")
    assert timeline.render(Translator("ro"), approved) == "Returul tău a fost aprobat."
    handover = msgspec.structs.replace(
        old, kind="handover", text="Sam is now your concierge for this return."
    )
    assert (
        timeline.render(Translator("nb"), handover) == "Sam er nå kontakten din for denne returen."
    )


def test_a_missing_translation_falls_back_to_english_never_to_the_key() -> None:
    ro = Translator("ro")
    assert ro("error.generic", detail="x") == "Something went wrong: x"  # not translated yet
    assert ro("no.such.key") == ""
    assert Translator("de")("event.label") == "Your prepaid return label is ready to print."
    assert Translator("nb-NO").language == "nb" and Translator("no").language == "nb"


def _catalog(language: str) -> Catalog:
    with po_path(language).open("rb") as f:
        return read_po(f, locale=LOCALES[language])


def _placeholders(text: str | tuple[str, ...]) -> set[str]:
    texts = text if isinstance(text, tuple) else (text,)
    return {name for t in texts for name in re.findall(r"\{(\w+)\}", t)}


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_each_catalogue_compiles_and_matches_the_english_one(language: str) -> None:
    """The .po files are the only source: they compile (as the service does on first use)
    and every translation uses only placeholders the English text has."""
    assert compile_po(po_path(language).read_bytes(), LOCALES[language])
    catalog, english = _catalog(language), _catalog("en")
    assert catalog.num_plurals == Catalog(locale=LOCALES[language]).num_plurals
    for message in catalog:
        if not message.id:
            continue
        assert not message.fuzzy, message.id
        source = english.get(message.id)
        assert source is not None and source.string, message.id
        assert _placeholders(message.string) <= _placeholders(source.string) | {"n"}, message.id
        key = message.id[0] if isinstance(message.id, tuple) else message.id
        if key.startswith(("event.", "email.")):
            # timeline and email texts are translated everywhere
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            assert all(strings), (language, key)


def test_every_email_exists_in_every_language() -> None:
    for language in LANGUAGES:
        t = Translator(language)
        for template in EmailTemplate:
            email = render_email(template, t, first_name="Ana", case_number="R-ABC234")
            assert email.language == language and email.subject and email.body
            assert "{" not in email.subject + email.body
