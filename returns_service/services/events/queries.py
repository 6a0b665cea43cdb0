"""Every statement of the outbound webhooks, run through db/sql.py."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

from returns_service.db import sql

SUBSCRIBED = """
SELECT id FROM webhook_endpoint
 WHERE store = $1 AND $2 = ANY(events)
 ORDER BY id"""


async def subscribed(store_id: int, event_type: str) -> list[int]:
    """The endpoints that take this event, paused ones too: their deliveries wait for them
    (one indexed read: the price of an event in a store without webhooks)."""
    return [int(r["id"]) for r in await sql.fetch(SUBSCRIBED, store_id, event_type)]


INSERT_DELIVERIES = """
INSERT INTO webhook_delivery
       (store, endpoint, "case", event_id, event_type, payload, status, attempts,
        available_at, created_at)
SELECT $1, t.endpoint, $3, t.event_id, $4, $5, 'pending', 0, $6, $6
  FROM unnest($2::bigint[], $7::uuid[]) AS t(endpoint, event_id)"""


async def insert_deliveries(
    *,
    store_id: int,
    endpoints: list[int],
    case_id: int,
    event_type: str,
    payload: str,
    at: datetime,
) -> None:
    event_ids = [uuid.uuid4() for _ in endpoints]
    await sql.execute(
        INSERT_DELIVERIES, store_id, endpoints, case_id, event_type, payload, at, event_ids
    )


MESSAGE = """
SELECT m.id, m.at, m.author_kind AS author, m.body,
       CASE WHEN m.author_kind = 'agent' THEN COALESCE(NULLIF(a.display_name, ''), a.name, '')
            ELSE c.first_name END AS author_name
  FROM case_message m
  JOIN return_case rc ON rc.id = m."case"
  JOIN customer c ON c.id = rc.customer
  LEFT JOIN agent a ON a.id = m.agent
 WHERE m.store = $1 AND m.id = $2"""


async def message(store_id: int, message_id: int) -> dict[str, Any] | None:
    row = await sql.fetchrow(MESSAGE, store_id, message_id)
    return dict(row) if row is not None else None


class ClaimedDelivery(msgspec.Struct, frozen=True):
    id: int
    store: int
    endpoint: int
    event_id: uuid.UUID
    payload: str
    attempts: int
    url: str
    secret: str


# The head of each (endpoint, case) line only: a later event of a case waits while an earlier
# one for the same endpoint is pending (delivered or given up lets it go). A claimed delivery
# stays pending under its lock, so a concurrent worker takes neither it nor what follows it.
CLAIM_DUE = """
WITH due AS (
    SELECT d.id FROM webhook_delivery d
      JOIN webhook_endpoint e ON e.id = d.endpoint
     WHERE d.status = 'pending' AND d.available_at <= $1
       AND (d.locked_until IS NULL OR d.locked_until <= $1)
       AND e.status = 'active'
       AND NOT EXISTS (
           SELECT 1 FROM webhook_delivery p
            WHERE p.endpoint = d.endpoint AND p."case" = d."case"
              AND p.status = 'pending' AND p.id < d.id)
     ORDER BY d.id
     LIMIT $3
       FOR UPDATE OF d SKIP LOCKED)
UPDATE webhook_delivery w SET locked_until = $2
  FROM due, webhook_endpoint e
 WHERE w.id = due.id AND e.id = w.endpoint
RETURNING w.id, w.store, w.endpoint, w.event_id, w.payload, w.attempts, e.url, e.secret"""


async def claim_due(now: datetime, locked_until: datetime, limit: int) -> list[ClaimedDelivery]:
    rows = await sql.fetch(CLAIM_DUE, now, locked_until, limit)
    return sorted((msgspec.convert(dict(r), ClaimedDelivery) for r in rows), key=lambda d: d.id)


DELIVERED = """
WITH endpoint AS (
    UPDATE webhook_endpoint SET failing_since = NULL WHERE id = $5)
