"""The conversation has a size limit per message and is read a page at a time: 200 long
messages no longer make the agent's case view megabytes."""

from __future__ import annotations

import pytest

from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseMessage
from returns_service.domain.access import Role
from tests.integration.helpers import (
    Client,
    add_agent,
    line_ids,
    open_return,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)


@pytest.fixture
async def case(client: Client, clock: FrozenClock) -> dict:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    _, agent = await add_agent(client, admin, "Ioana")
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    number = (await open_return(client, customer, refund_item(lines["WATCH-41-BLK"])))["number"]
    return {"number": number, "agent": agent, "customer": customer}


async def test_an_over_long_message_is_refused_by_both_routes(client: Client, case: dict) -> None:
    number = case["number"]
    portal = await client.post(
        f"/api/v1/portal/returns/{number}/messages",
        json={"body": "x" * 5_001},
        headers=case["customer"],
    )
    agent = await client.post(
        f"/api/v1/cases/{number}/messages", json={"body": "x" * 5_001}, headers=case["agent"]
    )
    for response in (portal, agent):
        assert response.status_code == 400, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert "body" in response.text
    assert await CaseMessage.count() == 0
    fits = await client.post(
        f"/api/v1/portal/returns/{number}/messages",
        json={"body": "x" * 5_000},
        headers=case["customer"],
    )
    assert fits.status_code == 201


async def test_a_macro_that_grows_past_the_limit_is_refused(client: Client, case: dict) -> None:
    macro = await client.post(
        "/api/v1/macros",
        json={"name": "long", "body": "{{case.url}} " * 300},  # over 5,000 once filled
        headers=case["agent"],
    )
    assert macro.status_code == 201, macro.text
    reply = await client.post(
        f"/api/v1/cases/{case['number']}/messages",
        json={"macro_id": macro.json()["id"]},
        headers=case["agent"],
    )
    assert reply.status_code == 422 and "5000" in reply.json()["detail"]
    assert await CaseMessage.count() == 0


async def test_the_case_view_carries_the_latest_messages_and_pages_the_rest(
    client: Client, case: dict
) -> None:
    number = case["number"]
    for n in range(120):
        response = await client.post(
            f"/api/v1/portal/returns/{number}/messages",
            json={"body": f"message {n}"},
            headers=case["customer"],
        )
        assert response.status_code == 201
    view = (await client.get(f"/api/v1/cases/{number}", headers=case["agent"])).json()
    assert [m["body"] for m in view["messages"]] == [f"message {n}" for n in range(70, 120)]
    assert view["messages_next_cursor"]

    seen: list[str] = []
    cursor = None
    while True:
        page = await client.get(
            f"/api/v1/cases/{number}/messages",
            params={"limit": 40, **({"cursor": cursor} if cursor else {})},
            headers=case["agent"],
        )
        assert page.status_code == 200, page.text
        body = page.json()
        seen = [m["body"] for m in body["items"]] + seen
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"message {n}" for n in range(120)]  # every message once, in order

    # the customer's route keeps its array, the older page behind a Link header
    latest = await client.get(f"/api/v1/portal/returns/{number}/messages", headers=case["customer"])
    assert [m["body"] for m in latest.json()] == [f"message {n}" for n in range(70, 120)]
    older = await client.get(
        latest.links["next"]["url"].replace("http://testserver", ""), headers=case["customer"]
    )
    assert [m["body"] for m in older.json()] == [f"message {n}" for n in range(20, 70)]

    bad = await client.get(
        f"/api/v1/cases/{number}/messages", params={"cursor": "not-ours"}, headers=case["agent"]
    )
    assert bad.status_code == 422 and bad.json()["detail"].startswith("the cursor")
