"""What a privacy request removes, as pure rules: which words are a customer's personal data,
how a text, a timeline parameter or a label's address is scrubbed of them, and when a closed
case is old enough for RETURNS_REDACT_AFTER_DAYS. No I/O; time is passed in."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

REDACTED = "[redacted]"
# statuses a case never leaves: its data may go once it has been in one long enough
FINAL_STATUSES = ("closed", "rejected", "cancelled", "expired")
# a name shorter than this would scrub parts of ordinary words ("Al" in "Almost")
_SHORTEST_TERM = 2
# the address fields that say where a person lives (country alone does not, and is kept)
_ADDRESS_FIELDS = ("name", "line1", "line2", "city", "region", "postal_code", "phone")


def redacted_email(customer_id: int) -> str:
    """What a redacted customer's email becomes: unique per store (the column is), in the
    reserved `.invalid` domain so nothing can ever be delivered to it, and no lookup by a real
    address finds it."""
    return f"redacted-{customer_id}@redacted.invalid"


def undeliverable(address: str) -> bool:
    """An address no email may be sent to: a redacted customer's, or any in the reserved
    `.invalid` domain (RFC 2606), which exists nowhere."""
    domain = address.rpartition("@")[2].strip().rstrip(".").lower()
    return domain == "invalid" or domain.endswith(".invalid")


def personal_terms(
    email: str,
    first_name: str,
    last_name: str,
    addresses: Iterable[Mapping[str, Any]] = (),
) -> list[str]:
    """The words that identify the customer, longest first (so "Ana Pop" goes before "Ana")."""
    found = {email, first_name, last_name, f"{first_name} {last_name}"}
    for address in addresses:
        for name in _ADDRESS_FIELDS:
            value = address.get(name)
            if isinstance(value, str):
                found.add(value)
    terms = {t.strip() for t in found if len(t.strip()) >= _SHORTEST_TERM}
    return sorted(terms, key=lambda t: (-len(t), t))


def _pattern(terms: list[str]) -> re.Pattern[str] | None:
    if not terms:
        return None
    # whole words only, any case: "Ana" goes, "Banana" stays
    alternatives = "|".join(re.escape(t) for t in terms)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.IGNORECASE)


def scrub_text(text: str, terms: list[str]) -> str:
    """`text` with every personal term replaced by REDACTED."""
    pattern = _pattern(terms)
    return pattern.sub(REDACTED, text) if pattern and text else text


def scrub_value(value: Any, terms: list[str]) -> Any:
    """A JSON value (a timeline event's params) with personal terms scrubbed from every string
    in it, keys and structure kept, so the event still renders."""
    if isinstance(value, str):
        return scrub_text(value, terms)
    if isinstance(value, list):
        return [scrub_value(v, terms) for v in value]
    if isinstance(value, dict):
        return {k: scrub_value(v, terms) for k, v in value.items()}
    return value


def scrub_address(address: Mapping[str, Any]) -> dict[str, Any]:
    """An address with who and where removed; the country (customs, statistics) stays."""
    return {
        key: (REDACTED if key in ("name", "line1") else "")
        if key in _ADDRESS_FIELDS and value
        else value
        for key, value in address.items()
    }


def redaction_cutoff(now: datetime, after_days: int) -> datetime | None:
    """Cases final since before this moment are redacted; None when the setting is off (0)."""
    if after_days <= 0:
        return None
    return now - timedelta(days=after_days)


def scrub_webhook_body(body: Any, terms: list[str], email: str | None = None) -> Any:
    """A webhook delivery's body (`{type, timestamp, data: {case, message?}}`, the case as
    agents saw it) without the customer's personal data, in the same shape, so a delivery
    still waiting is still sent and still read by its receiver. With `email` (a whole
    customer redacted) the customer is shown as agents now see them: that address, no name."""
    data = body.get("data") if isinstance(body, dict) else None
    if isinstance(data, dict):
        case = data.get("case")
        if isinstance(case, dict):
            _scrub_webhook_case(case, email)
        message = data.get("message")
        if isinstance(message, dict):
            if message.get("body"):
                message["body"] = REDACTED  # whoever wrote it, it was written to the customer
            if message.get("author") == "customer" and message.get("author_name"):
                message["author_name"] = REDACTED
    return scrub_value(body, terms)


def _scrub_webhook_case(case: dict[str, Any], email: str | None) -> None:
    customer = case.get("customer")
    if isinstance(customer, dict) and email is not None:
        customer.update(email=email, name="")
    if case.get("comment"):
        case["comment"] = REDACTED
    if case.get("reject_reason"):
        case["reject_reason"] = REDACTED
    for entry in case.get("timeline") or []:
        if not isinstance(entry, dict):
            continue
        params = entry.get("params")
        if not isinstance(params, dict):
            params = {}
        said = params.get("reason")
        if entry.get("to_status") == "rejected" and isinstance(said, str) and said:
            params["reason"] = REDACTED  # the concierge's words to the customer
            if isinstance(entry.get("text"), str):
                entry["text"] = entry["text"].replace(said, REDACTED)
        if entry.get("kind") == "rating" and entry.get("detail"):
            entry["detail"] = REDACTED  # the customer's own note
