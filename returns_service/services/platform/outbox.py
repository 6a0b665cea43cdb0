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
from returns_service.db.engine import DB
from returns_service.db.tables import OutboxMessage
from returns_service.domain.emails import EmailTemplate, Facts, render_email
from returns_service.domain.privacy import undeliverable
from returns_service.domain.reply_address import reply_address
from returns_service.emails.html import Brand, render_html
from returns_service.services.platform import queries
from returns_service.translation import Translator

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
LOCK_SECONDS = 120  # by default, a claimed message whose worker died is retried after this
REDACTED_RECIPIENT = "cancelled: the customer's data was redacted"


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
    await queries.insert_email(
        store_id=store_id,
        event_id=event_id,
        template=template.value,
        case_id=case_id,
        recipient=recipient,
        language=email.language,
        subject=email.subject,
        body=email.body,
        html=render_html(email, brand or Brand(str(fields.get("store", ""))), t.rtl),
        at=now,
    )
    return event_id


@dataclass(frozen=True, slots=True)
class DeliveryReport:
    delivered: int
    failed: int
    cancelled: int = 0  # never sent: the customer was redacted after they were queued


async def _claim(
    clock: Clock, limit: int, lock_seconds: int = LOCK_SECONDS
) -> list[queries.ClaimedMessage]:
    """Take up to `limit` due messages, oldest first, so that concurrent workers never take
    the same one."""
    now = clock.now()
    async with DB.transaction():
        claimed = await queries.claim_due(now, now + timedelta(seconds=lock_seconds), limit)
    return claimed


async def deliver_pending(
    mailer: Mailer,
    clock: Clock,
    *,
    sender: str,
    sender_name: str,
    limit: int = 50,
    lock_seconds: int = LOCK_SECONDS,
    reply_secret: str = "",
    reply_domain: str = "",
) -> DeliveryReport:
    """Send what is due. An email about a case carries the case's signed reply address as
    Reply-To (when `reply_domain` is set), so the customer's answer lands on the case."""
    delivered = failed = cancelled = 0
    for row in await _claim(clock, limit, lock_seconds):
        if row.customer_redacted or undeliverable(row.recipient):
            # An email queued after a redaction (a refund still paid goes on) would go to the
            # `.invalid` address or to nobody who may still be written to: it is ended, as the
            # redaction ends those queued before it, and never handed to the mail system.
            await OutboxMessage.update(
                {
                    OutboxMessage.failed_at: clock.now(),
                    OutboxMessage.last_error: REDACTED_RECIPIENT,
                    OutboxMessage.locked_until: None,
                }
            ).where(OutboxMessage.id == row.id)
            cancelled += 1
            continue
        email = OutgoingEmail(
            event_id=str(row.event_id),
            sender=sender,
            sender_name=sender_name,
            recipient=row.recipient,
            subject=row.subject,
            body=row.body,
            html=row.html,
            language=row.language,
            created_at_rfc2822=format_datetime(row.created_at),
            reply_to=reply_address(reply_secret, row.store_id, row.case_number, reply_domain)
            if reply_domain and row.case_number and row.store_id is not None
            else "",
        )
        try:
            await mailer.send(email)
        except Exception as error:  # any failure of the mail system: retry later
            attempts = row.attempts + 1
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
            ).where(OutboxMessage.id == row.id)
            failed += 1
            continue
        await OutboxMessage.update(
            {
                OutboxMessage.delivered_at: clock.now(),
                OutboxMessage.attempts: row.attempts + 1,
                OutboxMessage.locked_until: None,
            }
        ).where(OutboxMessage.id == row.id)
        delivered += 1
    return DeliveryReport(delivered=delivered, failed=failed, cancelled=cancelled)
