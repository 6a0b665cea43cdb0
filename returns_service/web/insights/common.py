"""What every dashboard page shares: the session (a lead's or admin's token in the
`rs_insights` cookie, path `/admin`), the sign-in guard, the layout, and reading a date range
from a form or a query string without ever answering 5xx for a bad one. English for now,
through the one translation catalogue (keys `insights.*`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from litestar import Request
from litestar.response import Template

from returns_service.domain.access import Caller
from returns_service.web.i18n import Translator
from returns_service.web.pages import render_page
from returns_service.web.sessions import INSIGHTS_COOKIE, signed_in

INSIGHTS_PATH = "/admin/insights"
COOKIE_PATH = "/admin"  # every dashboard page and form is under it
# a page behind it sends a visitor without a dashboard session to the sign-in form
SIGNED_IN = [signed_in(INSIGHTS_PATH)]
MAX_DAYS = 366  # the analytics' and the simulator's longest range

__all__ = ["COOKIE_PATH", "INSIGHTS_COOKIE", "INSIGHTS_PATH", "SIGNED_IN", "insights_page"]


def translator() -> Translator:
    return Translator("en")


def insights_page(
    request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any
) -> Template:
    """A dashboard page: `caller` is in every template's context (a lead or an admin, the
    roles the session admits: the same that may publish a policy)."""
    caller = request.user if isinstance(request.user, Caller) else None
    return render_page(
        request,
        template,
        translator(),
        status_code,
        caller=caller,
        **context,
    )


@dataclass(frozen=True)
class DateRange:
    """The range a page shows (`start`..`end`, both included), as typed (to show the form
    again), and the messages for what was wrong with it (the page then shows the default)."""

    start: date
    end: date
    typed_from: str
    typed_to: str
    errors: dict[str, str]


def read_range(
    typed_from: str | None, typed_to: str | None, today: date, default_days: int
) -> DateRange:
    """`from`/`to` as `YYYY-MM-DD` (either may be left empty: the last `default_days` days,
    today included). A date that does not parse, `to` before `from`, or a range longer than
    MAX_DAYS comes back as a message keyed by the field; the range is then the default."""
    default_start = today - timedelta(days=default_days - 1)
    typed_from, typed_to = (typed_from or "").strip(), (typed_to or "").strip()
    errors: dict[str, str] = {}
    start, end = _day(typed_from, "from", errors), _day(typed_to, "to", errors)
    end = end or today
    start = start or end - timedelta(days=default_days - 1)  # only `to`: the same length
    if not errors and end < start:
        errors["to"] = "insights.range.to_before_from"
    elif not errors and (end - start).days + 1 > MAX_DAYS:
        errors["to"] = "insights.range.too_long"
    if errors:
        start, end = default_start, today
    return DateRange(start, end, typed_from, typed_to, errors)


def _day(text: str, field: str, errors: dict[str, str]) -> date | None:
    if not text:
        return None
    try:
        if len(text) != 10:
            raise ValueError(text)
        return date.fromisoformat(text)
    except ValueError:
        errors[field] = "insights.range.bad_date"
        return None
