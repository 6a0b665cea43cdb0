"""The money package's requests and responses."""

from __future__ import annotations

from typing import Annotated

import msgspec

from returns_service.domain.amounts import Amounts, Fee, SignedMoney
from returns_service.domain.money import Money


class RefundIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    amount: Annotated[int, msgspec.Meta(ge=1, le=10**12)] | None = None  # minor units


class PreviewItem(msgspec.Struct, frozen=True):
    """What one requested line would get: `total` goes back (refund or store credit) for the
    price paid; an exchange settles only `price_difference` (positive: the customer pays)."""

    line_id: int
    quantity: int
    resolution: str
    exchange_sku: str | None
    unit_price: Money
    total: Money
    price_difference: SignedMoney | None
    # what the policy's rules take from this line (an exchange's are in its price difference)
    fees: list[Fee] = msgspec.field(default_factory=list)


class Preview(msgspec.Struct, frozen=True):
    items: list[PreviewItem]
    amounts: Amounts
