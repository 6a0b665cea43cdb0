"""The platform package's SQL, all of it (services/platform/*.py hold none): staff tokens,
idempotency keys and the outbox. Run through db/sql.py with $n placeholders."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from returns_service.db import sql

# ---------------------------------------------------------------------------------------------
# Staff tokens: every staff request starts with this one statement

TOKEN_BY_HASH = (
    "SELECT id, store, role, agent, station FROM api_token"
    " WHERE token_hash = $1 AND revoked_at IS NULL"
)


@dataclass(frozen=True, slots=True)
class StaffToken:
    id: int
    store_id: int
    role: str
    agent_id: int | None
    station_id: int | None


async def token_by_hash(token_hash: str) -> StaffToken | None:
    """The active (not revoked) token with this hash."""
    row = await sql.fetchrow(TOKEN_BY_HASH, token_hash)
    if row is None:
        return None
    return StaffToken(row["id"], row["store"], row["role"], row["agent"], row["station"])


# ---------------------------------------------------------------------------------------------
# Signed-out portal sessions: every portal request asks this, through the unique index

# signed out, or the customer's personal data was redacted (every session of theirs ends)
SESSION_REVOKED = """SELECT 1 FROM revoked_session WHERE store = $1 AND token_hash = $2
                     UNION ALL
                     SELECT 1 FROM customer WHERE id = $3 AND redacted_at IS NOT NULL"""


async def session_revoked(store_id: int, token_hash: str, customer_id: int | None = None) -> bool:
    return await sql.fetchrow(SESSION_REVOKED, store_id, token_hash, customer_id) is not None


async def revoke_session(
    store_id: int, token_hash: str, expires_at: datetime, revoked_at: datetime
) -> None:
    """Signing out twice (two tabs, a retried request) is one row."""
    await sql.execute(
        """
        INSERT INTO revoked_session (store, token_hash, expires_at, revoked_at)
        VALUES ($1, $2, $3, $4)
        ON CONFLICT (store, token_hash) DO NOTHING
        """,
        store_id,
        token_hash,
        expires_at,
        revoked_at,
    )


# ---------------------------------------------------------------------------------------------
# Idempotency keys (each statement its own short transaction: a concurrent request sees it)


async def claim_key(
    *, store_id: int, scope: str, key: str, fingerprint: str, at: datetime
) -> int | None:
    """Claim a key as running; None when it exists already."""
    row = await sql.fetchrow(
        """
        INSERT INTO idempotency_key (store, scope, key, fingerprint, state, created_at)
        VALUES ($1, $2, $3, $4, 'running', $5)
        ON CONFLICT (store, scope, key) DO NOTHING
        RETURNING id
        """,
        store_id,
        scope,
        key,
        fingerprint,
        at,
    )
    return int(row["id"]) if row else None


async def take_over_key(key_id: int, claimed_at: datetime, at: datetime) -> int | None:
    """Take over a running claim made at `claimed_at` (its process died); None when it was
    finished or taken over by someone else meanwhile."""
    row = await sql.fetchrow(
        """
        UPDATE idempotency_key SET created_at = $1
         WHERE id = $2 AND state = 'running' AND created_at = $3
        RETURNING id
        """,
        at,
        key_id,
        claimed_at,
    )
    return int(row["id"]) if row else None


# ---------------------------------------------------------------------------------------------
# The outbox


async def insert_email(
    *,
    store_id: int,
    event_id: uuid.UUID,
    template: str,
    case_id: int | None,
    recipient: str,
    language: str,
    subject: str,
    body: str,
    html: str,
    at: datetime,
) -> None:
    """A rendered email (its text and HTML parts), due at once (in the transaction of the
    change that causes it)."""
    await sql.execute(
        """INSERT INTO outbox_message (store, event_id, kind, template, "case", recipient,
                                       language, subject, body, html, created_at, available_at)
           VALUES ($1, $2, 'email', $3, $4, $5, $6, $7, $8, $9, $10, $10)""",
        store_id,
        event_id,
        template,
        case_id,
        recipient,
        language,
        subject,
        body,
        html,
        at,
    )


@dataclass(frozen=True, slots=True)
class ClaimedMessage:
    id: int
    event_id: uuid.UUID
    recipient: str
    subject: str
    body: str
    html: str  # '' for messages queued before emails had an HTML part
    language: str
    created_at: datetime
    attempts: int
    available_at: datetime
    # the email is about a case whose customer has been redacted since it was queued
    customer_redacted: bool = False
    # the case it is about (its Reply-To is the case's reply address); None: no case
    store_id: int | None = None
    case_number: str | None = None


async def claim_due(now: datetime, locked_until: datetime, limit: int) -> list[ClaimedMessage]:
    """Take up to `limit` messages due by `now` and not claimed (or whose claim ran out) until
    `locked_until`, oldest first; concurrent workers never take the same one (SKIP LOCKED)."""
    rows = await sql.fetch(
        """
        UPDATE outbox_message SET locked_until = $1
         WHERE id IN (
               SELECT id FROM outbox_message
                WHERE delivered_at IS NULL AND failed_at IS NULL AND available_at <= $2
                  AND (locked_until IS NULL OR locked_until <= $2) AND kind = 'email'
                ORDER BY available_at, id
                LIMIT $3
                  FOR UPDATE SKIP LOCKED)
        RETURNING id, event_id, recipient, subject, body, html, language, created_at,
                  attempts, available_at,
                  EXISTS (SELECT 1 FROM return_case c JOIN customer u ON u.id = c.customer
                           WHERE c.id = outbox_message."case" AND u.redacted_at IS NOT NULL)
                      AS customer_redacted,
                  store AS store_id,
                  (SELECT c.number FROM return_case c WHERE c.id = outbox_message."case")
                      AS case_number
        """,
        locked_until,
        now,
        limit,
    )
    messages = [
        ClaimedMessage(
            r["id"],
            r["event_id"],
            r["recipient"],
            r["subject"],
            r["body"],
            r["html"] or "",
            r["language"],
            r["created_at"],
            r["attempts"],
            r["available_at"],
            r["customer_redacted"],
            r["store_id"],
            r["case_number"],
        )
        for r in rows
    ]
    # RETURNING keeps no order (PostgreSQL may hash the IN list): oldest first, so a customer
    # never gets a case's later email before its earlier one
    return sorted(messages, key=lambda m: (m.available_at, m.id))


# ---------------------------------------------------------------------------------------------
# Jobs: calls to outside systems, in the same outbox table (kind 'job')


async def insert_job(
    *,
    store_id: int,
    event_id: uuid.UUID,
    case_id: int | None,
    topic: str,
    payload: dict[str, Any],
    at: datetime,
    available_at: datetime,
) -> int:
    row = await sql.fetchrow(
        """INSERT INTO outbox_message (store, event_id, kind, template, topic, payload, "case",
                                       recipient, language, subject, body, html, created_at,
                                       available_at)
           VALUES ($1, $2, 'job', '', $3, $4::jsonb, $5, '', '', '', '', '', $6, $7)
           RETURNING id""",
        store_id,
        event_id,
        topic,
        msgspec.json.encode(payload).decode(),
        case_id,
        at,
        available_at,
    )
    assert row is not None
    return int(row["id"])


@dataclass(frozen=True, slots=True)
class ClaimedJob:
    id: int
    event_id: uuid.UUID
    store_id: int
    case_id: int | None
    topic: str
    payload: dict[str, Any]
    attempts: int
    created_at: datetime
    available_at: datetime


_JOB_COLUMNS = (
    'id, event_id, store, "case", topic, payload::text AS payload, attempts, created_at, '
    "available_at"
)


def _job(row: Any) -> ClaimedJob:
    return ClaimedJob(
        row["id"],
        row["event_id"],
        row["store"],
        row["case"],
        row["topic"],
        msgspec.json.decode(row["payload"]) if row["payload"] else {},
        row["attempts"],
        row["created_at"],
        row["available_at"],
    )


async def claim_due_jobs(
    now: datetime, locked_until: datetime, limit: int, event_ids: list[uuid.UUID] | None = None
) -> list[ClaimedJob]:
    """Take up to `limit` due jobs (only these `event_ids`, when given), oldest first, that no
    one else holds; concurrent workers never take the same one (SKIP LOCKED)."""
    rows = await sql.fetch(
        f"""
        UPDATE outbox_message SET locked_until = $1
         WHERE id IN (
               SELECT id FROM outbox_message
                WHERE delivered_at IS NULL AND failed_at IS NULL AND available_at <= $2
                  AND (locked_until IS NULL OR locked_until <= $2) AND kind = 'job'
                  AND ($4::uuid[] IS NULL OR event_id = ANY($4::uuid[]))
                ORDER BY available_at, id
                LIMIT $3
                  FOR UPDATE SKIP LOCKED)
        RETURNING {_JOB_COLUMNS}
        """,
        locked_until,
        now,
        limit,
        event_ids,
    )
    return sorted((_job(r) for r in rows), key=lambda j: (j.available_at, j.id))


async def finish_job(job_id: int, attempts: int, at: datetime) -> None:
    await sql.execute(
        """UPDATE outbox_message SET delivered_at = $1, attempts = $2, locked_until = NULL,
                  last_error = NULL
            WHERE id = $3""",
        at,
        attempts,
        job_id,
    )


async def fail_job(
    job_id: int, attempts: int, error: str, retry_at: datetime, failed_at: datetime | None
) -> None:
    """A failed attempt: tried again at `retry_at`, or never (`failed_at` set)."""
    await sql.execute(
        """UPDATE outbox_message SET attempts = $1, last_error = $2, available_at = $3,
                  locked_until = NULL, failed_at = $4
            WHERE id = $5""",
        attempts,
        error[:2000],
        retry_at,
        failed_at,
        job_id,
    )


async def job_state(event_id: uuid.UUID) -> tuple[datetime | None, datetime | None, str | None]:
    """(delivered_at, failed_at, last_error) of one job."""
    row = await sql.fetchrow(
        "SELECT delivered_at, failed_at, last_error FROM outbox_message WHERE event_id = $1",
        event_id,
    )
    if row is None:
        return None, None, None
    return row["delivered_at"], row["failed_at"], row["last_error"]


async def remember_progress(job_id: int, key: str, value: str) -> None:
    """One note of a job's progress (carriers.PurchaseProgress), kept in its payload."""
    await sql.execute(
        """UPDATE outbox_message
              SET payload = jsonb_set(coalesce(payload, '{}'::jsonb), '{progress}',
                                      coalesce(payload -> 'progress', '{}'::jsonb)
                                      || jsonb_build_object($2::text, $3::text))
            WHERE id = $1""",
        job_id,
        key,
        value,
    )


# ---------------------------------------------------------------------------------------------
# Live updates (platform/live.py): delivered to the listeners when the transaction commits


async def notify(channel: str, payload: str) -> None:
    await sql.execute("SELECT pg_notify($1, $2)", channel, payload)
