"""The merchant's analytics: return rates, outcomes and concierges over a date range, for
leads and admins. Every figure is defined in docs/analytics.md; the SQL in queries.py is the
definition, this module validates the range and shapes the answer."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from returns_service.domain.access import Caller, Role
from returns_service.domain.errors import Forbidden, InvalidRequest
from returns_service.domain.money import Money
from returns_service.services.analytics import queries, rollup
from returns_service.services.analytics.schemas import (
    GROUP_BY,
    AgentRow,
    AgentsReport,
    FitSignal,
    MoneyOutcome,
    OutcomeRow,
    OutcomesReport,
    Percentiles,
    Ratings,
    ResolutionMix,
    ReturnsReport,
    ReturnsRow,
)
from returns_service.services.store.stores import get_store

MAX_DAYS = 366
DEFAULT_DAYS = 30
READERS = frozenset({Role.LEAD, Role.ADMIN, Role.SYSTEM})


def default_range(today: date) -> tuple[date, date]:
    """The last 30 days, today included."""
    return today - timedelta(days=DEFAULT_DAYS - 1), today


def check_range(start: date, end: date) -> None:
    if end < start:
        raise InvalidRequest("`to` is before `from`", field="to")
    if (end - start).days + 1 > MAX_DAYS:
        raise InvalidRequest(f"a range is at most {MAX_DAYS} days", field="to")


def parse_day(text: str | None, field: str) -> date | None:
    """A `YYYY-MM-DD` query value (None when absent); anything else is a 422 naming it."""
    if text is None or text == "":
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError as error:
        raise InvalidRequest(f"`{field}` is a date, YYYY-MM-DD", field=field) from error


async def today_of(caller: Caller, now: datetime) -> date:
    """Today in the store's time zone: the default range ends on it."""
    return now.astimezone((await get_store(caller.store_id)).tz).date()


async def _bounds(caller: Caller, start: date, end: date) -> tuple[datetime, datetime]:
    if caller.role not in READERS:
        raise Forbidden("analytics are for leads and admins")
    check_range(start, end)
    tz = (await get_store(caller.store_id)).tz
    first = datetime.combine(start, time(), tz)
    after = datetime.combine(end + timedelta(days=1), time(), tz)
    return first, after


def rate(returned: int, delivered: int) -> float | None:
    return round(returned / delivered, 4) if delivered else None


def percentile_cont(values: list[float], fraction: float) -> float | None:
    """PostgreSQL's `percentile_cont`: the value at position `fraction x (n - 1)` of the
    sorted values, interpolated linearly between its two neighbours; None without values."""
    if not values:
        return None
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    low = int(position)
    if low + 1 >= len(ordered):
        return ordered[low]
    return ordered[low] + (ordered[low + 1] - ordered[low]) * (position - low)


def hours(value: float | None) -> float | None:
    return None if value is None else round(float(value), 2)


def percentiles(values: list[float]) -> Percentiles:
    """p50 and p90 of hours, rounded to 2 places."""
    return Percentiles(
        count=len(values),
        p50=hours(percentile_cont(values, 0.5)),
        p90=hours(percentile_cont(values, 0.9)),
    )


class _Catalogue:
    """A line's product and category from its SKU and own product key, exactly as
    `COALESCE(l.product_key, p.product_key, '')` and `COALESCE(p.category, pk.category, '')`
    read them (p: the SKU's variant's product; pk: the product of the line's own key)."""

    def __init__(self, variants: list[Any], products: list[Any]) -> None:
        self.variants = {r["sku"]: (r["product_key"], r["category"]) for r in variants}
        self.products = {r["product_key"]: r["category"] for r in products}

    def product(self, sku: str, line_product: str | None) -> str:
        if line_product is not None:
            return line_product
        variant = self.variants.get(sku)
        return variant[0] if variant else ""

    def category(self, sku: str, line_product: str | None) -> str:
        variant = self.variants.get(sku)
        if variant is not None:
            return str(variant[1])
        if line_product is not None and line_product in self.products:
            return str(self.products[line_product])
        return ""

    def key(self, group_by: str, row: Any) -> str:
        if group_by == "product":
            return self.product(row["sku"], row["product_key"])
        if group_by == "category":
            return self.category(row["sku"], row["product_key"])
        return str(row[group_by])


