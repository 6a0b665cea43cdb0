"""The merchant's dashboard at `/admin/insights`: signing in (a lead's or admin's token, kept
in the `rs_insights` cookie so revoking the token ends the session), the dashboard with its
date range and category filter, and the CSV of each table. A bad filter re-renders the page
with a message; nothing here answers 5xx for what a visitor typed."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import SkipValidation
from litestar.response import Redirect, Template

from returns_service.clock import Clock
from returns_service.domain.access import Caller, Role
from returns_service.domain.errors import InvalidRequest
from returns_service.services.analytics import csv as report_csv
from returns_service.services.analytics.reports import (
    agents_report,
    outcomes_report,
    returns_report,
    today_of,
)
from returns_service.services.platform.auth import authenticate_staff
from returns_service.services.store.catalog import categories
from returns_service.web.insights import dashboard
from returns_service.web.insights.common import (
    COOKIE_PATH,
    INSIGHTS_COOKIE,
    INSIGHTS_PATH,
    SIGNED_IN,
    insights_page,
    read_range,
    translator,
)
from returns_service.web.pages import PUBLIC
from returns_service.web.sessions import (
    InsightsSession,
    SignInRequired,
    session_cookie,
    to_sign_in,
)

SESSION_SECONDS = 12 * 3600  # a working day; the token itself stays valid
DEFAULT_DAYS = 30
REPORTS = ("returns", "outcomes", "agents")


class InsightsPages(Controller):
    path = INSIGHTS_PATH
    opt = PUBLIC
    include_in_schema = False
    middleware = [InsightsSession]
    exception_handlers = {SignInRequired: to_sign_in}

    @get("/")
    async def home(
        self, request: Request[Any, Any, Any], clock: NamedDependency[SkipValidation[Clock]]
    ) -> Template:
        if not isinstance(request.user, Caller):
            return insights_page(request, "insights/login.html")
        caller = request.user
        query = request.query_params
        found = read_range(
            query.get("from"), query.get("to"), await today_of(caller, clock.now()), DEFAULT_DAYS
        )
        errors = dict(found.errors)
        known = await categories(caller)
        category = query.get("category") or None
        if category is not None and category not in known:
            errors["category"] = "insights.filter.unknown_category"
            category = None
        group_by = query.get("group_by") or "category"
        if group_by not in dashboard.GROUPS:
            group_by = "category"  # a tab that does not exist: the first one
        t = translator()
        figures = await dashboard.load(
            caller, t, start=found.start, end=found.end, category=category, group_by=group_by
        )
        return insights_page(
            request,
            "insights/dashboard.html",
            section="dashboard",
            period=found,
            errors=errors,
            categories=known,
            category=category,
            group_by=group_by,
            groups=dashboard.GROUPS,
            figures=figures,
        )

    @post("/login")
    async def login(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        token = str((await request.form()).get("token", "")).strip()
        caller = await authenticate_staff(token) if token else None
        if caller is None or caller.role not in (Role.LEAD, Role.ADMIN):
            return insights_page(request, "insights/login.html", error="insights.login.wrong_token")
        return Redirect(
            INSIGHTS_PATH,
            status_code=303,
            cookies=[
                session_cookie(
                    request, INSIGHTS_COOKIE, token, max_age=SESSION_SECONDS, path=COOKIE_PATH
                )
            ],
        )

    @post("/logout", guards=SIGNED_IN)
    async def logout(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return Redirect(
            INSIGHTS_PATH,
            status_code=303,
            cookies=[session_cookie(request, INSIGHTS_COOKIE, "", max_age=0, path=COOKIE_PATH)],
        )

    @get("/export.csv", guards=SIGNED_IN)
    async def export(
        self, request: Request[Any, Any, Any], clock: NamedDependency[SkipValidation[Clock]]
    ) -> Response[str]:
        """One table as CSV, the same rows as the analytics API's `text/csv`; a bad
        parameter is a 422 problem naming it."""
        caller: Caller = request.user
        query = request.query_params
        report = query.get("report") or ""
        if report not in REPORTS:
            raise InvalidRequest(f"report is one of {', '.join(REPORTS)}", field="report")
        found = read_range(
            query.get("from"), query.get("to"), await today_of(caller, clock.now()), DEFAULT_DAYS
        )
        if found.errors:
            name, key = next(iter(found.errors.items()))
            raise InvalidRequest(translator()(key), field=name)
        category = query.get("category") or None
        start, end = found.start, found.end
        if report == "returns":
            group_by = query.get("group_by") or "category"
            data: Any = await returns_report(
                caller, start=start, end=end, group_by=group_by, category=category
            )
            name = f"returns-by-{group_by}"
        elif report == "outcomes":
            data = await outcomes_report(caller, start=start, end=end, category=category)
            name = "outcomes"
        else:
            data = await agents_report(caller, start=start, end=end)
            name = "agents"
        filename = f"{name}-{start.isoformat()}-{end.isoformat()}.csv"
        return Response(
            report_csv.to_csv(data),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )
