"""Privacy requests through the admin API: the export lists everything held about a customer;
a redaction removes every piece of their personal data from every table (a search of every
text column finds none), while refunds, stock, statuses and the timeline's events stay."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from returns_service.clock import FrozenClock
from returns_service.db.tables import (
    CaseEvent,
    CaseMessage,
    CasePhoto,
    Customer,
    Label,
    OutboxMessage,
    Payment,
    PhotoDeletion,
    ReturnCase,
    Variant,
    WebhookDelivery,
)
from returns_service.services.events import queries as webhook_queries
from returns_service.services.platform import links
from returns_service.services.platform.worker import run_once
from returns_service.settings import Settings
from tests.integration.events.receiver import Receiver
from tests.integration.helpers import Client
from tests.integration.privacy.seed import (
    AGENT_MESSAGE,
    COMMENT,
    CUSTOMER_MESSAGE,
    EMAIL,
    PERSONAL,
    another_customer,
    columns_holding,
    runtime,
    seed_customer,
    worker_config,
)

EXPORT = "/api/v1/customers/export"
REDACT = "/api/v1/customers/redact"


def _photo_file(settings: Settings, key: str) -> Path:
    return settings.database.data_dir / "photos" / key


async def _figures() -> dict[str, Any]:
    """What the store's books and shelves say: must not move with a redaction."""
    return {
        "payments": await Payment.select(
            Payment.kind, Payment.amount, Payment.currency, Payment.status, Payment.line
        ).order_by(Payment.id),
        "stock": await Variant.select(Variant.sku, Variant.stock).order_by(Variant.sku),
        "cases": await ReturnCase.select(ReturnCase.number, ReturnCase.status),
        "kinds": [
            (e["kind"], e["to_status"])
            for e in await CaseEvent.select(CaseEvent.kind, CaseEvent.to_status).order_by(
                CaseEvent.id
            )
        ],
    }


