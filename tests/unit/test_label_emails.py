"""The approval email of a label a provider sold: the carrier, service and tracking number, the
label's link and, where there is one, the drop-off QR code's link, said as what it is, in both
parts and in the reader's language."""

from __future__ import annotations

import pytest

from returns_service.domain.emails import EmailTemplate, Facts, ProviderLabelFacts
from returns_service.translation import LANGUAGES, Translator
from tests.emails_sample import LABEL, parts, sample
from tests.unit.test_emails import visible, words
from tests.unit.test_translation import ENGLISH

QR = "https://returns.mara.example/portal/returns/R-ABC234/label-qr.png"
FACTS = Facts(
    label_url=LABEL,
    provider_label=ProviderLabelFacts("USPS", "GroundAdvantage", "9400100000000000000001", QR),
)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
def test_the_approval_email_shows_the_providers_label_and_drop_off_code(language: str) -> None:
    t = Translator(language)
    text, html = parts(sample(EmailTemplate.CASE_APPROVED, language, facts=FACTS))
    details = t(
        "email.label_service",
        carrier="USPS",
        service="GroundAdvantage",
        tracking_number="9400100000000000000001",
    )
    dropoff = t("email.label_dropoff", carrier="USPS")
    for part in (text, visible(html)):
        assert details in part and dropoff in part
    assert f"{dropoff}: {QR}" in text and f'<a href="{QR}"' in html
    assert text.index(details) < text.index(LABEL) < text.index(QR)
    if language != "en":
        english = [m.group(0) for m in ENGLISH.finditer(words(text))]
        assert english == [], english


def test_a_label_without_a_qr_code_offers_none() -> None:
    facts = Facts(
        label_url=LABEL,
        provider_label=ProviderLabelFacts("UPS", "Ground", "1Z999AA10123456784"),
    )
    text, html = parts(sample(EmailTemplate.CASE_APPROVED, "en", facts=facts))
    assert "UPS Ground, tracking number 1Z999AA10123456784" in text
    assert "No printer" not in text and "No printer" not in html


def test_the_built_in_label_reads_as_before() -> None:
    text, _ = parts(sample(EmailTemplate.CASE_APPROVED, "en", facts=Facts(label_url=LABEL)))
    assert "tracking number" not in text and "No printer" not in text
