"""The policy simulator's model (issue 16): replay delivered order lines under two policies.

Pure: the service (services/simulation/) reads the store's history and the lines, grouped by
every attribute the rules can read, and passes them in with "today". docs/simulator.md says
the same in prose; the numbers below are the ones it names.

- A category's return curve: `F(t)`, the share of delivered units returned within `t` days of
  delivery (day 0 is the delivery day). Its daily rate on day k is the units returned k days
  after delivery over the units delivered at least k days before today (the lines that could
  have been returned on day k by now), so young lines do not dilute it.
- History covers a category up to `H`: the window the published policy gives the category
  (a 30-day store has no returns after day 30), or the last day it saw a return if later, but
  no further than its oldest delivery. Beyond `H` the daily rate is the mean of the last
  `TAIL_DAYS` observed days, halving every `HALF_LIFE_DAYS` days.
- A category without deliveries in the history uses the whole store's curve and mix; a store
  without any history expects no returns.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from returns_service.domain.money import Money
from returns_service.domain.policy import LineFacts, ReturnPolicy
from returns_service.domain.rules import RuleDecision, decide_line

TAIL_DAYS = 14
HALF_LIFE_DAYS = 30
ADVANCE_BEFORE_RECEIPT = frozenset({"on_request", "on_first_scan"})
RESOLUTIONS = ("refund", "store_credit", "exchange")
ALL = "*"  # the whole store's curve and mix, for categories without their own history


@dataclass(frozen=True, slots=True)
class Curve:
    """Observed daily return rates r(0..H) and the assumed tail after H."""

    daily: tuple[float, ...]
    tail_rate: float

    @property
    def covered_days(self) -> int:
        return len(self.daily) - 1  # H; -1 when the category saw no return

    def share(self, days: int) -> float:
        """F(days): the share of delivered units returned on days 0..days since delivery."""
        if days < 0:
            return 0.0
        observed = sum(self.daily[: days + 1])
        beyond = days - self.covered_days
        if beyond <= 0 or self.tail_rate == 0.0:
            return observed
        return observed + self.tail_rate * sum(
            0.5 ** (k / HALF_LIFE_DAYS) for k in range(1, beyond + 1)
        )


def build_curve(
    delivered_by_age: Mapping[int, int], returned_by_day: Mapping[int, int], observed: int = 0
) -> Curve:
    """`delivered_by_age`: units delivered `age` days before today; `returned_by_day`: units
    returned `k` days after their delivery; `observed`: the days a return could be made in
    (the published window), observed even where nobody returned anything."""
    if not returned_by_day:
        return Curve((), 0.0)
    oldest = max(delivered_by_age, default=0)
    last = max(max(returned_by_day), min(observed, oldest))
    ages = sorted(delivered_by_age.items(), reverse=True)
    at_risk: dict[int, int] = {}
    running, i = 0, 0
    for k in range(last, -1, -1):  # units delivered at least k days ago, from the oldest
        while i < len(ages) and ages[i][0] >= k:
            running += ages[i][1]
            i += 1
        at_risk[k] = running
    daily = tuple(
        returned_by_day.get(k, 0) / at_risk[k] if at_risk[k] else 0.0 for k in range(last + 1)
    )
    tail = daily[-TAIL_DAYS:]
    return Curve(daily, sum(tail) / len(tail))


@dataclass(frozen=True, slots=True)
class History:
    """Per category (and `ALL`): the return curve and the mix of returned units by (reason,
    resolution), as shares summing to 1."""

    curves: Mapping[str, Curve]
    mixes: Mapping[str, Mapping[tuple[str, str], float]]

    def curve(self, category: str) -> Curve:
        return self.curves.get(category) or self.curves.get(ALL) or Curve((), 0.0)

    def mix(self, category: str) -> Mapping[tuple[str, str], float]:
        return self.mixes.get(category) or self.mixes.get(ALL) or {("other", "refund"): 1.0}


def build_history(
    delivered: Iterable[tuple[str, int, int]],
    returned: Iterable[tuple[str, int, int]],
    mix: Iterable[tuple[str, str, str, int]],
    policy: ReturnPolicy | None = None,
) -> History:
    """From (category, age, units) delivered, (category, day since delivery, units) returned
    and (category, reason, resolution, units) returned; `policy` (the published one) says
    how many days after delivery each category could be returned in."""
    delivered_by: dict[str, dict[int, int]] = {ALL: {}}
    for category, age, units in delivered:
        for key in (category, ALL):
            bucket = delivered_by.setdefault(key, {})
            bucket[age] = bucket.get(age, 0) + units
    returned_by: dict[str, dict[int, int]] = {}
    for category, day, units in returned:
        for key in (category, ALL):
            bucket = returned_by.setdefault(key, {})
            bucket[max(day, 0)] = bucket.get(max(day, 0), 0) + units
    curves = {
        key: build_curve(ages, returned_by.get(key, {}), _window_of(policy, key))
        for key, ages in delivered_by.items()
    }
    counts: dict[str, dict[tuple[str, str], int]] = {}
    for category, reason, resolution, units in mix:
        for key in (category, ALL):
            pairs = counts.setdefault(key, {})
            pairs[(reason, resolution)] = pairs.get((reason, resolution), 0) + units
    mixes = {
        key: {pair: units / sum(bucket.values()) for pair, units in bucket.items()}
        for key, bucket in counts.items()
        if sum(bucket.values())
    }
    return History(curves, mixes)


def _window_of(policy: ReturnPolicy | None, category: str) -> int:
    """The window a policy gives a category as a whole (rules on SKUs or products, reasons or
    customers do not count); the policy's own for the whole store (`ALL`)."""
    if policy is None:
        return 0
    if category == ALL:
        return policy.window_days
    line = LineFacts(
        sku="",
        product_id=None,
        category=category or None,
        quantity=1,
        final_sale=False,
        placed_at=datetime(2000, 1, 1, tzinfo=UTC),
        delivered_at=None,
    )
    return decide_line(policy, line).window_days


