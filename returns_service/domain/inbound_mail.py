"""What an email that reaches the service says: who sent it, to which addresses, its text,
its attachments, and whether it is a person's reply, a bounce or an auto-reply. Pure: the
raw MIME bytes in, a `ReceivedMail` out (stdlib `email`, no I/O)."""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr
from enum import StrEnum

from returns_service.domain.mail_text import html_to_text


class MailKind(StrEnum):
    REPLY = "reply"
    BOUNCE = "bounce"
    AUTO_REPLY = "auto_reply"


class NotAnEmail(ValueError):
    """The bytes are not an email at all (nothing to keep)."""


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class ReceivedMail:
    message_id: str
    sender: str  # the From address, lower case; '' when there is none that parses
    recipients: tuple[str, ...]  # every address it was sent to, lower case, envelope first
    subject: str
    text: str  # the text part (or the HTML part as text), quoted history still in
    kind: MailKind
    attachments: tuple[Attachment, ...] = ()
    problem: str = ""  # why it is malformed ('' when it is not)
    # a bounce: the addresses the failed email carried (its Reply-To, To) and why it failed
    bounced_addresses: tuple[str, ...] = ()
    bounce_reason: str = ""


# Subjects of out-of-office replies, in the languages customers write in
_AUTO_SUBJECTS = re.compile(
    r"^\s*(?:"
    r"out of (?:the )?office|automatic reply|auto(?:matic)?[- ]?reply|auto:|autoreply|"
    r"away from (?:the )?office|on vacation|"
    r"răspuns automat|raspuns automat|absent(?:ă)? de la birou|în concediu|"
    r"automatisk svar|fraværende|fravær|ikke på kontoret|"
    r"automatikus válasz|házon kívül|irodán kívül|szabadságon|"
    r"رد تلقائي|الرد التلقائي|خارج المكتب"
    r")",
    re.IGNORECASE,
)
_DAEMONS = ("mailer-daemon", "postmaster", "mail-daemon")
MAX_HEADER_TEXT = 998  # RFC 5322's line limit: what a stored header value may be


def parse_mail(raw: bytes, envelope_recipients: tuple[str, ...] = ()) -> ReceivedMail:
    """Read raw MIME. NotAnEmail when the bytes have no header at all; a message without a
    usable From is returned with `problem` set (it is kept, and answered as malformed)."""
    if not raw.strip() or not re.match(rb"^[\x21-\x39\x3b-\x7e]+:", raw.lstrip()):
        raise NotAnEmail("the body is not an email (no header lines)")
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    sender = _address(_header(message, "From"))
    recipients = _unique(
        [a.lower() for a in envelope_recipients]
        + [
            address.lower()
            for name in ("Delivered-To", "X-Original-To", "To", "Cc")
            for _, address in getaddresses(message.get_all(name, []) or [])
            if "@" in address
        ]
    )
    kind = classify(message, sender)
    problem = "" if sender else "the email has no From address that can be read"
    bounced: tuple[str, ...] = ()
    reason = ""
    if kind is MailKind.BOUNCE:
        bounced, reason = _bounce_details(message)
    text = "" if kind is MailKind.BOUNCE else _text(message)
    return ReceivedMail(
        message_id=_message_id(message, raw),
        sender=sender,
        recipients=recipients,
        subject=_header(message, "Subject")[:MAX_HEADER_TEXT],
        text=text,
        kind=kind,
        attachments=_attachments(message) if kind is MailKind.REPLY else (),
        problem=problem,
        bounced_addresses=bounced,
        bounce_reason=reason,
    )


