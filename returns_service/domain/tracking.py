"""Tracking numbers that catch their own typos: a prefix, ten digits and a Luhn check digit,
so a mistyped or misread barcode is recognised as invalid before any lookup."""

from __future__ import annotations

import re
import secrets

RETURN_PREFIX = "RC"  # a prepaid return label
OUTBOUND_PREFIX = "RX"  # a replacement on its way to the customer
_PATTERN = re.compile(r"^R[CX]\d{11}$")


def luhn_check_digit(digits: str) -> str:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:  # doubled: the check digit will sit to the right
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def new_tracking_number(prefix: str = RETURN_PREFIX) -> str:
    body = "".join(secrets.choice("0123456789") for _ in range(10))
    return f"{prefix}{body}{luhn_check_digit(body)}"


def looks_like_tracking_number(text: str) -> bool:
    return bool(re.match(r"^R[CX]\d", text))


def is_valid_tracking_number(text: str) -> bool:
    if not _PATTERN.match(text):
        return False
    body, check = text[2:-1], text[-1]
    return luhn_check_digit(body) == check


# Where the public follows a parcel of the big carriers by its number; other carriers (our
# built-in one included) have no public page, and a reader shows the number alone.
_PUBLIC_TRACKING = {
    "usps": "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    "ups": "https://www.ups.com/track?tracknum={}",
    "fedex": "https://www.fedex.com/fedextrack/?trknbr={}",
    "dhl": "https://www.dhl.com/global-en/home/tracking.html?tracking-id={}",
}


def public_tracking_url(carrier: str, tracking_number: str) -> str | None:
    """The carrier's own tracking page for this number, if the carrier has a known one."""
    template = _PUBLIC_TRACKING.get(carrier.lower())
    return template.format(tracking_number) if template else None
