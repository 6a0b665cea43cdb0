"""The privacy package's SQL, all of it: what is held about a customer (the export reads it in
one REPEATABLE READ transaction), what a redaction rewrites, and the photo files waiting to
be deleted. Run through db/sql.py with $n placeholders; row locks through db/locks.py (one
case by id is locked here, alone in its transaction)."""

from __future__ import annotations

from datetime import datetime

from returns_service.db import sql
from returns_service.domain.privacy import FINAL_STATUSES, REDACTED

# ---------------------------------------------------------------------------------------------
# Finding the customer


async def begin_snapshot() -> None:
    """Every later statement of this transaction reads the same snapshot (must come first)."""
    await sql.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")


async def customer_by_email(store_id: int, email: str) -> sql.Row | None:
    # emails are kept trimmed and lower-cased (services/store)
    return await sql.fetchrow(
        "SELECT * FROM customer WHERE store = $1 AND email = lower(btrim($2))", store_id, email
    )


async def customer_ids_of_orders(store_id: int, shop_order_ids: list[str]) -> list[int]:
    rows = await sql.fetch(
        "SELECT DISTINCT customer FROM shop_order WHERE store = $1 AND shop_order_id = ANY($2)",
        store_id,
        shop_order_ids,
    )
    return [r["customer"] for r in rows]


async def customer_ids_after(store_id: int, after_id: int, limit: int) -> list[int]:
    """The store's customers not yet redacted, by id, a batch at a time (shop/redact)."""
    rows = await sql.fetch(
        "SELECT id FROM customer WHERE store = $1 AND id > $2 AND redacted_at IS NULL"
        " ORDER BY id LIMIT $3",
        store_id,
        after_id,
        limit,
    )
    return [r["id"] for r in rows]


async def left_to_redact(store_id: int) -> tuple[int, int]:
    """(customers not redacted, their cases not redacted) in the store (shop/redact's answer)."""
    row = await sql.fetchrow(
        """SELECT count(*) AS customers,
                  (SELECT count(*) FROM return_case c JOIN customer u ON u.id = c.customer
                    WHERE u.store = $1 AND u.redacted_at IS NULL AND c.redacted_at IS NULL)
                      AS cases
             FROM customer WHERE store = $1 AND redacted_at IS NULL""",
        store_id,
    )
    return (int(row["customers"]), int(row["cases"])) if row else (0, 0)


async def store_redaction_queued(store_id: int, topic: str, but_not: int | None = None) -> bool:
    """A store redaction job still to run (or running) for the store, other than `but_not`."""
    row = await sql.fetchrow(
        """SELECT 1 FROM outbox_message
            WHERE store = $1 AND kind = 'job' AND topic = $2 AND delivered_at IS NULL
              AND failed_at IS NULL AND id IS DISTINCT FROM $3
            LIMIT 1""",
        store_id,
        topic,
        but_not,
    )
    return row is not None


# ---------------------------------------------------------------------------------------------
# The export: everything keyed to one customer


async def orders_of(customer_id: int) -> list[sql.Row]:
    return await sql.fetch(
        """SELECT id, shop_order_id, number, placed_at, currency, shipping_address::text
                  AS shipping_address, payment_reference, created_at
             FROM shop_order WHERE customer = $1 ORDER BY id""",
        customer_id,
    )


async def lines_of(order_ids: list[int]) -> list[sql.Row]:
    return await sql.fetch(
        """SELECT id, "order", shop_line_id, sku, product_key, quantity, unit_price_amount,
                  currency, final_sale, delivered_at
             FROM order_line WHERE "order" = ANY($1) ORDER BY id""",
        order_ids,
    )


async def cases_of(customer_id: int) -> list[sql.Row]:
    return await sql.fetch(
        """SELECT c.id, c.number, o.number AS order_number, c.status, c.language, c.comment,
                  c.reject_reason, c.outside_policy, c.created_at, c.updated_at,
                  c.resolved_at, c.redacted_at
             FROM return_case c JOIN shop_order o ON o.id = c."order"
            WHERE c.customer = $1 ORDER BY c.id""",
        customer_id,
    )


async def items_of(case_ids: list[int]) -> list[sql.Row]:
    return await sql.fetch(
        """SELECT i."case", i.line, l.sku, i.quantity, i.reason, i.resolution, i.exchange_sku,
                  i.unit_price_amount, i.price_difference, i.currency, i.condition,
                  i.disposition
             FROM case_item i JOIN order_line l ON l.id = i.line
            WHERE i."case" = ANY($1) ORDER BY i.id""",
        case_ids,
    )


