"""Return windows and eligibility: which lines can go back, how many, until which day.

A window is counted in the store's time zone from the day the customer had the product
(`window_starts: delivery`, the seeds' choice) or from the order day; its last day is
inclusive. Rules match a line by category, product or SKU (`match`) or by any of the facts
`when` tests (reason, resolution, customer, order, history); the last matching rule that sets a
field decides that field. The engine that turns rules into a case's outcome is `rules.py`.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Annotated, Literal, get_args

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


# the built-in codes (domain/cases.py keeps the same lists as enums; a unit test checks)
ReasonCode = Literal[
    "too_small",
    "too_large",
    "not_as_described",
    "changed_mind",
    "defective",
    "wrong_item",
    "arrived_late",
    "other",
]
BUILT_IN_REASONS: tuple[str, ...] = get_args(ReasonCode)
# a merchant's own reason code (issue 14): a short slug, stored on the case item as given
MerchantReasonCode = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_]{1,39}$")]
ResolutionCode = Literal["refund", "store_credit", "exchange"]
AdvanceExchangeMode = Literal["on_request", "on_first_scan", "on_receipt"]
Percent = Annotated[int, msgspec.Meta(ge=0, le=100)]
Count = Annotated[int, msgspec.Meta(ge=0, le=100000)]
Names = Annotated[tuple[str, ...], msgspec.Meta(min_length=1, max_length=500)]


class RuleWhen(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """The conditions of a rule; all that are given must hold. A list matches one of its
    values. A condition on a fact that is not known yet (the reason and resolution while the
    portal shows what is returnable) does not hold."""

    # built-in codes or the policy's own `reasons` (checked when the policy is saved)
    reason: Annotated[tuple[MerchantReasonCode, ...], msgspec.Meta(min_length=1)] | None = None
    resolution: Annotated[tuple[ResolutionCode, ...], msgspec.Meta(min_length=1)] | None = None
    category: Names | None = None
    sku: Names | None = None
    product_id: Names | None = None
    country: Annotated[tuple[CountryCode, ...], msgspec.Meta(min_length=1)] | None = None
    customer_tags: Names | None = None
    order_total_at_least: Money | None = None
    unit_price_below: Money | None = None
    days_since_delivery_at_least: Count | None = None
    customer_returns_last_365_days_at_least: Count | None = None
    customer_refunded_last_365_days_at_least: Money | None = None


class RuleFee(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """A fee taken from what a line gets back: `percent` of what was paid for it, or a fixed
    `amount` per returned unit. `label` names it on the preview, the case and the emails."""

    percent: Percent | None = None
    amount: Money | None = None
    label: Annotated[str, msgspec.Meta(min_length=1, max_length=40)] = "fee"
    # exactly one of percent and amount: checked when the policy is saved (domain/rules.py),
    # a 422 naming the field, as the schema cannot say it


class BonusCredit(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    """Extra store credit for choosing store credit or an exchange instead of a refund: a
    percentage of what was paid for the line, plus an optional fixed amount per line."""

    store_credit_percent: Percent = 0
    exchange_percent: Percent = 0
    store_credit_fixed: Money | None = None
    exchange_fixed: Money | None = None


class PolicyRule(msgspec.Struct, frozen=True, forbid_unknown_fields=True, omit_defaults=True):
    match: RuleMatch | None = None  # the first form: category, product or SKU
    when: RuleWhen | None = None
    window_days: WindowDays | None = None
    returnable: bool | None = None
    fee: RuleFee | None = None
    return_shipping_fee: Money | None = None  # once per case, from what goes back
    keep_it: bool | None = None  # refunded or credited without sending the item back
    require_review: bool | None = None
    allowed_resolutions: (
        Annotated[tuple[ResolutionCode, ...], msgspec.Meta(min_length=1)] | None
    ) = None
    bonus_credit: BonusCredit | None = None
    advance_exchange: AdvanceExchangeMode | None = None
    # a rule needs `when` or `match`: checked when the policy is saved (domain/rules.py)


class PolicyReason(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A reason the portal offers, with the merchant's words per language: a built-in code
    worded the merchant's way, or the merchant's own code."""

    code: MerchantReasonCode
    labels: dict[str, str] = {}  # language code -> the words

    def label(self, language: str) -> str:
        return label_in(self.labels, language, self.code)


def label_in(labels: dict[str, str], language: str, code: str) -> str:
    """The merchant's words in `language`, else English, else the code itself."""
    return labels.get(language) or labels.get("en") or code


