"""Every row lock the service takes, and the one order in which a transaction takes them.

Two transactions that lock the same rows in opposite orders can wait for each other for ever;
PostgreSQL then aborts one (the API answers 503 with Retry-After). Taking locks in one global
order rules that out. A transaction takes what it needs from this table top to bottom, never
back up (the exceptions are listed below, with why they are safe or how rare they are):

| # | rows                              | taken by                            | through            |
|---|-----------------------------------|-------------------------------------|--------------------|
| 1 | a sign-in's failure counters:     | the sign-in lookup, alone in its    | lock_lookup_client |
|   | the client's, then the order      | transaction with its failure counts |                    |
|   | number's (advisory, transaction-  |                                     |                    |
|   | scoped)                           |                                     |                    |
| 2 | the store's agents, all, by id    | every assignment decision: opening  | lock_agents        |
|   |                                   | a case, reassigning, an agent's     |                    |
|   |                                   | changes (hand-over), assign_waiting |                    |
| 3 | case rows: one by number; an      | every change to a case (through     | lock_case          |
|   | agent's open cases, oldest first; | records.lock_case); the hand-over;  | lock_open_cases_of |
|   | waiting cases, SKIP LOCKED        | giving waiting cases to agents      | lock_waiting_cases |
| 4 | an order's lines, by id           | opening a case (the units claimed); | lock_order_lines   |
|   |                                   | refunds (the sum refunded per line) | lock_lines         |
| 5 | the customer                      | an advance replacement (the open    | lock_customer      |
|   |                                   | exposure is decided one at a time)  |                    |
| 6 | variants (stock), one statement   | holding, shipping, releasing and    | take_stock         |
|   | per variant                       | restocking units                    | take_stock_of      |
|   |                                   |                                     | put_back_stock     |

Rows that are claimed rather than waited for take part in no cycle and are not ranked: the
outbox's due messages (SKIP LOCKED, services/platform/queries.py), idempotency keys and
tracking events (a unique key: INSERT ... ON CONFLICT, in their own short statements), a
freshly inserted case (nobody else can see it before the commit). An inbound email
(services/inbound) is inserted the same way before its case is locked; a lead's decision on a
held one locks that email's row first, then the case: no one holding a case waits for an
inbound email, so it ranks above (3) without a cycle.

Exceptions, as the code stands:

- Opening a case takes the agents (2) last, after its order lines (4) and the units it holds
  (6): the agents' lock serialises every assignment in the store, so it is held only for the
  assignment and the emails that name the concierge. This is safe as far as (2) and (3) go:
  its case is new (nobody else can see it) and no holder of (2) waits for lines or variants.
  One corner is not: when the policy ships advance replacements on request and the case is
  approved at once, it then locks the customer (5) while holding a variant (6); a
  transaction shipping another replacement of that customer (5 -> 6) for a unit that was
  released in the meantime can wait on it while it waits on that transaction.
- Importing an order (services/store/queries.py: the upserts) locks the customer's row (5)
  before the order's lines (4): it can deadlock with opening a case on the same order, in
  the same corner (approved at once, an advance replacement shipped on request).
- Variants (6) are changed in the order the items come (the request's, the inspection's), not
  sorted: two transactions changing the same two variants in opposite orders can deadlock.

Every function runs through db/sql.py, so inside `DB.transaction()` the lock is held by that
transaction until it ends.
"""

from __future__ import annotations

from dataclasses import dataclass

from returns_service.db import sql
from returns_service.db.scope import scope_sql
from returns_service.domain.access import Caller

# 1 ------------------------------------------------------------------------------------------


async def lock_lookup_client(key: str) -> None:
    """One sign-in lookup per failure counter (a client, an order number) at a time, so
    parallel guesses cannot slip past the failure limit (released when the transaction
    ends). Take the client's before the order number's."""
    await sql.execute("SELECT pg_advisory_xact_lock(hashtext($1))", key)


# 2 ------------------------------------------------------------------------------------------


async def lock_agents(store_id: int) -> None:
    """Every agent of the store, in id order: taken by every assignment decision and held to
    the commit, so two decisions never see the same free capacity. Read the loads in another
    statement afterwards: a statement that waited for a lock still reads with the snapshot
    from before its wait."""
    await sql.execute("SELECT id FROM agent WHERE store = $1 ORDER BY id FOR UPDATE", store_id)


# 3 ------------------------------------------------------------------------------------------


