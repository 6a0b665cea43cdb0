"""Shippo's failures in our words (`CarrierError` kinds).

Shippo answers an unusable request with a 4xx whose JSON names the fields at fault (for
example `{"address_to": {"zip": ["..."]}}`) or `{"detail": "..."}`, and a label it could not
buy with a transaction in status ERROR whose `messages[].text` says why. The SDK raises
`errors.SDKError` (status code and body) for the first; `requests` raises its own exceptions
when no answer comes.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

import requests
from shippo.models import errors

from returns_service.adapters.carriers.base import CarrierError, CarrierErrorKind

# words of Shippo's and the carriers' address messages ("The address as submitted could not
# be found", "Invalid ZIP code"); broader ones ("state", "country") appear in other messages
_ADDRESS_WORDS = ("address", "zip", "postal", "street")
_FUNDS_WORDS = ("insufficient", "funds", "balance", "billing", "payment method", "credit card")
_ADDRESS_FIELDS = ("address_from", "address_to", "address_return", "street1", "zip")


def classify_messages(texts: Iterable[str], *, default: CarrierErrorKind) -> CarrierError:
    """A transaction's (or a shipment's) messages: an address problem, the account unable to
    pay, or `default`."""
    joined = "; ".join(t for t in texts if t) or "Shippo gave no reason"
    lowered = joined.lower()
    if any(word in lowered for word in _FUNDS_WORDS):
        return CarrierError("insufficient_funds", joined)
    if any(word in lowered for word in _ADDRESS_WORDS):
        return CarrierError("invalid_address", joined, field=_field_named(lowered))
    return CarrierError(default, joined)


def _field_named(lowered: str) -> str | None:
    # which of our addresses: Shippo's address_from is the store (see the return shipment)
    if "address_to" in lowered:
        return "ship_from"
    if "address_from" in lowered:
        return "ship_to"
    return None


def error_from_exception(exc: BaseException) -> CarrierError:
    if isinstance(exc, errors.SDKError):
        return _from_status(exc.status_code, exc.body or "", exc.raw_response)
    if isinstance(exc, requests.HTTPError) and exc.response is not None:
        return _from_status(exc.response.status_code, exc.response.text, exc.response)
    if isinstance(exc, requests.ConnectTimeout):
        # nothing reached Shippo: safe to try again, like a refused connection
        return CarrierError("unavailable", "Shippo could not be reached in time")
    if isinstance(exc, requests.Timeout):
        return CarrierError("timeout", "Shippo did not answer in time")
    if isinstance(exc, requests.RequestException):
        return CarrierError("unavailable", f"Shippo could not be reached: {exc}")
    # an answer the SDK could not read (not JSON, a field missing): Shippo is not itself
    return CarrierError("unavailable", f"Shippo's answer could not be read: {exc}")


def _from_status(status: int, body: str, response: Any) -> CarrierError:
    text = _message(body)
    if status in (401, 403):
        return CarrierError("auth", f"Shippo refused the API key: {text}")
    if status == 429:
        return CarrierError(
            "rate_limited",
            f"Shippo asks us to slow down: {text}",
            retry_after=_retry_after(response),
        )
    if status >= 500:
        return CarrierError("unavailable", f"Shippo failed ({status}): {text}")
    parsed = _json(body)
    if isinstance(parsed, dict) and any(k in parsed for k in _ADDRESS_FIELDS):
        field = "ship_from" if "address_to" in parsed else "ship_to"
        return CarrierError("invalid_address", text, field=field)
    return classify_messages([text], default="rejected")


def _retry_after(response: Any) -> float | None:
    value = getattr(response, "headers", {}).get("Retry-After") if response is not None else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def _json(body: str) -> Any:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _message(body: str) -> str:
    """The words in an error body: `detail`, or every message under the named fields."""
    parsed = _json(body)
    if parsed is None:
        return body[:300]
    words: list[str] = []

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, f"{path}.{key}" if path else str(key))
        elif isinstance(value, list):
            for inner in value:
                walk(inner, path)
        elif value is not None:
            words.append(f"{path}: {value}" if path and path != "detail" else str(value))

    walk(parsed, "")
    return "; ".join(words)[:500] or body[:300]
