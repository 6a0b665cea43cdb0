"""Money as the portal's pages show it: what each line gets and the totals, computed by the
same function as the case's `amounts` and the preview (`domain.amounts.amounts_of`), so the
review step, the case page and the API never disagree."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from returns_service.domain.amounts import Amounts, Fee, amounts_of
from returns_service.domain.amounts import LineAmount as Priced
from returns_service.domain.money import Money


@dataclass(frozen=True, slots=True)
class AmountLine:
    line_id: int
    resolution: str  # refund | store_credit | exchange
    unit_price: Money
    quantity: int
    price_difference: int = 0  # exchanges: + the customer pays it, - it is refunded
    fees: tuple[tuple[str, int], ...] = ()  # what the policy's rules took from the line
    bonus: int = 0  # bonus credit the line earns


@dataclass(frozen=True, slots=True)
class LineAmount:
    line_id: int
    resolution: str
    gets: Money  # back to the card, as credit, or the value of the replacement
    price_difference: Money  # what the customer pays on top (exchanges; negative: refunded)


@dataclass(frozen=True, slots=True)
class ShownAmounts:
    currency: str
    items_total: Money
    fees: tuple[tuple[str, Money], ...]
    refund_total: Money
    credit_total: Money
    difference_due: Money
    lines: dict[int, LineAmount]


def shown_amounts(currency: str, lines: Sequence[AmountLine]) -> ShownAmounts:
    totals: Amounts = amounts_of(
        currency,
        [
            Priced(
                a.resolution,
                a.unit_price.amount,
                a.quantity,
                a.price_difference,
                a.fees,
                a.bonus,
            )
            for a in lines
        ],
    )
    fees: list[Fee] = totals.fees
    return ShownAmounts(
        currency,
        totals.items_total,
        tuple((fee.kind, fee.amount) for fee in fees),
        totals.refund_total,
        totals.credit_total,
        Money(totals.difference_due.amount, currency),
        {
            a.line_id: LineAmount(
                a.line_id,
                a.resolution,
                a.unit_price.times(a.quantity),
                Money(a.price_difference, currency),
            )
            for a in lines
        },
    )
