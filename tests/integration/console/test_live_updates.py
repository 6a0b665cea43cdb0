"""The console's live updates: a change announces itself with NOTIFY in its own transaction,
so a subscriber hears of it once it commits and never of a rollback; each reader hears only of
the cases they may read; a slow reader is told to reload instead of holding the hub up; a lost
LISTEN connection comes back and tells everyone to reload."""

from __future__ import annotations

import asyncio

import pytest

from returns_service.clock import FrozenClock
from returns_service.db import sql
from returns_service.db.engine import DB
from returns_service.domain.access import Role
from returns_service.services.platform import live
from returns_service.services.platform.auth import authenticate_staff
from returns_service.services.platform.live import QUEUE_SIZE, RELOAD, Activity, Hub, Subscription
from returns_service.web.agent.events import stream
from tests.integration.helpers import (
    Client,
    add_agent,
    line_ids,
    open_return,
    order_doc,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)

WAIT = 10  # seconds: a bound on waiting for an event that should come, never a pause


async def next_activity(queue: asyncio.Queue[Activity]) -> Activity:
    return await asyncio.wait_for(queue.get(), WAIT)


async def write(client: Client, customer: dict[str, str], number: str, body: str) -> None:
    response = await client.post(
        f"/api/v1/portal/returns/{number}/messages", json={"body": body}, headers=customer
    )
    assert response.status_code == 201, response.text


async def _two_agents_two_cases(client: Client, clock: FrozenClock) -> dict[str, object]:
    """Ioana owns Ana's case (order 1001); Sam owns Bo's (order 1002)."""
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    _, ioana = await add_agent(client, admin, "Ioana", languages=["ro", "en"])
    ana = await portal_headers(client)
    ana_case = await open_return(
        client, ana, refund_item((await line_ids(client, ana))["RING-8-BLK"])
    )
    sam_id, sam = await add_agent(client, admin, "Sam", languages=["en", "ro"])
    order = order_doc(number="1002", email="bo@example.com")
    assert (await client.post("/api/v1/orders", json=order, headers=admin)).status_code == 201
    bo = await portal_headers(client, "1002", "bo@example.com")
    bo_case = await open_return(client, bo, refund_item((await line_ids(client, bo))["RING-8-BLK"]))
    # whoever the assignment chose, Bo's case is Sam's (as a lead's reassignment would make it)
    await sql.execute(
        "UPDATE return_case SET agent = $1 WHERE number = $2", sam_id, bo_case["number"]
    )
    return {
        "ioana": ioana, "sam": sam, "ana": ana, "bo": bo,
        "ana_case": ana_case["number"], "bo_case": bo_case["number"],
    }  # fmt: skip


