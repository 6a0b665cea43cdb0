"""The transactional emails a customer gets, in their language when we have it (English
always). Short, clear first, warm, signed by their concierge. Pure: the translator that
holds the texts is passed in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date
from enum import StrEnum
from typing import Any, Protocol

from returns_service.domain.money import Money


class EmailTemplate(StrEnum):
    CASE_RECEIVED = "case_received"
    CASE_APPROVED = "case_approved"
    CONCIERGE_MESSAGE = "concierge_message"
    HANDOVER = "handover"
    CASE_REJECTED = "case_rejected"
    CASE_CLOSED = "case_closed"
    REPLACEMENT_SHIPPED = "replacement_shipped"
    RETURN_REMINDER = "return_reminder"
    REFUND_ISSUED = "refund_issued"
    STORE_CREDIT_ISSUED = "store_credit_issued"
    FOLLOW_UP = "follow_up"
    CASE_CANCELLED = "case_cancelled"
    PARCEL_RECEIVED = "parcel_received"
    PRICE_DIFFERENCE_CHARGED = "price_difference_charged"  # `detail`: the amount charged
    PRICE_DIFFERENCE_REFUNDED = "price_difference_refunded"  # `detail`: the amount refunded
    SIGN_IN_LINK = "sign_in_link"  # "email me a link": `detail` is the order number
    RESOLUTION_CHANGED = "resolution_changed"  # an agent changed what items get, as agreed


@dataclass(frozen=True, slots=True)
class EmailItem:
    """One returned line as the email lists it."""

    title: str
    variant: str
    quantity: int


@dataclass(frozen=True, slots=True)
class Facts:
    """What an email shows beside its sentences: the items, the money it is about (kind:
    refund, store_credit or charge), the label to print and the date the original is due."""

    items: tuple[EmailItem, ...] = ()
    amounts: tuple[tuple[str, Money], ...] = ()
    label_url: str = ""
    deadline: date | None = None
    provider_label: ProviderLabelFacts | None = None  # a label bought from a carrier


@dataclass(frozen=True, slots=True)
class ProviderLabelFacts:
    """A carrier's label: who carries it, the service, its tracking number, and the page of its
    QR code for label-free drop-off ('' when it has none)."""

    carrier: str
    service: str
    tracking_number: str
    qr_code_url: str = ""


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    """Both parts of an email come from this one rendering: `body` is the text part; the
    pieces below are what the HTML part lays out (already in the reader's words)."""

    subject: str
    body: str
    language: str
    greeting: str = ""
    reference: str = ""  # "Return R-…", for texts that do not name the case themselves
    paragraphs: tuple[str, ...] = ()
    signature: str = ""
    items_heading: str = ""
    items: tuple[tuple[str, str, str], ...] = ()  # title, variant, quantity
    amounts: tuple[str, ...] = ()
    deadline: str = ""
    label: tuple[str, str] | None = None  # link text, url
    button: tuple[str, str] | None = None  # link text, url
    label_details: str = ""  # a carrier's label: "USPS Priority, tracking number …"
    dropoff: tuple[str, str] | None = None  # no printer? the QR code's text, url

    def with_text_part(self) -> RenderedEmail:
        """`body` from the pieces: greeting, text, summary, signature, blank-line apart."""
        items = [
            f"- {title}" + (f" ({variant})" if variant else "") + f" {count}"
            for title, variant, count in self.items
        ]
        facts = [line for line in (*self.amounts, self.deadline) if line]
        if self.label_details:
            facts.append(self.label_details)
        if self.label:
            facts.append(f"{self.label[0]}: {self.label[1]}")
        if self.dropoff:
            facts.append(f"{self.dropoff[0]}: {self.dropoff[1]}")
        if self.button and not any(self.button[1] in p for p in self.paragraphs):
            facts.append(f"{self.button[0]}: {self.button[1]}")  # the HTML part's button
        blocks = [
            self.greeting,
            self.reference,
            *self.paragraphs,
            "\n".join([self.items_heading, *items]) if items else "",
            "\n".join(facts),
            self.signature,
        ]
        return replace(self, body="\n\n".join(block for block in blocks if block))


class Translate(Protocol):
    """What renders a catalogue text in one reader's language (`translation.Translator`)."""

    language: str

    def __call__(self, key: str, **values: Any) -> str: ...

    def show(self, value: Any) -> str: ...


@dataclass(frozen=True, slots=True)
class Message:
    """A catalogue text still to be put in the reader's words: a key and its values."""

    key: str
    values: dict[str, Any] = field(default_factory=dict)


# The texts are in the message catalogue (`returns_service/locale`) as
# `email.<template>.subject` and `email.<template>.body`. Fields: first_name, case_number,
# agent, store, link, message, reason, detail, extra; a field may be text, Money, a date or a
# Message, each shown in the reader's language.
FIELDS = (
    "first_name",
    "case_number",
    "agent",
    "store",
    "link",
    "message",
    "reason",
    "detail",
    "extra",
)


def render_email(
    template: EmailTemplate, t: Translate, facts: Facts | None = None, **fields: object
) -> RenderedEmail:
    """The email in the translator's language (English where a text is not translated).

    By convention every body's first paragraph is the greeting and its last the signature;
    the summary (items, amounts, deadline, label) goes between the text and the signature."""
    facts = facts or Facts()
    values = {key: fields.get(key, "") for key in FIELDS}
    body = t(f"email.{template.value}.body", **values)
    paragraphs = [p.strip() for p in body.split("\n\n") if p.strip()]  # an empty {extra} too
    greeting, signature = paragraphs[0], paragraphs[-1]
    if template is EmailTemplate.CONCIERGE_MESSAGE and greets(
        str(values["message"]), str(values["first_name"])
    ):
        greeting = ""  # the agent's own words already say hello: once is enough
    link = str(values["link"])
    number = str(values["case_number"])
    return RenderedEmail(
        subject=t(f"email.{template.value}.subject", **values),
        body="",
        language=t.language,
        greeting=greeting,
        reference=t("email.case_reference", case_number=number) if number not in body else "",
        paragraphs=tuple(paragraphs[1:-1]),
        signature=signature,
        items_heading=t("email.items") if facts.items else "",
        items=tuple((i.title, i.variant, f"× {i.quantity}") for i in facts.items),
        amounts=tuple(t(f"email.amount.{kind}", amount=money) for kind, money in facts.amounts),
        deadline=t("email.send_original_by", date=facts.deadline) if facts.deadline else "",
        label=(t("email.label"), facts.label_url) if facts.label_url else None,
        button=(t("email.button"), link) if link else None,
        **_provider_label(t, facts.provider_label),
    ).with_text_part()


def _provider_label(t: Translate, label: ProviderLabelFacts | None) -> dict[str, Any]:
    if label is None:
        return {}
    details = t(
        "email.label_service",
        carrier=label.carrier,
        service=label.service,
        tracking_number=label.tracking_number,
    )
    dropoff = (
        (t("email.label_dropoff", carrier=label.carrier), label.qr_code_url)
        if label.qr_code_url
        else None
    )
    return {"label_details": details, "dropoff": dropoff}


def greets(message: str, first_name: str) -> bool:
    """Whether an agent's message opens by greeting the customer by name ("Hi Ana," "Szia
    Ana!" "مرحباً آنا،"): its first clause is short and names them."""
    if not first_name:
        return False
    opening = re.split(r"[,.!?:;،\n]", message.strip(), maxsplit=1)[0]
    named = re.search(rf"(?<!\w){re.escape(first_name)}(?!\w)", opening, re.IGNORECASE)
    return named is not None and len(opening) <= 40