class Blocklist(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Customers whose returns a person decides: emails (`@domain` blocks a domain) and
    addresses (each comma-separated part must appear in the shipping address)."""

    emails: tuple[str, ...] = ()
    addresses: tuple[str, ...] = ()


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
    # issue 14: the carriers' choice of service, and the first-response promise of issue 15
    label_service: Annotated[str, msgspec.Meta(min_length=1, max_length=80)] = "cheapest"
    first_response_hours: Annotated[int, msgspec.Meta(ge=1, le=720)] = 24
    reasons: tuple[PolicyReason, ...] = ()  # empty: the built-in reasons, in English words
    bonus_credit: BonusCredit = BonusCredit()
    blocklist: Blocklist = Blocklist()

    def reason_choices(self, language: str) -> list[tuple[str, str | None]]:
        """The reasons the portal offers, in order: the merchant's `reasons` with their label
        in `language` (else English, else the code), or, when the policy lists none, every
        built-in code (label None: the catalogue's words for it)."""
        if not self.reasons:
            return [(code, None) for code in get_args(ReasonCode)]
        return [(reason.code, reason.label(language)) for reason in self.reasons]

    def accepts_reason(self, code: str) -> bool:
        """A return may give a built-in reason (the API always takes those) or one the
        merchant lists."""
        return code in BUILT_IN_REASONS or any(r.code == code for r in self.reasons)

    def merchant_reason_labels(self, code: str) -> dict[str, str]:
        """The merchant's words for one of their own codes ({} for a built-in code, which the
        catalogue words), kept on the case item so the label outlives a policy change."""
        if code in BUILT_IN_REASONS:
            return {}
        reason = next((r for r in self.reasons if r.code == code), None)
        return dict(reason.labels) if reason is not None else {}

    def return_address(self, country: str) -> PostalAddress | None:
        """The first return address serving the customer's country; None: the warehouse."""
        return next((r.address for r in self.return_addresses if country in r.countries), None)


class LineFacts(msgspec.Struct, frozen=True):
    """What eligibility and the rules need to know about one order line. Facts that are not
    known at a moment stay None (the reason and resolution before the customer picks them)."""

    sku: str
    product_id: str | None
    category: str | None
    quantity: int
    final_sale: bool
    placed_at: datetime
    delivered_at: datetime | None
    unit_price: Money | None = None
    reason: str | None = None
    resolution: str | None = None
    country: str | None = None
    customer_tags: tuple[str, ...] = ()
    order_total: Money | None = None
    days_since_delivery: int | None = None
    customer_returns_last_365_days: int | None = None
    customer_refunded_last_365_days: Money | None = None


def _at_least(fact: Money | None, bound: Money) -> bool:
    return fact is not None and fact.currency == bound.currency and fact.amount >= bound.amount


def _in(fact: str | None, values: tuple[str, ...]) -> bool:
    return fact is not None and fact in values


def matched_on(rule: PolicyRule, line: LineFacts) -> dict[str, object] | None:
    """The facts a rule matched on ({condition: the line's fact}), or None when it does not
    match. Rules without `when` keep the older `match` semantics."""
    found: dict[str, object] = {}
    if rule.match is None and rule.when is None:
        return None  # refused when the policy is saved; never a rule for everything
    if rule.match is not None:
        if not rule.match.matches(line):
            return None
        found.update(msgspec.structs.asdict(rule.match))
        found = {k: v for k, v in found.items() if v is not None}
    w = rule.when
    if w is None:
        return found
    tests: list[tuple[str, object, bool]] = []
    for name in ("reason", "resolution", "category", "sku", "country"):
        values = getattr(w, name)
        if values is not None:
            fact = getattr(line, name)
            tests.append((name, fact, _in(fact, values)))
    if w.product_id is not None:
        tests.append(("product_id", line.product_id, _in(line.product_id, w.product_id)))
    if w.customer_tags is not None:
        common = sorted(set(w.customer_tags) & set(line.customer_tags))
        tests.append(("customer_tags", common, bool(common)))
    if w.order_total_at_least is not None:
        tests.append(
            ("order_total", line.order_total, _at_least(line.order_total, w.order_total_at_least))
        )
    if w.unit_price_below is not None:
        price, bound = line.unit_price, w.unit_price_below
        below = (
            price is not None and price.currency == bound.currency and price.amount < bound.amount
        )
        tests.append(("unit_price", price, below))
    if w.days_since_delivery_at_least is not None:
        days = line.days_since_delivery
        held = days is not None and days >= w.days_since_delivery_at_least
        tests.append(("days_since_delivery", days, held))
    if w.customer_returns_last_365_days_at_least is not None:
        count = line.customer_returns_last_365_days
        held = count is not None and count >= w.customer_returns_last_365_days_at_least
        tests.append(("customer_returns_last_365_days", count, held))
    if w.customer_refunded_last_365_days_at_least is not None:
        value = line.customer_refunded_last_365_days
        held = _at_least(value, w.customer_refunded_last_365_days_at_least)
        tests.append(("customer_refunded_last_365_days", value, held))
    if not tests or not all(held for _, _, held in tests):
        return None  # an empty `when` is refused when the policy is saved
    found.update({name: fact for name, fact, _ in tests})
    return found


class LineEligibility(msgspec.Struct, frozen=True):
    returnable_quantity: int
    return_by: date | None
    ineligible_reason: IneligibleReason | None
    window_days: int


def _effective(policy: ReturnPolicy, line: LineFacts) -> tuple[int, bool]:
    window_days, returnable = policy.window_days, True
    for rule in policy.rules:
        if matched_on(rule, line) is not None:
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
