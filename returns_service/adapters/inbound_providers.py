"""The raw email inside what mail providers' inbound routes post, for the providers that can
post the whole MIME message (docs/inbound-email.md):

- SendGrid Inbound Parse with "POST the raw, full MIME message": multipart/form-data, the
  message in the field `email`, the SMTP envelope as JSON in `envelope` ({"to": [...]}).
- Mailgun, a route's forward() to a URL ending in `mime`: form data, the message in
  `body-mime`, the envelope recipient in `recipient`.
- Postmark's inbound webhook with "Include raw email content in JSON payload": JSON, the
  message in `RawEmail`, the envelope recipient in `OriginalRecipient`.

Pure: the posted fields in, the raw bytes and envelope recipients out (None: not one of
these shapes)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import msgspec


@dataclass(frozen=True, slots=True)
class PostedEmail:
    raw: bytes
    recipients: tuple[str, ...] = ()


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def from_form(fields: Mapping[str, Any]) -> PostedEmail | None:
    """SendGrid's `email` or Mailgun's `body-mime`."""
    raw = _text(fields.get("email")) or _text(fields.get("body-mime"))
    if not raw:
        return None
    recipients: list[str] = []
    try:
        envelope = msgspec.json.decode(_text(fields.get("envelope")) or "{}")
    except msgspec.DecodeError:
        envelope = {}
    if isinstance(envelope, dict) and isinstance(envelope.get("to"), list):
        recipients += [r for r in envelope["to"] if isinstance(r, str)]
    if _text(fields.get("recipient")):
        recipients += [r.strip() for r in _text(fields.get("recipient")).split(",") if r.strip()]
    return PostedEmail(raw.encode("utf-8", "surrogateescape"), tuple(recipients))


def from_json(body: bytes) -> PostedEmail | None:
    """Postmark's `RawEmail`."""
    try:
        document = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return None
    if not isinstance(document, dict) or not _text(document.get("RawEmail")):
        return None
    recipient = _text(document.get("OriginalRecipient"))
    return PostedEmail(document["RawEmail"].encode(), (recipient,) if recipient else ())