# ---------------------------------------------------------------------------------------------
# Lines, grouped


@dataclass(frozen=True, slots=True)
class LineGroup:
    """Delivered lines sharing every attribute the rules read: `units` units on `lines`
    lines. `start` is the day the window counts from (delivery or order day, per policy)."""

    category: str
    sku: str
    product_id: str | None
    final_sale: bool
    delivered: date
    placed: date
    unit_price: int
    currency: str
    units: int
    lines: int
    country: str | None = None
    customer_tags: tuple[str, ...] = ()
    order_total: int | None = None

    def facts(
        self, today: date, reason: str | None = None, resolution: str | None = None
    ) -> LineFacts:
        at = datetime.combine(self.delivered, time(12), UTC)
        return LineFacts(
            sku=self.sku,
            product_id=self.product_id,
            category=self.category or None,
            quantity=1,  # money is reckoned per unit, then times the expected units
            final_sale=self.final_sale,
            placed_at=datetime.combine(self.placed, time(12), UTC),
            delivered_at=at,
            unit_price=Money(self.unit_price, self.currency),
            reason=reason,
            resolution=resolution,
            country=self.country,
            customer_tags=self.customer_tags,
            order_total=(
                Money(self.order_total, self.currency) if self.order_total is not None else None
            ),
            days_since_delivery=(today - self.delivered).days,
        )


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a policy does with one line as of today (the `changes` entries' two sides)."""

    eligible: bool
    return_by: date | None
    window_days: int
    fees: tuple[tuple[str, int], ...]  # per unit, on a refund (the reason not known yet)
    keep_it: bool
    review: bool
    resolutions: tuple[str, ...]
    rules: tuple[RuleDecision, ...]

    def same_as(self, other: Outcome) -> bool:
        if self.return_by is None and other.return_by is None:
            return True  # neither lets it be returned at all (final sale, not returnable)
        return (
            self.eligible,
            self.return_by,
            self.window_days,
            self.fees,
            self.keep_it,
            self.review,
            self.resolutions,
        ) == (
            other.eligible,
            other.return_by,
            other.window_days,
            other.fees,
            other.keep_it,
            other.review,
            other.resolutions,
        )


@dataclass(slots=True)
class Figures:
    """One policy's totals; money per currency in minor units (floats until rounded)."""

    eligible_lines: int = 0
    expected_returns: float = 0.0
    refunds: dict[str, float] = field(default_factory=dict)
    credits: dict[str, float] = field(default_factory=dict)
    fees: dict[str, float] = field(default_factory=dict)
    exposure: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _PerUnit:
    eligible: bool  # returnable at all: not refused, not final sale, a window of a day or more
    window_days: int
    refund: float
    credit: float
    fee: float
    exposure: float


def _add(bucket: dict[str, float], currency: str, value: float) -> None:
    if value:
        bucket[currency] = bucket.get(currency, 0.0) + value


class Simulator:
    """One policy over groups of lines; evaluations are kept per distinct facts, so a group
    differing only by its delivery day costs a dictionary look-up."""

    def __init__(self, policy: ReturnPolicy, history: History, today: date) -> None:
        self.policy, self.history, self.today = policy, history, today
        self.figures = Figures()
        self._per_unit: dict[object, _PerUnit] = {}
        self._outcomes: dict[object, tuple[int, bool, tuple, bool, bool, tuple, tuple]] = {}
        self._day_matters = any(
            r.when is not None and r.when.days_since_delivery_at_least is not None
            for r in policy.rules
        )

    def _key(self, g: LineGroup) -> object:
        attrs = (g.category, g.sku, g.product_id, g.final_sale, g.unit_price, g.currency)
        extra = (g.country, g.customer_tags, g.order_total)
        return (*attrs, *extra, g.delivered if self._day_matters else None)

    def _unit(self, g: LineGroup) -> _PerUnit:
        key = self._key(g)
        found = self._per_unit.get(key)
        if found is not None:
            return found
        policy = self.policy
        base = decide_line(policy, g.facts(self.today))
        eligible = (
            base.returnable
            and (not g.final_sale or policy.final_sale_returnable)
            and base.window_days > 0
        )
        refund = credit = fee = exposure = 0.0
        if eligible:
            for (reason, resolution), share in self._mix(g.category, base.allowed_resolutions):
                o = decide_line(policy, g.facts(self.today, reason, resolution))
                fees = o.fee_total
                fee += share * fees
                if resolution == "refund":
                    refund += share * (g.unit_price - fees)
                elif resolution == "store_credit":
                    credit += share * (g.unit_price - fees + o.bonus)
                else:  # an exchange: its bonus is store credit; a fee is paid on top
                    credit += share * o.bonus
                    mode = o.advance_exchange or policy.advance_exchange
                    if mode in ADVANCE_BEFORE_RECEIPT:
                        exposure += share * g.unit_price
        found = _PerUnit(eligible, base.window_days, refund, credit, fee, exposure)
        self._per_unit[key] = found
        return found

    def _mix(
        self, category: str, allowed: tuple[str, ...] | None
    ) -> list[tuple[tuple[str, str], float]]:
        """The category's (reason, resolution) shares; a resolution the policy does not allow
        goes to the allowed ones in their observed proportion (all to the first allowed one
        when none was observed)."""
        mix = self.history.mix(category)
        if allowed is None:
            return list(mix.items())
        kept = {pair: s for pair, s in mix.items() if pair[1] in allowed}
        moved = 1.0 - sum(kept.values())
        if not kept:
            reasons: dict[str, float] = {}
            for (reason, _), share in mix.items():
                reasons[reason] = reasons.get(reason, 0.0) + share
            return [((reason, allowed[0]), share) for reason, share in reasons.items()]
        scale = 1.0 + moved / sum(kept.values())
        return [(pair, share * scale) for pair, share in kept.items()]

    def add(self, g: LineGroup) -> None:
        """Count a group into the figures: every unit's expected return within its window."""
        unit = self._unit(g)
        if not unit.eligible:
            return
        f = self.figures
        f.eligible_lines += g.lines
        days = unit.window_days  # counted from delivery, as the curves are
        if self.policy.window_starts == "order":
            days -= (g.delivered - g.placed).days
        expected = g.units * self.history.curve(g.category).share(days)
        f.expected_returns += expected
        _add(f.refunds, g.currency, expected * unit.refund)
        _add(f.credits, g.currency, expected * unit.credit)
        _add(f.fees, g.currency, expected * unit.fee)
        _add(f.exposure, g.currency, expected * unit.exposure)

    def outcome(self, g: LineGroup) -> Outcome:
        """The line as the portal would show it today under this policy."""
        key = self._key(g)
        cached = self._outcomes.get(key)
        if cached is None:
            policy = self.policy
            base = decide_line(policy, g.facts(self.today))
            refund = decide_line(policy, g.facts(self.today, None, "refund"))
            returnable = base.returnable and (not g.final_sale or policy.final_sale_returnable)
            cached = (
                base.window_days,
                returnable,
                refund.fees,
                base.keep_it,
                base.require_review,
                base.allowed_resolutions or RESOLUTIONS,
                base.rules,
            )
            self._outcomes[key] = cached
        window, returnable, fees, keep_it, review, resolutions, rules = cached
        start = g.delivered if self.policy.window_starts == "delivery" else g.placed
        return_by = start + timedelta(days=window) if returnable else None
        eligible = return_by is not None and self.today <= return_by
        return Outcome(eligible, return_by, window, fees, keep_it, review, resolutions, rules)


def differing_rules(published: Outcome, draft: Outcome) -> list[tuple[str, RuleDecision]]:
    """The rules that make the difference: those one side applied and the other did not
    apply in the same way (same index, same effect)."""
    mine = {(r.index, repr(r.effect)) for r in published.rules}
    theirs = {(r.index, repr(r.effect)) for r in draft.rules}
    found = [("published", r) for r in published.rules if (r.index, repr(r.effect)) not in theirs]
    found += [("draft", r) for r in draft.rules if (r.index, repr(r.effect)) not in mine]
    return found


def rounded(bucket: Mapping[str, float]) -> list[Money]:
    """Money per currency, rounded to minor units, largest first (never added across)."""
    values = [Money(round(v), c) for c, v in bucket.items() if round(v) > 0]
    return sorted(values, key=lambda m: (-m.amount, m.currency))