async def returns_report(
    caller: Caller, *, start: date, end: date, group_by: str, category: str | None = None
) -> ReturnsReport:
    """Return rate and money per key and currency, over the lines delivered in the range."""
    if group_by not in GROUP_BY:
        raise InvalidRequest(f"group_by is one of {', '.join(GROUP_BY)}", field="group_by")
    await _bounds(caller, start, end)
    tz = (await get_store(caller.store_id)).tz
    facts = await rollup.returns_facts(caller.store_id, tz, start, end)
    names = _Catalogue(*await queries.catalogue(caller.store_id))

    def wanted(row: Any) -> bool:
        return not category or names.category(row["sku"], row["product_key"]) == category

    by_item = group_by in ("reason", "resolution")  # every line's units are the denominator
    delivered: dict[tuple[str, str], int] = defaultdict(int)
    for r in filter(wanted, facts.delivered):
        key = "" if by_item else names.key(group_by, r)
        delivered[(key, r["currency"])] += int(r["units"])
    returned: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in filter(wanted, facts.returned):
        sums = returned[(names.key(group_by, r), r["currency"])]
        for n, name in enumerate(("units", "refunded", "credited", "exchanged")):
            sums[n] += int(r[name])
    keys = set(returned) if by_item else set(delivered) | set(returned)
    items = []
    for key, currency in sorted(keys):
        back, refunded, credited, exchanged = returned.get((key, currency), (0, 0, 0, 0))
        units = delivered.get(("" if by_item else key, currency), 0)
        items.append(
            ReturnsRow(
                key=key,
                currency=currency,
                units_delivered=units,
                units_returned=back,
                return_rate=rate(back, units),
                refunded=Money(refunded, currency),
                credited=Money(credited, currency),
                kept=Money(credited + exchanged, currency),
            )
        )
    return ReturnsReport(
        start=start, end=end, group_by=group_by, category=category or None, items=items
    )


def _money_outcomes(rows: list[Any]) -> list[MoneyOutcome]:
    amounts: dict[str, dict[str, int]] = defaultdict(dict)
    counts: dict[str, dict[str, int]] = defaultdict(dict)
    for r in rows:
        amounts[r["currency"]][r["figure"]] = int(r["amount"])
        counts[r["currency"]][r["figure"]] = int(r["n"])
    found = []
    for currency in sorted(amounts):
        got, n = amounts[currency], counts[currency]

        def m(figure: str, got: dict[str, int] = got, currency: str = currency) -> Money:
            return Money(got.get(figure, 0), currency)

        found.append(
            MoneyOutcome(
                currency=currency,
                refunded=m("refunded"),
                credited=m("credited"),
                bonus_credit=m("bonus_credit"),
                exchanged=m("exchanged"),
                kept=Money(got.get("credited", 0) + got.get("exchanged", 0), currency),
                fees=m("fees"),
                label_costs=m("label_costs"),
                advance_exposure=m("advance_exposure"),
                advance_open=n.get("advance_exposure", 0),
                overdue_originals=n.get("overdue", 0),
                overdue_value=m("overdue"),
                losses_charged=m("losses_charged"),
                losses_charged_count=n.get("losses_charged", 0),
                losses_failed=m("losses_failed"),
                losses_failed_count=n.get("losses_failed", 0),
            )
        )
    return found


def _runs(too_small: int, too_large: int) -> str:
    if too_small > too_large:
        return "small"
    if too_large > too_small:
        return "large"
    return "true_to_size"


async def outcomes_report(
    caller: Caller, *, start: date, end: date, category: str | None = None
) -> OutcomesReport:
    """What became of the cases opened in the range: resolutions, money, times, ratings."""
    await _bounds(caller, start, end)
    tz = (await get_store(caller.store_id)).tz
    parts = await rollup.case_parts(caller.store_id, tz, start, end, category or None)
    counts: dict[str, int] = defaultdict(int)
    mixed: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    money_rows: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    to_resolve: list[float] = []
    to_answer: list[float] = []
    distribution = {str(n): 0 for n in range(1, 6)}
    fits: dict[str, list[Any]] = {}
    for part in parts.outcomes:
        for name, value in part["counts"].items():
            counts[name] += int(value)
        for r in part["mix"]:
            mixed[r["resolution"]][0] += int(r["cases"])
            mixed[r["resolution"]][1] += int(r["units"])
        for r in part["money"]:
            money_rows[(r["figure"], r["currency"])][0] += int(r["amount"])
            money_rows[(r["figure"], r["currency"])][1] += int(r["n"])
        to_resolve += part["times"]["resolution_hours"]
        to_answer += part["times"]["response_hours"]
        for r in part["ratings"]:
            distribution[str(r["rating"])] += int(r["n"])
        for r in part["fit"]:
            found = fits.setdefault(r["product"], [r["title"], 0, 0])
            found[0] = min(found[0], r["title"])
            found[1] += int(r["too_small"])
            found[2] += int(r["too_large"])
    mix = [
        ResolutionMix(resolution=name, cases=cases, units=units)
        for name, (cases, units) in sorted(mixed.items())
    ]
    keep_it = ResolutionMix(
        resolution="keep_it", cases=counts["keep_it_cases"], units=counts["keep_it_units"]
    )
    money = _money_outcomes(
        [
            {"figure": figure, "currency": currency, "amount": amount, "n": n}
            for (figure, currency), (amount, n) in money_rows.items()
        ]
    )
    resolution = percentiles(to_resolve)
    response = percentiles(to_answer)
    rated = sum(distribution.values())
    total = sum(int(k) * v for k, v in distribution.items())
    ratings = Ratings(
        count=rated,
        mean=round(total / rated, 2) if rated else None,
        distribution=distribution,
    )
    fit = [
        FitSignal(
            product=product,
            title=title,
            too_small=small,
            too_large=large,
            runs=_runs(small, large),  # type: ignore[arg-type]
        )
        for product, (title, small, large) in sorted(fits.items())
    ]
    report = OutcomesReport(
        start=start,
        end=end,
        category=category or None,
        cases=counts["cases"],
        resolution_mix=mix,
        keep_it=keep_it,
        expired_cases=counts["expired"],
        money=money,
        time_to_resolution_hours=resolution,
        first_response_hours=response,
        ratings=ratings,
        fit=fit,
        items=[],
    )
    return _with_rows(report)


