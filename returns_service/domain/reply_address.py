"""The per-case reply address every email to a customer carries as `Reply-To`.

`r-<case number, lower case>-<signature>@<inbound domain>`: the signature is the first 10
characters of the base32 HMAC-SHA256 of the store and case number under the server's
secret, so nobody can make up an address that lands on someone else's case. Everything is
lower case because mail systems may fold the local part's case on the way back. The
address never expires: a customer answers a months-old email too (what arrives for a
closed case is still shown to its concierge). Pure: no clock is needed."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

SIGNATURE_LENGTH = 10
_PREFIX = "r-"
# local part: r-<number>-<signature>; a case number is letters, digits and dashes
_LOCAL = re.compile(r"^r-(?P<number>[a-z0-9-]{1,32})-(?P<signature>[a-z2-7]{10})$")


@dataclass(frozen=True, slots=True)
class ReplyAddress:
    case_number: str  # as the service writes it (upper case)
    signature: str


def signature(secret: str, store_id: int, case_number: str) -> str:
    digest = hmac.new(
        secret.encode(), f"reply-to:{store_id}:{case_number.upper()}".encode(), hashlib.sha256
    ).digest()
    return base64.b32encode(digest).decode().lower()[:SIGNATURE_LENGTH]


def reply_address(secret: str, store_id: int, case_number: str, domain: str) -> str:
    local = f"{_PREFIX}{case_number.lower()}-{signature(secret, store_id, case_number)}"
    return f"{local}@{domain.lower()}"


def parse(address: str, domain: str) -> ReplyAddress | None:
    """The case an address at our inbound `domain` names, unverified; None for any other."""
    local, at, host = address.strip().lower().rpartition("@")
    if not at or host != domain.lower():
        return None
    local = local.split("+", 1)[0] if "+" in local else local  # sub-addressing, if added
    match = _LOCAL.match(local)
    if match is None:
        return None
    return ReplyAddress(match["number"].upper(), match["signature"])


def verifies(secret: str, store_id: int, address: ReplyAddress) -> bool:
    """Whether the address was made by this service for this store (constant time)."""
    expected = signature(secret, store_id, address.case_number)
    return hmac.compare_digest(expected, address.signature)
