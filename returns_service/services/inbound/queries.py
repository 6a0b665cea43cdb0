"""Every statement of inbound email, run through db/sql.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from returns_service.db import sql


@dataclass(frozen=True, slots=True)
class AddressedCase:
    id: int
    store_id: int
    number: str
    status: str
    customer_email: str


async def cases_numbered(number: str) -> list[AddressedCase]:
    """The cases with this number, in every store (a reply address names no store: its
    signature says which one made it)."""
    rows = await sql.fetch(
        """
        SELECT c.id, c.store, c.number, c.status, u.email
          FROM return_case c JOIN customer u ON u.id = c.customer
         WHERE c.number = $1
         ORDER BY c.id""",
        number,
    )
    return [AddressedCase(r["id"], r["store"], r["number"], r["status"], r["email"]) for r in rows]


async def first_store_id() -> int | None:
    """Where an email that names no case of any store is kept (one store per deployment)."""
    row = await sql.fetchrow("SELECT id FROM store ORDER BY id LIMIT 1")
    return int(row["id"]) if row else None


@dataclass(frozen=True, slots=True)
class StoredEmail:
    id: int
    status: str
    case_number: str | None


async def stored_email(store_id: int, message_id: str) -> StoredEmail | None:
    row = await sql.fetchrow(
        """
        SELECT e.id, e.status, c.number
          FROM inbound_email e LEFT JOIN return_case c ON c.id = e."case"
         WHERE e.store = $1 AND e.message_id = $2""",
        store_id,
        message_id,
    )
    return StoredEmail(row["id"], row["status"], row["number"]) if row else None


async def insert_email(
    *,
    store_id: int,
    received_at: datetime,
    message_id: str,
    from_address: str,
    to_address: str,
    subject: str,
    status: str,
    reason: str,
    case_id: int | None,
    body: str,
    raw: bytes,
) -> int | None:
    """The email's row; None when the same Message-ID is already kept (the first wins: a
    concurrent second insert waits for the first to commit, then finds it)."""
    row = await sql.fetchrow(
        """
        INSERT INTO inbound_email
               (store, received_at, message_id, from_address, to_address, subject, status,
                reason, "case", body, raw_mime)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
        ON CONFLICT (store, message_id) DO NOTHING
        RETURNING id""",
        store_id,
        received_at,
        message_id,
        from_address,
        to_address,
        subject,
        status,
        reason,
        case_id,
        body,
        raw,
    )
    return int(row["id"]) if row else None


async def insert_attachment(
    *,
    store_id: int,
    inbound_email_id: int,
    filename: str,
    content_type: str,
    size_bytes: int,
    storage_key: str,
) -> None:
    await sql.execute(
        """
        INSERT INTO case_attachment
               (store, inbound_email, filename, content_type, size_bytes, storage_key)
        VALUES ($1, $2, $3, $4, $5, $6)""",
        store_id,
        inbound_email_id,
        filename,
        content_type,
        size_bytes,
        storage_key,
    )


async def file_on_case(
    inbound_email_id: int,
    *,
    status: str,
    case_id: int,
    message_id: int,
    at: datetime | None = None,
    agent_id: int | None = None,
) -> None:
    """The email is now the case's message `message_id`; its attachments go with it."""
    await sql.execute(
        """
        WITH files AS (
            UPDATE case_attachment SET "case" = $2, message = $3 WHERE inbound_email = $1)
        UPDATE inbound_email
           SET status = $4, "case" = $2, message = $3, decided_at = $5, decided_by = $6
         WHERE id = $1""",
        inbound_email_id,
        case_id,
        message_id,
        status,
        at,
        agent_id,
    )


@dataclass(frozen=True, slots=True)
class HeldRow:
    id: int
    status: str
    body: str
    from_address: str
    case_number: str | None


async def lock_email(store_id: int, inbound_email_id: int) -> HeldRow | None:
    row = await sql.fetchrow(
        """
        SELECT e.id, e.status, e.body, e.from_address, c.number
          FROM inbound_email e LEFT JOIN return_case c ON c.id = e."case"
         WHERE e.store = $1 AND e.id = $2
           FOR UPDATE OF e""",
        store_id,
        inbound_email_id,
    )
    if row is None:
        return None
    return HeldRow(row["id"], row["status"], row["body"], row["from_address"], row["number"])


async def discard(inbound_email_id: int, at: datetime, agent_id: int | None) -> None:
    await sql.execute(
        """
        UPDATE inbound_email SET status = 'discarded', decided_at = $2, decided_by = $3
         WHERE id = $1""",
        inbound_email_id,
        at,
        agent_id,
    )


HELD_COLUMNS = """
    e.id, e.received_at, e.from_address, e.to_address, e.subject, e.reason, e.body, e.status,
    c.number AS case_number,
    COALESCE((SELECT json_agg(json_build_object(
                'id', a.id, 'filename', a.filename, 'content_type', a.content_type,
                'size', a.size_bytes) ORDER BY a.id)
                FROM case_attachment a WHERE a.inbound_email = e.id), '[]'::json)::text
        AS attachments"""


async def held_page(store_id: int, before_id: int | None, limit: int) -> list[dict[str, object]]:
    """Held emails, newest first, `limit + 1` of them (the extra one says there are more)."""
    rows = await sql.fetch(
        f"""
        SELECT {HELD_COLUMNS}
          FROM inbound_email e LEFT JOIN return_case c ON c.id = e."case"
         WHERE e.store = $1 AND e.status = 'held' AND ($2::bigint IS NULL OR e.id < $2)
         ORDER BY e.id DESC
         LIMIT $3""",
        store_id,
        before_id,
        limit + 1,
    )
    return [dict(r) for r in rows]


async def one_email(store_id: int, inbound_email_id: int) -> dict[str, object] | None:
    row = await sql.fetchrow(
        f"""
        SELECT {HELD_COLUMNS}
          FROM inbound_email e LEFT JOIN return_case c ON c.id = e."case"
         WHERE e.store = $1 AND e.id = $2""",
        store_id,
        inbound_email_id,
    )
    return dict(row) if row else None
