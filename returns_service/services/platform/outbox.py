"""The transactional outbox: messages are rows written with the change that causes them; the
worker delivers them with retries and backoff. A crash never loses one (the row stays until
marked delivered) and a retry never changes its event id (so the receiver can recognise it)."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.utils import format_datetime

from returns_service.adapters.mail import Mailer, OutgoingEmail
from returns_service.clock import Clock
from returns_service.db import sql
from returns_service.db.engine import DB
from returns_service.db.tables import OutboxMessage
from returns_service.domain.emails import EmailTemplate, Facts, render_email
from returns_service.emails.html import Brand, render_html
from returns_service.translation import Translator

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
LOCK_SECONDS = 120  # by default, a claimed message whose worker died is retried after this


def backoff(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min ... capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


async def enqueue_email(
    *,
    store_id: int,
    case_id: int | None,
    template: EmailTemplate,
    recipient: str,
    language: str,
    clock: Clock,
    brand: Brand | None = None,
    facts: Facts | None = None,
    **fields: object,
) -> uuid.UUID:
    """Render the email now, both parts (it says what was true at the moment of the change),
    and queue it. Call inside the transaction of that change."""
    t = Translator(language)
    email = render_email(template, t, facts, **fields)
    event_id = uuid.uuid4()
    now = clock.now()
    await sql.execute(
        """INSERT INTO outbox_message (store, event_id, kind, template, "case", recipient,
                                       language, subject, body, html, created_at,
                                       available_at)
           VALUES ($1, $2, 'email', $3, $4, $5, $6, $7, $8, $9, $10, $10)""",
        store_id,
        event_id,
        template.value,
        case_id,
        recipient,
        email.language,
        email.subject,
        email.body,
        render_html(email, brand or Brand(str(fields.get("store", ""))), t.rtl),
        now,
    )
    return event_id


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    delivered: int
    failed: int


async def _claim(
    clock: Clock, limit: int, lock_seconds: int = LOCK_SECONDS
) -> list[dict[str, object]]:
    """Take up to `limit` due messages, so that concurrent workers never take the same one."""
    now = clock.now()
    async with DB.transaction():
        rows: list[dict[str, object]] = await OutboxMessage.raw(
            """
            UPDATE outbox_message SET locked_until = {}
             WHERE id IN (
                   SELECT id FROM outbox_message
                    WHERE delivered_at IS NULL AND failed_at IS NULL AND available_at <= {}
                      AND (locked_until IS NULL OR locked_until <= {})
                    ORDER BY available_at, id
                    LIMIT {}
                      FOR UPDATE SKIP LOCKED)
            RETURNING id, event_id, recipient, subject, body, html, language, created_at,
                      attempts, available_at
            """,
            now + timedelta(seconds=lock_seconds),
            now,
            now,
            limit,
        ).run()
    # RETURNING keeps no order (PostgreSQL may hash the IN list): deliver oldest first, so a
    # customer never gets a case's later email before its earlier one
    return sorted(rows, key=lambda row: (row["available_at"], row["id"]))


async def deliver_pending(
    mailer: Mailer,
    clock: Clock,
    *,
    sender: str,
    sender_name: str,
    limit: int = 50,
    lock_seconds: int = LOCK_SECONDS,
) -> DeliveryReport:
    delivered = failed = 0
    for row in await _claim(clock, limit, lock_seconds):
        email = OutgoingEmail(
            event_id=str(row["event_id"]),
            sender=sender,
            sender_name=sender_name,
            recipient=str(row["recipient"]),
            subject=str(row["subject"]),
            body=str(row["body"]),
            html=str(row["html"] or ""),
            language=str(row["language"]),
            created_at_rfc2822=format_datetime(row["created_at"]),  # type: ignore[arg-type]
        )
        try:
            await mailer.send(email)
        except Exception as error:  # any failure of the mail system: retry later
            attempts = int(row["attempts"]) + 1  # type: ignore[call-overload]
            gave_up = attempts >= MAX_ATTEMPTS
            log.warning("delivery of %s failed (attempt %d): %s", email.event_id, attempts, error)
            await OutboxMessage.update(
                {
                    OutboxMessage.attempts: attempts,
                    OutboxMessage.last_error: f"{type(error).__name__}: {error}"[:2000],
                    OutboxMessage.available_at: clock.now() + backoff(attempts),
                    OutboxMessage.locked_until: None,
                    OutboxMessage.failed_at: clock.now() if gave_up else None,
                }
            ).where(OutboxMessage.id == row["id"])
            failed += 1
            continue
        await OutboxMessage.update(
            {
                OutboxMessage.delivered_at: clock.now(),
                OutboxMessage.attempts: int(row["attempts"]) + 1,  # type: ignore[call-overload]
                OutboxMessage.locked_until: None,
            }
        ).where(OutboxMessage.id == row["id"])
        delivered += 1
    return DeliveryReport(delivered=delivered, failed=failed)
