"""RETURNS_REDACT_AFTER_DAYS: the worker redacts cases final for longer than that, and only
those; and a redaction running at the same moment as the customer and their concierge act on
the case finishes without a deadlock or a 5xx."""

from __future__ import annotations

import asyncio

from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseMessage, Customer, ReturnCase, WebhookDelivery
from returns_service.domain.access import Role
from returns_service.services.platform.worker import run_once
from tests.integration.events.receiver import Receiver
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
from tests.integration.privacy.seed import (
    EMAIL,
    runtime,
    seed_customer,
    subscribe,
    worker_config,
)


async def _say(client: Client, customer: dict[str, str], number: str, body: str) -> None:
    response = await client.post(
        f"/api/v1/portal/returns/{number}/messages", json={"body": body}, headers=customer
    )
    assert response.status_code == 201, response.text


async def _cancel(client: Client, customer: dict[str, str], number: str) -> None:
    response = await client.post(f"/api/v1/portal/returns/{number}/cancel", headers=customer)
    assert response.status_code == 200, response.text


async def _case(number: str) -> dict:  # type: ignore[type-arg]
    row = await ReturnCase.select().where(ReturnCase.number == number).first()
    assert row is not None
    return row


async def _bodies(number: str) -> list[str]:
    rows = await CaseMessage.select(CaseMessage.body).where(CaseMessage.case.number == number)
    return [r["body"] for r in rows]


async def _payloads(number: str) -> list[str]:
    """The bodies of the webhook deliveries about a case (the case as agents saw it)."""
    rows = await WebhookDelivery.select(WebhookDelivery.payload).where(
        WebhookDelivery.case.number == number
    )
    return [r["payload"] for r in rows]


async def test_the_worker_redacts_only_cases_final_for_longer_than_the_setting(
    client: Client, clock: FrozenClock, receiver: Receiver
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    await subscribe(client, admin, receiver)
    ana = await portal_headers(client)
    lines = await line_ids(client, ana)
    old = (await open_return(client, ana, refund_item(lines["RING-8-BLK"])))["number"]
    recent = (await open_return(client, ana, refund_item(lines["RING-8-BLK"])))["number"]
    still_open = (await open_return(client, ana, refund_item(lines["WATCH-41-BLK"])))["number"]
    for number in (old, recent, still_open):
        await _say(client, ana, number, f"Ana here about {number}")
    await _cancel(client, ana, old)
    clock.advance(days=20)
    ana = await portal_headers(client)  # a session lasts two hours
    await _cancel(client, ana, recent)
    clock.advance(days=15)  # old: final for 35 days, recent: 15, still_open: not final

    await run_once(runtime(client), worker_config(client, redact_after_days=0))  # off
    assert await ReturnCase.count().where(ReturnCase.redacted_at.is_not_null()) == 0

    await run_once(runtime(client), worker_config(client, redact_after_days=30))
    assert (await _case(old))["redacted_at"] == clock.now()
    assert await _bodies(old) == ["[redacted]"]
    assert (await _case(recent))["redacted_at"] is None
    assert await _bodies(recent) == [f"Ana here about {recent}"]
    assert (await _case(still_open))["redacted_at"] is None
    assert await _bodies(still_open) == [f"Ana here about {still_open}"]
    # the webhooks announcing the old case keep neither the message nor who wrote it
    old_bodies = await _payloads(old)
    assert any('"message.created"' in p for p in old_bodies)
    assert not any(f"Ana here about {old}" in p or EMAIL in p for p in old_bodies)
    assert any(f"Ana here about {recent}" in p for p in await _payloads(recent))
    # a case-level redaction leaves the customer a customer: they can still sign in
    customer = await Customer.select().where(Customer.email == EMAIL).first()
    assert customer is not None and customer["redacted_at"] is None
    assert (
        await client.get("/api/v1/portal/order", headers=await portal_headers(client))
    ).is_success

    clock.advance(days=16)  # now recent is final for 31 days too
    await run_once(runtime(client), worker_config(client, redact_after_days=30))
    assert (await _case(recent))["redacted_at"] is not None
    assert (await _case(old))["redacted_at"] != clock.now()  # not done again


async def test_a_redaction_and_the_customer_and_concierge_at_the_same_time(
    client: Client, clock: FrozenClock
) -> None:
    seeded = await seed_customer(client, clock)
    admin, agent, ana, number = seeded["admin"], seeded["agent"], seeded["ana"], seeded["number"]
    ring = seeded["lines"]["RING-8-BLK"]
    _, lead = await add_agent(client, admin, "Kari", role="lead")
    responses = await asyncio.gather(
        client.post(
            f"/api/v1/portal/returns/{number}/messages", json={"body": "Ana again"}, headers=ana
        ),
        client.post("/api/v1/portal/returns", json={"items": [refund_item(ring)]}, headers=ana),
        client.post("/api/v1/customers/redact", json={"email": EMAIL}, headers=admin),
        client.post(f"/api/v1/cases/{number}/messages", json={"body": "Hi Ana"}, headers=agent),
        client.get(f"/api/v1/cases/{number}", headers=lead),
    )
    statuses = [r.status_code for r in responses]
    assert all(s < 500 for s in statuses), [r.text for r in responses]
    assert statuses[2] == 200  # the redaction went through, not aborted by a deadlock
    assert statuses[3] == 201 and statuses[4] == 200
    assert statuses[0] in (201, 401) and statuses[1] in (201, 401)
    customer = await Customer.select().where(Customer.first_name == "").first()
    assert customer is not None and customer["redacted_at"] is not None
    # what was written before the redaction took its locks is redacted; redacting again (as
    # a retried request would) covers anything that slipped in after
    again = await client.post("/api/v1/customers/redact", json={"email": EMAIL}, headers=admin)
    assert again.status_code == 200
