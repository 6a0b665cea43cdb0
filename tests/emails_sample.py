"""One sample of every email, as the outbox renders it, for the unit and browser tests."""

from __future__ import annotations

from datetime import date

from returns_service.adapters.mail import OutgoingEmail, to_mime
from returns_service.domain.emails import EmailItem, EmailTemplate, Facts, Message, render_email
from returns_service.domain.money import Money
from returns_service.emails.html import Brand, render_html
from returns_service.translation import Translator

CASE = "R-ABC234"
LINK = "https://returns.mara.example/portal/r/tok3n"
LABEL = "https://returns.mara.example/portal/returns/R-ABC234/label.pdf"
# names that are no word of any language, so "no English" checks see only the texts
FIELDS: dict[str, object] = {
    "first_name": "Ilinca",
    "case_number": CASE,
    "agent": "Ioana",
    "store": "Maraviq",
    "link": LINK,
    "message": "Mărimea 9 te așteaptă.",
    "reason": "Zorbix",
}
TEMPLATE_FIELDS: dict[EmailTemplate, dict[str, object]] = {
    EmailTemplate.REFUND_ISSUED: {"detail": Money(39500, "USD")},
    EmailTemplate.STORE_CREDIT_ISSUED: {
        "detail": Message("email.credit_detail", {"amount": Money(12345, "KWD"), "code": "K7Q2"})
    },
    EmailTemplate.REPLACEMENT_SHIPPED: {
        "detail": Message("email.replacement_detail", {"sku": "RING-9", "tracking": "CP123"}),
        "extra": Message("email.send_original_by", {"date": date(2026, 9, 1)}),
    },
    EmailTemplate.RETURN_REMINDER: {"detail": date(2026, 9, 1)},
    EmailTemplate.PRICE_DIFFERENCE_CHARGED: {"detail": Money(3000, "USD")},
    EmailTemplate.PRICE_DIFFERENCE_REFUNDED: {"detail": Money(3000, "USD")},
    EmailTemplate.SIGN_IN_LINK: {"detail": "1042", "case_number": ""},
}
TEMPLATE_FACTS: dict[EmailTemplate, Facts] = {
    EmailTemplate.CASE_APPROVED: Facts(label_url=LABEL),
    EmailTemplate.REFUND_ISSUED: Facts(amounts=(("refund", Money(39500, "USD")),)),
    EmailTemplate.STORE_CREDIT_ISSUED: Facts(amounts=(("store_credit", Money(12345, "KWD")),)),
    EmailTemplate.REPLACEMENT_SHIPPED: Facts(deadline=date(2026, 9, 1)),
    EmailTemplate.RETURN_REMINDER: Facts(label_url=LABEL, deadline=date(2026, 9, 1)),
    EmailTemplate.PRICE_DIFFERENCE_CHARGED: Facts(amounts=(("charge", Money(3000, "USD")),)),
    EmailTemplate.PRICE_DIFFERENCE_REFUNDED: Facts(amounts=(("refund", Money(3000, "USD")),)),
}
ITEMS = (EmailItem("Qalvo Aero", "41 mm / Zorb", 1), EmailItem("Qalvo Inel", "9", 2))


def sample(
    template: EmailTemplate,
    language: str,
    brand: Brand | None = None,
    facts: Facts | None = None,
    **fields: object,
) -> OutgoingEmail:
    t = Translator(language)
    facts = facts or TEMPLATE_FACTS.get(template, Facts())
    facts = Facts(ITEMS, facts.amounts, facts.label_url, facts.deadline, facts.provider_label)
    values = {**FIELDS, **TEMPLATE_FIELDS.get(template, {}), **fields}
    rendered = render_email(template, t, facts, **values)
    return OutgoingEmail(
        event_id="0b9f3c52-5b8e-4a51-9d7e-0f1d2a3b4c5d",
        sender="care@mara.example",
        sender_name="Maraviq",
        recipient="ilinca@example.com",
        subject=rendered.subject,
        body=rendered.body,
        language=rendered.language,
        created_at_rfc2822="Tue, 01 Sep 2026 12:00:00 +0000",
        html=render_html(rendered, brand or Brand("Maraviq"), t.rtl),
    )


def parts(email: OutgoingEmail) -> tuple[str, str]:
    """The text and HTML parts of the MIME message the mailer sends."""
    message = to_mime(email)
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()