UPDATE webhook_delivery
   SET status = 'delivered', attempts = $2, response_code = $3, last_error = NULL,
       locked_until = NULL, last_attempt_at = $4, delivered_at = $4
 WHERE id = $1"""


async def delivered(
    delivery_id: int, endpoint_id: int, attempts: int, code: int | None, at: datetime
) -> None:
    await sql.execute(DELIVERED, delivery_id, attempts, code, at, endpoint_id)


FAILED = """
UPDATE webhook_delivery
   SET status = CASE WHEN $5::timestamptz IS NULL THEN 'failed' ELSE 'pending' END,
       attempts = $2, response_code = $3, last_error = $4, locked_until = NULL,
       available_at = COALESCE($5, available_at), last_attempt_at = $6::timestamptz,
       failed_at = CASE WHEN $5::timestamptz IS NULL THEN $6::timestamptz END
 WHERE id = $1"""

FAILING = """
UPDATE webhook_endpoint SET failing_since = COALESCE(failing_since, $2)
 WHERE id = $1
RETURNING failing_since"""

PAUSE_FAILING = """
UPDATE webhook_endpoint SET status = 'paused', paused_reason = 'failing', updated_at = $2
 WHERE id = $1 AND status = 'active'"""


async def failed(
    delivery_id: int,
    attempts: int,
    code: int | None,
    error: str,
    retry_at: datetime | None,
    at: datetime,
) -> None:
    await sql.execute(FAILED, delivery_id, attempts, code, error[:2000], retry_at, at)


async def endpoint_failing(endpoint_id: int, at: datetime) -> datetime | None:
    row = await sql.fetchrow(FAILING, endpoint_id, at)
    return row["failing_since"] if row is not None else None


async def pause_failing(endpoint_id: int, at: datetime) -> None:
    await sql.execute(PAUSE_FAILING, endpoint_id, at)


RESUME = """
UPDATE webhook_delivery SET available_at = LEAST(available_at, $2)
 WHERE endpoint = $1 AND status = 'pending'"""


async def make_pending_due(endpoint_id: int, at: datetime) -> None:
    """A resumed endpoint gets what waited for it now, not at the end of its backoff."""
    await sql.execute(RESUME, endpoint_id, at)


DELIVERY_PAGE = """
SELECT d.id, d.event_id, d.event_type, rc.number AS case_number, d.status, d.attempts,
       d.response_code, d.last_error, d.created_at, d.last_attempt_at, d.available_at,
       d.delivered_at
  FROM webhook_delivery d
  JOIN return_case rc ON rc.id = d."case"
 WHERE d.store = $1 AND d.endpoint = $2 AND ($3::bigint IS NULL OR d.id < $3)
 ORDER BY d.id DESC
 LIMIT $4"""


async def delivery_page(
    store_id: int, endpoint_id: int, before: int | None, limit: int
) -> list[dict[str, Any]]:
    return [dict(r) for r in await sql.fetch(DELIVERY_PAGE, store_id, endpoint_id, before, limit)]


REPLAY = """
UPDATE webhook_delivery
   SET status = 'pending', attempts = 0, available_at = $4, locked_until = NULL,
       failed_at = NULL
 WHERE store = $1 AND endpoint = $2 AND id = $3
   AND (locked_until IS NULL OR locked_until <= $4)
RETURNING id"""


async def replay(store_id: int, endpoint_id: int, delivery_id: int, at: datetime) -> bool:
    return await sql.fetchrow(REPLAY, store_id, endpoint_id, delivery_id, at) is not None


DELIVERY_EXISTS = """
SELECT 1 FROM webhook_delivery WHERE store = $1 AND endpoint = $2 AND id = $3"""


async def delivery_exists(store_id: int, endpoint_id: int, delivery_id: int) -> bool:
    return await sql.fetchrow(DELIVERY_EXISTS, store_id, endpoint_id, delivery_id) is not None
