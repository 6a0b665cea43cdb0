"""Outbound webhooks against a receiver started by the test: every change of a case is
announced once, signed (the receiver verifies with the `standardwebhooks` library), in order
per case, retried with the same webhook-id until the receiver takes it, paused after three
days of failures, replayed from the log."""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest

from returns_service.clock import FrozenClock
from returns_service.db.engine import DB
from returns_service.db.tables import ReturnCase, WebhookDelivery, WebhookEndpoint
from returns_service.domain.access import Role
from returns_service.domain.cases import SYSTEM, CaseStatus
from returns_service.domain.webhooks import EVENT_TYPES
from returns_service.services.cases import timeline
from returns_service.services.events import delivery
from returns_service.services.events import queries as delivery_queries
from returns_service.services.platform.runtime import Runtime
from tests.integration.events.receiver import Received, Receiver
from tests.integration.fulfilment.test_fulfilment import post_event
from tests.integration.helpers import (
    Client,
    add_agent,
    line_ids,
    open_return,
    order_doc,
    portal_headers,
    receive_and_grade,
    refund_item,
    seed_store,
    staff_headers,
)

Headers = dict[str, str]


@pytest.fixture
async def shop(client: Client, clock: FrozenClock) -> dict[str, Headers]:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    _, agent = await add_agent(client, admin, "Ioana")
    warehouse = await staff_headers(client, Role.WAREHOUSE, clock)
    return {"admin": admin, "agent": agent, "warehouse": warehouse}


async def subscribe(
    client: Client, admin: Headers, receiver: Receiver, events: list[str] | None = None
) -> dict[str, Any]:
    response = await client.post(
        "/api/v1/webhook-endpoints",
        json={"url": receiver.url, "events": events or list(EVENT_TYPES), "description": "ERP"},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    endpoint: dict[str, Any] = response.json()
    receiver.secret = endpoint["secret"]
    return endpoint


def runtime(clock: FrozenClock) -> Runtime:
    return Runtime(clock=clock, webhook_allow_private=True)


async def drain(clock: FrozenClock) -> None:
    """Worker passes until nothing more is delivered now (each pass sends the next event of
    every case's line)."""
    while (await delivery.deliver_due(runtime(clock))).delivered:
        pass


async def deliveries(client: Client, admin: Headers, endpoint_id: int) -> list[dict[str, Any]]:
    response = await client.get(
        f"/api/v1/webhook-endpoints/{endpoint_id}/deliveries", headers=admin
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def test_a_return_from_request_to_close_is_announced_in_order_and_signed(
    client: Client, shop: dict[str, Headers], receiver: Receiver, clock: FrozenClock
) -> None:
    endpoint = await subscribe(client, shop["admin"], receiver)
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    case = await open_return(client, customer, refund_item(lines["RING-8-BLK"]))
    number = case["number"]
    said = await client.post(
        f"/api/v1/portal/returns/{number}/messages", json={"body": "Too big"}, headers=customer
    )
    assert said.status_code in (200, 201), said.text
    reply = await client.post(
        f"/api/v1/cases/{number}/messages", json={"body": "Label attached"}, headers=shop["agent"]
    )
    assert reply.status_code in (200, 201), reply.text
    note = await client.post(
        f"/api/v1/cases/{number}/notes", json={"body": "internal only"}, headers=shop["agent"]
    )
    assert note.status_code in (200, 201), note.text
    tracking = case["label"]["tracking_number"]
    assert (await post_event(client, tracking, "in_transit", "ev-1")).status_code == 201
    graded = await receive_and_grade(client, shop["warehouse"], number, lines["RING-8-BLK"])
    assert graded.status_code == 200, graded.text
    closed = await client.post(f"/api/v1/cases/{number}/close", headers=shop["agent"])
    assert closed.status_code in (200, 201), closed.text

    assert receiver.received == []  # nothing is sent inside a request: the worker delivers
    await drain(clock)

    assert receiver.refused == []  # every signature verified
    assert receiver.types(number) == [
        "case.opened",
        "case.approved",
        "case.assigned",
        "message.created",
        "message.created",
        "parcel.in_transit",
        "parcel.received",
        "case.inspected",
        "refund.issued",
        "case.closed",
    ]
    got = receiver.delivered()
    assert len({r.webhook_id for r in got}) == len(got)
    by_type = {r.type: r.body for r in got}
    # each body is the case as agents saw it at that change
    assert by_type["case.opened"]["data"]["case"]["status"] == "requested"
    assert by_type["case.approved"]["data"]["case"]["status"] == "approved"
    assert by_type["case.assigned"]["data"]["case"]["agent"]["display_name"] == "Ioana"
    assert by_type["refund.issued"]["data"]["case"]["refund"]["amount"] == {
        "amount": 2500,
        "currency": "USD",
    }
    assert by_type["case.closed"]["data"]["case"]["status"] == "closed"
    opened = by_type["case.opened"]
    assert opened["type"] == "case.opened"
    assert opened["timestamp"].startswith("2026-09-01T12:00:00")
    case_body = opened["data"]["case"]
    assert case_body["number"] == number and case_body["order_number"] == "1001"
    assert case_body["customer"]["email"] == "ana@example.com"
    assert "messages" not in case_body and "notes" not in case_body
    messages = [r.body["data"]["message"] for r in got if r.type == "message.created"]
    assert [(m["author"], m["body"]) for m in messages] == [
        ("customer", "Too big"),
        ("agent", "Label attached"),
    ]
    assert all("internal only" not in r.raw.decode() for r in got)

    log = await deliveries(client, shop["admin"], endpoint["id"])
    assert [d["type"] for d in log][::-1] == receiver.types(number)
    assert {(d["status"], d["attempts"], d["response_code"]) for d in log} == {
        ("delivered", 1, 204)
    }
    assert {d["case_number"] for d in log} == {number}


async def test_only_subscribed_events_are_queued_and_a_store_without_endpoints_queues_nothing(
    client: Client, shop: dict[str, Headers], receiver: Receiver, clock: FrozenClock
) -> None:
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    case = await open_return(client, customer, refund_item(lines["RING-8-BLK"]))
    assert await WebhookDelivery.count() == 0
    await subscribe(client, shop["admin"], receiver, ["message.created"])
    await client.post(
        f"/api/v1/portal/returns/{case['number']}/messages", json={"body": "Hi"}, headers=customer
    )
    assert [r["event_type"] for r in await WebhookDelivery.select()] == ["message.created"]


async def test_a_change_that_rolls_back_announces_nothing(
    client: Client, shop: dict[str, Headers], receiver: Receiver, clock: FrozenClock
) -> None:
    await subscribe(client, shop["admin"], receiver)
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    case = await open_return(client, customer, refund_item(lines["RING-8-BLK"]))
    queued = await WebhookDelivery.count()
    row = await ReturnCase.select(ReturnCase.id, ReturnCase.store).first()
    assert row is not None
    with pytest.raises(RuntimeError):
        async with DB.transaction():
            await timeline.move(
                store_id=row["store"],
                case_id=row["id"],
                current=CaseStatus.APPROVED,
                target=CaseStatus.CANCELLED,
                actor=SYSTEM,
                at=clock.now(),
            )
            assert await WebhookDelivery.count() == queued + 1  # written with the change...
            raise RuntimeError("the rest of the change failed")
    assert await WebhookDelivery.count() == queued  # ...and gone with it
    await drain(clock)
    assert "case.cancelled" not in receiver.types(case["number"])


async def test_a_failing_receiver_is_retried_with_backoff_and_the_same_webhook_id(
    client: Client, shop: dict[str, Headers], receiver: Receiver, clock: FrozenClock
) -> None:
    endpoint = await subscribe(client, shop["admin"], receiver, ["case.opened"])
    answers = iter([(500, {}), (429, {"Retry-After": "600"})])
    receiver.script = lambda _: next(answers, None)
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    await open_return(client, customer, refund_item(lines["RING-8-BLK"]))

    await drain(clock)  # 500
    log = (await deliveries(client, shop["admin"], endpoint["id"]))[0]
    assert (log["status"], log["attempts"], log["response_code"]) == ("pending", 1, 500)
    assert log["next_attempt_at"].startswith("2026-09-01T12:00:05")  # the schedule: 5 s
    await drain(clock)
    assert len(receiver.received) == 1  # not due yet
    clock.advance(seconds=5)
    await drain(clock)  # 429, Retry-After 600 s: longer than the schedule's 5 min
    log = (await deliveries(client, shop["admin"], endpoint["id"]))[0]
    assert log["next_attempt_at"].startswith("2026-09-01T12:10:05")
    clock.advance(minutes=5)
    await drain(clock)
    assert len(receiver.received) == 2  # Retry-After honoured
    clock.advance(minutes=5)
    await drain(clock)  # taken
    assert [r.answered for r in receiver.received] == [500, 429, 204]
    assert len({r.webhook_id for r in receiver.received}) == 1
    assert len({r.raw for r in receiver.received}) == 1  # the same body every time
    log = (await deliveries(client, shop["admin"], endpoint["id"]))[0]
    assert (log["status"], log["attempts"], log["response_code"], log["error"]) == (
        "delivered",
        3,
        204,
        None,
    )


async def test_a_delivery_is_given_up_after_more_than_a_day_of_retries(
    client: Client, shop: dict[str, Headers], receiver: Receiver, clock: FrozenClock
) -> None:
    endpoint = await subscribe(client, shop["admin"], receiver, ["case.opened"])
    receiver.script = lambda _: (503, {})
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    await open_return(client, customer, refund_item(lines["RING-8-BLK"]))
    start = clock.now()
    for _ in range(20):
        await drain(clock)
        clock.advance(minutes=30)
    log = (await deliveries(client, shop["admin"], endpoint["id"]))[0]
    assert log["status"] == "pending"  # still trying after ten hours
    clock.advance(hours=30)
    for _ in range(10):
        await drain(clock)
        clock.advance(hours=10)
    log = (await deliveries(client, shop["admin"], endpoint["id"]))[0]
    assert (log["status"], log["attempts"]) == ("failed", 8)
    last = max(r.timestamp for r in receiver.received)
    assert int(last) - int(start.timestamp()) > 24 * 3600


async def test_a_later_event_of_a_case_waits_for_the_earlier_one_and_other_cases_do_not(
    client: Client, shop: dict[str, Headers], receiver: Receiver, clock: FrozenClock
) -> None:
    await subscribe(client, shop["admin"], receiver)
    admin = shop["admin"]
    await client.post("/api/v1/orders", json=order_doc("1002", "bo@example.com"), headers=admin)
    first = await portal_headers(client)
    second = await portal_headers(client, "1002", "bo@example.com")
    case_a = await open_return(
        client, first, refund_item((await line_ids(client, first))["RING-8-BLK"])
    )
    case_b = await open_return(
        client, second, refund_item((await line_ids(client, second))["RING-8-BLK"])
    )
    refusals = {"left": 2}

    def answer(delivery: Received) -> tuple[int, dict[str, str]] | None:
        # case A's first event is refused twice; case B's are all taken
        if delivery.case_number == case_a["number"] and refusals["left"]:
            refusals["left"] -= 1
            return (500, {})
        return None

    receiver.script = answer
    await drain(clock)
    assert receiver.types(case_a["number"]) == []  # held behind its refused first event
    assert receiver.types(case_b["number"]) == ["case.opened", "case.approved", "case.assigned"]
    clock.advance(seconds=5)
    await drain(clock)
    clock.advance(minutes=5)
    await drain(clock)
    attempts_a = [r.type for r in receiver.received if r.case_number == case_a["number"]]
    assert attempts_a == [
        "case.opened",
        "case.opened",
        "case.opened",
        "case.approved",
        "case.assigned",
    ]


async def test_an_endpoint_failing_for_three_days_is_paused_and_resumes_with_what_waited(
    client: Client, shop: dict[str, Headers], receiver: Receiver, clock: FrozenClock
) -> None:
    endpoint = await subscribe(client, shop["admin"], receiver, ["message.created"])
    down = {"yes": True}
    receiver.script = lambda _: (502, {}) if down["yes"] else None
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    number = (await open_return(client, customer, refund_item(lines["RING-8-BLK"])))["number"]

    async def write(text: str) -> None:
        signed_in = await portal_headers(client)  # a session lasts less than a day
        response = await client.post(
            f"/api/v1/portal/returns/{number}/messages", json={"body": text}, headers=signed_in
        )
        assert response.status_code in (200, 201), response.text

    await write("day 0")
    await drain(clock)
    for day in (1, 2):
        clock.advance(days=1)
        await write(f"day {day}")
        await drain(clock)
    one = await client.get(f"/api/v1/webhook-endpoints/{endpoint['id']}", headers=shop["admin"])
    assert one.json()["status"] == "active"
    assert one.json()["failing_since"].startswith("2026-09-01T12:00:00")
    clock.advance(days=1)
    await write("day 3")
    await drain(clock)  # three days without a success: paused
    one = await client.get(f"/api/v1/webhook-endpoints/{endpoint['id']}", headers=shop["admin"])
    assert (one.json()["status"], one.json()["paused"], one.json()["paused_reason"]) == (
        "paused",
        True,
        "failing",
    )
    tried = len(receiver.received)
    down["yes"] = False
    clock.advance(hours=12)
    await write("day 3, later")  # queued for the paused endpoint too
    await drain(clock)
    assert len(receiver.received) == tried  # a paused endpoint is sent nothing

    resumed = await client.patch(
        f"/api/v1/webhook-endpoints/{endpoint['id']}", json={"paused": False}, headers=shop["admin"]
    )
    assert resumed.status_code == 200, resumed.text
    assert (resumed.json()["status"], resumed.json()["failing_since"]) == ("active", None)
    await drain(clock)
    bodies = [r.body["data"]["message"]["body"] for r in receiver.delivered()]
    # every event, in order: the first one's retries (a few a day) were not used up, and
    # the later ones waited behind it
    assert bodies == ["day 0", "day 1", "day 2", "day 3", "day 3, later"]
    statuses = Counter(d["status"] for d in await deliveries(client, shop["admin"], endpoint["id"]))
    assert statuses == {"delivered": 5}


async def test_a_delivery_is_replayed_from_the_log_with_the_same_webhook_id(
    client: Client, shop: dict[str, Headers], receiver: Receiver, clock: FrozenClock
) -> None:
    endpoint = await subscribe(client, shop["admin"], receiver, ["case.opened"])
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    await open_return(client, customer, refund_item(lines["RING-8-BLK"]))
    await drain(clock)
    first = (await deliveries(client, shop["admin"], endpoint["id"]))[0]
    clock.advance(days=2)
    replay = await client.post(
        f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries/{first['id']}/retry",
        headers=shop["admin"],
    )
    assert replay.status_code == 202, replay.text
    assert (replay.json()["status"], replay.json()["event_id"]) == ("pending", first["event_id"])
    await drain(clock)
    assert [r.webhook_id for r in receiver.delivered()] == [first["event_id"]] * 2
    assert receiver.received[0].raw == receiver.received[1].raw
    assert int(receiver.received[1].timestamp) - int(receiver.received[0].timestamp) == 2 * 86400
    missing = await client.post(
        f"/api/v1/webhook-endpoints/{endpoint['id']}/deliveries/999999/retry",
        headers=shop["admin"],
    )
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")


async def test_concurrent_workers_deliver_each_event_once_in_order(
    client: Client, shop: dict[str, Headers], receiver: Receiver, clock: FrozenClock
) -> None:
    await subscribe(client, shop["admin"], receiver)
    numbers = []
    for n in range(4):
        order = str(2000 + n)
        email = f"c{n}@example.com"
        await client.post("/api/v1/orders", json=order_doc(order, email), headers=shop["admin"])
        customer = await portal_headers(client, order, email)
        line = (await line_ids(client, customer))["RING-8-BLK"]
        numbers.append((await open_return(client, customer, refund_item(line)))["number"])
    queued = await WebhookDelivery.count()
    rt = runtime(clock)
    for _ in range(6):  # three workers at once, pass after pass
        await asyncio.gather(*(delivery.deliver_due(rt) for _ in range(3)))
    got = receiver.delivered()
    assert len(got) == queued == 12
    assert len({r.webhook_id for r in got}) == queued  # none twice
    for number in numbers:
        assert receiver.types(number) == ["case.opened", "case.approved", "case.assigned"]
    assert await WebhookDelivery.count().where(WebhookDelivery.status == "delivered") == queued


async def test_a_deleted_endpoint_takes_its_waiting_deliveries_with_it(
    client: Client, shop: dict[str, Headers], receiver: Receiver, clock: FrozenClock
) -> None:
    endpoint = await subscribe(client, shop["admin"], receiver)
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    await open_return(client, customer, refund_item(lines["RING-8-BLK"]))
    gone = await client.delete(f"/api/v1/webhook-endpoints/{endpoint['id']}", headers=shop["admin"])
    assert gone.status_code == 204
    await drain(clock)
    assert receiver.received == []
    assert await WebhookEndpoint.count() == 0 and await WebhookDelivery.count() == 0
    listed = await client.get("/api/v1/webhook-endpoints", headers=shop["admin"])
    assert json.loads(listed.text) == {"items": [], "next_cursor": None}


async def test_a_worker_that_dies_holding_a_delivery_leaves_it_to_the_next_one(
    client: Client, shop: dict[str, Headers], receiver: Receiver, clock: FrozenClock
) -> None:
    await subscribe(client, shop["admin"], receiver, ["case.opened"])
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    await open_return(client, customer, refund_item(lines["RING-8-BLK"]))
    async with DB.transaction():  # a worker claims it, then dies before sending
        claimed = await delivery_queries.claim_due(
            clock.now(), clock.now() + timedelta(seconds=120), 10
        )
    assert len(claimed) == 1
    await drain(clock)
    assert receiver.received == []  # still held by the dead worker's claim
    clock.advance(seconds=121)
    await drain(clock)
    assert [r.webhook_id for r in receiver.delivered()] == [str(claimed[0].event_id)]
