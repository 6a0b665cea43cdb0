"""Money is integer minor units plus an ISO 4217 currency, never a float."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated

import msgspec

from returns_service.domain.text import CURRENCY

Currency = Annotated[str, msgspec.Meta(pattern=CURRENCY, examples=["USD"])]
Amount = Annotated[int, msgspec.Meta(ge=0, le=10**12)]


class Money(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    amount: Amount
    currency: Currency

    def __add__(self, other: Money) -> Money:
        self._same_currency(other)
        return Money(self.amount + other.amount, self.currency)

    def times(self, quantity: int) -> Money:
        return Money(self.amount * quantity, self.currency)

    def _same_currency(self, other: Money) -> None:
        if other.currency != self.currency:
            raise ValueError(f"cannot combine {self.currency} with {other.currency}")


# ISO 4217 currencies without minor units; every other currency here has two decimals.
_ZERO_DECIMAL = frozenset(
    {
        "BIF",
        "CLP",
        "DJF",
        "GNF",
        "ISK",
        "JPY",
        "KMF",
        "KRW",
        "PYG",
        "RWF",
        "UGX",
        "VND",
        "VUV",
        "XAF",
        "XOF",
        "XPF",
    }
)
_THREE_DECIMAL = frozenset({"BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"})


def minor_unit_exponent(currency: str) -> int:
    if currency in _ZERO_DECIMAL:
        return 0
    if currency in _THREE_DECIMAL:
        return 3
    return 2


def money_from_decimal(text: str, currency: str) -> Money:
    """'25.00' USD -> 2500. Refuses amounts with more precision than the currency has."""
    value = Decimal(text.strip())
    scaled = value.scaleb(minor_unit_exponent(currency))
    if scaled != scaled.to_integral_value() or scaled < 0:
        raise ValueError(f"{text!r} is not a valid {currency} amount")
    return Money(int(scaled), currency)


def to_decimal_string(money: Money) -> str:
    """2500 USD -> '25.00': the decimal amount an outside API reads, in the currency's digits."""
    exponent = minor_unit_exponent(money.currency)
    return f"{Decimal(money.amount).scaleb(-exponent):.{exponent}f}"
