"""A Romanian customer reads their whole return in Romanian: the case page, the portal API
and the emails, with the money in the currency's own format; agents read it in English."""

from __future__ import annotations

import re

from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseEvent, OutboxMessage
from returns_service.domain.access import Role
from tests.integration.helpers import (
    Client,
    add_agent,
    line_ids,
    open_return,
    portal_headers,
    receive_and_grade,
    refund_item,
    seed_store,
    staff_headers,
)

ENGLISH = re.compile(
    r"\b(your|we|the|is|are|has|been|return|parcel|refunded|approved|hi|regards|team)\b",
    re.IGNORECASE,
)


async def test_a_romanian_customer_reads_the_whole_journey_in_romanian(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    _, agent = await add_agent(client, admin, "Ioana")
    warehouse = await staff_headers(client, Role.WAREHOUSE, clock)
    customer = await portal_headers(client)  # Ana Pop's language is "ro"
    lines = await line_ids(client, customer)
    # open (approved inside the policy, prepaid label), receive, inspect, refund
    number = (await open_return(client, customer, refund_item(lines["RING-8-BLK"])))["number"]
    graded = await receive_and_grade(client, warehouse, number, lines["RING-8-BLK"])
    assert graded.json()["status"] == "resolved"

    kinds = {r["kind"] for r in await CaseEvent.select(CaseEvent.kind)}
    assert {"status", "assigned", "label", "refund"} <= kinds
    english = (await client.get(f"/api/v1/cases/{number}", headers=agent)).json()["timeline"]
    romanian = (await client.get(f"/api/v1/portal/returns/{number}", headers=customer)).json()
    assert [e["kind"] for e in romanian["timeline"]] == [e["kind"] for e in english]
    assert "Am primit cererea ta de retur." in [e["text"] for e in romanian["timeline"]]
    refund = next(e for e in romanian["timeline"] if e["kind"] == "refund")
    assert refund["params"] == {"amount": {"amount": 2500, "currency": "USD"}}
    assert refund["text"] == "Ți-am rambursat 25,00\xa0USD."
    assert next(e for e in english if e["kind"] == "refund")["text"] == "We refunded $25.00."

    token = customer["Authorization"].removeprefix("Bearer ")
    client.cookies.set("rs_portal", token)
    page = await client.get(f"/portal/returns/{number}")
    assert page.status_code == 200
    assert "Ți-am rambursat 25,00\xa0USD." in page.text
    for event, shown in zip(english, romanian["timeline"], strict=True):
        assert shown["text"] != event["text"] and not ENGLISH.search(shown["text"]), shown
        assert event["text"] not in page.text

    emails = await OutboxMessage.select(OutboxMessage.subject, OutboxMessage.body).where(
        OutboxMessage.kind == "email"  # the refund's job shares the outbox
    )
    assert emails and all(m["body"].startswith("Bună, Ana") for m in emails)
    refund_email = next(m for m in emails if "rambursat" in m["body"])
    assert "25,00\xa0USD" in refund_email["body"]
    for message in emails:
        # the store's and agent's names are data; everything else is Romanian
        words = message["subject"] + message["body"].replace("Ioana", "")
        assert not ENGLISH.search(words.split("http")[0]), message


async def test_agents_ask_for_the_timeline_in_another_language(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    _, agent = await add_agent(client, admin, "Ioana")
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    number = (await open_return(client, customer, refund_item(lines["RING-8-BLK"])))["number"]
    texts = {}
    for lang in ("", "?lang=nb", "?lang=ar-EG", "?lang=xx"):
        response = await client.get(f"/api/v1/cases/{number}{lang}", headers=agent)
        assert response.status_code == 200
        texts[lang] = response.json()["timeline"][0]["text"]
    assert texts[""] == texts["?lang=xx"] == "We received your return request."
    assert texts["?lang=nb"] == "Vi har mottatt returforespørselen din."
    assert texts["?lang=ar-EG"] == "وصلنا طلب الإرجاع."