async def test_a_customer_message_reaches_a_subscriber_once_it_commits(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    await add_agent(client, admin, "Ioana")
    customer = await portal_headers(client)
    number = (
        await open_return(
            client, customer, refund_item((await line_ids(client, customer))["RING-8-BLK"])
        )
    )["number"]
    hub: Hub = client.app.state.live  # type: ignore[attr-defined]
    async with hub.subscribe() as subscription:
        assert hub.listening
        await write(client, customer, number, "Does the strap fit a 41 mm case?")
        heard = await next_activity(subscription.queue)
        assert heard.kind == "message" and heard.store_id == client.app.state.store.id  # type: ignore[attr-defined]


async def test_a_rolled_back_change_is_never_heard(client: Client) -> None:
    hub: Hub = client.app.state.live  # type: ignore[attr-defined]
    async with hub.subscribe() as subscription:
        with pytest.raises(RuntimeError):
            async with DB.transaction():
                await live.notify(1, 41, "status")
                raise RuntimeError("the change fails after announcing itself")
        async with DB.transaction():
            await live.notify(1, 42, "status")
        # notifications arrive in commit order: had the rolled-back one been sent, it would
        # be first
        assert await next_activity(subscription.queue) == Activity(1, 42, "status")
        assert subscription.queue.empty()


async def test_an_agent_hears_of_their_own_cases_only(client: Client, clock: FrozenClock) -> None:
    world = await _two_agents_two_cases(client, clock)
    ioana = await authenticate_staff(str(world["ioana"]["Authorization"]).removeprefix("Bearer "))  # type: ignore[index]
    assert ioana is not None
    hub: Hub = client.app.state.live  # type: ignore[attr-defined]
    events = stream(hub, ioana, "unused")
    first = await anext(events)
    assert (first.event, first.retry) == ("ready", 3000)
    await write(client, world["bo"], str(world["bo_case"]), "Bo writes to Sam")  # type: ignore[arg-type]
    await write(client, world["ana"], str(world["ana_case"]), "Ana writes to Ioana")  # type: ignore[arg-type]
    heard = await asyncio.wait_for(anext(events), WAIT)
    # Bo's message came first and was not passed on
    assert heard.event == "case"
    assert heard.data == (
        f'{{"number":"{world["ana_case"]}","kind":"message","status":"approved",'
        '"awaiting_reply":true}'
    )
    await events.aclose()


async def test_a_lead_hears_of_every_case(client: Client, clock: FrozenClock) -> None:
    world = await _two_agents_two_cases(client, clock)
    admin = await staff_headers(client, Role.ADMIN, clock)
    _, lead_headers = await add_agent(client, admin, "Lea", role="lead", capacity=0)
    lead = await authenticate_staff(lead_headers["Authorization"].removeprefix("Bearer "))
    assert lead is not None
    events = stream(client.app.state.live, lead, "unused")  # type: ignore[attr-defined]
    await anext(events)
    await write(client, world["bo"], str(world["bo_case"]), "Bo writes")  # type: ignore[arg-type]
    heard = await asyncio.wait_for(anext(events), WAIT)
    assert heard.event == "case" and str(world["bo_case"]) in str(heard.data)
    await events.aclose()


async def test_the_stream_beats_and_ends_when_its_token_is_revoked(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    _, headers = await add_agent(client, admin, "Ioana")
    token = headers["Authorization"].removeprefix("Bearer ")
    caller = await authenticate_staff(token)
    assert caller is not None
    events = stream(client.app.state.live, caller, token, heartbeat=0.01)  # type: ignore[attr-defined]
    await anext(events)
    assert (await asyncio.wait_for(anext(events), WAIT)).comment == "heartbeat"
    await sql.execute("UPDATE api_token SET revoked_at = now() WHERE id = $1", caller.token_id)
    with pytest.raises(StopAsyncIteration):
        while True:  # at most one more heartbeat was already on its way
            assert (await asyncio.wait_for(anext(events), WAIT)).comment == "heartbeat"


def test_a_slow_subscriber_is_told_to_reload_and_never_blocks() -> None:
    subscription = Subscription()
    for n in range(QUEUE_SIZE + 50):  # offer never waits: the hub goes on
        subscription.offer(Activity(1, n, "status"))
    assert subscription.dropped
    items = [subscription.queue.get_nowait() for _ in range(subscription.queue.qsize())]
    assert items[-1] is RELOAD and len(items) == QUEUE_SIZE


async def test_a_lost_listen_connection_comes_back_and_says_reload(
    database_url: str, db: None
) -> None:
    hub = Hub(lambda: database_url, retry_seconds=0.05)
    try:
        async with hub.subscribe() as subscription:
            killed = await sql.fetch(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query = $1",
                'LISTEN "case_activity"',
            )
            assert killed and all(row[0] for row in killed)
            assert await next_activity(subscription.queue) is RELOAD  # listening again
            async with DB.transaction():
                await live.notify(1, 7, "assigned")
            assert await next_activity(subscription.queue) == Activity(1, 7, "assigned")
    finally:
        await hub.close()
