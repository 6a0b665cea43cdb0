"""Signing in and out of the console, and the header's availability toggle. An agent signs in
by pasting their token (the one an admin created for them) or by a link emailed to them
(services/platform/staff_links.py: it makes a fresh token); the session cookie holds the
token, so revoking it ends the session."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from returns_service.domain.access import Caller, Role
from returns_service.domain.errors import TooManyAttempts
from returns_service.services.cases.agents import update_agent
from returns_service.services.cases.schemas import AgentPatch
from returns_service.services.platform import staff_links
from returns_service.services.platform.auth import authenticate_staff
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store.stores import StoreInfo
from returns_service.web.agent.common import AGENT_COOKIE, CONSOLE_PATH, SIGNED_IN, agent_page
from returns_service.web.pages import PUBLIC
from returns_service.web.sessions import AgentSession, SignInRequired, session_cookie, to_sign_in

SESSION_SECONDS = 12 * 3600  # a working day; the token itself stays valid


class AgentConsolePages(Controller):
    path = CONSOLE_PATH
    opt = PUBLIC
    include_in_schema = False
    middleware = [AgentSession]
    exception_handlers = {SignInRequired: to_sign_in}

    @get("/")
    async def home(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        if request.user is None:
            return await agent_page(request, "agent/login.html")
        return Redirect(f"{CONSOLE_PATH}/queue", status_code=303)

    @post("/login")
    async def login(self, request: Request[Any, Any, Any]) -> Response[Any] | Template:
        token = str((await request.form()).get("token", "")).strip()
        caller = await authenticate_staff(token) if token else None
        if caller is None or caller.role not in (Role.AGENT, Role.LEAD):
            return await agent_page(request, "agent/login.html", error="agent.login.wrong_token")
        return Redirect(
            f"{CONSOLE_PATH}/queue",
            status_code=303,
            cookies=[
                session_cookie(
                    request, AGENT_COOKIE, token, max_age=SESSION_SECONDS, path=CONSOLE_PATH
                )
            ],
        )

    @post("/link")
    async def email_me_a_link(
        self,
        request: Request[Any, Any, Any],
        store: NamedDependency[StoreInfo],
        runtime: NamedDependency[Runtime],
    ) -> Template:
        """The same answer whether or not an agent has this email."""
        email = str((await request.form()).get("email", ""))[:320]
        client = request.client.host if request.client else "unknown"
        try:
            await staff_links.email_sign_in_link(store.id, email, client, runtime)
        except TooManyAttempts as error:
            return await agent_page(
                request,
                "agent/login.html",
                429,
                headers={"Retry-After": str(error.retry_after_seconds)},
                error="agent.login.too_many",
                email=email,
            )
        return await agent_page(request, "agent/login.html", notice="agent.login.link_sent")

    @get("/l/{token:str}")
    async def follow_link(
        self,
        request: Request[Any, Any, Any],
        store: NamedDependency[StoreInfo],
        runtime: NamedDependency[Runtime],
        token: FromPath[str],
    ) -> Response[Any] | Template:
        signed_in = await staff_links.follow(store.id, token[:2000], runtime)
        if signed_in is None:
            return await agent_page(request, "agent/login.html", error="agent.login.link_expired")
        return Redirect(
            f"{CONSOLE_PATH}/queue",
            status_code=303,
            # the link is in this address: keep it out of caches and other sites' logs
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
            cookies=[
                session_cookie(
                    request,
                    AGENT_COOKIE,
                    signed_in.token,
                    max_age=signed_in.seconds,
                    path=CONSOLE_PATH,
                )
            ],
        )

    @post("/logout", guards=SIGNED_IN)
    async def logout(
        self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
    ) -> Response[Any]:
        # A token a sign-in link made ends here, everywhere. A token pasted by hand does not:
        # an admin gave it to the agent, who may also use it elsewhere (the API, scripts).
        if isinstance(request.user, Caller):
            await staff_links.sign_out(request.user, runtime.clock)
        return Redirect(
            CONSOLE_PATH,
            status_code=303,
            cookies=[session_cookie(request, AGENT_COOKIE, "", max_age=0, path=CONSOLE_PATH)],
        )

    @post("/availability", guards=SIGNED_IN)
    async def availability(
        self, request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
    ) -> Response[Any]:
        """The header's toggle: going unavailable hands the agent's open cases to colleagues
        (as the API does); coming back takes on waiting cases."""
        caller = request.user
        available = str((await request.form()).get("available", "")) == "true"
        if not isinstance(caller, Caller) or caller.agent_id is None:
            return Redirect(f"{CONSOLE_PATH}/queue", status_code=303)
        await update_agent(caller, caller.agent_id, AgentPatch(available=available), runtime)
        notice = "available" if available else "unavailable"
        return Redirect(f"{CONSOLE_PATH}/queue?notice={notice}", status_code=303)
