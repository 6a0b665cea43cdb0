"""A believable demo store: rings and watches (as in the seed interviews), a 30-day policy
(watches too: LIV Watches' policy before they moved to 90 days, so the policy simulator has a
story to tell), ~50 orders over the last 120 days, ~70 older ones over the 60-180 days before
today with the returns made on them, customers in five languages, three agents (one lead) and
a warehouse station."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from returns_service.clock import Clock
from returns_service.db.engine import DB
from returns_service.db.tables import Agent, ApiToken, OrderLine, ShopOrder, Station
from returns_service.domain.access import Caller, Role
from returns_service.domain.cases import Reason, RequestedItem, Resolution, ReturnRequest
from returns_service.domain.catalog import ProductDocument, VariantDocument
from returns_service.domain.money import Money
from returns_service.domain.orders import (
    AddressDocument,
    CustomerDocument,
    OrderDocument,
    OrderLineDocument,
)
from returns_service.domain.policy import (
    BonusCredit,
    PolicyRule,
    ReturnPolicy,
    RuleFee,
    RuleMatch,
    RuleWhen,
)
from returns_service.services.cases.conversation import customer_writes
from returns_service.services.cases.opening import open_case
from returns_service.services.platform.auth import create_staff_token, revoke_token
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store.catalog import put_product
from returns_service.services.store.eligibility import evaluate_order
from returns_service.services.store.orders import upsert_order
from returns_service.services.store.policy import put_policy
from returns_service.services.store.portal import exchange_options
from returns_service.services.store.schemas import NewAgent, NewStation
from returns_service.services.store.staff import create_agent, create_station

DEMO_PREFIX = "demo-"
DEMO_STATION = "Dock 1"
USD = "USD"

COLOURS = {"BLK": "Black", "NVY": "Navy", "SGE": "Sage", "RSE": "Rose"}

CUSTOMERS = [
    ("ana.pop@example.com", "Ana", "Pop", "ro", "RO", "Cluj-Napoca", "400001"),
    ("mihai.ionescu@example.com", "Mihai", "Ionescu", "ro", "RO", "Bucharest", "010011"),
    ("ingrid.hansen@example.no", "Ingrid", "Hansen", "nb", "NO", "Oslo", "0150"),
    ("lars.berg@example.no", "Lars", "Berg", "nb", "NO", "Bergen", "5003"),
    ("zsofia.nagy@example.hu", "Zsófia", "Nagy", "hu", "HU", "Budapest", "1051"),
    ("bence.kovacs@example.hu", "Bence", "Kovács", "hu", "HU", "Debrecen", "4025"),
    ("layla.haddad@example.com", "Layla", "Haddad", "ar", "AE", "Dubai", "00000"),
    ("omar.farouk@example.com", "Omar", "Farouk", "ar", "AE", "Abu Dhabi", "00000"),
    ("jamie.ortiz@example.com", "Jamie", "Ortiz", "en", "US", "Santa Ana", "92701"),
    ("priya.shah@example.com", "Priya", "Shah", "en", "US", "Austin", "78701"),
    ("tom.baker@example.com", "Tom", "Baker", "en", "US", "Denver", "80202"),
    ("grace.kim@example.com", "Grace", "Kim", "en", "US", "Seattle", "98101"),
    ("noah.williams@example.com", "Noah", "Williams", "en", "US", "Chicago", "60601"),
    ("emma.clarke@example.co.uk", "Emma", "Clarke", "en", "GB", "Leeds", "LS1 4AP"),
]


def catalogue() -> dict[str, ProductDocument]:
    def ring_variants(
        prefix: str, sizes: range, colours: list[str], price: int, seed: int
    ) -> list[VariantDocument]:
        rng = random.Random(seed)
        return [
            VariantDocument(
                sku=f"{prefix}-{size}-{colour}",
                title=f"Size {size} / {COLOURS[colour]}",
                options={"size": str(size), "colour": COLOURS[colour].lower()},
                price=Money(price, USD),
                stock=rng.choice([0, 2, 5, 8, 12, 20]),
            )
            for size in sizes
            for colour in colours
        ]

    watch_variants = [
        VariantDocument(
            sku=f"WATCH-{size}-{colour}",
            title=f"{size} mm / {COLOURS[colour]} strap",
            options={"case_size": str(size), "strap": COLOURS[colour].lower()},
            price=Money(39500 if size == 41 else 42500, USD),
            stock=stock,
        )
        for size, colour, stock in [
            (41, "BLK", 6),
            (41, "NVY", 3),
            (44, "BLK", 4),
            (44, "NVY", 0),
        ]
    ]
    return {
        "ring-active": ProductDocument(
            title="Active silicone ring",
            category="rings",
            image_url="/static/catalogue/ring.svg",
            variants=ring_variants("RING", range(5, 13), ["BLK", "NVY", "SGE"], 2500, 1),
        ),
        "ring-stackable": ProductDocument(
            title="Thin stackable ring",
            category="rings",
            image_url="/static/catalogue/stackable.svg",
            variants=ring_variants("STACK", range(5, 11), ["BLK", "RSE"], 1900, 2),
        ),
        "watch-genesis": ProductDocument(
            title="Genesis chronograph",
            category="watches",
            variants=watch_variants,
            image_url="/static/catalogue/watch.svg",
        ),
        "strap-leather": ProductDocument(
            title="Italian leather strap",
            category="straps",
            image_url="/static/catalogue/strap.svg",
            variants=[
                VariantDocument(
                    sku=f"STRAP-{w}-{c}",
                    title=f"{w} mm / {COLOURS[c]}",
                    options={"width": str(w), "colour": COLOURS[c].lower()},
                    price=Money(4900, USD),
                    stock=10,
                )
                for w in (20, 22)
                for c in ("BLK", "NVY")
            ],
        ),
        "gift-card": ProductDocument(
            title="Gift card",
            category="gift-cards",
            image_url="/static/catalogue/gift-card.svg",
            variants=[
                VariantDocument(sku="GIFT-CARD", title="$50", price=Money(5000, USD), stock=999)
            ],
        ),
    }


DEMO_POLICY = ReturnPolicy(
    window_days=30,
    window_starts="delivery",
    # shop-now: the demo customer may swap for anything in stock, paying or getting back
    # the difference
    exchange_price_difference="charge_or_refund",
    rules=(
        # the simulator's story (issue 16): try 90 here as a draft and see what it changes
        PolicyRule(match=RuleMatch(category="watches"), window_days=30),
        PolicyRule(match=RuleMatch(sku="GIFT-CARD"), returnable=False),
        # issue 14: a restocking fee on change-of-mind refunds, stacking rings (19.00) kept
        # when they arrive faulty or wrong, and a person looks at a sixth return in a year
        PolicyRule(
            when=RuleWhen(reason=("changed_mind",), resolution=("refund",)),
            fee=RuleFee(percent=10, label="restocking"),
        ),
        PolicyRule(
            when=RuleWhen(reason=("defective", "wrong_item"), unit_price_below=Money(2000, USD)),
            keep_it=True,
        ),
        PolicyRule(when=RuleWhen(customer_returns_last_365_days_at_least=6), require_review=True),
    ),
    bonus_credit=BonusCredit(store_credit_percent=10),
    final_sale_returnable=False,
    prepaid_label_countries=("US",),
    advance_exchange="on_first_scan",
    advance_exchange_return_days=21,
    advance_exchange_max_open=Money(100000, USD),
    auto_approve=True,
)

AGENTS = [
    NewAgent(
        name="Maria Lead",
        display_name="Maria",
        email="maria@demo.store",
        role="lead",
        languages=["en", "ro"],
        capacity=30,
    ),
    NewAgent(
        name="Sam Concierge",
        display_name="Sam",
        email="sam@demo.store",
        role="agent",
        languages=["en", "ar"],
        capacity=20,
    ),
    NewAgent(
        name="Kari Concierge",
        display_name="Kari",
        email="kari@demo.store",
        role="agent",
        languages=["en", "nb", "hu"],
        capacity=20,
    ),
]


def demo_orders(clock: Clock) -> list[OrderDocument]:
    """About 50 orders placed over the last 120 days; most delivered 2-6 days later."""
    rng = random.Random(42)
    products = catalogue()
    pick = [
        (key, v)
        for key, product in products.items()
        for v in product.variants
        if key != "gift-card" and v.stock > 0
    ]
    now = clock.now().replace(microsecond=0)
    orders = []
    for i in range(50):
        number = str(1001 + i)
        email, first, last, lang, country, city, postal = CUSTOMERS[i % len(CUSTOMERS)]
        placed = now - timedelta(days=120 * (50 - i) / 50, hours=rng.randint(0, 20))
        delivered = placed + timedelta(days=rng.randint(2, 6), hours=rng.randint(1, 9))
        lines = []
        # a watch every fourth order
        chosen = (
            [("watch-genesis", products["watch-genesis"].variants[i % 3])] if i % 4 == 0 else []
        )
        chosen += rng.sample(pick, rng.randint(1, 2))
        if i % 9 == 0:
            chosen.append(("gift-card", products["gift-card"].variants[0]))
        for n, (product_key, variant) in enumerate(chosen, start=1):
            lines.append(
                OrderLineDocument(
                    shop_line_id=str(n),
                    sku=variant.sku,
                    product_id=product_key,
                    quantity=2 if product_key.startswith("ring") and n == 1 and i % 5 == 0 else 1,
                    unit_price=variant.price,
                    final_sale=(i % 7 == 3 and n == len(chosen)),
                    delivered_at=delivered if delivered < now else None,
                )
            )
        orders.append(
            OrderDocument(
                shop_order_id=f"{DEMO_PREFIX}{number}",
                number=number,
                placed_at=placed,
                currency=USD,
                customer=CustomerDocument(
                    email=email, first_name=first, last_name=last, language=lang, country=country
                ),
                shipping_address=AddressDocument(
                    line1=f"{rng.randint(1, 200)} Main Street",
                    city=city,
                    postal_code=postal,
                    country=country,
                    name=f"{first} {last}",
                ),
                lines=lines,
            )
        )
    return orders


async def open_demo_cases(store_id: int, clock: Clock, rt: Runtime | None = None) -> None:
    """A few cases so the agents' queues are not empty: size exchanges and refunds inside the
    policy (approved at once), and a late return waiting for a person's decision."""
    rt = rt or Runtime(clock)
    orders = await ShopOrder.select(ShopOrder.id, ShopOrder.number, ShopOrder.customer).where(
        (ShopOrder.store == store_id)
        & ShopOrder.number.is_in(["1044", "1042", "1040", "1038", "1033"])
    )
    for order in orders:
        caller = Caller(
            Role.CUSTOMER, store_id, customer_id=order["customer"], order_id=order["id"]
        )
        evaluated = await evaluate_order(caller, order["id"], clock)
        late = order["number"] == "1033"  # a ring past its 30 days: a person decides
        wanted = [
            line
            for line in evaluated.lines
            if (line.view.ineligible_reason == "window_closed" and line.unreturned)
            or (not late and line.view.ineligible_reason is None)
        ]
        if late:  # its watch stays free for the simulator's 30 -> 90 days story
            wanted = [line for line in wanted if not line.view.sku.startswith("WATCH")]
        if late:
            wanted = [line for line in wanted if line.view.ineligible_reason is not None]
        if not wanted:
            continue
        line = wanted[0]
        options = [
            o
            for o in await exchange_options(caller, line.view.id)
            if "too_small" in o.suggested_for
        ]
        size_swap = bool(options)
        item = RequestedItem(
            line_id=line.view.id,
            quantity=1,
            reason=(Reason.TOO_SMALL if size_swap else Reason.CHANGED_MIND).value,
            resolution=Resolution.EXCHANGE if size_swap else Resolution.REFUND,
            exchange_sku=options[0].sku if size_swap else None,
        )
        number = await open_case(caller, ReturnRequest(items=[item]), rt)
        if line.view.ineligible_reason is not None:
            await customer_writes(
                caller,
                number,
                "It was a gift and I only opened it last week. Could I still return it?",
                rt,
            )


