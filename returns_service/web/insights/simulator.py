"""The policy simulator page (`/admin/insights/simulator`): a draft policy as JSON
(prefilled with the published one) and a range of delivery days; "Run" replays those lines
under both policies (services/simulation) and shows them side by side with the lines whose
answer changes; "Publish this draft" asks for a confirmation that says what changes, then
publishes it as the next version (services/store/policy.put_policy). Publishing is for admins,
as `PUT /api/v1/policy` is; a lead runs simulations."""

from __future__ import annotations

from datetime import date
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.response import Redirect, Template

from returns_service.domain.access import Caller
from returns_service.domain.errors import DomainError
from returns_service.domain.policy import ReturnPolicy
from returns_service.services.analytics.reports import today_of
from returns_service.services.platform.runtime import Runtime
from returns_service.services.simulation.service import simulate
from returns_service.services.store.policy import get_policy_version, put_policy
from returns_service.services.store.policy_versions import list_versions
from returns_service.web.insights import drafts
from returns_service.web.insights.common import (
    INSIGHTS_PATH,
    SIGNED_IN,
    DateRange,
    insights_page,
    read_range,
    translator,
)
from returns_service.web.pages import PUBLIC
from returns_service.web.sessions import InsightsSession, SignInRequired, to_sign_in

SIMULATOR_PATH = f"{INSIGHTS_PATH}/simulator"
DEFAULT_DAYS = 90
VERSIONS_SHOWN = 20


async def _today(caller: Caller, rt: Runtime) -> date:
    """Today in the store's time zone, as the simulator counts delivery days."""
    return await today_of(caller, rt.clock.now())


async def _page(
    request: Request[Any, Any, Any],
    caller: Caller,
    rt: Runtime,
    *,
    draft_text: str,
    period: DateRange,
    status_code: int = 200,
    **context: Any,
) -> Template:
    """The simulator page: the form, whatever `context` adds (a result, errors, a notice) and
    the published versions below, newest first."""
    cursor = request.query_params.get("cursor") or None
    try:
        versions = await list_versions(caller, cursor=cursor, limit=VERSIONS_SHOWN)
    except DomainError:  # a cursor this service never gave out: the newest page
        versions = await list_versions(caller, limit=VERSIONS_SHOWN)
    return insights_page(
        request,
        "insights/simulator.html",
        status_code,
        section="simulator",
        draft_text=draft_text,
        period=period,
        versions=versions,
        **context,
    )


async def _posted(
    request: Request[Any, Any, Any], caller: Caller, rt: Runtime
) -> tuple[str, DateRange]:
    form = await request.form()
    period = read_range(form.get("from"), form.get("to"), await _today(caller, rt), DEFAULT_DAYS)
    return str(form.get("policy", "")), period


def _range_errors(period: DateRange) -> list[drafts.FieldError]:
    t = translator()
    return [drafts.FieldError(field, t(key)) for field, key in period.errors.items()]


class SimulatorPages(Controller):
    path = SIMULATOR_PATH
    opt = PUBLIC
    include_in_schema = False
    middleware = [InsightsSession]
    guards = SIGNED_IN
    exception_handlers = {SignInRequired: to_sign_in}

    @get("/")
    async def form(
        self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
    ) -> Template:
        caller: Caller = request.user
        _, published = await get_policy_version(caller.store_id)
        return await _page(
            request,
            caller,
            runtime,
            draft_text=drafts.pretty(published),
            period=read_range(None, None, await _today(caller, runtime), DEFAULT_DAYS),
            published_now=request.query_params.get("published"),
        )

    @post("/")
    async def run(
        self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
    ) -> Template:
        caller: Caller = request.user
        draft_text, period = await _posted(request, caller, runtime)
        draft, errors = drafts.read_draft(draft_text)
        errors += _range_errors(period)
        if draft is None or errors:
            return await _page(
                request, caller, runtime, draft_text=draft_text, period=period, errors=errors
            )
        try:
            result = await simulate(caller, draft, period.start, period.end, runtime)
        except DomainError as error:
            return await _page(
                request,
                caller,
                runtime,
                draft_text=draft_text,
                period=period,
                errors=drafts.domain_errors(error),
            )
        t = translator()
        return await _page(
            request,
            caller,
            runtime,
            draft_text=draft_text,
            period=period,
            result=result,
            figures=drafts.figure_rows(result.published, result.draft, t),
            outcome_text=lambda outcome: drafts.outcome_text(outcome, t),
        )

    @post("/publish")
    async def confirm(
        self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
    ) -> Template:
        """The confirmation: what the draft changes, which version replaces which."""
        caller: Caller = request.user
        draft_text, period = await _posted(request, caller, runtime)
        draft, errors = drafts.read_draft(draft_text)
        if draft is None or errors:
            return await _page(
                request, caller, runtime, draft_text=draft_text, period=period, errors=errors
            )
        return await _confirmation(request, caller, runtime, draft, draft_text, period)

    @post("/publish/confirm")
    async def publish(
        self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
    ) -> Response[Any] | Template:
        caller: Caller = request.user
        form = await request.form()
        draft_text, period = await _posted(request, caller, runtime)
        draft, errors = drafts.read_draft(draft_text)
        if draft is None or errors:
            return await _page(
                request, caller, runtime, draft_text=draft_text, period=period, errors=errors
            )
        current, _ = await get_policy_version(caller.store_id)
        if str(form.get("replaces", "")) != str(current or 0):
            # someone published since this confirmation was shown: show it again, current
            return await _confirmation(
                request, caller, runtime, draft, draft_text, period, moved_on=True
            )
        try:
            await put_policy(caller, draft, runtime.clock)
        except DomainError as error:
            return await _page(
                request,
                caller,
                runtime,
                draft_text=draft_text,
                period=period,
                errors=drafts.domain_errors(error),
            )
        version, _ = await get_policy_version(caller.store_id)
        return Redirect(f"{SIMULATOR_PATH}?published={version}", status_code=303)


async def _confirmation(
    request: Request[Any, Any, Any],
    caller: Caller,
    rt: Runtime,
    draft: ReturnPolicy,
    draft_text: str,
    period: DateRange,
    *,
    moved_on: bool = False,
) -> Template:
    current, published = await get_policy_version(caller.store_id)
    try:
        result = await simulate(caller, draft, period.start, period.end, rt)
    except DomainError as error:
        return await _page(
            request,
            caller,
            rt,
            draft_text=draft_text,
            period=period,
            errors=drafts.domain_errors(error),
        )
    t = translator()
    return insights_page(
        request,
        "insights/confirm.html",
        section="simulator",
        draft_text=draft_text,
        period=period,
        current=current,
        next_version=(current or 0) + 1,
        differences=drafts.differences(published, draft),
        result=result,
        moved_on=moved_on,
        outcome_text=lambda outcome: drafts.outcome_text(outcome, t),
    )
