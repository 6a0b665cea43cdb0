"""What the portal's pages show of money, until the amounts service lands.

INTERIM: the amounts computation (fees, bonus credit, exchange price differences; issue 11,
`POST /portal/returns/preview` and `amounts` on the case) is built on another branch. The pages
read money only through `interim_amounts`, which computes what the service does today: the
price paid x quantity back for a refund or store credit, an exchange at the same price. At
merge, this module is replaced by a call to that service with the same shape."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from returns_service.domain.money import Money


@dataclass(frozen=True, slots=True)
class AmountLine:
    line_id: int
    resolution: str  # refund | store_credit | exchange
    unit_price: Money
    quantity: int


@dataclass(frozen=True, slots=True)
class LineAmount:
    line_id: int
    resolution: str
    gets: Money  # back to the card, as credit, or the value of the replacement
    price_difference: Money  # what the customer pays on top (exchanges); zero today


@dataclass(frozen=True, slots=True)
class ShownAmounts:
    currency: str
    items_total: Money
    fees: tuple[tuple[str, Money], ...]
    refund_total: Money
    credit_total: Money
    difference_due: Money
    lines: dict[int, LineAmount]


def interim_amounts(currency: str, lines: Sequence[AmountLine]) -> ShownAmounts:
    zero = Money(0, currency)
    refund, credit, total = zero, zero, zero
    shown: dict[int, LineAmount] = {}
    for line in lines:
        value = line.unit_price.times(line.quantity)
        total += value
        if line.resolution == "refund":
            refund += value
        elif line.resolution == "store_credit":
            credit += value
        shown[line.line_id] = LineAmount(line.line_id, line.resolution, value, zero)
    return ShownAmounts(currency, total, (), refund, credit, zero, shown)
