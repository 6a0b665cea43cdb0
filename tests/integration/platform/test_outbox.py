"""The outbox: every email is a row written with its change; the worker delivers each event
exactly once into the mail drop, through failures, retries and a crash mid-delivery."""

from __future__ import annotations

import email
import email.policy
from pathlib import Path

from returns_service.adapters.mail import MailDropMailer, OutgoingEmail
from returns_service.clock import FrozenClock
from returns_service.db.tables import OutboxMessage
from returns_service.domain.access import Role
from returns_service.services.platform import outbox
from returns_service.services.platform.runtime import Runtime
from returns_service.services.platform.worker import WorkerConfig, run_once
from tests.integration.helpers import (
    Client,
    add_agent,
    line_ids,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)


class BrokenMailer:
    def __init__(self) -> None:
        self.attempts: list[str] = []

    async def send(self, message: OutgoingEmail) -> None:
        self.attempts.append(message.event_id)
        raise ConnectionRefusedError("smtp is down")


async def two_cases(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    _, _sam = await add_agent(client, admin, "Sam")
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    for sku in ("RING-8-BLK", "WATCH-41-BLK"):
        response = await client.post(
            "/api/v1/portal/returns", json={"items": [refund_item(lines[sku])]}, headers=customer
        )
        assert response.status_code == 201


def drop(tmp_path: Path) -> list[Path]:
    return sorted(tmp_path.glob("*.eml"))


async def test_each_email_lands_once_in_the_mail_drop(
    client: Client, clock: FrozenClock, tmp_path: Path
) -> None:
    await two_cases(client, clock)
    config = WorkerConfig(
        mailer=MailDropMailer(tmp_path), sender="returns@shop.test", sender_name="Shop"
    )
    report = await run_once(Runtime(clock), config)
    assert report.delivered == 2
    files = drop(tmp_path)
    events = {str(r["event_id"]) for r in await OutboxMessage.select(OutboxMessage.event_id)}
    assert {f.stem for f in files} == events
    message = email.message_from_bytes(files[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == "ana@example.com"
    assert message["Message-ID"] == f"<{files[0].stem}@returns-concierge>"
    assert message["X-Event-Id"] == files[0].stem
    assert message["Content-Language"] == "ro"
    # multipart/alternative: the text part first, the branded HTML part last
    assert message.get_content_type() == "multipart/alternative"
    assert [p.get_content_type() for p in message.iter_parts()] == ["text/plain", "text/html"]
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "Sam" in text and "Sam" in html  # signed by the concierge
    assert '<html lang="ro" dir="ltr">' in html
    assert text.count("Bună, Ana,") == 1 and html.count("Bună, Ana,") == 1
    # the items come from the case, in both parts, the branded button links to the portal
    texts = [
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
        .get_body(preferencelist=("plain",))
        .get_content()
        for f in files
    ]
    assert any("Active silicone ring (Size 8 / Black) \u00d7 1" in t for t in texts)
    assert any("Genesis chronograph (41 mm / Black) \u00d7 1" in t for t in texts)
    assert "\u00d7 1" in html and 'class="button" style=' in html
    again = await run_once(Runtime(clock), config)
    assert again.delivered == 0 and len(drop(tmp_path)) == 2
    assert await OutboxMessage.count().where(OutboxMessage.delivered_at.is_null()) == 0


async def test_failures_retry_with_backoff_and_the_same_event_id(
    client: Client, clock: FrozenClock, tmp_path: Path
) -> None:
    await two_cases(client, clock)
    broken = BrokenMailer()
    await run_once(Runtime(clock), WorkerConfig(mailer=broken, sender="r@s.test"))
    rows = await OutboxMessage.select().order_by(OutboxMessage.id)
    assert [r["attempts"] for r in rows] == [1, 1]
    assert all("smtp is down" in r["last_error"] for r in rows)
    assert all((r["available_at"] - clock.now()).total_seconds() == 30 for r in rows)
    # not due yet: nothing is tried
    await run_once(Runtime(clock), WorkerConfig(mailer=broken, sender="r@s.test"))
    assert len(broken.attempts) == 2
    clock.advance(seconds=31)
    await run_once(Runtime(clock), WorkerConfig(mailer=broken, sender="r@s.test"))
    second = await OutboxMessage.select().order_by(OutboxMessage.id)
    assert [r["attempts"] for r in second] == [2, 2]
    assert all((r["available_at"] - clock.now()).total_seconds() == 60 for r in second)
    assert broken.attempts[:2] == broken.attempts[2:]  # retried under the same event ids
    clock.advance(seconds=61)
    report = await run_once(
        Runtime(clock), WorkerConfig(mailer=MailDropMailer(tmp_path), sender="r@s.test")
    )
    assert report.delivered == 2
    assert {f.stem for f in drop(tmp_path)} == set(broken.attempts)


async def test_a_worker_killed_mid_delivery_loses_nothing_and_doubles_nothing(
    client: Client, clock: FrozenClock, tmp_path: Path
) -> None:
    await two_cases(client, clock)
    mailer = MailDropMailer(tmp_path)
    # A worker claims both messages and writes the first one, then dies before marking it.
    claimed = await outbox._claim(clock, 10)
    first = claimed[0]
    await mailer.send(
        OutgoingEmail(
            event_id=str(first.event_id),
            sender="r@s.test",
            sender_name="Shop",
            recipient=first.recipient,
            subject=first.subject,
            body=first.body,
            language="ro",
            created_at_rfc2822="Tue, 01 Sep 2026 12:00:00 +0000",
        )
    )
    # While its claim lasts, another worker leaves the messages alone ...
    config = WorkerConfig(mailer=mailer, sender="r@s.test")
    assert (await run_once(Runtime(clock), config)).delivered == 0
    # ... and once the claim has expired, delivers both: each event id exactly once.
    clock.advance(seconds=outbox.LOCK_SECONDS + 1)
    assert (await run_once(Runtime(clock), config)).delivered == 2
    files = drop(tmp_path)
    assert len(files) == 2
    assert {f.stem for f in files} == {str(r.event_id) for r in claimed}
    assert await OutboxMessage.count().where(OutboxMessage.delivered_at.is_null()) == 0


async def test_emails_are_written_in_the_same_transaction_as_the_change(
    client: Client, clock: FrozenClock
) -> None:
    """A refused request writes no email (the whole transaction rolled back)."""
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    bad = {"items": [refund_item(lines["RING-8-BLK"]), refund_item(lines["RING-9-BLK"])]}
    response = await client.post("/api/v1/portal/returns", json=bad, headers=customer)
    assert response.status_code == 422  # the second line is final sale
    assert await OutboxMessage.count() == 0
