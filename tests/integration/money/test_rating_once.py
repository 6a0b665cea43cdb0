""" "Did it fit?" is asked about a delivered replacement, and answered once."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json

import pytest

from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseEvent, CaseMessage, FollowUp, ReturnCase
from returns_service.domain.access import Role
from tests.integration.helpers import (
    WATCH_POLICY,
    Client,
    add_agent,
    exchange_item,
    line_ids,
    open_return,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)


@pytest.fixture
async def shop(client: Client, clock: FrozenClock) -> dict[str, dict[str, str]]:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    policy = {**WATCH_POLICY, "advance_exchange": "on_request"}
    assert (await client.put("/api/v1/policy", json=policy, headers=admin)).is_success
    _, agent = await add_agent(client, admin, "Ioana")
    return {"admin": admin, "agent": agent, "customer": await portal_headers(client)}


async def deliver(client: Client, tracking: str) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    body = json.dumps(
        {
            "event_id": f"out-{tracking}",
            "tracking_number": tracking,
            "status": "delivered",
            "occurred_at": "2026-09-02T10:00:00Z",
        }
    ).encode()
    secret = settings.carrier_secret("concierge-post").encode()
    signature = hmac.new(secret, body, hashlib.sha256).hexdigest()
    response = await client.post(
        "/api/v1/webhooks/carrier/concierge-post",
        content=body,
        headers={"X-Carrier-Signature": f"sha256={signature}", "content-type": "application/json"},
    )
    assert response.status_code == 201, response.text


async def rate(client: Client, customer: dict, number: str, rating: int, comment: str = ""):  # type: ignore[no-untyped-def]
    return await client.post(
        f"/api/v1/portal/returns/{number}/rating",
        json={"rating": rating, "comment": comment},
        headers=customer,
    )


async def test_a_refund_case_or_an_undelivered_replacement_is_not_rated(
    client: Client, shop: dict
) -> None:
    lines = await line_ids(client, shop["customer"])
    refund = await open_return(client, shop["customer"], refund_item(lines["WATCH-41-BLK"]))
    exchange = await open_return(client, shop["customer"], exchange_item(lines["RING-8-BLK"]))
    assert exchange["exchange"]["status"] == "shipped"
    for number in (refund["number"], exchange["number"]):
        response = await rate(client, shop["customer"], number, 1, "bad")
        assert response.status_code == 409, response.text
    assert await FollowUp.count() == 0
    assert await CaseEvent.count().where(CaseEvent.kind == "rating") == 0
    assert await CaseMessage.count() == 0
    flags = await ReturnCase.select(ReturnCase.awaiting_reply)
    assert [f["awaiting_reply"] for f in flags] == [False, False]


async def test_a_delivered_exchange_is_rated_once_even_at_the_same_time(
    client: Client, shop: dict
) -> None:
    lines = await line_ids(client, shop["customer"])
    case = await open_return(client, shop["customer"], exchange_item(lines["RING-8-BLK"]))
    await deliver(client, case["exchange"]["tracking_number"])
    answers = await asyncio.gather(
        *(rate(client, shop["customer"], case["number"], 2, f"try {n}") for n in range(5))
    )
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409, 409]
    assert await FollowUp.count() == 1
    assert await CaseEvent.count().where(CaseEvent.kind == "rating") == 1
    assert await CaseMessage.count() == 1  # the low rating's comment reached the concierge once
    # the concierge answers; a later rating does not flag the case again
    reply = await client.post(
        f"/api/v1/cases/{case['number']}/messages", json={"body": "Sorry!"}, headers=shop["agent"]
    )
    assert reply.status_code == 201
    again = await rate(client, shop["customer"], case["number"], 1, "still bad")
    assert again.status_code == 409
    assert (await ReturnCase.select(ReturnCase.awaiting_reply))[0]["awaiting_reply"] is False
