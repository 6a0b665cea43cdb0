"""Return windows and eligibility: which lines can go back, how many, until which day.

A window is counted in the store's time zone from the day the customer had the product
(`window_starts: delivery`, the seeds' choice) or from the order day; its last day is
inclusive. Rules match a line by category, product or SKU; the last matching rule that sets a
field decides that field.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Annotated, Literal

import msgspec

from returns_service.domain.amounts import PriceDifferenceMode
from returns_service.domain.money import Money
from returns_service.domain.text import COUNTRY

WindowDays = Annotated[int, msgspec.Meta(ge=0, le=3650)]
CountryCode = Annotated[str, msgspec.Meta(pattern=COUNTRY)]


class IneligibleReason(StrEnum):
    FINAL_SALE = "final_sale"
    NOT_RETURNABLE = "not_returnable"  # excluded by a policy rule (e.g. gift cards)
    NOT_DELIVERED = "not_delivered"
    WINDOW_CLOSED = "window_closed"
    ALREADY_RETURNED = "already_returned"


class RuleMatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    category: str | None = None
    product_id: str | None = None
    sku: str | None = None

    def matches(self, line: LineFacts) -> bool:
        if self.category is None and self.product_id is None and self.sku is None:
            return False  # an empty match would silently apply to everything
        return (
            (self.category is None or self.category == line.category)
            and (self.product_id is None or self.product_id == line.product_id)
            and (self.sku is None or self.sku == line.sku)
        )


class PolicyRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    match: RuleMatch
    window_days: WindowDays | None = None
    returnable: bool | None = None


class PostalAddress(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    name: str
    line1: str
    city: str
    postal_code: str
    country: CountryCode
    line2: str = ""
    region: str = ""


class ReturnAddress(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Where parcels from these countries go back to (e.g. an EU hub for EU customers)."""

    countries: tuple[CountryCode, ...]
    address: PostalAddress


class ReturnPolicy(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    window_days: WindowDays = 30
    window_starts: Literal["delivery", "order"] = "delivery"
    rules: tuple[PolicyRule, ...] = ()
    final_sale_returnable: bool = False
    prepaid_label_countries: tuple[CountryCode, ...] = ("US",)
    advance_exchange: Literal["on_request", "on_first_scan", "on_receipt"] = "on_first_scan"
    advance_exchange_return_days: Annotated[int, msgspec.Meta(ge=1, le=365)] = 21
    advance_exchange_max_open: Money = Money(100000, "USD")
    auto_approve: bool = True
    # what an exchange for a variant of another price does; the safe default for a store
    # that has not decided is to refuse it (domain/amounts.py)
    exchange_price_difference: PriceDifferenceMode = "same_price_only"
    return_addresses: tuple[ReturnAddress, ...] = ()
    label_service: str = "cheapest"  # cheapest | fastest | "<carrier> <service>" (issue 12)

    def return_address(self, country: str) -> PostalAddress | None:
        """The first return address serving the customer's country; None: the warehouse."""
        return next((r.address for r in self.return_addresses if country in r.countries), None)


class LineFacts(msgspec.Struct, frozen=True):
    """What eligibility needs to know about one order line."""

    sku: str
    product_id: str | None
    category: str | None
    quantity: int
    final_sale: bool
    placed_at: datetime
    delivered_at: datetime | None


class LineEligibility(msgspec.Struct, frozen=True):
    returnable_quantity: int
    return_by: date | None
    ineligible_reason: IneligibleReason | None
    window_days: int


def _effective(policy: ReturnPolicy, line: LineFacts) -> tuple[int, bool]:
    window_days, returnable = policy.window_days, True
    for rule in policy.rules:
        if rule.match.matches(line):
            if rule.window_days is not None:
                window_days = rule.window_days
            if rule.returnable is not None:
                returnable = rule.returnable
    return window_days, returnable


def last_day_to_return(start: datetime, window_days: int, tz: tzinfo) -> date:
    """The window's last (inclusive) day, counted in the store's calendar."""
    return start.astimezone(tz).date() + timedelta(days=window_days)


def evaluate_line(
    policy: ReturnPolicy,
    line: LineFacts,
    *,
    already_covered: int,
    now: datetime,
    tz: tzinfo,
) -> LineEligibility:
    """Decide how many units of a line can still be returned, and until when.

    `already_covered` is the quantity that open or finished return cases already hold.
    """
    window_days, returnable = _effective(policy, line)

    def ineligible(reason: IneligibleReason, return_by: date | None) -> LineEligibility:
        return LineEligibility(0, return_by, reason, window_days)

    if not returnable:
        return ineligible(IneligibleReason.NOT_RETURNABLE, None)
    if line.final_sale and not policy.final_sale_returnable:
        return ineligible(IneligibleReason.FINAL_SALE, None)
    if line.delivered_at is None:
        return ineligible(IneligibleReason.NOT_DELIVERED, None)
    start = line.delivered_at if policy.window_starts == "delivery" else line.placed_at
    return_by = last_day_to_return(start, window_days, tz)
    if now.astimezone(tz).date() > return_by:
        return ineligible(IneligibleReason.WINDOW_CLOSED, return_by)
    remaining = max(0, line.quantity - already_covered)
    if remaining == 0:
        return ineligible(IneligibleReason.ALREADY_RETURNED, return_by)
    return LineEligibility(remaining, return_by, None, window_days)
