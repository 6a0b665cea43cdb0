"""The simulator's request and answer (POST /api/v1/policy/simulations)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import msgspec

from returns_service.domain.money import Money
from returns_service.domain.policy import ReturnPolicy


class SimulationRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    policy: ReturnPolicy  # the draft
    from_: date = msgspec.field(name="from")  # delivery days, in the store's time zone
    to: date  # inclusive; at most 366 days after `from`


class PolicyFigures(msgspec.Struct, frozen=True):
    """One policy over the lines: `eligible_lines` it lets be returned at all,
    `expected_returns` in units (one decimal), and money per currency (one Money each,
    largest first; currencies are never added together)."""

    eligible_lines: int
    expected_returns: float
    refunds: list[Money]
    credits: list[Money]
    fees: list[Money]
    exposure: list[Money]  # advance replacements shipped before the original is back


class Fee(msgspec.Struct, frozen=True):
    label: str
    amount: Money  # per unit, on a refund


class LineOutcomeView(msgspec.Struct, frozen=True):
    """What the portal would answer for the line today under one policy."""

    eligible: bool
    return_by: date | None
    window_days: int
    fees: list[Fee]
    keep_it: bool
    review: bool
    resolutions: list[str]


class ChangedRule(msgspec.Struct, frozen=True):
    policy: Literal["published", "draft"]
    index: int | None
    text: str  # as a case's decision.rules[].text reads
    effect: dict[str, Any]
    matched_on: dict[str, Any]


class Change(msgspec.Struct, frozen=True):
    order_number: str
    line_id: int
    sku: str
    delivered_on: date
    published: LineOutcomeView
    draft: LineOutcomeView
    rules: list[ChangedRule]


class CategoryCurve(msgspec.Struct, frozen=True):
    """A category's observed returns: the days since delivery history covers
    (`covered_days`, -1: no return seen), the share returned within 30, 90 and 365 days (the
    last two partly assumed when beyond `covered_days`), and the assumed daily rate after."""

    category: str
    delivered_units: int
    returned_units: int
    covered_days: int
    share_30_days: float
    share_90_days: float
    share_365_days: float
    tail_daily_rate: float


class Assumptions(msgspec.Struct, frozen=True):
    history_from: date  # lines delivered since then, and their returns
    history_to: date
    tail_days: int  # the observed days whose mean daily rate continues the curve
    half_life_days: int  # the assumed rate halves every half_life_days after that
    curves: list[CategoryCurve]
    notes: list[str]


class SimulationResult(msgspec.Struct, frozen=True):
    from_: date = msgspec.field(name="from")
    to: date
    published_version: int | None  # None: the store never published (the defaults)
    published: PolicyFigures
    draft: PolicyFigures
    changes: list[Change]  # at most 50 examples, newest delivery first
    changed_lines: int  # every line whose outcome today differs
    assumptions: Assumptions
