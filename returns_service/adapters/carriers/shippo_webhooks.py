"""Shippo's tracking webhooks: the signature, and `track_updated` bodies in our words.

Shippo offers three ways to trust a webhook (its "Webhook security" guide): its IP addresses,
a self-made token in the webhook URL, and HMAC. HMAC is the strongest (nobody without the secret can
make or change a body; the signed timestamp lets an old one be refused), so it is the one
checked: the header
`Shippo-Auth-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`, with the
secret Shippo shares with the account (`SHIPPO_WEBHOOK_SECRET`).
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from returns_service.adapters.carriers.base import (
    TrackingStatus,
    TrackingUpdate,
    WebhookRejected,
)

SIGNATURE_HEADER = "Shippo-Auth-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300

_TRACKING: dict[str, TrackingStatus] = {
    "PRE_TRANSIT": "pre_transit",
    "TRANSIT": "in_transit",
    "DELIVERED": "delivered",
    "RETURNED": "return_to_sender",
    "FAILURE": "failure",
    "UNKNOWN": "unknown",
}


def verify_signature(
    body: bytes, headers: Mapping[str, str], secret: str, now: datetime | None
) -> None:
    """Shippo's HMAC: `Shippo-Auth-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of
    "<t>.<body>" with the shared secret>`."""
    if not secret:
        raise WebhookRejected("SHIPPO_WEBHOOK_SECRET is not set")
    header = next((v for k, v in headers.items() if k.lower() == SIGNATURE_HEADER.lower()), "")
    parts = dict(p.strip().split("=", 1) for p in header.split(",") if "=" in p)
    stamp, given = parts.get("t", ""), parts.get("v1", "")
    if not stamp.isdigit() or not given:
        raise WebhookRejected("no Shippo-Auth-Signature")
    expected = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256)
    if not hmac.compare_digest(expected.hexdigest(), given.lower()):
        raise WebhookRejected("the Shippo-Auth-Signature does not match")
    if now is not None and abs(now.timestamp() - int(stamp)) > SIGNATURE_TOLERANCE_SECONDS:
        raise WebhookRejected("the Shippo-Auth-Signature is too old")


def track_updates(data: dict[str, Any]) -> list[TrackingUpdate]:
    status = data.get("tracking_status")
    number = data.get("tracking_number")
    if not isinstance(status, dict) or not isinstance(number, str) or not number:
        return []
    code = str(status.get("status") or "UNKNOWN").upper()
    ours = _TRACKING.get(code, "unknown")
    substatus = status.get("substatus")
    if ours == "in_transit" and isinstance(substatus, dict):
        if substatus.get("code") == "out_for_delivery":
            ours = "out_for_delivery"
    at = _when(status.get("status_date"))
    event_id = str(status.get("object_id") or "") or "-".join(
        [number, code, str(status.get("status_date") or "")]
    )
    return [
        TrackingUpdate(
            tracking_number=number,
            carrier=str(data.get("carrier") or ""),
            status=ours,
            at=at,
            detail=str(status.get("status_details") or ""),
            event_id=event_id,
        )
    ]


def _when(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