async def events_of(case_ids: list[int]) -> list[sql.Row]:
    return await sql.fetch(
        """SELECT id, "case", at, actor_kind, actor_name, kind, from_status, to_status,
                  params::text AS params, text, detail, customer_visible
             FROM case_event WHERE "case" = ANY($1) ORDER BY "case", at, id""",
        case_ids,
    )


async def messages_of(case_ids: list[int]) -> list[sql.Row]:
    return await sql.fetch(
        """SELECT "case", at, author_kind, body FROM case_message
            WHERE "case" = ANY($1) ORDER BY "case", at, id""",
        case_ids,
    )


async def notes_of(case_ids: list[int]) -> list[sql.Row]:
    return await sql.fetch(
        """SELECT "case", at, body FROM case_note WHERE "case" = ANY($1)
            ORDER BY "case", at, id""",
        case_ids,
    )


async def photos_of(case_ids: list[int]) -> list[sql.Row]:
    return await sql.fetch(
        """SELECT id, "case", at, source, content_type, size_bytes, width, height
             FROM case_photo WHERE "case" = ANY($1) ORDER BY id""",
        case_ids,
    )


async def labels_of(case_ids: list[int]) -> list[sql.Row]:
    return await sql.fetch(
        """SELECT id, "case", carrier, tracking_number, status, request::text AS request,
                  created_at, in_transit_at, delivered_at
             FROM label WHERE "case" = ANY($1) ORDER BY id""",
        case_ids,
    )


async def own_tracking_of(case_ids: list[int]) -> list[sql.Row]:
    return await sql.fetch(
        """SELECT "case", carrier, tracking_number, created_at FROM customer_tracking
            WHERE "case" = ANY($1) ORDER BY id""",
        case_ids,
    )


async def shipments_of(case_ids: list[int]) -> list[sql.Row]:
    return await sql.fetch(
        """SELECT "case", sku, quantity, value_amount, currency, tracking_number, advance,
                  shipped_at, return_deadline, delivered_at
             FROM shipment WHERE "case" = ANY($1) ORDER BY id""",
        case_ids,
    )


async def payments_of(case_ids: list[int]) -> list[sql.Row]:
    return await sql.fetch(
        """SELECT "case", kind, amount, currency, provider, status, created_at
             FROM payment WHERE "case" = ANY($1) ORDER BY id""",
        case_ids,
    )


async def follow_ups_of(case_ids: list[int]) -> list[sql.Row]:
    return await sql.fetch(
        """SELECT "case", rating, comment, at FROM follow_up WHERE "case" = ANY($1)""",
        case_ids,
    )


async def store_credits_of(customer_id: int) -> list[sql.Row]:
    return await sql.fetch(
        """SELECT s.code, s.currency, s.balance, s.created_at,
                  COALESCE(json_agg(json_build_object('amount', m.amount, 'reason', m.reason,
                                                      'at', m.at) ORDER BY m.id)
                           FILTER (WHERE m.id IS NOT NULL), '[]')::text AS movements
             FROM store_credit s LEFT JOIN store_credit_movement m ON m.credit = s.id
            WHERE s.customer = $1 GROUP BY s.id ORDER BY s.id""",
        customer_id,
    )


async def emails_to(store_id: int, email: str, case_ids: list[int]) -> list[sql.Row]:
    return await sql.fetch(
        """SELECT template, recipient, language, subject, body, created_at, delivered_at,
                  failed_at
             FROM outbox_message
            WHERE store = $1 AND kind = 'email' AND (recipient = $2 OR "case" = ANY($3))
            ORDER BY id""",
        store_id,
        email,
        case_ids,
    )


async def webhook_deliveries_of(case_ids: list[int]) -> list[sql.Row]:
    """What was announced about the cases to whom (GDPR art. 15 asks for the recipients), not
    the bodies: those are the case as the export already shows it."""
    return await sql.fetch(
        """SELECT d.id, d."case", d.event_id, d.event_type, d.status, d.attempts, d.created_at,
                  d.last_attempt_at, d.delivered_at, d.failed_at, e.id AS endpoint_id,
                  e.url AS endpoint_url, e.description AS endpoint_description
             FROM webhook_delivery d JOIN webhook_endpoint e ON e.id = d.endpoint
            WHERE d."case" = ANY($1) ORDER BY d.id""",
        case_ids,
    )


async def link_requests_of(order_ids: list[int]) -> list[sql.Row]:
    return await sql.fetch(
        """SELECT client, requested_at FROM portal_link_request WHERE "order" = ANY($1)
            ORDER BY id""",
        order_ids,
    )


# ---------------------------------------------------------------------------------------------
# Redaction


