"""The dashboard's figures as the page shows them: the analytics reports (services/analytics)
turned into headline figures, charts (charts.py) with the table of their numbers, and the
tables with their CSV links. Words through the catalogue, money with the currency's own
digits, rates and hours by Babel; no figure is computed here that the reports do not give,
except summing units across currencies (units have no currency)."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import urlencode

from babel.numbers import format_decimal, format_percent
from markupsafe import Markup

from returns_service.domain.access import Caller
from returns_service.domain.money import Money
from returns_service.services.analytics.reports import (
    agents_report,
    outcomes_report,
    returns_report,
)
from returns_service.services.analytics.schemas import (
    AgentsReport,
    OutcomesReport,
    ReturnsReport,
)
from returns_service.web.i18n import Translator
from returns_service.web.insights.charts import PALETTE, Datum, horizontal_bars, stacked_bar

GROUPS = ("category", "product", "sku", "reason", "resolution", "country")
CHARTED = ("category", "product", "reason", "country")  # a return-rate chart each
CHART_BARS = 10  # the highest rates; the tables below have every key
KEPT, REFUNDED = PALETTE[1], PALETTE[2]


@dataclass(frozen=True)
class Headline:
    label: str
    value: str
    note: str = ""


@dataclass(frozen=True)
class Table:
    head: list[str]
    rows: list[list[str]]
    numeric: set[int] = field(default_factory=set)  # columns aligned to the end


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    svg: Markup
    table: Table


@dataclass(frozen=True)
class Dashboard:
    headlines: list[Headline]
    charts: list[Chart]
    returns: Table
    agents: Table
    fit: Table
    exports: dict[str, str]  # report (or returns:<group_by>) -> its CSV link


def percent(value: float | None, t: Translator) -> str:
    return "—" if value is None else format_percent(value, "#,##0.0%", locale=t.locale)


def hours(value: float | None, t: Translator) -> str:
    if value is None:
        return "—"
    return t("insights.hours", hours=format_decimal(value, "#,##0.#", locale=t.locale))


def amounts(moneys: Iterable[Money], t: Translator) -> str:
    """Money in several currencies, never added together."""
    shown = [t.money(m) for m in moneys]
    return " · ".join(shown) if shown else "—"


def key_label(group_by: str, key: str, t: Translator) -> str:
    """A report key as a merchant reads it: reasons and resolutions in words, countries by
    name (an unknown code, or a merchant's own reason, as it is)."""
    if key == "":
        return t("insights.none")
    if group_by in ("reason", "resolution"):
        return t(f"{group_by}.{key}") or key
    if group_by == "country":
        return f"{t.country(key)} ({key})" if t.country(key) != key else key
    return key


def unit_rates(report: ReturnsReport) -> list[tuple[str, int, int]]:
    """(key, units delivered, units returned) per key, the currencies' rows summed."""
    units: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for row in report.items:
        units[row.key][0] += row.units_delivered
        units[row.key][1] += row.units_returned
    return [(key, d, r) for key, (d, r) in units.items()]


def rate_chart(report: ReturnsReport, t: Translator) -> Chart:
    group_by = report.group_by
    rows = [(k, d, r, r / d if d else None) for k, d, r in unit_rates(report)]
    rows.sort(key=lambda row: (-(row[3] or 0), -row[2], row[0]))
    top = rows[:CHART_BARS]
    data = [Datum(key_label(group_by, k, t), rate or 0, percent(rate, t)) for k, _, _, rate in top]
    title = t(f"insights.chart.rate_by.{group_by}")
    desc = "; ".join(f"{d.label}: {d.shown}" for d in data) or t("insights.no_data")
    table = Table(
        [
            t(f"insights.group.{group_by}"),
            t("insights.col.delivered"),
            t("insights.col.returned"),
            t("insights.col.rate"),
        ],
        [[key_label(group_by, k, t), str(d), str(r), percent(rate, t)] for k, d, r, rate in top],
        {1, 2, 3},
    )
    svg = horizontal_bars(f"rate-{group_by}", title, desc, data, no_data=t("insights.no_data"))
    return Chart(f"rate-{group_by}", title, svg, table)


def mix_chart(outcomes: OutcomesReport, t: Translator) -> Chart:
    mix = [*outcomes.resolution_mix, outcomes.keep_it]
    total = sum(m.units for m in mix)
    data = [
        Datum(
            t(f"insights.resolution.{m.resolution}") or m.resolution,
            m.units,
            t("insights.units_share", units=str(m.units), share=percent(m.units / total, t))
            if total
            else "0",
        )
        for m in mix
        if m.units
    ]
    title = t("insights.chart.mix")
    desc = "; ".join(f"{d.label}: {d.shown}" for d in data) or t("insights.no_data")
    table = Table(
        [t("insights.col.resolution"), t("insights.col.cases"), t("insights.col.units")],
        [
            [t(f"insights.resolution.{m.resolution}") or m.resolution, str(m.cases), str(m.units)]
            for m in mix
        ],
        {1, 2},
    )
    svg = stacked_bar("mix", title, desc, data, no_data=t("insights.no_data"))
    return Chart("mix", title, svg, table)


def kept_chart(outcomes: OutcomesReport, t: Translator) -> Chart:
    """Revenue kept (exchanges and store credit) against refunds: bars compare only within a
    currency, so each currency is its own pair."""
    data = []
    for m in outcomes.money:
        data.append(
            Datum(t("insights.kept_in", currency=m.currency), m.kept.amount, t.money(m.kept), KEPT)
        )
        data.append(
            Datum(
                t("insights.refunded_in", currency=m.currency),
                m.refunded.amount,
                t.money(m.refunded),
                REFUNDED,
            )
        )
    if len({m.currency for m in outcomes.money}) > 1:
        data = []  # no common scale; the table has every currency
    title = t("insights.chart.kept")
    desc = "; ".join(f"{d.label}: {d.shown}" for d in data) or t("insights.no_data")
    table = Table(
        [t("insights.col.currency"), t("insights.col.kept"), t("insights.col.refunded")],
        [[m.currency, t.money(m.kept), t.money(m.refunded)] for m in outcomes.money],
        {1, 2},
    )
    svg = horizontal_bars("kept", title, desc, data, no_data=t("insights.no_data"))
    return Chart("kept", title, svg, table)


def headlines(
    categories: ReturnsReport, outcomes: OutcomesReport, agents: AgentsReport, t: Translator
) -> list[Headline]:
    delivered = sum(d for _, d, _ in unit_rates(categories))
    returned = sum(r for _, _, r in unit_rates(categories))
    money = outcomes.money
    response, resolution = outcomes.first_response_hours, outcomes.time_to_resolution_hours
    return [
        Headline(
            t("insights.headline.return_rate"),
            percent(returned / delivered if delivered else None, t),
            t("insights.headline.units", returned=str(returned), delivered=str(delivered)),
        ),
        Headline(t("insights.headline.kept"), amounts((m.kept for m in money), t)),
        Headline(t("insights.headline.refunded"), amounts((m.refunded for m in money), t)),
        Headline(
            t("insights.headline.saves"),
            str(sum(a.saves for a in agents.items)),
            t("insights.headline.saves_note"),
        ),
        Headline(t("insights.headline.label_costs"), amounts((m.label_costs for m in money), t)),
        Headline(
            t("insights.headline.exposure"),
            amounts((m.advance_exposure for m in money), t),
            t("insights.headline.exposure_note", open=str(sum(m.advance_open for m in money))),
        ),
        Headline(
            t("insights.headline.first_response"),
            t("insights.p50_p90", p50=hours(response.p50, t), p90=hours(response.p90, t)),
            t("insights.headline.count", count=str(response.count)),
        ),
        Headline(
            t("insights.headline.resolution"),
            t("insights.p50_p90", p50=hours(resolution.p50, t), p90=hours(resolution.p90, t)),
            t("insights.headline.count", count=str(resolution.count)),
        ),
    ]


def returns_table(report: ReturnsReport, t: Translator) -> Table:
    return Table(
        [
            t(f"insights.group.{report.group_by}"),
            t("insights.col.currency"),
            t("insights.col.delivered"),
            t("insights.col.returned"),
            t("insights.col.rate"),
            t("insights.col.refunded"),
            t("insights.col.credited"),
            t("insights.col.kept"),
        ],
        [
            [
                key_label(report.group_by, row.key, t),
                row.currency,
                str(row.units_delivered),
                str(row.units_returned),
                percent(row.return_rate, t),
                t.money(row.refunded),
                t.money(row.credited),
                t.money(row.kept),
            ]
            for row in report.items
        ],
        {2, 3, 4, 5, 6, 7},
    )


def agents_table(report: AgentsReport, t: Translator) -> Table:
    return Table(
        [
            t("insights.col.agent"),
            t("insights.col.cases"),
            t("insights.col.first_responses"),
            t("insights.col.first_response_p50"),
            t("insights.col.saves"),
            t("insights.col.rating"),
        ],
        [
            [
                a.name,
                str(a.cases_assigned),
                str(a.first_responses),
                hours(a.first_response_p50_hours, t),
                str(a.saves),
                t(
                    "insights.rating",
                    mean=format_decimal(a.rating_mean, "0.0#", locale=t.locale),
                    count=str(a.ratings_count),
                )
                if a.rating_mean is not None
                else "—",
            ]
            for a in report.items
        ],
        {1, 2, 3, 4, 5},
    )


def fit_table(outcomes: OutcomesReport, t: Translator) -> Table:
    return Table(
        [
            t("insights.col.product"),
            t("insights.col.too_small"),
            t("insights.col.too_large"),
            t("insights.col.fit"),
        ],
        [
            [f.title or f.product, str(f.too_small), str(f.too_large), t(f"insights.fit.{f.runs}")]
            for f in outcomes.fit
        ],
        {1, 2},
    )


def export_link(report: str, start: date, end: date, category: str | None, **extra: str) -> str:
    query = {"report": report, **extra, "from": start.isoformat(), "to": end.isoformat()}
    if category:
        query["category"] = category
    return f"/admin/insights/export.csv?{urlencode(query)}"


async def load(
    caller: Caller,
    t: Translator,
    *,
    start: date,
    end: date,
    category: str | None,
    group_by: str,
) -> Dashboard:
    # the reports are independent reads (no transaction): each on its own pooled connection,
    # at the same time, so the page waits for the slowest rather than for their sum
    groups = list(dict.fromkeys((*CHARTED, group_by)))
    reports = await asyncio.gather(
        *(
            returns_report(caller, start=start, end=end, group_by=g, category=category)
            for g in groups
        )
    )
    by: dict[str, ReturnsReport] = dict(zip(groups, reports, strict=True))
    outcomes, agents = await asyncio.gather(
        outcomes_report(caller, start=start, end=end, category=category),
        agents_report(caller, start=start, end=end),
    )
    charts: Sequence[Chart] = [
        rate_chart(by["category"], t),
        mix_chart(outcomes, t),
        kept_chart(outcomes, t),
        *(rate_chart(by[group], t) for group in CHARTED if group != "category"),
    ]
    exports = {
        f"returns:{group}": export_link("returns", start, end, category, group_by=group)
        for group in GROUPS
    }
    exports["outcomes"] = export_link("outcomes", start, end, category)
    exports["agents"] = export_link("agents", start, end, None)
    return Dashboard(
        headlines=headlines(by["category"], outcomes, agents, t),
        charts=list(charts),
        returns=returns_table(by[group_by], t),
        agents=agents_table(agents, t),
        fit=fit_table(outcomes, t),
        exports=exports,
    )
