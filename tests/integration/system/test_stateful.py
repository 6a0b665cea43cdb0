"""A hypothesis state machine opens, approves, ships, scans, inspects, refunds, cancels,
rejects, closes and reassigns cases through the services in random orders, and after every
step checks the database against what must always hold: legal statuses only, capacity never
exceeded, stock never negative, refunded never more than paid, and exactly one timeline
event per accepted status change."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
from datetime import UTC, datetime

import msgspec
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from returns_service.clock import FrozenClock
from returns_service.db.engine import DB, close_pool, open_pool
from returns_service.db.tables import ALL_TABLES, CaseEvent, Label, ReturnCase, Variant
from returns_service.domain.access import Caller, Role
from returns_service.domain.cases import (
    TRANSITIONS,
    CaseStatus,
    Reason,
    RequestedItem,
    Resolution,
    ReturnRequest,
)
from returns_service.domain.catalog import ProductDocument
from returns_service.domain.errors import DomainError
from returns_service.domain.orders import OrderDocument
from returns_service.domain.policy import ReturnPolicy
from returns_service.domain.settlement import Condition, Disposition
from returns_service.services.cases import decisions, opening
from returns_service.services.fulfilment import exchanges, tracking, warehouse
from returns_service.services.fulfilment.schemas import InspectedItem, Inspection
from returns_service.services.money import refunds
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store.catalog import put_product
from returns_service.services.store.orders import upsert_order
from returns_service.services.store.policy import put_policy
from returns_service.services.store.schemas import NewAgent
from returns_service.services.store.staff import create_agent
from returns_service.services.store.stores import ensure_default_store
from tests.integration.helpers import WATCH_POLICY, order_doc, ring_product, watch_product

SECRET = "carrier-secret"
CUSTOMERS = 3


class Returns(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.loop = LOOP
        self.clock = FrozenClock(datetime(2026, 9, 1, 12, tzinfo=UTC))
        self.rt = Runtime(self.clock)
        self.run(self._seed())
        self.numbers: list[str] = []
        self.transitions = 0  # accepted status changes, creations included

    def run(self, coroutine):  # type: ignore[no-untyped-def]
        return self.loop.run_until_complete(coroutine)

    async def _seed(self) -> None:
        names = ", ".join(f'"{t._meta.tablename}"' for t in ALL_TABLES)
        await DB.run_ddl(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        store = await ensure_default_store("S", "UTC", self.clock)
        self.store = store.id
        admin = Caller(Role.ADMIN, store.id)
        await put_product(
            admin, "ring", msgspec.convert(ring_product(stock=3), ProductDocument), self.clock
        )
        await put_product(
            admin, "watch", msgspec.convert(watch_product(), ProductDocument), self.clock
        )
        policy = {**WATCH_POLICY, "advance_exchange": "on_first_scan"}
        await put_policy(admin, msgspec.convert(policy, ReturnPolicy), self.clock)
        self.customers = []
        for n in range(CUSTOMERS):
            order = await upsert_order(
                admin,
                msgspec.convert(order_doc(str(2000 + n), f"c{n}@example.com"), OrderDocument),
                self.clock,
            )
            rows = await DB.run_ddl(
                f'SELECT id, sku, "order", (SELECT customer FROM shop_order WHERE id = {order.id}) AS customer '
                f'FROM order_line WHERE "order" = {order.id} ORDER BY id'
            )
            caller = Caller(
                Role.CUSTOMER, store.id, customer_id=rows[0]["customer"], order_id=order.id
            )
            self.customers.append((caller, {r["sku"]: r["id"] for r in rows}))
        self.agents = []
        for name in ("Ana", "Bo"):
            created = await create_agent(
                admin, NewAgent(name=name, email=f"{name}@s.test", capacity=2), self.clock
            )
            self.agents.append(Caller(Role.AGENT, store.id, agent_id=created.id))
        self.lead = Caller(Role.LEAD, store.id)
        self.station = Caller(Role.WAREHOUSE, store.id)

    def attempt(self, coroutine) -> bool:  # type: ignore[no-untyped-def]
        """Run a use case; a refusal (a domain error) is a legal outcome that changes nothing."""
        try:
            self.run(coroutine)
            return True
        except DomainError:
            return False

    async def _status(self, number: str) -> CaseStatus:
        rows = await ReturnCase.select(ReturnCase.status).where(ReturnCase.number == number)
        return CaseStatus(rows[0]["status"])

    def status(self, number: str) -> CaseStatus:
        return self.run(self._status(number))

    def moved(self, number: str, before: CaseStatus) -> None:
        """Count the status changes a step made, from the statuses alone (never from the
        timeline, which is what is being checked)."""
        self.transitions += hops(before, self.status(number))

    @rule(
        who=st.integers(0, CUSTOMERS - 1),
        sku=st.sampled_from(["RING-8-BLK", "WATCH-41-BLK", "RING-9-BLK"]),
        quantity=st.integers(1, 2),
        exchange=st.booleans(),
    )
    def open_case(self, who: int, sku: str, quantity: int, exchange: bool) -> None:
        caller, lines = self.customers[who]
        item = RequestedItem(
            line_id=lines[sku],
            quantity=quantity,
            reason=Reason.TOO_SMALL,
            resolution=Resolution.EXCHANGE
            if exchange and sku == "RING-8-BLK"
            else Resolution.REFUND,
            exchange_sku="RING-9-BLK" if exchange and sku == "RING-8-BLK" else None,
        )
        try:
            number = self.run(opening.open_case(caller, ReturnRequest(items=[item]), self.rt))
        except DomainError:
            return
        self.numbers.append(number)
        self.transitions += 1 + hops(CaseStatus.REQUESTED, self.status(number))  # opened

    @precondition(lambda self: self.numbers)
    @rule(data=st.data())
    def decide(self, data: st.DataObject) -> None:
        number = data.draw(st.sampled_from(self.numbers))
        action = data.draw(st.sampled_from(["approve", "reject", "close", "refund", "ship"]))
        agent = self.lead if data.draw(st.booleans()) else data.draw(st.sampled_from(self.agents))
        before = self.status(number)
        use_case = {
            "approve": lambda: decisions.approve(agent, number, None, self.rt),
            "reject": lambda: decisions.reject(agent, number, "no", self.rt),
            "close": lambda: decisions.close(agent, number, self.rt),
            "refund": lambda: refunds.refund_case(agent, number, None, self.rt),
            "ship": lambda: exchanges.ship_now(agent, number, self.rt),
        }[action]
        self.attempt(use_case())
        self.moved(number, before)

    @precondition(lambda self: self.numbers)
    @rule(data=st.data())
    def customer_cancels(self, data: st.DataObject) -> None:
        number = data.draw(st.sampled_from(self.numbers))
        before = self.status(number)
        for caller, _ in self.customers:
            self.attempt(decisions.cancel(caller, number, self.rt))
        self.moved(number, before)

    @precondition(lambda self: self.numbers)
    @rule(data=st.data())
    def carrier_scan(self, data: st.DataObject) -> None:
        number = data.draw(st.sampled_from(self.numbers))
        labels = self.run(Label.select(Label.tracking_number).where(Label.case.number == number))
        if not labels:
            return
        before = self.status(number)
        body = json.dumps(
            {
                "event_id": f"e-{number}-{before}",
                "tracking_number": labels[0]["tracking_number"],
                "status": "in_transit",
                "occurred_at": "2026-09-02T10:00:00Z",
            }
        ).encode()
        signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
        self.attempt(
            tracking.handle_event(self.store, "concierge-post", body, signature, SECRET, self.rt)
        )
        self.moved(number, before)

    @precondition(lambda self: self.numbers)
    @rule(
        data=st.data(),
        condition=st.sampled_from(list(Condition)),
        disposition=st.sampled_from(list(Disposition)),
    )
    def warehouse_handles(
        self, data: st.DataObject, condition: Condition, disposition: Disposition
    ) -> None:
        number = data.draw(st.sampled_from(self.numbers))
        before = self.status(number)
        self.attempt(warehouse.scan(self.station, number, self.rt))
        self.moved(number, before)
        before = self.status(number)
        items = self.run(
            DB.run_ddl(
                f"SELECT line, quantity FROM case_item WHERE \"case\" = (SELECT id FROM return_case WHERE number = '{number}')"
            )
        )
        inspection = Inspection(
            items=[
                InspectedItem(
                    line_id=i["line"],
                    quantity=i["quantity"],
                    condition=condition,
                    disposition=disposition,
                )
                for i in items
            ]
        )
        self.attempt(warehouse.inspect(self.station, number, inspection, self.rt))
        self.moved(number, before)

    @precondition(lambda self: self.numbers)
    @rule(data=st.data())
    def lead_reassigns(self, data: st.DataObject) -> None:
        number = data.draw(st.sampled_from(self.numbers))
        agent = data.draw(st.sampled_from(self.agents))
        self.attempt(decisions.reassign(self.lead, number, agent.agent_id, "rebalance", self.rt))  # type: ignore[arg-type]

    @invariant()
    def the_database_is_consistent(self) -> None:
        self.run(self._check())

    async def _check(self) -> None:
        statuses = {r["status"] for r in await ReturnCase.select(ReturnCase.status)}
        assert statuses <= {s.value for s in CaseStatus}
        over = await DB.run_ddl(
            """
            SELECT a.id FROM agent a JOIN return_case c ON c.agent = a.id
             WHERE c.status IN ('requested','approved','in_transit','received','inspected')
             GROUP BY a.id, a.capacity HAVING count(*) > a.capacity
            """
        )
        assert over == [], "an agent above capacity"
        assert await Variant.count().where(Variant.stock < 0) == 0
        too_much = await DB.run_ddl(
            """
            SELECT l.id FROM order_line l JOIN payment p ON p.line = l.id
             WHERE p.kind IN ('refund', 'store_credit')
             GROUP BY l.id, l.quantity, l.unit_price_amount
            HAVING sum(p.amount) > l.quantity * l.unit_price_amount
            """
        )
        assert too_much == [], "refunded more than was paid"
        events = await CaseEvent.count().where(CaseEvent.kind == "status")
        assert events == self.transitions, (events, self.transitions)


def hops(start: CaseStatus, end: CaseStatus) -> int:
    """The number of legal moves from `start` to `end` (the services take the shortest way)."""
    frontier, seen, distance = [start], {start}, 0
    while frontier:
        if end in frontier:
            return distance
        frontier = [t for s in frontier for t in TRANSITIONS[s] if t not in seen]
        seen.update(frontier)
        distance += 1
    raise AssertionError(f"{end} cannot follow {start}")


LOOP: asyncio.AbstractEventLoop


def test_cases_stay_consistent_whatever_happens(schema: None) -> None:
    global LOOP
    LOOP = asyncio.new_event_loop()
    LOOP.run_until_complete(open_pool(1, 4))
    try:
        Returns.TestCase.settings = settings(
            max_examples=25,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        )
        Returns.TestCase().runTest()
    finally:
        names = ", ".join(f'"{t._meta.tablename}"' for t in ALL_TABLES)
        LOOP.run_until_complete(DB.run_ddl(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        LOOP.run_until_complete(close_pool())
        LOOP.close()
