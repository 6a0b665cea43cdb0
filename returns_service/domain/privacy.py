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
