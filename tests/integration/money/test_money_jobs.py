"""Money leaves after the commit: the case's change (a pending payment, its timeline event,
the job) commits first, the payment adapter is called by the job outside any transaction,
a timeout is retried under the same idempotency key (one refund at the provider), and a
refusal flags the case for the concierge and leaves the line payable again."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from returns_service.adapters.payments import MoneyRequest, PaymentResult
from returns_service.clock import FrozenClock
from returns_service.db.engine import DB
from returns_service.db.tables import CaseEvent, CaseItem, OutboxMessage, Payment, ReturnCase
from returns_service.domain.access import Caller, Role
from returns_service.services.money import refunds
from returns_service.services.platform import jobs
from returns_service.services.platform.outbox import LOCK_SECONDS
from returns_service.services.platform.runtime import Runtime
from tests.integration.helpers import (
    Client,
    add_agent,
    line_ids,
    open_return,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)


@dataclasses.dataclass
class FlakyProvider:
    """A provider with idempotency keys (like Stripe's): the first call is made and then
    times out before its answer arrives; a retry with the same key gets the same refund."""

    name: str = "stripe"
    refuse: bool = False
    calls: list[str] = dataclasses.field(default_factory=list)
    refunds: dict[str, int] = dataclasses.field(default_factory=dict)
    in_transaction: list[bool] = dataclasses.field(default_factory=list)

    async def refund(self, request: MoneyRequest) -> PaymentResult:
        self.calls.append(request.idempotency_key)
        self.in_transaction.append(DB.current_transaction.get() is not None)
        if self.refuse:
            return PaymentResult(self.name, "card_declined", "failed")
        first = request.idempotency_key not in self.refunds
        self.refunds.setdefault(request.idempotency_key, request.amount.amount)
        if first:
            raise TimeoutError("the provider did not answer in time")
        return PaymentResult(self.name, f"re_{len(self.refunds)}", "succeeded")

    async def charge(self, request: MoneyRequest) -> PaymentResult:
        raise AssertionError("nothing is charged here")


@pytest.fixture
async def case_number(client: Client, clock: FrozenClock) -> str:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    await add_agent(client, admin, "Ioana")
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    case = await open_return(client, customer, refund_item(lines["WATCH-41-BLK"]))
    assert case["status"] == "approved"
    return str(case["number"])


def store_of(client: Client) -> int:
    return int(client.app.state.store.id)  # type: ignore[attr-defined]


async def test_a_refund_that_times_out_commits_then_is_retried_once_at_the_provider(
    client: Client, clock: FrozenClock, case_number: str
) -> None:
    provider = FlakyProvider()
    rt = Runtime(clock=clock, payments=provider)
    settled = await refunds.refund_case(Caller.system(store_of(client)), case_number, None, rt)
    assert settled.refunded == 39500

    # the change committed although the provider timed out: the payment waits, recorded
    rows = await Payment.select(Payment.status, Payment.amount, Payment.provider)
    assert rows == [{"status": "pending", "amount": 39500, "provider": "stripe"}]
    kinds = [e["kind"] for e in await CaseEvent.select(CaseEvent.kind)]
    assert kinds.count("refund") == 1
    assert await CaseItem.count().where(CaseItem.settled == True) == 1  # noqa: E712
    job = await OutboxMessage.select().where(OutboxMessage.topic == "money.refund").first()
    assert job is not None and job["attempts"] == 1 and "TimeoutError" in job["last_error"]

    clock.advance(seconds=60)
    assert await jobs.run_due(rt) == jobs.JobReport(1, 0)
    assert await jobs.run_due(rt) == jobs.JobReport(0, 0)
    rows = await Payment.select(Payment.status, Payment.provider_reference)
    assert rows == [{"status": "succeeded", "provider_reference": "re_1"}]
    # two calls, one key, one refund at the provider; none made inside a transaction
    assert len(provider.calls) == 2 and len(set(provider.calls)) == 1
    assert provider.refunds == {provider.calls[0]: 39500}
    assert provider.in_transaction == [False, False]


async def test_a_refused_refund_flags_the_case_and_the_line_can_be_refunded_again(
    client: Client, clock: FrozenClock, case_number: str
) -> None:
    provider = FlakyProvider(refuse=True)
    rt = Runtime(clock=clock, payments=provider)
    caller = Caller.system(store_of(client))
    await refunds.refund_case(caller, case_number, None, rt)

    rows = await Payment.select(Payment.status, Payment.provider_reference)
    assert rows == [{"status": "failed", "provider_reference": "card_declined"}]
    case = await ReturnCase.select(ReturnCase.attention, ReturnCase.status).first()
    assert case == {"attention": "payment_failed", "status": "approved"}
    events = await CaseEvent.select(CaseEvent.kind, CaseEvent.customer_visible)
    assert {"kind": "payment_failed", "customer_visible": False} in events
    assert await CaseItem.count().where(CaseItem.settled == False) == 1  # noqa: E712

    # the concierge refunds again: a new key (the refused one is spent), and it goes through
    provider.refuse = False
    await refunds.refund_case(caller, case_number, None, rt)
    clock.advance(seconds=60)
    await jobs.run_due(rt)
    rows = await Payment.select(Payment.status, Payment.idempotency_key).order_by(Payment.id)
    assert [r["status"] for r in rows] == ["failed", "succeeded"]
    assert rows[1]["idempotency_key"] == rows[0]["idempotency_key"] + ":again1"
    assert len(provider.refunds) == 1


@dataclasses.dataclass
class DyingProvider(FlakyProvider):
    """The provider makes the refund, then the worker process dies before the answer is
    written back (the call is cancelled: no exception handler of the job runs)."""

    deaths: int = 1

    async def refund(self, request: MoneyRequest) -> PaymentResult:
        self.calls.append(request.idempotency_key)
        self.refunds.setdefault(request.idempotency_key, request.amount.amount)
        if self.deaths:
            self.deaths -= 1
            raise asyncio.CancelledError("the worker was killed")
        return PaymentResult(self.name, "re_1", "succeeded")


async def test_a_worker_killed_mid_refund_leaves_the_job_to_the_next_and_refunds_once(
    client: Client, clock: FrozenClock, case_number: str
) -> None:
    provider = DyingProvider()
    rt = Runtime(clock=clock, payments=provider)
    with pytest.raises(asyncio.CancelledError):
        await refunds.refund_case(Caller.system(store_of(client)), case_number, None, rt)
    # the case's change committed before the call; the job is still claimed by the dead run
    assert await Payment.select(Payment.status) == [{"status": "pending"}]
    assert await jobs.run_due(rt) == jobs.JobReport(0, 0)
    clock.advance(seconds=LOCK_SECONDS + 1)  # its claim runs out: another worker takes it
    assert await jobs.run_due(rt) == jobs.JobReport(1, 0)
    assert await Payment.select(Payment.status) == [{"status": "succeeded"}]
    assert len(provider.calls) == 2 and len(provider.refunds) == 1