SAMPLE_ORDERS = ("1049", "1046", "1045", "1033", "1005")


def describe(placed_at: datetime, lines: list[dict[str, Any]], now: datetime) -> str:
    """What a tester will see on this order's lines."""
    skus = [line["sku"] for line in lines]
    parts = [f"placed {(now - placed_at).days} days ago"]
    if any(sku.startswith("WATCH") for sku in skus):
        parts.append("a watch (30-day window)")
    if any(sku.startswith(("RING", "STACK")) for sku in skus):
        parts.append("rings (30 days)")
    if any(line["final_sale"] for line in lines):
        parts.append("a final-sale line")
    if "GIFT-CARD" in skus:
        parts.append("a gift card (not returnable)")
    if any(line["delivered_at"] is None for line in lines):
        parts.append("not delivered yet")
    return ", ".join(parts)


@dataclass
class DemoReport:
    loaded: bool
    tokens: dict[str, str] = field(default_factory=dict)
    orders: list[tuple[str, str, str]] = field(default_factory=list)


async def load_demo(store_id: int, clock: Clock, rt: Runtime | None = None) -> DemoReport:
    """Load the demo store once; on later runs only hand out fresh demo tokens."""
    admin = Caller(role=Role.ADMIN, store_id=store_id)
    already = await ShopOrder.exists().where(
        (ShopOrder.store == store_id) & ShopOrder.shop_order_id.like(f"{DEMO_PREFIX}%")
    )
    report = DemoReport(loaded=not already)
    if not already:
        for key, product in catalogue().items():
            await put_product(admin, key, product, clock)
        await put_policy(Caller.system(store_id), DEMO_POLICY, clock)  # version 1, by "system"
        # the store's past first (issue 16): its returns, finished, are the simulator's history
        from returns_service import demo_history  # it builds on this module's catalogue

        for order in demo_orders(clock) + demo_history.history_orders(clock):
            await upsert_order(admin, order, clock)
        for new_agent in AGENTS:
            await create_agent(admin, new_agent, clock)
        await create_station(admin, NewStation(name=DEMO_STATION), clock)
        await demo_history.make_history_returns(store_id, clock, rt or Runtime(clock))
        await open_demo_cases(store_id, clock, rt)
    # Tokens are shown once; every run revokes the demo's earlier tokens (including those
    # made with the demo agents and station, never shown) and prints new ones.
    async with DB.transaction():
        demo_emails = [a.email for a in AGENTS]
        stale = await ApiToken.select(ApiToken.id).where(
            (ApiToken.store == store_id)
            & ApiToken.revoked_at.is_null()
            & (
                ApiToken.name.like("demo:%")
                | ApiToken.agent.email.is_in(demo_emails)
                | (ApiToken.station.name == DEMO_STATION)
            )
        )
        for row in stale:
            await revoke_token(store_id, row["id"], clock)
        report.tokens["admin"] = (
            await create_staff_token(store_id, Role.ADMIN, clock, name="demo:admin")
        ).token
        for agent in (
            await Agent.select(Agent.id, Agent.name, Agent.role)
            .where(Agent.store == store_id)
            .order_by(Agent.id)
        ):
            issued = await create_staff_token(
                store_id,
                Role(agent["role"]),
                clock,
                name=f"demo:{agent['name']}",
                agent_id=agent["id"],
            )
            report.tokens[f"{agent['role']} {agent['name']}"] = issued.token
        station = await Station.select(Station.id).where(Station.store == store_id).first()
        report.tokens["warehouse station"] = (
            await create_staff_token(
                store_id,
                Role.WAREHOUSE,
                clock,
                name="demo:station",
                station_id=station["id"] if station else None,
            )
        ).token
    samples = await ShopOrder.select(
        ShopOrder.id,
        ShopOrder.number,
        ShopOrder.placed_at,
        ShopOrder.customer.email.as_alias("email"),
    ).where((ShopOrder.store == store_id) & ShopOrder.number.is_in(list(SAMPLE_ORDERS)))
    for sample in sorted(samples, key=lambda o: o["number"], reverse=True):
        lines = await OrderLine.select(
            OrderLine.sku, OrderLine.final_sale, OrderLine.delivered_at
        ).where(OrderLine.order == sample["id"])
        report.orders.append(
            (sample["number"], sample["email"], describe(sample["placed_at"], lines, clock.now()))
        )
    return report