async def lock_case_by_id(case_id: int) -> sql.Row | None:
    return await sql.fetchrow(
        "SELECT id, store, customer, status, updated_at, redacted_at FROM return_case"
        " WHERE id = $1 FOR UPDATE",
        case_id,
    )


async def customer_row(customer_id: int) -> sql.Row | None:
    return await sql.fetchrow("SELECT * FROM customer WHERE id = $1", customer_id)


async def addresses_of(customer_id: int) -> list[str]:
    """The customer's shipping addresses (JSON text), from orders and labels' requests."""
    rows = await sql.fetch(
        """SELECT shipping_address::text AS a FROM shop_order WHERE customer = $1
           UNION ALL
           SELECT (l.request -> 'ship_from')::text FROM label l
             JOIN return_case c ON c.id = l."case"
            WHERE c.customer = $1 AND l.request IS NOT NULL""",
        customer_id,
    )
    return [r["a"] for r in rows if r["a"]]


async def allow_timeline_redaction() -> None:
    """The timeline's trigger lets this transaction scrub events (not change or remove them:
    see the privacy migration)."""
    await sql.execute("SELECT set_config('returns.redacting', 'on', true)")


async def redact_case_rows(case_ids: list[int], at: datetime) -> None:
    """Words people wrote on these cases: the conversation, notes, the customer's comment, the
    reason given for a rejection, the follow-up's comment."""
    await sql.execute(
        """WITH m AS (UPDATE case_message SET body = $2 WHERE "case" = ANY($1) AND body <> $2),
                n AS (UPDATE case_note SET body = $2 WHERE "case" = ANY($1) AND body <> $2),
                f AS (UPDATE follow_up SET comment = $2 WHERE "case" = ANY($1)
                        AND comment <> '' AND comment <> $2)
           UPDATE return_case
              SET comment = CASE WHEN comment = '' THEN '' ELSE $2 END,
                  reject_reason = CASE WHEN reject_reason IS NULL THEN NULL ELSE $2 END,
                  redacted_at = COALESCE(redacted_at, $3)
            WHERE id = ANY($1)""",
        case_ids,
        REDACTED,
        at,
    )


async def take_photos(case_ids: list[int], at: datetime) -> int:
    """Remove the cases' photo rows and queue their files for deletion after the commit."""
    row = await sql.fetchrow(
        """WITH gone AS (DELETE FROM case_photo WHERE "case" = ANY($1)
                         RETURNING store, storage_key),
                queued AS (INSERT INTO photo_deletion (store, storage_key, created_at,
                                                       available_at, attempts)
                           SELECT store, storage_key, $2, $2, 0 FROM gone RETURNING id)
           SELECT count(*) AS n FROM queued""",
        case_ids,
        at,
    )
    return int(row["n"]) if row else 0


async def labels_to_scrub(case_ids: list[int]) -> list[sql.Row]:
    return await sql.fetch(
        """SELECT id, carrier, tracking_number, request::text AS request FROM label
            WHERE "case" = ANY($1) AND request IS NOT NULL ORDER BY id""",
        case_ids,
    )


async def scrub_label(label_id: int, request: str, zpl: str) -> None:
    # the PDF is rendered again from the scrubbed request when it is next printed
    await sql.execute(
        "UPDATE label SET request = $2::jsonb, zpl = $3, pdf = NULL WHERE id = $1",
        label_id,
        request,
        zpl,
    )


async def events_to_scrub(case_ids: list[int]) -> list[sql.Row]:
    return await sql.fetch(
        """SELECT id, kind, to_status, actor_kind, actor_name, params::text AS params, text,
                  detail
             FROM case_event WHERE "case" = ANY($1) ORDER BY id""",
        case_ids,
    )


async def scrub_event(event_id: int, actor_name: str, params: str, text: str, detail: str) -> None:
    await sql.execute(
        "UPDATE case_event SET actor_name = $2, params = $3::jsonb, text = $4, detail = $5"
        " WHERE id = $1",
        event_id,
        actor_name,
        params,
        text,
        detail,
    )


async def deliveries_to_scrub(case_ids: list[int]) -> list[sql.Row]:
    """Every webhook delivery about these cases, whatever its status: delivered and given-up
    ones are our copy of what was sent, pending ones are still to be sent."""
    return await sql.fetch(
        """SELECT id, payload FROM webhook_delivery WHERE "case" = ANY($1) ORDER BY id""",
        case_ids,
    )


async def scrub_delivery(delivery_id: int, payload: str) -> None:
    # the body is signed when it is sent, so a pending delivery goes out scrubbed and verifies
    await sql.execute(
        "UPDATE webhook_delivery SET payload = $2 WHERE id = $1", delivery_id, payload
    )


