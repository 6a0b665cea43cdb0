"""Availability: an agent who steps away hands their open cases over; room brings work back."""

from __future__ import annotations

from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseEvent, OutboxMessage, ReturnCase
from returns_service.domain.access import Role
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


async def test_going_unavailable_hands_cases_to_a_colleague(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    ioana_id, ioana = await add_agent(client, admin, "Ioana", languages=["ro", "en"])
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    number = (await open_return(client, customer, refund_item(lines["RING-8-BLK"])))["number"]
    sam_id, _sam = await add_agent(client, admin, "Sam", languages=["en"])

    response = await client.patch(
        f"/api/v1/agents/{ioana_id}", json={"available": False}, headers=ioana
    )
    assert response.status_code == 200, response.text
    assert response.json()["available"] is False and response.json()["open_cases"] == 0
    case = (await client.get(f"/api/v1/portal/returns/{number}", headers=customer)).json()
    assert case["agent"] == {"id": sam_id, "display_name": "Sam"}
    # in the customer's language (Ana's is Romanian)
    assert case["timeline"][-1]["text"] == "Sam este concierge-ul tău pentru acest retur."
    handover = await OutboxMessage.select(OutboxMessage.subject, OutboxMessage.body).where(
        OutboxMessage.template == "handover"
    )
    assert len(handover) == 1 and "Sam" in handover[0]["subject"]  # in Romanian, with Sam's name
    detail = (
        await CaseEvent.select(CaseEvent.detail)
        .where(CaseEvent.kind == "assigned")
        .order_by(CaseEvent.id, ascending=False)
    )
    assert "Ioana is unavailable" in detail[0]["detail"]


async def test_with_nobody_free_cases_wait_then_go_to_whoever_returns(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    ioana_id, ioana = await add_agent(client, admin, "Ioana")
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    number = (await open_return(client, customer, refund_item(lines["RING-8-BLK"])))["number"]
    await client.patch(f"/api/v1/agents/{ioana_id}", json={"available": False}, headers=ioana)
    assert (await ReturnCase.select(ReturnCase.agent))[0]["agent"] is None
    waiting = (await client.get(f"/api/v1/portal/returns/{number}", headers=customer)).json()
    assert waiting["agent"] is None and waiting["timeline"][-1]["kind"] == "waiting_for_agent"
    assert "ocupați" in waiting["timeline"][-1]["text"]

    back = await client.patch(f"/api/v1/agents/{ioana_id}", json={"available": True}, headers=ioana)
    assert back.json()["open_cases"] == 1
    assert (await ReturnCase.select(ReturnCase.agent))[0]["agent"] == ioana_id


async def test_who_may_change_an_agent(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    ioana_id, ioana = await add_agent(client, admin, "Ioana", capacity=5)
    sam_id, _sam = await add_agent(client, admin, "Sam")
    _lead_id, lead = await add_agent(client, admin, "Maria", role="lead")
    # an agent: only their own availability
    assert (
        await client.patch(f"/api/v1/agents/{ioana_id}", json={"capacity": 50}, headers=ioana)
    ).status_code == 403
    assert (
        await client.patch(f"/api/v1/agents/{sam_id}", json={"available": False}, headers=ioana)
    ).status_code == 403
    # a lead and an admin: anything of anyone
    raised = await client.patch(
        f"/api/v1/agents/{ioana_id}", json={"capacity": 50, "languages": ["en", "hu"]}, headers=lead
    )
    assert raised.status_code == 200 and raised.json()["capacity"] == 50
    assert raised.json()["languages"] == ["en", "hu"]
    assert (
        await client.patch(f"/api/v1/agents/{sam_id}", json={"available": False}, headers=admin)
    ).status_code == 200
    assert (
        await client.patch("/api/v1/agents/9999", json={"available": False}, headers=admin)
    ).status_code == 404
    bad = await client.patch(f"/api/v1/agents/{ioana_id}", json={"capacity": -1}, headers=lead)
    assert bad.status_code == 400
    team = (await client.get("/api/v1/agents", headers=ioana)).json()
    assert {a["name"]: a["available"] for a in team} == {"Ioana": True, "Sam": False, "Maria": True}


async def test_a_lead_sees_waiting_cases(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    _, lead = await add_agent(client, admin, "Maria", role="lead", capacity=0)
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    await client.post(
        "/api/v1/portal/returns",
        json={"items": [refund_item(lines["RING-8-BLK"])]},
        headers=customer,
    )
    await client.post("/api/v1/orders", json=order_doc("1002", "bo@example.com"), headers=admin)
    board = (await client.get("/api/v1/cases?assignee=none", headers=lead)).json()
    assert len(board["items"]) == 1 and board["items"][0]["agent"] is None
