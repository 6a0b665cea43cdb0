"""The store package's SQL, all of it (services/store/*.py hold none): orders and their
lines as the portal reads them, orders, products and the policy coming in from the shop, the
sign-in failure counter. Run through db/sql.py with $n placeholders; row locks are taken
through db/locks.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TypeAlias

from returns_service.db import sql
from returns_service.db.scope import scope_sql
from returns_service.domain.access import Caller
from returns_service.domain.cases import RELEASED_STATUSES

# ---------------------------------------------------------------------------------------------
# The order read of every portal page

# The order and its lines with what cases already hold of each, in one statement: every portal
# page starts with it. $1 the order, $2 the statuses that release what a case held, then the
# caller's scope on the order (db/scope.py).
_ORDER_WITH_LINES = """
    SELECT o.id AS order_id, o.number, o.placed_at, o.currency AS order_currency,
           o.customer, cu.first_name AS customer_first_name,
           cu.language AS customer_language, cu.email AS customer_email,
           cu.country AS customer_country, cu.tags::text AS customer_tags,
           o.shipping_address::text AS shipping_address,
           l.id, l.sku, l.quantity, l.unit_price_amount, l.currency,
           l.final_sale, l.delivered_at, v.title AS variant_title,
           COALESCE(p.title, pk.title, l.sku) AS title,
           COALESCE(p.category, pk.category, '') AS category,
           COALESCE(l.product_key, p.product_key) AS product_key,
           COALESCE((SELECT sum(ci.quantity) FROM case_item ci
                     JOIN return_case rc ON rc.id = ci."case"
                     WHERE ci.line = l.id AND rc.status <> ALL($2::text[])), 0) AS covered
      FROM shop_order o
      JOIN customer cu ON cu.id = o.customer
      LEFT JOIN order_line l ON l.store = o.store AND l."order" = o.id
      LEFT JOIN variant v ON v.store = l.store AND v.sku = l.sku
      LEFT JOIN product p ON p.id = v.product
      LEFT JOIN product pk ON pk.store = l.store AND pk.product_key = l.product_key
     WHERE o.id = $1 AND {scope}
     ORDER BY l.id