async def test_the_export_lists_everything_held_about_the_customer(
    client: Client, clock: FrozenClock, receiver: Receiver
) -> None:
    seeded = await seed_customer(client, clock, receiver)
    response = await client.get(
        EXPORT, params={"email": " Ana@Example.com "}, headers=seeded["admin"]
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["customer"]["email"] == EMAIL
    assert (body["customer"]["first_name"], body["customer"]["last_name"]) == ("Ana", "Pop")
    [order] = body["orders"]
    assert order["number"] == "1001" and order["shipping_address"]["line1"] == "1 Main St"
    assert sorted(line["sku"] for line in order["lines"]) == [
        "RING-8-BLK",
        "RING-9-BLK",
        "WATCH-41-BLK",
    ]
    [case] = body["cases"]
    assert case["number"] == seeded["number"] and case["comment"] == COMMENT
    assert [i["sku"] for i in case["items"]] == ["WATCH-41-BLK"]
    assert case["items"][0]["unit_price"] == {"amount": 39500, "currency": "USD"}
    assert [(m["author"], m["body"]) for m in case["messages"]] == [
        ("customer", CUSTOMER_MESSAGE),
        ("agent", AGENT_MESSAGE),
    ]
    [photo] = case["photos"]
    assert photo["content_type"] == "image/jpeg" and photo["width"] == 32
    assert photo["url"] == f"/api/v1/cases/{seeded['number']}/photos/{photo['id']}"
    [label] = case["labels"]
    assert label["ship_from"]["line1"] == "1 Main St"
    assert [(p["kind"], p["amount"]) for p in case["payments"]] == [
        ("refund", {"amount": 39500, "currency": "USD"})
    ]
    # the timeline as the customer reads it: in their language (Romanian)
    kinds = [e["kind"] for e in case["timeline"]]
    assert "refund" in kinds and all(e["text"] for e in case["timeline"])
    refund = next(e for e in case["timeline"] if e["kind"] == "refund")
    assert "395" in refund["text"] and "rambursat" in refund["text"].lower()
    # emails: those delivered and the one still waiting
    statuses = {(e["template"], e["status"]) for e in body["emails"]}
    assert ("concierge_message", "pending") in statuses
    assert any(status == "delivered" for _, status in statuses)
    assert all(e["recipient"] == EMAIL for e in body["emails"])
    assert body["sign_in"]["sessions_stored"] is False
    # what was announced about the case to the store's other systems, and to whom; not the
    # bodies (the case as the export already shows it)
    deliveries = case["webhook_deliveries"]
    stored = await WebhookDelivery.select(
        WebhookDelivery.id, WebhookDelivery.event_type, WebhookDelivery.status
    ).order_by(WebhookDelivery.id)
    assert [(d["id"], d["type"], d["status"]) for d in deliveries] == [
        (d["id"], d["event_type"], d["status"]) for d in stored
    ]
    assert {"case.opened", "message.created", "refund.issued"} <= {d["type"] for d in deliveries}
    assert {d["status"] for d in deliveries} == {"delivered", "pending"}
    host = receiver.url.split("/hooks")[0]
    assert all(
        d["recipient"] == host and d["recipient_description"] == "ERP" and d["created_at"]
        for d in deliveries
    )
    assert all("payload" not in d and "body" not in d for d in deliveries)
    assert {d["event_id"] for d in deliveries if d["status"] == "delivered"} == {
        r.webhook_id for r in receiver.delivered()
    }


async def test_the_export_is_for_admins_and_needs_a_known_email(
    client: Client, clock: FrozenClock
) -> None:
    seeded = await seed_customer(client, clock)
    assert (
        await client.get(EXPORT, params={"email": EMAIL}, headers=seeded["agent"])
    ).status_code == 403
    assert (
        await client.get(EXPORT, params={"email": EMAIL}, headers=seeded["ana"])
    ).status_code == 403
    unknown = await client.get(
        EXPORT, params={"email": "nobody@example.com"}, headers=seeded["admin"]
    )
    assert unknown.status_code == 404
    assert unknown.headers["content-type"] == "application/problem+json"
    missing = await client.get(EXPORT, headers=seeded["admin"])
    assert missing.status_code == 400
    assert missing.headers["content-type"] == "application/problem+json"


async def _give_up_one_delivery(clock: FrozenClock) -> None:
    """One pending delivery as it ends after 27 hours of refusals (that path is tested in
    tests/integration/events): given up, its body kept in the log."""
    pending = await WebhookDelivery.select(WebhookDelivery.id, WebhookDelivery.attempts).where(
        WebhookDelivery.status == "pending"
    )
    first = min(pending, key=lambda d: d["id"])
    await webhook_queries.failed(first["id"], 8, 500, "HTTP 500", None, clock.now())


async def _delivery_statuses() -> set[str]:
    return {d["status"] for d in await WebhookDelivery.select(WebhookDelivery.status)}


async def test_a_redaction_removes_every_piece_of_personal_data_and_keeps_the_figures(
    client: Client, clock: FrozenClock, settings: Settings, receiver: Receiver
) -> None:
    seeded = await seed_customer(client, clock, receiver)
    eve = await another_customer(client, seeded["admin"])
    number = seeded["number"]
    await _give_up_one_delivery(clock)
    assert await _delivery_statuses() == {"delivered", "pending", "failed"}
    found = await columns_holding(PERSONAL)  # the search does find them before
    assert "webhook_delivery.payload: 1 Main St" in found  # the customer's message
    assert f"webhook_delivery.payload: {EMAIL}" in found
    assert any(r.type == "message.created" for r in receiver.delivered())
    [stored] = await CasePhoto.select(CasePhoto.storage_key)
    assert _photo_file(settings, stored["storage_key"]).is_file()
    before = await _figures()
    rt = runtime(client)
    store_id = client.app.state.store.id  # type: ignore[attr-defined]
    link = links.case_link(store_id, number, rt).rsplit("/", 1)[1]  # as in the emails
    assert await links.follow(rt.secret_key, store_id, link, clock) is not None

    response = await client.post(REDACT, json={"email": EMAIL}, headers=seeded["admin"])
    assert response.status_code == 200, response.text
    assert response.json() == {"customers": 1, "cases": 1}

    assert await columns_holding(PERSONAL) == []
    after = await _figures()
    assert after["payments"] == before["payments"]  # the refund stays, to the cent
    assert after["stock"] == before["stock"]
    assert after["cases"] == before["cases"]
    assert after["kinds"] == [*before["kinds"], ("customer_redacted", None)]

    customer = (await Customer.select().where(Customer.first_name == "").first()) or {}
    assert customer["email"].endswith("@redacted.invalid") and customer["redacted_at"] is not None
    assert {m["body"] for m in await CaseMessage.select(CaseMessage.body)} == {"[redacted]"}
    assert await CasePhoto.count() == 0 and await PhotoDeletion.count() == 1
    pending = await OutboxMessage.select().where(OutboxMessage.template == "concierge_message")
    assert pending[0]["failed_at"] is not None and pending[0]["delivered_at"] is None
    assert pending[0]["body"] == "[redacted]" and pending[0]["recipient"] == "[redacted]"
    assert (await Label.select(Label.pdf).first() or {}).get("pdf") is None

    # the photo's file goes after the commit, with the worker; and the webhooks still due are
    # sent scrubbed (the receiver verifies each signature)
    received = len(receiver.delivered())
    await run_once(runtime(client), worker_config(client))
    sent_after = receiver.delivered()[received:]
    assert sent_after and not receiver.refused
    assert "refund.issued" in [r.type for r in sent_after]
    for late in sent_after:
        said = [
            t
            for t in PERSONAL
            if re.search(rf"(?<!\w){re.escape(t)}(?!\w)", late.raw.decode(), re.I)
        ]
        assert said == [], (late.type, said, late.raw.decode())
        assert late.body["data"]["case"]["customer"]["email"].endswith("@redacted.invalid")
    assert await columns_holding(PERSONAL) == []
    assert not _photo_file(settings, stored["storage_key"]).exists()
    assert await PhotoDeletion.count() == 0
    assert (await OutboxMessage.select().where(OutboxMessage.template == "concierge_message"))[0][
        "delivered_at"
    ] is None  # cancelled: never sent

    # the customer's session, links and email no longer open anything
    assert await links.follow(rt.secret_key, store_id, link, clock) is None
    assert (await client.get("/api/v1/portal/order", headers=seeded["ana"])).status_code == 401
    signin = await client.post(
        "/api/v1/portal/sessions", json={"order_number": "1001", "email": EMAIL}
    )
    assert signin.status_code in (401, 404, 422)
    assert (
        await client.get(EXPORT, params={"email": EMAIL}, headers=seeded["admin"])
    ).status_code == 404
    # ... while another customer is untouched
    assert (await client.get("/api/v1/portal/order", headers=eve)).status_code == 200
    assert await columns_holding(["eve@example.org", "Fjordveien"])

    # routes still answer for the case, with nothing personal in them
    view = await client.get(f"/api/v1/cases/{number}", headers=seeded["agent"])
    assert view.status_code == 200
    assert not any(term.lower() in view.text.lower() for term in (EMAIL, "Pop", "Main St"))
    assert "customer_redacted" in [e["kind"] for e in view.json()["timeline"]]
    zpl = await client.get(f"/api/v1/cases/{number}/label.zpl", headers=seeded["agent"])
    assert zpl.status_code == 200 and "Main St" not in zpl.text and number in zpl.text


async def test_redacting_twice_changes_nothing_more(client: Client, clock: FrozenClock) -> None:
    seeded = await seed_customer(client, clock)
    first = await client.post(REDACT, json={"email": EMAIL}, headers=seeded["admin"])
    assert first.json() == {"customers": 1, "cases": 1}
    events = await CaseEvent.count()
    again = await client.post(REDACT, json={"email": EMAIL}, headers=seeded["admin"])
    assert again.status_code == 200 and again.json() == {"customers": 0, "cases": 0}
    assert await CaseEvent.count() == events


async def test_a_redaction_request_that_breaks_the_rules_is_a_problem_and_changes_nothing(
    client: Client, clock: FrozenClock
) -> None:
    seeded = await seed_customer(client, clock)
    for body, headers, status in (
        ({"email": EMAIL}, seeded["agent"], 403),
        ({"email": EMAIL}, {}, 401),
        ({"mail": EMAIL}, seeded["admin"], 400),
        ({"email": 5}, seeded["admin"], 400),
        ({"email": "no-at-sign"}, seeded["admin"], 400),
        ({"email": "a\u0000@example.com"}, seeded["admin"], 422),  # PostgreSQL cannot hold it
    ):
        response = await client.post(REDACT, json=body, headers=headers)
        assert response.status_code == status, (body, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert await columns_holding([EMAIL, "Pop"])
    assert await Customer.count().where(Customer.redacted_at.is_not_null()) == 0
