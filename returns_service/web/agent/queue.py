"""The console's queue (`/agent/queue`): tabs over the cases the agent works (a lead's over the
whole team's), a search box, sorting, paging by cursor. Everything comes from the same service
as `GET /api/v1/cases` (`services/cases/lists.case_page`), so the page sees exactly what the
API would. `?fragment=1` answers the table alone: the live updates (static/agent.js) re-fetch
it when a case changes, instead of rebuilding rows in JavaScript."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from babel.dates import format_timedelta
from litestar import Controller, Request, get
from litestar.di import NamedDependency
from litestar.params import SkipValidation
from litestar.response import Template

from returns_service.clock import Clock
from returns_service.domain.access import Caller, Role
from returns_service.domain.cases import OPEN_STATUSES, CaseStatus
from returns_service.domain.errors import DomainError
from returns_service.services.cases.lists import case_page
from returns_service.services.cases.schemas import CasePage, CaseSummary
from returns_service.web.agent.common import CONSOLE_PATH, SIGNED_IN, agent_page
from returns_service.web.pages import PUBLIC
from returns_service.web.sessions import AgentSession, SignInRequired, to_sign_in

S = CaseStatus
PAGE_SIZE = 25


@dataclass(frozen=True, slots=True)
class Tab:
    key: str
    statuses: tuple[CaseStatus, ...] | None
    overdue: bool | None = None
    leads_only: bool = False


# Order is the tab bar's. "mine" is the signed-in agent's own open cases; the other tabs show an
# agent their own cases and a lead the whole team's.
TABS = (
    Tab("mine", tuple(sorted(OPEN_STATUSES))),
    Tab("decide", (S.REQUESTED,)),
    Tab("waiting", (S.APPROVED, S.IN_TRANSIT)),
    Tab("received", (S.RECEIVED, S.INSPECTED)),
    Tab("overdue", tuple(sorted(OPEN_STATUSES)), overdue=True),
    Tab("all", None, leads_only=True),
)
SORTS = ("due_at", "created_at", "-created_at")  # due first, oldest, newest
NOTICES = ("available", "unavailable")  # after the header's availability toggle


@dataclass(frozen=True, slots=True)
class Row:
    """One case as the queue's table shows it."""

    case: CaseSummary
    due: str  # "in 3 hours", "2 hours ago", or ""
    overdue: bool


def _tabs_for(caller: Caller) -> list[Tab]:
    return [tab for tab in TABS if not tab.leads_only or caller.role is Role.LEAD]


def _due(case: CaseSummary, now: datetime) -> tuple[str, bool]:
    """When the first answer is due, from now ("in 3 hours", "2 hours ago"), for open cases
    still waiting for it; `overdue` when it is late (the service decides)."""
    due_at = case.first_response_due_at
    if not isinstance(due_at, datetime) or case.status not in OPEN_STATUSES:
        return "", False
    if isinstance(case.first_responded_at, datetime):  # answered: nothing is due any more
        return "", False
    text = format_timedelta(due_at - now, add_direction=True, threshold=1.0, locale="en")
    return text, case.overdue is True


async def _page(
    caller: Caller, tab: Tab, q: str, sort: str, cursor: str | None, clock: Clock
) -> CasePage:
    assignee = "me" if tab.key == "mine" or caller.role is not Role.LEAD else "any"
    return await case_page(
        caller,
        statuses=list(tab.statuses) if tab.statuses else None,
        assignee=assignee,
        cursor=cursor,
        limit=PAGE_SIZE,
        q=q or None,
        sort=sort,
        overdue=tab.overdue,
        clock=clock,
    )


class AgentQueuePages(Controller):
    path = CONSOLE_PATH
    opt = PUBLIC
    include_in_schema = False
    middleware = [AgentSession]
    exception_handlers = {SignInRequired: to_sign_in}

    @get("/queue", guards=SIGNED_IN)
    async def queue(
        self, request: Request[Any, Any, Any], clock: NamedDependency[SkipValidation[Clock]]
    ) -> Template:
        caller = request.user
        assert isinstance(caller, Caller)  # SIGNED_IN
        params = request.query_params
        tabs = _tabs_for(caller)
        tab = next((t for t in tabs if t.key == params.get("tab")), tabs[0])
        q = str(params.get("q") or "").strip()[:200]
        sort = params.get("sort") if params.get("sort") in SORTS else "due_at"
        cursor = params.get("cursor") or None
        error = None
        try:
            page = await _page(caller, tab, q, str(sort), cursor, clock)
        except DomainError:  # a cursor that is not ours, a search the API refuses
            page, error = CasePage(items=[], next_cursor=None), "agent.queue.bad_request"
        now = clock.now()
        rows = [Row(case, *_due(case, now)) for case in page.items]
        fragment = params.get("fragment") == "1"
        return await agent_page(
            request,
            "agent/queue_table.html" if fragment else "agent/queue.html",
            tabs=tabs,
            tab=tab,
            q=q,
            sort=sort,
            sorts=SORTS,
            rows=rows,
            next_cursor=page.next_cursor,
            error=error,
            notice=params.get("notice") if params.get("notice") in NOTICES else None,
        )
