"""Requests and responses of inbound email."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

# accepted: a message on the case; held: kept aside for a lead; bounce, auto_reply: recorded,
# never a message; duplicate: this Message-ID was already received (nothing new was kept)
ReceiptStatus = Literal["accepted", "held", "bounce", "auto_reply", "duplicate"]


class InboundReceipt(msgspec.Struct, frozen=True):
    status: ReceiptStatus
    case_number: str | None
    id: int | None = None  # the kept email's id (the first one's, for a duplicate)


class HeldAttachment(msgspec.Struct, frozen=True):
    id: int
    filename: str
    content_type: str
    size: int


class HeldEmailView(msgspec.Struct, frozen=True):
    """An email kept aside: what it says, who sent it, to what, and why it was held."""

    id: int
    received_at: datetime
    status: str  # held | accepted | discarded
    from_address: str = msgspec.field(name="from")
    to: str
    subject: str
    reason: str
    body: str  # the sender's own words, quoted history taken off
    case_number: str | None  # the case its address named (or it was accepted into)
    attachments: list[HeldAttachment]


class HeldEmailPage(msgspec.Struct, frozen=True):
    items: list[HeldEmailView]
    next_cursor: str | None


class AcceptHeldIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    case_number: Annotated[str, msgspec.Meta(min_length=1, max_length=16)]
