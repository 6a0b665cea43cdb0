"""What a returned item becomes, and how much money goes back.

Refunds use the price the customer paid per unit; the sum refunded for an order line can
never exceed what was paid for it. Items graded new or like new settle by themselves; worn,
damaged, wrong or missing items go to the concierge to decide (the seeds are lenient: they may
still refund in full).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from returns_service.domain.errors import InvalidRequest


class Condition(StrEnum):
    NEW = "new"
    LIKE_NEW = "like_new"
    WORN = "worn"
    DAMAGED = "damaged"
    WRONG_ITEM = "wrong_item"
    MISSING = "missing"


class Disposition(StrEnum):
    RESTOCK = "restock"
    REFURBISH = "refurbish"
    DISPOSE = "dispose"
    RETURN_TO_VENDOR = "return_to_vendor"


SETTLES_BY_ITSELF = frozenset({Condition.NEW, Condition.LIKE_NEW})


class RefundTooHigh(InvalidRequest):
    code = "refund-too-high"
    title = "More than was paid"


@dataclass(frozen=True, slots=True)
class LineBalance:
    line_id: int
    paid: int  # unit price x the quantity this case returns
    refunded: int  # already refunded for this line (any case, any earlier refund)
    line_paid_total: int  # unit price x the whole line quantity

    @property
    def refundable(self) -> int:
        return max(0, min(self.paid, self.line_paid_total - self.refunded))


def allocate_refund(amount: int | None, balances: list[LineBalance]) -> list[tuple[int, int]]:
    """Split a refund over the case's lines: the full refundable amount by default, or
    `amount` spread line by line. Raises RefundTooHigh when it is more than can go back."""
    available = sum(b.refundable for b in balances)
    wanted = available if amount is None else amount
    if wanted <= 0:
        raise RefundTooHigh("nothing is left to refund on this case", refundable=available)
    if wanted > available:
        raise RefundTooHigh(
            f"at most {available} can still be refunded on this case", refundable=available
        )
    parts = []
    for balance in balances:
        take = min(balance.refundable, wanted)
        if take > 0:
            parts.append((balance.line_id, take))
            wanted -= take
        if wanted == 0:
            break
    return parts
