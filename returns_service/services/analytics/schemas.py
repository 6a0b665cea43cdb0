"""What the analytics routes answer (docs/analytics.md defines every figure). Each report has
`items`, the rows its CSV carries one for one; money is Money and never adds currencies: a
report row is per key *and* currency."""

from __future__ import annotations

from datetime import date
from typing import Literal

import msgspec

from returns_service.domain.money import Money

GroupBy = Literal["sku", "product", "category", "reason", "resolution", "country"]
GROUP_BY: tuple[str, ...] = ("sku", "product", "category", "reason", "resolution", "country")


class ReturnsRow(msgspec.Struct, frozen=True, kw_only=True):
    """One key (a SKU, a product, ...) in one currency."""

    key: str
    currency: str
    units_delivered: int
    units_returned: int
    return_rate: float | None  # returned / delivered, 4 places; null when nothing delivered
    refunded: Money
    credited: Money
    kept: Money  # exchanges' value + store credit for the lines: revenue the store kept


class ReturnsReport(msgspec.Struct, frozen=True, kw_only=True):
    start: date = msgspec.field(name="from")
    end: date = msgspec.field(name="to")
    group_by: str
    category: str | None
    items: list[ReturnsRow]


class Percentiles(msgspec.Struct, frozen=True, kw_only=True):
    """Hours, PostgreSQL `percentile_cont` (linear interpolation), rounded to 2 places."""

    count: int
    p50: float | None
    p90: float | None


class ResolutionMix(msgspec.Struct, frozen=True, kw_only=True):
    resolution: str
    cases: int
    units: int


class MoneyOutcome(msgspec.Struct, frozen=True, kw_only=True):
    """The money of the range's cases in one currency."""

    currency: str
    refunded: Money
    credited: Money
    bonus_credit: Money
    exchanged: Money
    kept: Money  # exchanged + credited (bonus excluded): revenue kept, against `refunded`
    fees: Money
    label_costs: Money
    advance_exposure: Money
    advance_open: int
    overdue_originals: int
    overdue_value: Money
    losses_charged: Money
    losses_charged_count: int
    losses_failed: Money
    losses_failed_count: int


class Ratings(msgspec.Struct, frozen=True, kw_only=True):
    count: int
    mean: float | None  # 2 places
    distribution: dict[str, int]  # "1".."5" -> how many


class FitSignal(msgspec.Struct, frozen=True, kw_only=True):
    product: str
    title: str
    too_small: int  # units returned as too small
    too_large: int
    runs: Literal["small", "large", "true_to_size"]


class OutcomeRow(msgspec.Struct, frozen=True, kw_only=True):
    """One figure of the outcomes report, as a CSV row: `figure` names it, `key` narrows it
    (a resolution, a currency, a product, a rating); a count, a number or money."""

    figure: str
    key: str
    count: int | None = None
    value: float | None = None
    money: Money | None = None


class OutcomesReport(msgspec.Struct, frozen=True, kw_only=True):
    start: date = msgspec.field(name="from")
    end: date = msgspec.field(name="to")
    category: str | None
    cases: int
    resolution_mix: list[ResolutionMix]
    keep_it: ResolutionMix
    expired_cases: int
    money: list[MoneyOutcome]
    time_to_resolution_hours: Percentiles
    first_response_hours: Percentiles
    ratings: Ratings
    fit: list[FitSignal]
    items: list[OutcomeRow]


class AgentRow(msgspec.Struct, frozen=True, kw_only=True):
    agent_id: int
    name: str
    cases_assigned: int
    first_responses: int
    first_response_p50_hours: float | None
    saves: int
    ratings_count: int
    rating_mean: float | None


class AgentsReport(msgspec.Struct, frozen=True, kw_only=True):
    start: date = msgspec.field(name="from")
    end: date = msgspec.field(name="to")
    items: list[AgentRow]
