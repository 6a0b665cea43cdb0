"""Shopify's mandatory privacy webhooks on /api/v1/webhooks/shopify/privacy: HMAC-verified like
the order webhook, the topic in X-Shopify-Topic. The bodies are Shopify's own examples from
"Privacy law compliance" (https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance),
with our seeded customer's email and order id."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from typing import Any

import pytest

from returns_service.clock import FrozenClock
from returns_service.db.engine import DB
from returns_service.db.tables import CaseEvent, Customer, OutboxMessage, ReturnCase
from returns_service.services.platform import jobs
from returns_service.services.platform.worker import run_once
from returns_service.services.privacy import store_redaction
from tests.integration.helpers import Client
from tests.integration.privacy.seed import (
    EMAIL,
    PERSONAL,
    another_customer,
    columns_holding,
    runtime,
    seed_customer,
    worker_config,
)

SECRET = "shopify-test-secret"  # set in conftest before the app reads its settings
URL = "/api/v1/webhooks/shopify/privacy"

DATA_REQUEST: dict[str, Any] = {
    "shop_id": 954889,
    "shop_domain": "{shop}.myshopify.com",
    "orders_requested": [299938, 280263, 220458],
    "customer": {"id": 191167, "email": EMAIL, "phone": "555-625-1199"},
    "data_request": {"id": 9999},
}
CUSTOMER_REDACT: dict[str, Any] = {
    "shop_id": 954889,
    "shop_domain": "{shop}.myshopify.com",
    "customer": {"id": 191167, "email": EMAIL, "phone": "555-625-1199"},
    "orders_to_redact": [299938, 280263, 220458],
}
SHOP_REDACT: dict[str, Any] = {"shop_id": 954889, "shop_domain": "{shop}.myshopify.com"}


def signed(body: bytes, topic: str, secret: str = SECRET) -> dict[str, str]:
    digest = hmac.new(secret.encode(), body, hashlib.sha256).digest()
    return {
        "X-Shopify-Hmac-Sha256": base64.b64encode(digest).decode(),
        "X-Shopify-Topic": topic,
        "X-Shopify-Shop-Domain": "store.myshopify.com",
        "content-type": "application/json",
    }


async def test_a_forged_signature_is_401_and_changes_nothing(
    client: Client, clock: FrozenClock
) -> None:
    await seed_customer(client, clock)
    events = await CaseEvent.count()
    for topic, payload in (
        ("customers/redact", CUSTOMER_REDACT),
        ("shop/redact", SHOP_REDACT),
        ("customers/data_request", DATA_REQUEST),
    ):
        body = json.dumps(payload).encode()
        for headers in (
            signed(body, topic, secret="not-the-app-secret"),
            signed(body + b" ", topic),
            {"X-Shopify-Topic": topic, "content-type": "application/json"},
        ):
            response = await client.post(URL, content=body, headers=headers)
            assert response.status_code == 401, response.text
            assert response.headers["content-type"] == "application/problem+json"
            assert EMAIL not in response.text
    assert await Customer.count().where(Customer.redacted_at.is_not_null()) == 0
    assert await CaseEvent.count() == events
    assert await columns_holding([EMAIL, "1 Main St"])


async def test_a_data_request_answers_with_the_customers_export(
    client: Client, clock: FrozenClock
) -> None:
    seeded = await seed_customer(client, clock)
    body = json.dumps(DATA_REQUEST).encode()
    response = await client.post(URL, content=body, headers=signed(body, "customers/data_request"))
    assert response.status_code == 200, response.text
    answer = response.json()
    assert (answer["topic"], answer["customers"], answer["cases"]) == (
        "customers/data_request",
        1,
        1,
    )
    [export] = answer["exports"]
    assert export["customer"]["email"] == EMAIL
    assert export["cases"][0]["number"] == seeded["number"]
    assert await Customer.count().where(Customer.redacted_at.is_not_null()) == 0  # read only


async def test_customers_redact_redacts_the_customer_named_by_email_or_order(
    client: Client, clock: FrozenClock
) -> None:
    seeded = await seed_customer(client, clock)
    await another_customer(client, seeded["admin"])
    # an email we do not know, but an order we do (Shopify's order id): its buyer goes
    payload = {**CUSTOMER_REDACT, "customer": {"id": 1, "email": "gone@example.com"}}
    payload["orders_to_redact"] = [5002]
    by_order = json.dumps(payload).encode()
    response = await client.post(
        URL, content=by_order, headers=signed(by_order, "customers/redact")
    )
    assert response.status_code == 200, response.text
    assert response.json()["customers"] == 1
    assert await columns_holding(["eve@example.org", "Fjordveien", "Lind"]) == []
    assert await columns_holding([EMAIL])  # Ana was not named

    body = json.dumps(CUSTOMER_REDACT).encode()
    response = await client.post(URL, content=body, headers=signed(body, "customers/redact"))
    assert response.status_code == 200, response.text
    assert response.json()["customers"] == 1 and response.json()["cases"] == 1
    assert await columns_holding(PERSONAL) == []
    again = await client.post(URL, content=body, headers=signed(body, "customers/redact"))
    assert again.status_code == 200 and again.json()["cases"] == 0


async def _store_redaction_jobs() -> list[dict[str, Any]]:
    return (
        await OutboxMessage.select()
        .where((OutboxMessage.kind == "job") & (OutboxMessage.topic == store_redaction.TOPIC))
        .order_by(OutboxMessage.id)
    )


async def test_shop_redact_answers_at_once_and_the_worker_redacts_every_customer(
    client: Client, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    seeded = await seed_customer(client, clock)
    await another_customer(client, seeded["admin"])
    monkeypatch.setattr(store_redaction, "SHOP_BATCH", 1)  # two customers: batch after batch
    everyone = [*PERSONAL, "eve@example.org", "Fjordveien", "Lind"]
    body = json.dumps(SHOP_REDACT).encode()

    response = await client.post(URL, content=body, headers=signed(body, "shop/redact"))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "topic": "shop/redact",
        "customers": 2,  # to redact: the worker does it
        "cases": 1,
        "exports": [],
        "queued": True,
    }
    # answered before a single customer was touched: the request only queued the work
    assert await Customer.count().where(Customer.redacted_at.is_not_null()) == 0
    assert len(await columns_holding(everyone)) > 0
    assert len(await _store_redaction_jobs()) == 1
    # Shopify sends it again (it retries what it thinks failed): nothing more is queued
    again = await client.post(URL, content=body, headers=signed(body, "shop/redact"))
    assert again.status_code == 200 and again.json()["queued"] is True
    assert len(await _store_redaction_jobs()) == 1

    await run_once(runtime(client), worker_config(client))

    assert await Customer.count().where(Customer.redacted_at.is_null()) == 0
    assert await columns_holding(everyone) == []
    done = await _store_redaction_jobs()
    # a batch per customer, then one that finds nobody left
    assert [json.loads(j["payload"]) for j in done] == [{"after": 0}, {"after": 1}, {"after": 2}]
    assert all(j["delivered_at"] is not None and j["failed_at"] is None for j in done)
    events = await CaseEvent.count()
    redacted = [
        (c["id"], c["email"], c["redacted_at"])
        for c in await Customer.select().order_by(Customer.id)
    ]

    # once done, the webhook again changes nothing: no job, no event, no customer rewritten
    third = await client.post(URL, content=body, headers=signed(body, "shop/redact"))
    assert third.status_code == 200, third.text
    assert (third.json()["customers"], third.json()["cases"], third.json()["queued"]) == (
        0,
        0,
        False,
    )
    await run_once(runtime(client), worker_config(client))
    assert len(await _store_redaction_jobs()) == 3
    assert await CaseEvent.count() == events
    assert [
        (c["id"], c["email"], c["redacted_at"])
        for c in await Customer.select().order_by(Customer.id)
    ] == redacted


async def test_a_store_redaction_batch_run_twice_redacts_nothing_twice(
    client: Client, clock: FrozenClock
) -> None:
    """A worker that dies after a batch but before recording it: the batch runs again and
    finds its customers done; the next batch is not queued twice."""
    seeded = await seed_customer(client, clock)
    await another_customer(client, seeded["admin"])
    body = json.dumps(SHOP_REDACT).encode()
    assert (
        await client.post(URL, content=body, headers=signed(body, "shop/redact"))
    ).status_code == 200
    [queued] = await _store_redaction_jobs()
    job = jobs.Job(
        queued["id"],
        queued["event_id"],
        queued["store"],
        None,
        store_redaction.TOPIC,
        {"after": 0},
        0,
        queued["created_at"],
    )
    rt = runtime(client)
    await store_redaction.redact_store_batch(job, rt)
    events = await CaseEvent.count()
    await store_redaction.redact_store_batch(job, rt)  # the same job again
    assert await CaseEvent.count() == events  # no second customer_redacted event
    assert await Customer.count().where(Customer.redacted_at.is_null()) == 0
    assert len(await _store_redaction_jobs()) == 1  # everyone fitted in one batch


async def test_a_signed_body_without_a_known_topic_or_customer_is_422(
    client: Client, clock: FrozenClock
) -> None:
    await seed_customer(client, clock)
    body = json.dumps(CUSTOMER_REDACT).encode()
    for headers, content in (
        ({k: v for k, v in signed(body, "x").items() if k != "X-Shopify-Topic"}, body),
        (signed(body, "customers/delete"), body),
        (signed(b"{not json", "customers/redact"), b"{not json"),
        (signed(b'{"shop_id": 1}', "customers/redact"), b'{"shop_id": 1}'),
    ):
        response = await client.post(URL, content=content, headers=headers)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
    assert await Customer.count().where(Customer.redacted_at.is_not_null()) == 0


async def test_shop_redact_racing_itself_and_a_customer_redact_redacts_everyone_once(
    client: Client, clock: FrozenClock
) -> None:
    seeded = await seed_customer(client, clock)
    await another_customer(client, seeded["admin"])
    everyone = [*PERSONAL, "eve@example.org", "Fjordveien", "Lind"]
    shop = json.dumps(SHOP_REDACT).encode()
    customer = json.dumps(CUSTOMER_REDACT).encode()
    answers = await asyncio.gather(
        client.post(URL, content=shop, headers=signed(shop, "shop/redact")),
        client.post(URL, content=shop, headers=signed(shop, "shop/redact")),
        client.post(URL, content=customer, headers=signed(customer, "customers/redact")),
    )
    assert [a.status_code for a in answers] == [200, 200, 200], [a.text for a in answers]
    # two webhooks at the same moment may both queue a job (neither sees the other's before
    # its commit); and two workers may run them side by side
    store_id = client.app.state.store.id  # type: ignore[attr-defined]
    async with DB.transaction():
        await jobs.enqueue(
            store_id=store_id,
            case_id=None,
            topic=store_redaction.TOPIC,
            payload={"after": 0},
            clock=clock,
        )
    assert len(await _store_redaction_jobs()) >= 2
    rt = runtime(client)
    await asyncio.gather(jobs.run_due(rt), jobs.run_due(rt))
    await run_once(rt, worker_config(client))

    assert all(j["delivered_at"] is not None for j in await _store_redaction_jobs())
    assert await Customer.count().where(Customer.redacted_at.is_null()) == 0
    assert await columns_holding(everyone) == []
    redacted = await CaseEvent.select(CaseEvent.case).where(CaseEvent.kind == "customer_redacted")
    assert sorted(e["case"] for e in redacted) == sorted(
        r["id"] for r in await ReturnCase.select(ReturnCase.id)
    )  # one event per case, whoever got there first
