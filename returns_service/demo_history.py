"""The demo store's past (issue 16): ~70 orders placed 60-180 days before today and the returns
customers made on them, so the policy simulator has the store's own history to replay.

Each return is opened through the portal's use case at the moment it happened (a clock frozen
then), days after delivery as real returns come; its parcel reaches the warehouse a few days
later and is graded there (like new, back on the shelf), which settles it as the store would:
a refund, store credit or the replacement shipped. So the insights have real outcomes and
money to show, and the agents' queues show only today's work (a return the warehouse cannot
take is closed by the lead instead). Returns are made only on orders delivered more than 92
days ago: the watches delivered 31-90 days ago stay untouched, the lines a 30 -> 90 days draft
for watches opens again (docs/simulator.md)."""

from __future__ import annotations

import contextlib
import dataclasses
import random
from datetime import datetime, timedelta

from returns_service.clock import Clock, FrozenClock
from returns_service.db.tables import Agent, ShopOrder, Station
from returns_service.demo import CUSTOMERS, DEMO_PREFIX, USD, catalogue
from returns_service.domain.access import Caller, Role
from returns_service.domain.cases import RequestedItem, Resolution, ReturnRequest
from returns_service.domain.errors import DomainError
from returns_service.domain.orders import (
    AddressDocument,
    CustomerDocument,
    OrderDocument,
    OrderLineDocument,
)
from returns_service.domain.settlement import Condition, Disposition
from returns_service.services.cases.decisions import close
from returns_service.services.cases.opening import open_case
from returns_service.services.fulfilment import warehouse
from returns_service.services.fulfilment.schemas import InspectedItem, Inspection
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store.eligibility import evaluate_order
from returns_service.services.store.portal import exchange_options

HISTORY_ORDERS = 70
FIRST_NUMBER = 1101
RETURNED_SHARE = 0.4  # of the orders old enough: a store with many returns makes a clear curve
UNTOUCHED_DAYS = 92


def history_orders(clock: Clock) -> list[OrderDocument]:
    """Orders placed from 180 to 60 days ago, delivered 2-5 days later; a watch in every
    third."""
    rng = random.Random(7)
    products = catalogue()
    others = [
        (key, v)
        for key, product in products.items()
        for v in product.variants
        if key not in ("gift-card", "watch-genesis") and v.stock > 0
    ]
    watches = products["watch-genesis"].variants
    now = clock.now().replace(microsecond=0)
    orders = []
    for i in range(HISTORY_ORDERS):
        number = str(FIRST_NUMBER + i)
        email, first, last, lang, country, city, postal = CUSTOMERS[(i * 5) % len(CUSTOMERS)]
        placed = now - timedelta(days=180 - 120 * i / HISTORY_ORDERS, hours=rng.randint(0, 20))
        delivered = placed + timedelta(days=rng.randint(2, 5), hours=rng.randint(1, 9))
        chosen = [("watch-genesis", watches[i % len(watches)])] if i % 3 == 0 else []
        chosen += rng.sample(others, 1 if chosen else rng.randint(1, 2))
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
                    line1=f"{rng.randint(1, 200)} Station Road",
                    city=city,
                    postal_code=postal,
                    country=country,
                    name=f"{first} {last}",
                ),
                lines=[
                    OrderLineDocument(
                        shop_line_id=str(n),
                        sku=variant.sku,
                        product_id=key,
                        quantity=1,
                        unit_price=variant.price,
                        delivered_at=delivered,
                    )
                    for n, (key, variant) in enumerate(chosen, start=1)
                ],
            )
        )
    return orders


async def make_history_returns(store_id: int, clock: Clock, rt: Runtime) -> int:
    """The returns on the history's older orders, each opened when it happened and closed by
    the lead the next day. Returns how many were made."""
    rng = random.Random(11)
    lead = (
        await Agent.select(Agent.id)
        .where((Agent.store == store_id) & (Agent.role == "lead"))
        .first()
    )
    assert lead is not None  # load_demo makes the agents first
    lead_caller = Caller(Role.LEAD, store_id, agent_id=lead["id"])
    station = await Station.select(Station.id).where(Station.store == store_id).first()
    assert station is not None  # and the station
    dock = Caller(Role.WAREHOUSE, store_id, station_id=station["id"])
    numbers = [str(FIRST_NUMBER + i) for i in range(HISTORY_ORDERS)]
    orders = await ShopOrder.select(ShopOrder.id, ShopOrder.number, ShopOrder.customer).where(
        (ShopOrder.store == store_id) & ShopOrder.number.is_in(numbers)
    )
    made = 0
    for order in sorted(orders, key=lambda o: o["number"]):
        if rng.random() >= RETURNED_SHARE:
            continue
        caller = Caller(
            Role.CUSTOMER, store_id, customer_id=order["customer"], order_id=order["id"]
        )
        evaluated = await evaluate_order(caller, order["id"], clock)
        line = evaluated.lines[0]
        delivered = line.view.delivered_at
        if delivered is None or (clock.now() - delivered).days <= UNTOUCHED_DAYS:
            continue
        # most returns come in the first two weeks, a few near the end of the window
        day = rng.choice([1, 2, 3, 3, 4, 5, 6, 7, 8, 10, 12, 14, 17, 21, 25, 28])
        then = _at(delivered + timedelta(days=day), rng)
        past = _frozen(rt, then)
        item = await _item(caller, line.view.id, line.view.sku, rng)
        number = await open_case(caller, ReturnRequest(items=[item]), past)
        arrived = then + timedelta(days=rng.randint(3, 7), hours=rng.randint(0, 6))
        try:
            await warehouse.scan(dock, number, _frozen(rt, arrived))
            graded = InspectedItem(
                line_id=item.line_id,
                quantity=1,
                condition=Condition.LIKE_NEW,
                disposition=Disposition.RESTOCK,
            )
            await warehouse.inspect(
                dock, number, Inspection(items=[graded]), _frozen(rt, arrived + timedelta(hours=3))
            )
        except DomainError:  # e.g. a case the rules sent to review: the lead closes it
            with contextlib.suppress(DomainError):  # a demo never stops on one odd return
                await close(lead_caller, number, _frozen(rt, then + timedelta(days=1)))
        made += 1
    return made


def _frozen(rt: Runtime, at: datetime) -> Runtime:
    return dataclasses.replace(rt, clock=FrozenClock(at))


def _at(day: datetime, rng: random.Random) -> datetime:
    return day.replace(hour=rng.randint(8, 20), minute=rng.randint(0, 59))


async def _item(caller: Caller, line_id: int, sku: str, rng: random.Random) -> RequestedItem:
    """A believable reason and resolution: rings swapped for another size when one is in
    stock, watches refunded or credited, the rest refunded."""
    if sku.startswith(("RING", "STACK")):
        options = [
            o for o in await exchange_options(caller, line_id) if o.suggested_for and o.in_stock
        ]
        if options:
            option = rng.choice(options)
            reason = "too_small" if "too_small" in option.suggested_for else "too_large"
            return RequestedItem(
                line_id=line_id,
                quantity=1,
                reason=reason,
                resolution=Resolution.EXCHANGE,
                exchange_sku=option.sku,
            )
    if sku.startswith("WATCH") and rng.random() < 0.4:
        return RequestedItem(
            line_id=line_id, quantity=1, reason="defective", resolution=Resolution.STORE_CREDIT
        )
    reason = rng.choice(["changed_mind", "changed_mind", "not_as_described", "arrived_late"])
    return RequestedItem(line_id=line_id, quantity=1, reason=reason, resolution=Resolution.REFUND)
