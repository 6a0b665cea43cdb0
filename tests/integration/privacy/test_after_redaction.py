"""After a redaction the case goes on (a concierge may still answer, a refund still due is still
paid), but nothing more is emailed to the customer: an email queued to the `.invalid` address,
or about a case of a redacted customer, is ended by the outbox without reaching the mail system;
and the jobs that share the outbox with emails (labels, the shop) are not cancelled with them."""

from __future__ import annotations

from pathlib import Path

from returns_service.clock import FrozenClock
from returns_service.db.engine import DB
from returns_service.db.tables import Customer, OutboxMessage, ReturnCase
from returns_service.domain.emails import EmailTemplate
from returns_service.services.platform import jobs
from returns_service.services.platform.outbox import enqueue_email
from returns_service.services.platform.worker import run_once
from returns_service.settings import Settings
from tests.integration.helpers import Client
from tests.integration.privacy.seed import EMAIL, runtime, seed_customer, worker_config

REDACT = "/api/v1/customers/redact"


def _dropped(settings: Settings) -> set[str]:
    folder: Path = settings.mail.drop_dir
    return {p.stem for p in folder.glob("*.eml")} if folder.exists() else set()


async def test_emails_queued_after_a_redaction_are_never_sent(
    client: Client, clock: FrozenClock, settings: Settings
) -> None:
    seeded = await seed_customer(client, clock)
    number = seeded["number"]
    store_id = client.app.state.store.id  # type: ignore[attr-defined]
    case = await ReturnCase.select(ReturnCase.id).where(ReturnCase.number == number).first()
    assert case is not None
    redacted = await client.post(REDACT, json={"email": EMAIL}, headers=seeded["admin"])
    assert redacted.status_code == 200, redacted.text
    await run_once(runtime(client), worker_config(client))
    sent_before = _dropped(settings)

    # the concierge answers the redacted customer: the email goes to the `.invalid` address
    answered = await client.post(
        f"/api/v1/cases/{number}/messages",
        json={"body": "Your refund is on its way"},
        headers=seeded["agent"],
    )
    assert answered.status_code == 201, answered.text
    # and one queued with the old, real address about their case (a change that read the
    # customer before the redaction committed)
    async with DB.transaction():
        stale = await enqueue_email(
            store_id=store_id,
            case_id=case["id"],
            template=EmailTemplate.REFUND_ISSUED,
            recipient=EMAIL,
            language="en",
            clock=clock,
            store="LIV Watches",
            case_number=number,
        )
    [customer] = await Customer.select(Customer.email)
    queued = await OutboxMessage.select().where(
        (OutboxMessage.kind == "email")
        & OutboxMessage.delivered_at.is_null()
        & OutboxMessage.failed_at.is_null()
    )
    assert {q["recipient"] for q in queued} == {customer["email"], EMAIL}
    assert customer["email"].endswith("@redacted.invalid")

    await run_once(runtime(client), worker_config(client))

    assert _dropped(settings) == sent_before  # nothing reached the mail system
    for row in await OutboxMessage.select().where(
        OutboxMessage.id.is_in([q["id"] for q in queued])
    ):
        assert row["delivered_at"] is None and row["failed_at"] is not None
        assert row["last_error"] == "cancelled: the customer's data was redacted"
    assert str(stale) not in _dropped(settings)


async def test_a_redaction_cancels_the_customers_emails_but_not_the_cases_jobs(
    client: Client, clock: FrozenClock
) -> None:
    seeded = await seed_customer(client, clock)
    case = (
        await ReturnCase.select(ReturnCase.id).where(ReturnCase.number == seeded["number"]).first()
    )
    assert case is not None
    store_id = client.app.state.store.id  # type: ignore[attr-defined]
    async with DB.transaction():  # a call to the shop still due on the case
        job = await jobs.enqueue(
            store_id=store_id,
            case_id=case["id"],
            topic="test.shop_refund",
            payload={"case": seeded["number"]},
            clock=clock,
        )
    redacted = await client.post(REDACT, json={"email": EMAIL}, headers=seeded["admin"])
    assert redacted.status_code == 200, redacted.text

    row = await OutboxMessage.select().where(OutboxMessage.event_id == job).first()
    assert row is not None
    assert row["failed_at"] is None and row["last_error"] is None  # still due
    assert row["payload"] is not None
    email = (
        await OutboxMessage.select()
        .where((OutboxMessage.kind == "email") & OutboxMessage.delivered_at.is_null())
        .first()
    )
    assert email is not None and email["failed_at"] is not None  # the waiting email: ended