async def lock_case(caller: Caller, number: str) -> int | None:
    """The case `number` if `caller` may read it: its id, locked; None otherwise. Read the
    case in another statement afterwards (a statement that waited for the lock sees the case's
    new row but the other tables as they were before it waited)."""
    scope, args = scope_sql(caller, "return_case", "c", first=2)
    row = await sql.fetchrow(
        f"SELECT c.id FROM return_case c WHERE c.number = $1 AND {scope} FOR UPDATE",
        number,
        *args,
    )
    return row["id"] if row else None


async def lock_open_cases_of(store_id: int, agent_id: int, statuses: list[str]) -> list[str]:
    """The numbers of an agent's cases in `statuses`, oldest first, all locked (the agent is
    going away: each is handed over)."""
    rows = await sql.fetch(
        """
        SELECT c.number FROM return_case c
         WHERE c.store = $1 AND c.agent = $2 AND c.status = ANY($3)
         ORDER BY c.created_at, c.id
           FOR UPDATE
        """,
        store_id,
        agent_id,
        statuses,
    )
    return [r["number"] for r in rows]


async def lock_waiting_cases(store_id: int, statuses: list[str], limit: int = 500) -> list[str]:
    """Up to `limit` unassigned cases in `statuses`, oldest first, locked; cases someone else
    has locked are skipped (they are being changed; the next pass takes them), since waiting
    for them while holding the agents could close a cycle."""
    rows = await sql.fetch(
        """
        SELECT number FROM return_case
         WHERE store = $1 AND agent IS NULL AND status = ANY($2)
         ORDER BY created_at, id
         LIMIT $3
           FOR UPDATE SKIP LOCKED
        """,
        store_id,
        statuses,
        limit,
    )
    return [r["number"] for r in rows]


async def lock_cases_of_customer(customer_id: int) -> list[tuple[int, bool]]:
    """Every case of a customer, in id order, locked: (id, already redacted). Taken by a
    privacy redaction, before the customer's row (5)."""
    rows = await sql.fetch(
        "SELECT id, redacted_at IS NOT NULL AS redacted FROM return_case WHERE customer = $1"
        " ORDER BY id FOR UPDATE",
        customer_id,
    )
    return [(r["id"], r["redacted"]) for r in rows]


# 4 ------------------------------------------------------------------------------------------


async def lock_order_lines(caller: Caller, order_id: int) -> None:
    """The lines of an order the caller may read, in id order, so that two cases opened at
    the same moment cannot both claim the same units. Read them in another statement."""
    scope, args = scope_sql(caller, "shop_order", "o", first=2)
    await sql.execute(
        f"""SELECT l.id FROM order_line l JOIN shop_order o ON o.id = l."order"
             WHERE l."order" = $1 AND {scope}
             ORDER BY l.id FOR UPDATE OF l""",
        order_id,
        *args,
    )


@dataclass(frozen=True, slots=True)
class LockedLine:
    id: int
    quantity: int
    unit_price_amount: int


async def lock_lines(line_ids: list[int]) -> list[LockedLine]:
    """These order lines, in id order, locked and read in one statement (the refunds of a case
    whose lines nobody else changes: what is paid for a line never changes once a case covers
    it)."""
    rows = await sql.fetch(
        "SELECT id, quantity, unit_price_amount FROM order_line WHERE id = ANY($1)"
        " ORDER BY id FOR UPDATE",
        line_ids,
    )
    return [LockedLine(r["id"], r["quantity"], r["unit_price_amount"]) for r in rows]


# 5 ------------------------------------------------------------------------------------------


async def lock_customer(customer_id: int) -> None:
    """One customer's advance replacements are decided one at a time (their open exposure)."""
    await sql.execute("SELECT id FROM customer WHERE id = $1 FOR UPDATE", customer_id)


# 6 ------------------------------------------------------------------------------------------


async def take_stock(store_id: int, sku: str, quantity: int) -> bool:
    """Take `quantity` units of a variant if that many are in stock (stock never goes below
    zero: the decrement is conditional and runs under the row's lock)."""
    row = await sql.fetchrow(
        "UPDATE variant SET stock = stock - $1 WHERE store = $2 AND sku = $3 AND stock >= $1"
        " RETURNING id",
        quantity,
        store_id,
        sku,
    )
    return row is not None


async def take_stock_of(variant_id: int, quantity: int) -> bool:
    """The same, for a variant known by its id."""
    row = await sql.fetchrow(
        "UPDATE variant SET stock = stock - $1 WHERE id = $2 AND stock >= $1 RETURNING id",
        quantity,
        variant_id,
    )
    return row is not None


async def put_back_stock(store_id: int, sku: str, quantity: int) -> None:
    """Units back on the shelf (released from a case, or restocked after inspection)."""
    await sql.execute(
        "UPDATE variant SET stock = stock + $1 WHERE store = $2 AND sku = $3",
        quantity,
        store_id,
        sku,
    )
