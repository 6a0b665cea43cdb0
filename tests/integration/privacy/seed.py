"""A customer with everything the service can hold about a person: an order with a shipping
address, a return with a comment, a photo and a prepaid label, messages both ways, emails sent
and one still waiting, a refund that moved money. Shared by the privacy tests."""

from __future__ import annotations

import io
from typing import Any

from PIL import Image

from returns_service.adapters.mail import MailDropMailer
from returns_service.clock import FrozenClock
from returns_service.db import sql
from returns_service.domain.access import Role
from returns_service.domain.webhooks import EVENT_TYPES
from returns_service.services.platform.runtime import Runtime
from returns_service.services.platform.worker import WorkerConfig, run_once
from tests.integration.events.receiver import Receiver
from tests.integration.helpers import (
    Client,
    add_agent,
    line_ids,
    order_doc,
    portal_headers,
    receive_and_grade,
    refund_item,
    seed_store,
    staff_headers,
)

EMAIL = "ana@example.com"
COMMENT = "Call me on 0722 111 222 after six"
CUSTOMER_MESSAGE = "I live at 1 Main St, the blue door"
AGENT_MESSAGE = "Dear Ana Pop, thank you for the photo"
# what must be gone from every column of every table after a redaction (word-bounded)
PERSONAL = [EMAIL, "Ana", "Pop", "1 Main St", "Santa Ana", "92701", "0722 111 222", "blue door"]


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def runtime(client: Client) -> Runtime:
    """The app's own (its frozen clock, its photo storage)."""
    rt: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    return rt


def worker_config(client: Client, redact_after_days: int = 0) -> WorkerConfig:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    return WorkerConfig(
        mailer=MailDropMailer(settings.mail.drop_dir),
        sender="returns@store.example",
        redact_after_days=redact_after_days,
    )


async def subscribe(client: Client, admin: dict[str, str], receiver: Receiver) -> int:
    """An ERP taking every event type: each case change is a delivery whose body holds the
    case as agents see it (the customer's name, email, comment, messages)."""
    response = await client.post(
        "/api/v1/webhook-endpoints",
        json={"url": receiver.url, "events": list(EVENT_TYPES), "description": "ERP"},
        headers=admin,
    )
    assert response.status_code == 201, response.text
    receiver.secret = response.json()["secret"]
    return int(response.json()["id"])


async def seed_customer(
    client: Client, clock: FrozenClock, receiver: Receiver | None = None
) -> dict[str, Any]:
    """With a `receiver`, the store announces every change to it: the events up to the printed
    label are delivered by the worker pass below, the later ones wait (pending)."""
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    if receiver is not None:
        await subscribe(client, admin, receiver)
    _, agent = await add_agent(client, admin, "Ioana")
    warehouse = await staff_headers(client, Role.WAREHOUSE, clock)
    ana = await portal_headers(client)
    lines = await line_ids(client, ana)
    opened = await client.post(
        "/api/v1/portal/returns",
        json={
            "items": [refund_item(lines["WATCH-41-BLK"], reason="defective")],
            "comment": COMMENT,
        },
        headers=ana,
    )
    assert opened.status_code == 201, opened.text
    number = opened.json()["number"]
    uploaded = await client.post(
        f"/api/v1/portal/returns/{number}/photos",
        files={"photo": ("scratch.jpg", photo(), "image/jpeg")},
        headers=ana,
    )
    assert uploaded.status_code == 201, uploaded.text
    said = await client.post(
        f"/api/v1/portal/returns/{number}/messages", json={"body": CUSTOMER_MESSAGE}, headers=ana
    )
    assert said.status_code == 201, said.text
    label = await client.get(f"/api/v1/portal/returns/{number}/label.pdf", headers=ana)
    assert label.status_code == 200  # printed: the PDF with the address is now stored
    await run_once(runtime(client), worker_config(client))  # the emails so far go out
    answered = await client.post(
        f"/api/v1/cases/{number}/messages", json={"body": AGENT_MESSAGE}, headers=agent
    )
    assert answered.status_code == 201, answered.text  # its email waits in the outbox
    graded = await receive_and_grade(client, warehouse, number, lines["WATCH-41-BLK"])
    assert graded.status_code == 200, graded.text
    return {"admin": admin, "agent": agent, "ana": ana, "number": number, "lines": lines}


async def another_customer(client: Client, admin: dict[str, str]) -> dict[str, str]:
    other = order_doc("2002", "eve@example.org", shop_order_id="5002")  # Shopify's ids: numbers
    other["customer"].update(first_name="Eve", last_name="Lind")
    other["shipping_address"] = {
        "line1": "9 Fjordveien",
        "city": "Bergen",
        "postal_code": "5003",
        "country": "NO",
    }
    assert (await client.post("/api/v1/orders", json=other, headers=admin)).status_code == 201
    return await portal_headers(client, "2002", "eve@example.org")


async def columns_holding(terms: list[str]) -> list[str]:
    """`table.column: term` for every text, JSON or array column of every table where a term
    appears as a whole word, any case (the test that nothing personal is left anywhere)."""
    columns = await sql.fetch(
        """SELECT table_name, column_name FROM information_schema.columns
            WHERE table_schema = 'public'
              AND data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')"""
    )
    found = []
    for column in columns:
        for term in terms:
            pattern = r"\m" + "".join(f"[{c}]" if c.isalnum() else f"\\{c}" for c in term) + r"\M"
            row = await sql.fetchrow(
                f'SELECT 1 FROM "{column["table_name"]}"'
                f' WHERE "{column["column_name"]}"::text ~* $1 LIMIT 1',
                pattern,
            )
            if row is not None:
                found.append(f"{column['table_name']}.{column['column_name']}: {term}")
    return found