def _with_rows(report: OutcomesReport) -> OutcomesReport:
    """The report's figures as flat rows (figure, key, count | value | money): its CSV."""
    rows = [
        OutcomeRow(figure="cases", key="", count=report.cases),
        OutcomeRow(figure="expired_cases", key="", count=report.expired_cases),
    ]
    for mix in [*report.resolution_mix, report.keep_it]:
        rows.append(OutcomeRow(figure="resolution_cases", key=mix.resolution, count=mix.cases))
        rows.append(OutcomeRow(figure="resolution_units", key=mix.resolution, count=mix.units))
    for m in report.money:
        for figure in (
            "refunded",
            "credited",
            "bonus_credit",
            "exchanged",
            "kept",
            "fees",
            "label_costs",
            "advance_exposure",
        ):
            rows.append(OutcomeRow(figure=figure, key=m.currency, money=getattr(m, figure)))
        rows.append(OutcomeRow(figure="advance_open", key=m.currency, count=m.advance_open))
        rows.append(
            OutcomeRow(
                figure="overdue_originals",
                key=m.currency,
                count=m.overdue_originals,
                money=m.overdue_value,
            )
        )
        rows.append(
            OutcomeRow(
                figure="losses_charged",
                key=m.currency,
                count=m.losses_charged_count,
                money=m.losses_charged,
            )
        )
        rows.append(
            OutcomeRow(
                figure="losses_failed",
                key=m.currency,
                count=m.losses_failed_count,
                money=m.losses_failed,
            )
        )
    for name, p in (
        ("time_to_resolution_hours", report.time_to_resolution_hours),
        ("first_response_hours", report.first_response_hours),
    ):
        rows.append(OutcomeRow(figure=name, key="count", count=p.count))
        rows.append(OutcomeRow(figure=name, key="p50", value=p.p50))
        rows.append(OutcomeRow(figure=name, key="p90", value=p.p90))
    rows.append(OutcomeRow(figure="ratings", key="count", count=report.ratings.count))
    rows.append(OutcomeRow(figure="ratings", key="mean", value=report.ratings.mean))
    for star, n in report.ratings.distribution.items():
        rows.append(OutcomeRow(figure="ratings", key=star, count=n))
    for f in report.fit:
        rows.append(OutcomeRow(figure="fit_too_small", key=f.product, count=f.too_small))
        rows.append(OutcomeRow(figure="fit_too_large", key=f.product, count=f.too_large))
    return OutcomesReport(
        **{name: getattr(report, name) for name in report.__struct_fields__ if name != "items"},
        items=rows,
    )


async def agents_report(caller: Caller, *, start: date, end: date) -> AgentsReport:
    """Per concierge, over the cases opened in the range."""
    await _bounds(caller, start, end)
    tz = (await get_store(caller.store_id)).tz
    parts = await rollup.case_parts(caller.store_id, tz, start, end, None)
    sums: dict[int, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    hours_of: dict[int, list[float]] = defaultdict(list)
    for r in parts.agents:
        found = sums[int(r["agent"])]
        for n, name in enumerate(("cases_assigned", "saves", "ratings_count", "ratings_total")):
            found[n] += int(r[name])
        hours_of[int(r["agent"])] += r["response_hours"]
    items = []
    for r in await queries.agent_names(caller.store_id):
        assigned, saves, rated, total = sums.get(r["id"], (0, 0, 0, 0))
        answered = percentiles(hours_of.get(r["id"], []))
        items.append(
            AgentRow(
                agent_id=int(r["id"]),
                name=r["name"],
                cases_assigned=assigned,
                first_responses=answered.count,
                first_response_p50_hours=answered.p50,
                saves=saves,
                ratings_count=rated,
                rating_mean=round(total / rated, 2) if rated else None,
            )
        )
    return AgentsReport(start=start, end=end, items=items)
