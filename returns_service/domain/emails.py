"""The transactional emails a customer gets, in their language when we have it (English
always). Short, clear first, warm, signed by their concierge. Pure: the translator that
holds the texts is passed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Protocol


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


@dataclass(frozen=True, slots=True)
class RenderedEmail:
    subject: str
    body: str
    language: str


class Translate(Protocol):
    """What renders a catalogue text in one reader's language (`translation.Translator`)."""

    language: str

    def __call__(self, key: str, **values: Any) -> str: ...


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


def render_email(template: EmailTemplate, t: Translate, **fields: object) -> RenderedEmail:
    """The email in the translator's language (English where a text is not translated)."""
    values = {key: fields.get(key, "") for key in FIELDS}
    return RenderedEmail(
        t(f"email.{template.value}.subject", **values),
        t(f"email.{template.value}.body", **values),
        t.language,
    )
