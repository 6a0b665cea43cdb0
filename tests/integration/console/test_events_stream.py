"""`GET /agent/events` over a real HTTP connection (uvicorn on 127.0.0.1: the in-process test
client buffers a whole response, and this one never ends): the stream opens with `retry:`,
and a customer's message posted through the portal API arrives as an `event: case` once it
commits."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator

import httpx
import pytest
import uvicorn

from returns_service.app import create_app
from returns_service.clock import FrozenClock
from returns_service.domain.access import Role
from returns_service.settings import Settings
from tests.conftest import _empty_all_tables
from tests.integration.helpers import (
    add_agent,
    line_ids,
    open_return,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)

WAIT = 10  # seconds: a bound on waiting for what should come, never a pause


@pytest.fixture
async def http(
    schema: None, settings: Settings, clock: FrozenClock
) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the service served by uvicorn on a free port of 127.0.0.1."""
    application = create_app(settings, clock)
    started = asyncio.Event()

    async def ready() -> None:
        started.set()

    application.on_startup.append(ready)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    server = uvicorn.Server(uvicorn.Config(application, log_level="warning", lifespan="on"))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    await started.wait()
    try:
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        async with httpx.AsyncClient(base_url=url, timeout=WAIT) as client:
            client.app = application  # type: ignore[attr-defined]  # as tests/conftest.py's
            yield client
    finally:
        await _empty_all_tables()
        server.should_exit = True
        await task
        sock.close()


async def test_a_customer_message_arrives_on_the_agent_s_stream(
    http: httpx.AsyncClient, clock: FrozenClock
) -> None:
    admin = await staff_headers(http, Role.ADMIN, clock)
    await seed_store(http, admin)
    _, ioana = await add_agent(http, admin, "Ioana")
    customer = await portal_headers(http)
    lines = await line_ids(http, customer)
    number = (await open_return(http, customer, refund_item(lines["RING-8-BLK"])))["number"]

    cookies = {"rs_agent": ioana["Authorization"].removeprefix("Bearer ")}
    async with http.stream("GET", "/agent/events", cookies=cookies) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines_seen = response.aiter_lines()

        async def until(prefix: str) -> str:
            async for line in lines_seen:
                if line.startswith(prefix):
                    return line
            raise AssertionError(f"the stream ended before {prefix!r}")

        assert await asyncio.wait_for(until("retry:"), WAIT) == "retry: 3000"
        posted = await http.post(
            f"/api/v1/portal/returns/{number}/messages",
            json={"body": "Is the 9 in stock?"},
            headers=customer,
        )
        assert posted.status_code == 201
        assert await asyncio.wait_for(until("event:"), WAIT) == "event: case"
        data = json.loads((await asyncio.wait_for(until("data:"), WAIT))[5:])
        assert data == {
            "number": number,
            "kind": "message",
            "status": "approved",
            "awaiting_reply": True,
        }
