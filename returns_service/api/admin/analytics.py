"""The merchant's analytics (roles `lead` and `admin`): return rates, outcomes and concierges
over a date range, as JSON or, with `Accept: text/csv`, as CSV (docs/analytics.md)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.openapi import ResponseSpec
from litestar.params import QueryParameter, SkipValidation

from returns_service.api.auth import allow
from returns_service.clock import Clock
from returns_service.domain.access import Caller, Role
from returns_service.services.analytics import reports
from returns_service.services.analytics.csv import Report, to_csv
from returns_service.services.analytics.schemas import AgentsReport, OutcomesReport, ReturnsReport

# Dates are taken as text and read by the service, so a bad one is a 422 naming the field
From = Annotated[
    str | None,
    QueryParameter(name="from", description="First day, YYYY-MM-DD (default: 29 days before `to`)"),
]
To = Annotated[
    str | None, QueryParameter(name="to", description="Last day, YYYY-MM-DD (default: today)")
]
Category = Annotated[
    str | None, QueryParameter(max_length=100, description="Only this product category")
]
CSV = "text/csv"  # Litestar adds "; charset=utf-8" to text types


def _csv_spec(report: type[Any]) -> dict[int, ResponseSpec]:
    return {
        200: ResponseSpec(
            report,
            description="The report as JSON; with `Accept: text/csv`, its `items` as CSV",
        )
    }


def _wants_csv(request: Request[Any, Any, Any]) -> bool:
    return request.accept.best_match(["application/json", "text/csv"]) == "text/csv"


async def _range(
    caller: Caller, clock: Clock, start: str | None, end: str | None
) -> tuple[date, date]:
    first = reports.parse_day(start, "from")
    last = reports.parse_day(end, "to")
    if last is None:
        last = await reports.today_of(caller, clock.now())
    if first is None:
        first = reports.default_range(last)[0]
    reports.check_range(first, last)
    return first, last


def _answer(request: Request[Any, Any, Any], report: Report, name: str) -> Response[Any]:
    if not _wants_csv(request):
        return Response(report)
    filename = f"{name}-{report.start.isoformat()}-{report.end.isoformat()}.csv"
    return Response(
        to_csv(report),
        media_type=CSV,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


class AnalyticsController(Controller):
    path = "/api/v1/analytics"
    tags = ["analytics"]
    guards = [allow(Role.LEAD, Role.ADMIN)]

    @get(
        "/returns",
        summary="Return rate and money by SKU, product, category, reason, resolution or country",
        responses=_csv_spec(ReturnsReport),
    )
    async def returns(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        clock: NamedDependency[SkipValidation[Clock]],
        start: From = None,
        end: To = None,
        group_by: Annotated[
            str, QueryParameter(description="sku, product, category, reason, resolution or country")
        ] = "sku",
        category: Category = None,
    ) -> Response[Any]:
        first, last = await _range(caller, clock, start, end)
        report = await reports.returns_report(
            caller, start=first, end=last, group_by=group_by, category=category
        )
        return _answer(request, report, f"returns-by-{group_by}")

    @get(
        "/outcomes",
        summary="Resolution mix, money kept and refunded, times, exposure, ratings, fit",
        responses=_csv_spec(OutcomesReport),
    )
    async def outcomes(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        clock: NamedDependency[SkipValidation[Clock]],
        start: From = None,
        end: To = None,
        category: Category = None,
    ) -> Response[Any]:
        first, last = await _range(caller, clock, start, end)
        report = await reports.outcomes_report(caller, start=first, end=last, category=category)
        return _answer(request, report, "outcomes")

    @get(
        "/agents",
        summary="Per concierge: cases, first response, saves, ratings",
        responses=_csv_spec(AgentsReport),
    )
    async def agents(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        clock: NamedDependency[SkipValidation[Clock]],
        start: From = None,
        end: To = None,
    ) -> Response[Any]:
        first, last = await _range(caller, clock, start, end)
        report = await reports.agents_report(caller, start=first, end=last)
        return _answer(request, report, "agents")
