"""What a return is worth, in one place: what each line gets, fees, bonus credit, totals and
the price difference of exchanges. Fees and bonus credit are what the rules engine
(domain/rules.py) decided for each line: fees come off refund and credit lines (an exchange's
fee is part of its price difference), bonus credit adds to the credit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import msgspec

from returns_service.domain.errors import InvalidRequest
from returns_service.domain.money import Money

PriceDifferenceMode = Literal["same_price_only", "charge_or_refund", "absorb"]


class SignedMoney(msgspec.Struct, frozen=True):
    """Money that may be negative: a price difference (positive: the customer pays it)."""

    amount: int
    currency: str


class Fee(msgspec.Struct, frozen=True):
    kind: str
    amount: Money


class Amounts(msgspec.Struct, frozen=True):
    currency: str
    items_total: Money
    fees: list[Fee]
    bonus_credit: Money
    refund_total: Money
    credit_total: Money
    difference_due: SignedMoney


class DifferentPrice(InvalidRequest):
    code = "exchange-price-difference"
    title = "The replacement has another price"


@dataclass(frozen=True, slots=True)
class LineAmount:
    resolution: str  # refund | store_credit | exchange
    unit_price: int
    quantity: int
    price_difference: int = 0  # exchanges: what the customer pays (+) or gets back (-)
    fees: tuple[tuple[str, int], ...] = ()  # (kind, minor units) taken from this line
    bonus: int = 0  # bonus store credit this line earns


def price_difference(
    mode: PriceDifferenceMode,
    paid: Money,
    replacement: Money,
    quantity: int,
    *,
    field: str,
) -> int:
    """The difference an exchange settles under the policy's `exchange_price_difference`:
    `same_price_only` refuses a replacement of another price, `absorb` lets the store eat it
    (0), `charge_or_refund` is the replacement minus what was paid, for the quantity."""
    if replacement.currency != paid.currency:
        raise DifferentPrice(
            f"the replacement is priced in {replacement.currency}, the order in {paid.currency}",
            field=field,
        )
    difference = (replacement.amount - paid.amount) * quantity
    if difference == 0 or mode == "absorb":
        return 0
    if mode == "same_price_only":
        raise DifferentPrice(
            "the replacement costs a different price, and the store's policy "
            "(exchange_price_difference: same_price_only) exchanges only for the same price",
            field=field,
            exchange_price_difference=mode,
        )
    return difference


def amounts_of(currency: str, lines: Sequence[LineAmount]) -> Amounts:
    """The totals of a return: refund and store-credit lines get what was paid for them, less
    their fees; exchanges settle only their price difference (their fees included in it);
    bonus credit is added to the credit."""
    by_kind: dict[str, int] = {}
    for line in lines:
        for kind, amount in line.fees:
            by_kind[kind] = by_kind.get(kind, 0) + amount
    fees = [Fee(kind, Money(amount, currency)) for kind, amount in by_kind.items() if amount]
    bonus = sum(line.bonus for line in lines)
    total = sum(line.unit_price * line.quantity for line in lines)

    def net(resolution: str) -> int:
        return sum(
            line.unit_price * line.quantity - sum(amount for _, amount in line.fees)
            for line in lines
            if line.resolution == resolution
        )

    refund, credit = net("refund"), net("store_credit")
    difference = sum(line.price_difference for line in lines if line.resolution == "exchange")
    return Amounts(
        currency=currency,
        items_total=Money(total, currency),
        fees=fees,
        bonus_credit=Money(bonus, currency),
        refund_total=Money(max(0, refund), currency),
        credit_total=Money(max(0, credit) + bonus, currency),
        difference_due=SignedMoney(difference, currency),
    )
