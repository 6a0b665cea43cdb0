"""Signing in and out of the console. An agent signs in by pasting their token (the one an
admin created for them); the session cookie holds it, so revoking the token ends the session."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from returns_service.domain.access import Role
from returns_service.services.platform.auth import authenticate_staff
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

    @post("/logout", guards=SIGNED_IN)
    async def logout(self, request: Request[Any, Any, Any]) -> Response[Any]:
        return Redirect(
            CONSOLE_PATH,
            status_code=303,
            cookies=[session_cookie(request, AGENT_COOKIE, "", max_age=0, path=CONSOLE_PATH)],
        )

    @get("/queue", guards=SIGNED_IN)
    async def queue(self, request: Request[Any, Any, Any]) -> Template:
        return await agent_page(request, "agent/queue.html")