"""


_RELEASED = [s.value for s in RELEASED_STATUSES]


def order_with_lines_statement(caller: Caller, order_id: int) -> sql.Statement:
    scope, args = scope_sql(caller, "shop_order", "o", first=3)
    return (
        _ORDER_WITH_LINES.format(scope=scope),
        [order_id, _RELEASED, *args],
    )


# One row per line (a single row with id None for an order without lines): the order's
# order_id, number, placed_at, order_currency, customer and the customer's first name,
# language and email; the line's id, sku, quantity, unit_price_amount, currency, final_sale,
# delivered_at, variant_title, title, category, product_key, and `covered`, what open cases
# hold of it. A hot path (every portal page): read as it comes, without a copy.
OrderLineRow: TypeAlias = sql.Row


async def order_with_lines(caller: Caller, order_id: int) -> list[OrderLineRow]:
    """The order (if the caller may read it) and its lines; empty when not."""
    return await sql.fetch_all(order_with_lines_statement(caller, order_id))


# ---------------------------------------------------------------------------------------------
# Orders from the shop (db/locks.py: the customer's row is locked before the order's lines)


async def upsert_customer(
    *,
    store_id: int,
    email: str,
    first_name: str,
    last_name: str,
    language: str,
    country: str,
    at: datetime,
) -> int:
    """The customer with this email, made or brought up to date (an empty country keeps the
    one known). Returns their id."""
    row = await sql.fetchrow(
        """
        INSERT INTO customer (store, email, first_name, last_name, language, country,
                              created_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7)
        ON CONFLICT (store, email) DO UPDATE
           SET first_name = EXCLUDED.first_name, last_name = EXCLUDED.last_name,
               language = EXCLUDED.language,
               country = COALESCE(NULLIF(EXCLUDED.country, ''), customer.country)
        RETURNING id
        """,
        store_id,
        email,
        first_name,
        last_name,
        language,
        country,
        at,
    )
    assert row is not None  # an upsert always returns its row
    return int(row["id"])


async def upsert_order(
    *,
    store_id: int,
    shop_order_id: str,
    number: str,
    customer_id: int,
    placed_at: datetime,
    currency: str,
    shipping_address: str,
    payment_reference: str,
    at: datetime,
) -> tuple[int, bool]:
    """The order with this shop order id, made or replaced (`shipping_address` as JSON).
    Returns its id and whether it was made now."""
    row = await sql.fetchrow(
        """
        INSERT INTO shop_order (store, shop_order_id, number, customer, placed_at, currency,
                                shipping_address, payment_reference, created_at, updated_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        ON CONFLICT (store, shop_order_id) DO UPDATE
           SET number = EXCLUDED.number, customer = EXCLUDED.customer,
               placed_at = EXCLUDED.placed_at, currency = EXCLUDED.currency,
               shipping_address = EXCLUDED.shipping_address,
               payment_reference = EXCLUDED.payment_reference,
               updated_at = EXCLUDED.updated_at
        RETURNING id, (xmax = 0) AS created
        """,
        store_id,
        shop_order_id,
        number,
        customer_id,
        placed_at,
        currency,
        shipping_address,
        payment_reference,
        at,
        at,
    )
    assert row is not None  # an upsert always returns its row
    return int(row["id"]), bool(row["created"])


async def upsert_order_line(
    *,
    store_id: int,
    order_id: int,
    shop_line_id: str,
    sku: str,
    product_key: str | None,
    quantity: int,
    unit_price_amount: int,
    currency: str,
    final_sale: bool,
    delivered_at: datetime | None,
) -> None:
    """The order's line with this shop line id, made or brought up to date; once a return
    covers it, what was paid (quantity, price, currency) stays as it was."""
    await sql.execute(
        """
        INSERT INTO order_line (store, "order", shop_line_id, sku, product_key, quantity,
                                unit_price_amount, currency, final_sale, delivered_at)
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
        ON CONFLICT ("order", shop_line_id) DO UPDATE
           SET sku = EXCLUDED.sku, product_key = EXCLUDED.product_key,
               final_sale = EXCLUDED.final_sale, delivered_at = EXCLUDED.delivered_at,
               -- once a return covers the line, what was paid is fixed: refunds are
               -- capped by it
               quantity = CASE WHEN EXISTS (SELECT 1 FROM case_item ci
                                            WHERE ci.line = order_line.id)
                               THEN order_line.quantity ELSE EXCLUDED.quantity END,
               unit_price_amount = CASE WHEN EXISTS (SELECT 1 FROM case_item ci
                                                     WHERE ci.line = order_line.id)
                               THEN order_line.unit_price_amount
                               ELSE EXCLUDED.unit_price_amount END,
               currency = CASE WHEN EXISTS (SELECT 1 FROM case_item ci
                                            WHERE ci.line = order_line.id)
                               THEN order_line.currency ELSE EXCLUDED.currency END
        """,
        store_id,
        order_id,
        shop_line_id,
        sku,
        product_key,
        quantity,
        unit_price_amount,
        currency,
        final_sale,
        delivered_at,
    )


# ---------------------------------------------------------------------------------------------
# The catalogue and the policy


async def upsert_product(
    *, store_id: int, product_key: str, title: str, category: str, at: datetime
) -> tuple[int, bool]:
    """The product made or replaced in one statement (safe when two PUTs race). Returns its
    id and whether it was made now."""
    row = await sql.fetchrow(
        """
        INSERT INTO product (store, product_key, title, category, updated_at)
        VALUES ($1, $2, $3, $4, $5)
        ON CONFLICT (store, product_key) DO UPDATE
           SET title = EXCLUDED.title, category = EXCLUDED.category,
               updated_at = EXCLUDED.updated_at
        RETURNING id, (xmax = 0) AS created
        """,
        store_id,
        product_key,
        title,
        category,
        at,
    )
    assert row is not None  # an upsert always returns its row
    return int(row["id"]), bool(row["created"])


# ---------------------------------------------------------------------------------------------
# Sign-in failures (counted per client and per order number, each a `client` key, under
# db/locks.lock_lookup_client)


async def lookup_locked_until(
    store_id: int, keys: tuple[str, ...], now: datetime
) -> datetime | None:
    """The latest end of a lockout still running on any of these counters, if any."""
    row = await sql.fetchrow(
        """
        SELECT max(locked_until) AS until FROM lookup_failure
         WHERE store = $1 AND client = ANY($2::varchar[]) AND locked_until > $3
        """,
        store_id,
        list(keys),
        now,
    )
    return row["until"] if row else None


async def count_lookup_failure(
    store_id: int,
    key: str,
    at: datetime,
    window: timedelta,
    allowed: int,
    lockout: timedelta,
) -> None:
    """One more failure on this counter: counted in the current window, or starting a new
    window when the last one has passed; once `allowed` fall in one window, the counter is
    locked for `lockout` from now."""
    await sql.execute(
        """
        INSERT INTO lookup_failure (store, client, window_started_at, failures, locked_until)
        VALUES ($1, $2, $3, 1, CASE WHEN 1 >= $5::int THEN $3::timestamptz + $6::interval END)
        ON CONFLICT (store, client) DO UPDATE
           SET failures = CASE
                   WHEN lookup_failure.window_started_at + $4 > EXCLUDED.window_started_at
                   THEN lookup_failure.failures + 1 ELSE 1 END,
               window_started_at = CASE
                   WHEN lookup_failure.window_started_at + $4 > EXCLUDED.window_started_at
                   THEN lookup_failure.window_started_at ELSE EXCLUDED.window_started_at END,
               locked_until = CASE
                   WHEN (CASE
                           WHEN lookup_failure.window_started_at + $4 > EXCLUDED.window_started_at
                           THEN lookup_failure.failures + 1 ELSE 1 END) >= $5
                   THEN EXCLUDED.window_started_at + $6
                   ELSE lookup_failure.locked_until END
        """,
        store_id,
        key[:128],
        at,
        window,
        allowed,
        lockout,
    )


# ---------------------------------------------------------------------------------------------
# Shop-now: the in-stock catalogue a customer may exchange for. Paged by (product, position,
# id), which the partial index variant_in_stock_page (stock > 0) serves in that order; `q`
# matches the product's title (also in the reader's language), the variant's title, the SKU
# or the category, case-insensitively, as a LIKE pattern the caller escaped.
_SHOP_NOW = """
    SELECT v.id, v.sku, v.title AS variant_title, v.translations AS variant_t,
           v.price_amount, v.currency, v.position, v.image_url AS variant_image,
           p.id AS product_id, p.product_key, p.title, p.category,
           p.translations AS product_t, p.image_url AS product_image
      FROM variant v
      JOIN product p ON p.id = v.product
     WHERE v.store = $1 AND v.stock > 0 AND v.currency = $2 AND v.sku <> $3
       AND ($4 = '' OR p.title ILIKE $4 OR v.title ILIKE $4 OR v.sku ILIKE $4
            OR p.category ILIKE $4 OR (p.translations -> $5 ->> 'title') ILIKE $4
            OR (v.translations -> $5 ->> 'title') ILIKE $4)
       AND (v.product, v.position, v.id) > ($6, $7, $8)
     ORDER BY v.product, v.position, v.id
     LIMIT $9
"""


def shop_now_statement(
    store_id: int,
    *,
    currency: str,
    except_sku: str,
    pattern: str,
    language: str,
    after: tuple[int, int, int],
    limit: int,
) -> sql.Statement:
    return _SHOP_NOW, [store_id, currency, except_sku, pattern, language, *after, limit]


async def shop_now_variants(
    store_id: int,
    *,
    currency: str,
    except_sku: str,
    pattern: str,
    language: str,
    after: tuple[int, int, int],
    limit: int,
) -> list[sql.Row]:
    return await sql.fetch_all(
        shop_now_statement(
            store_id,
            currency=currency,
            except_sku=except_sku,
            pattern=pattern,
            language=language,
            after=after,
            limit=limit,
        )
    )


# What the policy's rules know about a customer (domain/rules.py)


async def set_customer_tags(customer_id: int, tags_json: str) -> None:
    await sql.execute("UPDATE customer SET tags = $2::jsonb WHERE id = $1", customer_id, tags_json)


async def customer_history(customer_id: int, since: datetime) -> tuple[int, int, str | None]:
    """The customer's return cases opened since `since` (cancelled ones do not count), and
    what was refunded or credited to them since then (the amount and its currency)."""
    row = await sql.fetchrow(
        """
        SELECT (SELECT count(*) FROM return_case rc
                 WHERE rc.customer = $1 AND rc.created_at >= $2
                   AND rc.status <> 'cancelled') AS cases,
               COALESCE(sum(p.amount), 0)::bigint AS refunded, min(p.currency) AS currency
          FROM payment p JOIN return_case rc ON rc.id = p."case"
         WHERE rc.customer = $1 AND p.created_at >= $2
           AND p.kind IN ('refund', 'store_credit') AND p.status <> 'failed'
        """,
        customer_id,
        since,
    )
    assert row is not None  # an aggregate always returns its row
    return int(row["cases"]), int(row["refunded"]), row["currency"]


# ---------------------------------------------------------------------------------------------
# Policy versions (issue 16): store_policy holds the published document and its version;
# policy_version keeps every one. The upsert on store_policy locks the store's row, so two
# publishers at once get versions n and n+1, never the same number.


async def current_policy(store_id: int) -> tuple[str, int] | None:
    """The store's policy as JSON text and its version; None when it never set one."""
    row = await sql.fetchrow(
        "SELECT document::text, version FROM store_policy WHERE store = $1", store_id
    )
    return (row["document"], int(row["version"])) if row else None


async def publish_policy(
    store_id: int,
    document: str,
    at: datetime,
    role: str,
    agent_id: int | None,
    token_id: int | None,
) -> int | None:
    """Publish `document` as the store's next version; None (nothing written) when it is the
    document already published. The publisher's name is the agent's, else "admin token
    <name>", else the role itself."""
    row = await sql.fetchrow(
        """
        WITH saved AS (
            INSERT INTO store_policy (store, document, version, updated_at)
            VALUES ($1, $2::jsonb, 1, $3)
            ON CONFLICT (store) DO UPDATE
               SET document = EXCLUDED.document, version = store_policy.version + 1,
                   updated_at = EXCLUDED.updated_at
             WHERE store_policy.document IS DISTINCT FROM EXCLUDED.document
            RETURNING version)
        INSERT INTO policy_version (store, version, document, published_at, published_by_role,
                                    published_by_name)
        SELECT $1, saved.version, $2::jsonb, $3, $4::text,
               COALESCE((SELECT a.name FROM agent a WHERE a.id = $5 AND a.store = $1),
                        (SELECT 'admin token ' || t.name FROM api_token t
                          WHERE t.id = $6 AND t.store = $1 AND $4::text = 'admin'),
                        $4::text)
          FROM saved
        RETURNING version
        """,
        store_id,
        document,
        at,
        role,
        agent_id,
        token_id,
    )
    return int(row["version"]) if row else None


async def policy_versions(store_id: int, before: int | None, limit: int) -> list[sql.Row]:
    """Versions newest first, those below `before` (a cursor) when given."""
    return await sql.fetch(
        """
        SELECT version, published_at, published_by_role, published_by_name,
               document::text AS document
          FROM policy_version
         WHERE store = $1 AND ($2::int IS NULL OR version < $2)
         ORDER BY version DESC
         LIMIT $3
        """,
        store_id,
        before,
        limit,
    )