async def redact_emails(
    store_id: int, email: str | None, case_ids: list[int], at: datetime
) -> None:
    """Emails to the customer (to their address, or about their cases): those not sent yet are
    cancelled (never sent), and no email keeps its recipient, subject or text. Jobs share the
    table and are left alone: a refund or a label still due on the case is still made."""
    await sql.execute(
        """UPDATE outbox_message
              SET recipient = $4, subject = $4, body = $4, html = '',
                  failed_at = CASE WHEN delivered_at IS NULL AND failed_at IS NULL
                                   THEN $5 ELSE failed_at END,
                  last_error = CASE WHEN delivered_at IS NULL AND failed_at IS NULL
                                    THEN 'cancelled: the customer''s data was redacted'
                                    ELSE last_error END,
                  locked_until = NULL
            WHERE store = $1 AND kind = 'email' AND (recipient = $2 OR "case" = ANY($3))
              AND body <> $4""",
        store_id,
        email or "",
        case_ids,
        REDACTED,
        at,
    )


async def redact_inbound_emails(
    store_id: int, email: str | None, case_ids: list[int], at: datetime
) -> None:
    """Emails the customer sent us (from their address, or filed on their cases): the raw
    message, its words and addresses go; the row stays (the same Message-ID stays one
    email). Their attachments' rows go and the files are queued for deletion."""
    await sql.execute(
        """WITH mine AS (SELECT id FROM inbound_email
                          WHERE store = $1
                            AND (($2 <> '' AND from_address = lower($2)) OR "case" = ANY($3))),
                files AS (DELETE FROM case_attachment
                           WHERE inbound_email IN (SELECT id FROM mine)
                       RETURNING store, storage_key),
                queued AS (INSERT INTO photo_deletion (store, storage_key, created_at,
                                                       available_at, attempts)
                           SELECT store, storage_key, $5, $5, 0 FROM files)
           UPDATE inbound_email
              SET from_address = $4, to_address = $4, subject = $4, body = $4,
                  reason = $4, raw_mime = ''::bytea
            WHERE id IN (SELECT id FROM mine)""",
        store_id,
        email or "",
        case_ids,
        REDACTED,
        at,
    )


async def redact_customer_rows(
    customer_id: int, scope: str, email: str, new_email: str, at: datetime
) -> None:
    """The customer's own row and what hangs off it outside their cases: the orders' shipping
    addresses, "email me a link" requests (the client's address), stored responses to their
    requests (and any other that quotes their email)."""
    await sql.execute(
        """WITH o AS (UPDATE shop_order SET shipping_address = '{}'::jsonb
                       WHERE customer = $1 AND shipping_address <> '{}'::jsonb),
                l AS (DELETE FROM portal_link_request
                       WHERE "order" IN (SELECT id FROM shop_order WHERE customer = $1)),
                k AS (DELETE FROM idempotency_key
                       WHERE scope = $2 OR strpos(lower(response_body), $3) > 0)
           UPDATE customer
              SET email = $4, first_name = '', last_name = '',
                  redacted_at = COALESCE(redacted_at, $5)
            WHERE id = $1""",
        customer_id,
        scope,
        email,
        new_email,
        at,
    )


async def cases_to_expire(cutoff: datetime, limit: int) -> list[int]:
    """Cases final (closed, rejected, cancelled, expired) since before `cutoff`, not yet
    redacted, oldest first; their last change is when they became final."""
    rows = await sql.fetch(
        """SELECT id FROM return_case
            WHERE status = ANY($1) AND redacted_at IS NULL AND updated_at < $2
            ORDER BY updated_at, id LIMIT $3""",
        list(FINAL_STATUSES),
        cutoff,
        limit,
    )
    return [r["id"] for r in rows]


# ---------------------------------------------------------------------------------------------
# Photo files to delete (the worker)


async def claim_photo_deletion(now: datetime) -> sql.Row | None:
    """One due deletion, locked for this transaction (others skip it)."""
    return await sql.fetchrow(
        """SELECT id, storage_key, attempts FROM photo_deletion WHERE available_at <= $1
            ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED""",
        now,
    )


async def photo_deleted(deletion_id: int) -> None:
    await sql.execute("DELETE FROM photo_deletion WHERE id = $1", deletion_id)


async def photo_deletion_failed(
    deletion_id: int, attempts: int, available_at: datetime, error: str
) -> None:
    await sql.execute(
        "UPDATE photo_deletion SET attempts = $2, available_at = $3, last_error = $4 WHERE id = $1",
        deletion_id,
        attempts,
        available_at,
        error,
    )
