"""Every email in every language is multipart: a text part and a branded HTML part saying the
same thing, greeting once, naming the case, in the reader's language and direction."""

from __future__ import annotations

import html as htmllib
import re
from email.message import EmailMessage

import pytest

from returns_service.adapters.mail import OutgoingEmail, to_mime
from returns_service.domain.emails import EmailTemplate, Facts, greets
from returns_service.domain.money import Money
from returns_service.emails.html import Brand, text_colour
from returns_service.translation import LANGUAGES, Translator
from tests.emails_sample import CASE, FIELDS, LABEL, LINK, parts, sample
from tests.unit.test_translation import ENGLISH

GREETING = {"en": "Hi Ilinca,", "ro": "Bună, Ilinca,", "nb": "Hei Ilinca,", "hu": "Kedves Ilinca!"}
GREETING["ar"] = "مرحباً Ilinca،"


def visible(html: str) -> str:
    """The words a reader sees: no tags, no attributes, no <title>."""
    body = html.split("<body", 1)[1].split(">", 1)[1]
    return htmllib.unescape(re.sub(r"<[^>]+>", " ", body))


def words(text: str) -> str:
    """Text without links (URLs hold English path words such as 'label')."""
    return re.sub(r"https?://\S+", " ", text)


@pytest.mark.parametrize("language", sorted(LANGUAGES))
@pytest.mark.parametrize("template", list(EmailTemplate))
def test_every_email_is_multipart_in_the_reader_s_language(
    template: EmailTemplate, language: str
) -> None:
    email = sample(template, language)
    text, html = parts(email)
    seen = visible(html)
    # every email names its return; the sign-in link is about an order, before any return
    reference = "1042" if template is EmailTemplate.SIGN_IN_LINK else CASE
    for part in (text, seen):
        assert reference in part
        assert part.count(GREETING[language]) == 1, part
        assert part.count("Ilinca") == 1  # no second greeting anywhere
        assert "Ioana" in part and "Maraviq" in part  # signed
        assert "{" not in part and "}" not in part  # no placeholder left unfilled
        assert not re.search(r"\bemail\.[a-z_.]+", part)  # no catalogue key
        assert "Qalvo Aero" in part and "41 mm / Zorb" in part  # the items
    assert LINK in text and f'href="{LINK}"' in html  # the button to the return
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in html
    assert f'<body dir="{direction}"' in html
    assert "<style" not in html  # inlined: mail clients drop style blocks
    if language != "en":
        english = [text, seen, email.subject]
        assert not [m for part in english if (m := ENGLISH.search(words(part)))], english
        assert text != sample(template, "en").body


def test_the_label_and_the_deadline_are_in_both_parts() -> None:
    text, html = parts(sample(EmailTemplate.RETURN_REMINDER, "nb"))
    assert f"Skriv ut returetiketten: {LABEL}" in text
    assert f'<a href="{LABEL}"' in html and "Skriv ut returetiketten" in html
    assert "Send originalen tilbake innen 1. september 2026." in text
    assert "Send originalen tilbake innen 1. september 2026." in visible(html)


def test_money_in_the_html_has_the_currency_s_own_digits() -> None:
    _, refund = parts(sample(EmailTemplate.REFUND_ISSUED, "en", detail=None))
    assert "Refund: $395.00" in visible(refund)
    yen = Money(4500, "JPY")
    _, html = parts(
        sample(
            EmailTemplate.REFUND_ISSUED, "en", facts=Facts(amounts=(("refund", yen),)), detail=yen
        )
    )
    assert "Refund: ¥4,500" in visible(html) and "We have refunded ¥4,500 for" in visible(html)
    for language, shown in (("en", "KWD12.345"), ("ar", "12.345"), ("ro", "12,345 KWD")):
        _, credit = parts(sample(EmailTemplate.STORE_CREDIT_ISSUED, language))
        assert shown in visible(credit).replace("\xa0", " "), language


def test_the_brand_colours_the_header_and_the_button_and_the_logo_replaces_the_name() -> None:
    brand = Brand("Maraviq", "#0e7c66", "https://cdn.mara.example/logo.png")
    _, html = parts(sample(EmailTemplate.CASE_APPROVED, "en", brand=brand))
    assert html.count("background: #0e7c66") == 2  # header and button
    assert '<img src="https://cdn.mara.example/logo.png" alt="Maraviq"' in html
    _, plain = parts(sample(EmailTemplate.CASE_APPROVED, "en"))
    assert "<img" not in plain and "background: #1f2937" in plain
    # the button's text stays readable whatever the colour
    assert text_colour("#1f2937") == "#ffffff" and text_colour("#ffe066") == "#000000"


def test_a_concierge_message_that_greets_is_not_greeted_again() -> None:
    greeted = "Hi Ilinca, your new size for R-ABC234 is on hold.\n\nIoana"
    text, html = parts(sample(EmailTemplate.CONCIERGE_MESSAGE, "en", message=greeted))
    assert text.count("Ilinca") == 1 and visible(html).count("Ilinca") == 1
    assert text.startswith("Hi Ilinca, your new size")
    hu = sample(EmailTemplate.CONCIERGE_MESSAGE, "hu", message="Szia Ilinca! Megvan a méret.")
    assert parts(hu)[0].count("Ilinca") == 1
    plain = sample(EmailTemplate.CONCIERGE_MESSAGE, "en", message="Your size is on hold.")
    assert parts(plain)[0].startswith("Hi Ilinca,\n\n")
    # naming the customer later in the message is not a greeting
    assert not greets("Your parcel reached us today and Ilinca's size is on hold.", "Ilinca")
    assert greets("مرحباً Ilinca، وصل الطرد", "Ilinca")


def test_the_hungarian_texts_are_grammatical() -> None:
    hu = sample(EmailTemplate.CASE_APPROVED, "hu")
    assert hu.subject == f"Jóváhagytuk a(z) {CASE} visszaküldésedet"
    assert "visszaküldésed jóváhagytuk" not in hu.body
    assert "jóváhagytuk a(z) R-ABC234 visszaküldésedet" in hu.body


def test_the_norwegian_team_signature_names_the_team_once() -> None:
    t = Translator("nb")
    assert t("email.team", store="Maraviq") == "Maraviq-teamet"


def test_a_line_break_in_a_name_or_subject_never_reaches_a_header() -> None:
    email = sample(EmailTemplate.CONCIERGE_MESSAGE, "en", agent="Sam\r\nBcc: all@example.com")
    hostile = OutgoingEmail(
        **{
            **{f: getattr(email, f) for f in email.__dataclass_fields__},
            "sender_name": "Maraviq\nBcc: x@example.com",
        }
    )
    message = to_mime(hostile)  # raised before, on every retry
    raw = message.as_bytes()
    assert isinstance(message, EmailMessage) and message["Bcc"] is None
    assert b"\r\nBcc:" not in raw.split(b"\n\n", 1)[0] and b"\nBcc:" not in raw.split(b"\n\n")[0]
    assert message["Subject"] == "Sam Bcc: all@example.com wrote about your return R-ABC234"
    assert str(FIELDS["first_name"]) in parts(hostile)[0]
