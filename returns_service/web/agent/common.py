"""What every console page shares: the agent's session (a cookie holding their agent or lead
token), the sign-in guard, and `agent_page`, which renders a template inside the console's
layout (the header shows who is signed in and their availability). English for now, through
the one translation catalogue (keys `agent.*`), so other languages can follow."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.response import Template

from returns_service.domain.access import Caller
from returns_service.services.cases.agents import list_agents
from returns_service.services.cases.schemas import AgentView
from returns_service.web.i18n import Translator
from returns_service.web.pages import render_page
from returns_service.web.sessions import AGENT_COOKIE, signed_in

SIGN_IN_PAGE = "/agent"
# pages behind it send a visitor without a console session to the sign-in form
SIGNED_IN = [signed_in(SIGN_IN_PAGE)]
CONSOLE_PATH = "/agent"  # the cookie's path: every console page and form under it

__all__ = ["AGENT_COOKIE", "CONSOLE_PATH", "SIGNED_IN", "SIGN_IN_PAGE", "agent_page", "me"]


async def me(caller: Caller) -> AgentView | None:
    """The signed-in agent as the team list shows them (None: a token not linked to an agent)."""
    if caller.agent_id is None:
        return None
    return next((a for a in await list_agents(caller) if a.id == caller.agent_id), None)


async def agent_page(
    request: Request[Any, Any, Any],
    template: str,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Template:
    """A console page: `caller`, `agent` (who is signed in, or None on the sign-in form) and
    `is_lead` are in every template's context."""
    caller = request.user if isinstance(request.user, Caller) else None
    agent = await me(caller) if caller else None
    return render_page(
        request,
        template,
        Translator("en"),
        status_code,
        headers,
        caller=caller,
        agent=agent,
        is_lead=bool(caller and caller.role.value == "lead"),
        **context,
    )
