"""The store owes every customer a first answer within the policy's `first_response_hours`:
the due time is set when the case opens; the first reply or decision of a person answers it
(and names them), an automatic approval answers it at once; later answers change nothing."""

from __future__ import annotations

from datetime import timedelta

from returns_service.clock import FrozenClock
from returns_service.db.tables import ReturnCase
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


async def _first_response(number: str) -> dict:
    rows = await ReturnCase.select(
        ReturnCase.created_at,
        ReturnCase.first_response_due_at,
        ReturnCase.first_responded_at,
        ReturnCase.first_response_agent,
    ).where(ReturnCase.number == number)
    return rows[0]


async def test_a_case_for_a_person_is_due_in_the_policy_s_hours_and_answered_by_a_reply(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    sam_id, sam = await add_agent(client, admin, "Sam", languages=["en"])
    put = await client.put(
        "/api/v1/policy", json={"auto_approve": False, "first_response_hours": 8}, headers=admin
    )
    assert put.status_code == 200, put.text
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    case = await open_return(client, customer, refund_item(lines["RING-8-BLK"]))
    row = await _first_response(case["number"])
    assert row["first_response_due_at"] == row["created_at"] + timedelta(hours=8)
    assert row["first_responded_at"] is None

    clock.advance(hours=3)
    reply = await client.post(
        f"/api/v1/cases/{case['number']}/messages", json={"body": "Looking now."}, headers=sam
    )
    assert reply.status_code in (200, 201), reply.text
    row = await _first_response(case["number"])
    assert row["first_responded_at"] == row["created_at"] + timedelta(hours=3)
    assert row["first_response_agent"] == sam_id
    # agents read it in the queue and on the case, so nothing shows as still due
    (summary,) = (await client.get("/api/v1/cases", headers=sam)).json()["items"]
    view = (await client.get(f"/api/v1/cases/{case['number']}", headers=sam)).json()
    answered = row["first_responded_at"].isoformat().replace("+00:00", "Z")
    assert summary["first_responded_at"] == view["first_responded_at"] == answered
    assert summary["overdue"] is False

    clock.advance(hours=1)
    approve = await client.post(f"/api/v1/cases/{case['number']}/approve", json={}, headers=sam)
    assert approve.status_code == 200, approve.text
    again = await _first_response(case["number"])
    assert again["first_responded_at"] == row["first_responded_at"]  # the first one stays


async def test_an_automatic_approval_answers_at_once_and_a_rejection_answers_too(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    sam_id, sam = await add_agent(client, admin, "Sam", languages=["en"])
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    auto = await open_return(client, customer, refund_item(lines["RING-8-BLK"]))
    assert auto["status"] == "approved"
    row = await _first_response(auto["number"])
    assert row["first_responded_at"] == row["created_at"]
    assert row["first_response_agent"] is None

    await client.put("/api/v1/policy", json={"auto_approve": False}, headers=admin)
    held = await open_return(client, customer, refund_item(lines["WATCH-41-BLK"]))
    clock.advance(hours=30)
    reject = await client.post(
        f"/api/v1/cases/{held['number']}/reject", json={"reason": "worn"}, headers=sam
    )
    assert reject.status_code == 200, reject.text
    row = await _first_response(held["number"])
    assert row["first_responded_at"] == row["created_at"] + timedelta(hours=30)
    assert row["first_response_agent"] == sam_id