def classify(message: Message, sender: str) -> MailKind:
    """A delivery report (or anything from a mailer daemon, or with an empty Return-Path) is
    a bounce; an auto-responder's email (RFC 3834 Auto-Submitted, the headers common
    responders set, an out-of-office subject) is an auto-reply; the rest is a reply."""
    content_type = message.get_content_type()
    report_type = str(message.get_param("report-type", "", header="content-type") or "")
    if content_type == "multipart/report" and report_type.lower() == "delivery-status":
        return MailKind.BOUNCE
    return_path = _header(message, "Return-Path")
    if message.get("Return-Path") is not None and return_path.strip() in ("<>", ""):
        return MailKind.BOUNCE
    if sender.split("@", 1)[0] in _DAEMONS:
        return MailKind.BOUNCE
    auto_submitted = _header(message, "Auto-Submitted").strip().lower()
    if auto_submitted and not auto_submitted.startswith("no"):
        return MailKind.AUTO_REPLY
    if message.get("X-Autoreply") is not None or message.get("X-Autorespond") is not None:
        return MailKind.AUTO_REPLY
    if _header(message, "Precedence").strip().lower() in ("auto_reply", "bulk", "junk"):
        return MailKind.AUTO_REPLY
    if _AUTO_SUBJECTS.match(_header(message, "Subject")):
        return MailKind.AUTO_REPLY
    return MailKind.REPLY


def _header(message: Message, name: str) -> str:
    try:
        value = message.get(name)
    except (ValueError, TypeError, IndexError):  # a header the parser cannot decode
        value = None
    return re.sub(r"[\r\n]+", " ", str(value)).strip() if value is not None else ""


def _address(value: str) -> str:
    _, address = parseaddr(value)
    address = address.strip().lower()
    return address if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address) else ""


def _unique(values: list[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(v for v in values if v))


def _message_id(message: Message, raw: bytes) -> str:
    """The Message-ID; an email without one is known by its bytes (the same bytes twice are
    the same email)."""
    value = _header(message, "Message-ID")
    if value:
        return value[:MAX_HEADER_TEXT]
    return f"<sha256:{hashlib.sha256(raw).hexdigest()}>"


def _text(message: EmailMessage) -> str:
    """The text part; an HTML-only email's HTML as text."""
    try:
        part = message.get_body(preferencelist=("plain", "html"))
    except (KeyError, LookupError):  # a multipart without a readable body
        part = None
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError, AssertionError):  # an unknown charset, a broken encoding
        payload = part.get_payload(decode=True)
        content = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(content, str):
        return ""
    if part.get_content_type() == "text/html":
        return html_to_text(content)
    return content


def _attachments(message: EmailMessage) -> tuple[Attachment, ...]:
    found = []
    for part in message.iter_attachments():
        if part.is_multipart():
            continue
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            continue
        found.append(
            Attachment(
                filename=safe_filename(part.get_filename() or ""),
                content_type=part.get_content_type(),
                data=payload,
            )
        )
    return tuple(found)


def safe_filename(name: str) -> str:
    """The last path segment, no control characters, at most 200 characters."""
    name = re.split(r"[\\/]", name)[-1]
    name = re.sub(r"[\x00-\x1f\x7f\"]", "", name).strip().strip(".")
    return name[:200] or "attachment"


def _bounce_details(message: Message) -> tuple[tuple[str, ...], str]:
    """From a delivery report: the addresses the failed email carried (its Reply-To, its
    recipients) and the reason the receiving server gave."""
    addresses: list[str] = []
    reason = ""
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type == "message/delivery-status":
            for block in part.get_payload() or []:
                if not isinstance(block, Message):
                    continue
                for name in ("Final-Recipient", "Original-Recipient"):
                    value = str(block.get(name) or "")
                    if ";" in value:
                        addresses.append(value.split(";", 1)[1].strip().lower())
                reason = reason or _header(block, "Diagnostic-Code") or _header(block, "Status")
        elif content_type in ("message/rfc822", "text/rfc822-headers"):
            original = _original(part)
            if original is not None:
                for name in ("Reply-To", "To"):
                    addresses += [
                        a.lower() for _, a in getaddresses(original.get_all(name, []) or [])
                    ]
    return _unique(addresses), reason[:MAX_HEADER_TEXT]


def _original(part: Message) -> Message | None:
    if part.get_content_type() == "message/rfc822":
        inner = part.get_payload()
        first = inner[0] if isinstance(inner, list) and inner else None
        return first if isinstance(first, Message) else None
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return None
    return email.message_from_bytes(payload, policy=email.policy.default)
