"""`GET /agent/events`: the console's live updates as server-sent events. Each open console
tab holds one stream; it hears of every case change in the store through the process's hub
(services/platform/live.py) and passes on those its reader may see (`event: case`, data
`{number, kind, status, awaiting_reply}`). A comment every 15 s keeps proxies from closing
an idle stream and lets the server notice a revoked token. `event: ready` comes first, once
changes will be heard, with `retry:` (how soon the browser reconnects). `event: reload` says
some changes may have been missed (the hub lost its connection, or this reader fell behind):
the page fetches the truth again."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import msgspec
from litestar import Controller, Request, get
from litestar.response import ServerSentEvent, ServerSentEventMessage

from returns_service.domain.access import Caller
from returns_service.services.cases.live import case_activity
from returns_service.services.platform.auth import authenticate_staff
from returns_service.services.platform.live import RELOAD, Hub
from returns_service.web.agent.common import CONSOLE_PATH, SIGNED_IN
from returns_service.web.pages import PUBLIC
from returns_service.web.sessions import AgentSession, SignInRequired, to_sign_in

HEARTBEAT_SECONDS = 15.0
RETRY_MILLISECONDS = 3000


async def stream(
    hub: Hub, caller: Caller, token: str, heartbeat: float = HEARTBEAT_SECONDS
) -> AsyncIterator[ServerSentEventMessage]:
    async with hub.subscribe() as subscription:
        # first, once the hub listens: the browser's reconnect delay, and word that changes
        # from now on will be heard (the response's headers alone are sent before that)
        yield ServerSentEventMessage(event="ready", data="{}", retry=RETRY_MILLISECONDS)
        while True:
            try:
                activity = await asyncio.wait_for(subscription.queue.get(), heartbeat)
            except TimeoutError:
                if await authenticate_staff(token) is None:  # signed out, or revoked
                    return
                yield ServerSentEventMessage(comment="heartbeat")
                continue
            if activity is RELOAD:
                yield ServerSentEventMessage(event="reload", data="{}")
                if subscription.dropped:
                    return  # the browser reconnects with a fresh subscription
                continue
            seen = await case_activity(caller, activity)
            if seen is not None:
                yield ServerSentEventMessage(event="case", data=msgspec.json.encode(seen).decode())


class AgentEvents(Controller):
    path = CONSOLE_PATH
    opt = PUBLIC
    include_in_schema = False
    middleware = [AgentSession]
    exception_handlers = {SignInRequired: to_sign_in}

    @get("/events", guards=SIGNED_IN)
    async def events(self, request: Request[Any, Any, Any]) -> ServerSentEvent:
        caller = request.user
        assert isinstance(caller, Caller)  # SIGNED_IN
        hub: Hub = request.app.state.live
        return ServerSentEvent(
            stream(hub, caller, str(request.auth)),
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )
