"""A refund job that only ever timed out does not know whether the provider refunded: when it
gives up, the payment is `unknown` (not failed) and the case is flagged; the concierge's next
refund of that line resumes it under the same idempotency key, so a provider that did refund
returns that refund instead of making a second. A refund refused for a known reason (a
declined card) moved nothing: the next one goes under a fresh key."""

from __future__ import annotations

import dataclasses

import pytest

from returns_service.adapters.payments import MoneyRequest, PaymentResult
from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseEvent, CaseItem, OutboxMessage, Payment, ReturnCase
from returns_service.domain.access import Caller, Role
from returns_service.services.money import calls, refunds
from returns_service.services.platform import jobs
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
class SilentProvider:
    """A stand-in for a provider with idempotency keys (Stripe's `Idempotency-Key`: a request
    repeated with the same key returns the first one's result, https://docs.stripe.com/api/
    idempotent_requests). While `silent`, every call is made at the provider and its answer
    is lost (a timeout); `declines` answers with a refusal and makes nothing."""

    name: str = "stripe"
    silent: bool = True
    declines: bool = False
    calls: list[str] = dataclasses.field(default_factory=list)
    refunds: dict[str, int] = dataclasses.field(default_factory=dict)

    async def refund(self, request: MoneyRequest) -> PaymentResult:
        self.calls.append(request.idempotency_key)
        if self.declines:
            return PaymentResult(self.name, "card_declined", "failed")
        self.refunds.setdefault(request.idempotency_key, request.amount.amount)
        if self.silent:
            raise TimeoutError("the provider did not answer in time")
        number = list(self.refunds).index(request.idempotency_key) + 1
        return PaymentResult(self.name, f"re_{number}", "succeeded")

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
    return str(case["number"])


def caller_of(client: Client) -> Caller:
    return Caller.system(int(client.app.state.store.id))  # type: ignore[attr-defined]


async def run_until_given_up(rt: Runtime, clock: FrozenClock) -> None:
    """Drive the worker through every retry of the money job (the backoff caps at an hour)."""
    for _ in range(20):
        clock.advance(seconds=3601)
        await jobs.run_due(rt)
        job = await OutboxMessage.select().where(OutboxMessage.topic == "money.refund").first()
        if job is not None and job["failed_at"] is not None:
            return
    raise AssertionError("the money job never gave up")


async def test_a_refund_that_only_timed_out_is_unknown_and_the_next_one_resumes_it(
    client: Client, clock: FrozenClock, case_number: str
) -> None:
    provider = SilentProvider()
    rt = Runtime(clock=clock, payments=provider)
    caller = caller_of(client)
    await refunds.refund_case(caller, case_number, None, rt)
    await run_until_given_up(rt, clock)

    # the provider refunded on the first call; we never heard it: not failed, unknown
    assert len(provider.refunds) == 1 and len(set(provider.calls)) == 1
    assert await Payment.select(Payment.status) == [{"status": "unknown"}]
    case = await ReturnCase.select(ReturnCase.attention).first()
    assert case == {"attention": "payment_unknown"}
    events = await CaseEvent.select(CaseEvent.kind, CaseEvent.customer_visible)
    assert {"kind": "payment_unknown", "customer_visible": False} in events
    assert {"kind": "payment_failed", "customer_visible": False} not in events
    assert await CaseItem.count().where(CaseItem.settled == False) == 1  # noqa: E712

    # the provider answers again; the concierge refunds by hand: the same payment and key
    provider.silent = False
    settled = await refunds.refund_case(caller, case_number, None, rt)
    assert settled.refunded == 39500
    rows = await Payment.select(Payment.status, Payment.idempotency_key, Payment.amount)
    assert rows == [{"status": "succeeded", "idempotency_key": provider.calls[0], "amount": 39500}]
    assert set(provider.calls) == {provider.calls[0]}
    assert provider.refunds == {provider.calls[0]: 39500}  # one refund at the provider
    assert await CaseItem.count().where(CaseItem.settled == True) == 1  # noqa: E712


async def test_a_declined_refund_is_failed_and_the_next_one_uses_a_fresh_key(
    client: Client, clock: FrozenClock, case_number: str
) -> None:
    provider = SilentProvider(silent=False, declines=True)
    rt = Runtime(clock=clock, payments=provider)
    caller = caller_of(client)
    await refunds.refund_case(caller, case_number, None, rt)
    assert await Payment.select(Payment.status) == [{"status": "failed"}]
    assert (await ReturnCase.select(ReturnCase.attention).first()) == {
        "attention": "payment_failed"
    }

    provider.declines = False
    await refunds.refund_case(caller, case_number, None, rt)
    rows = await Payment.select(Payment.status, Payment.idempotency_key).order_by(Payment.id)
    assert [r["status"] for r in rows] == ["failed", "succeeded"]
    assert rows[1]["idempotency_key"] == rows[0]["idempotency_key"] + ":again1"
    assert provider.refunds == {rows[1]["idempotency_key"]: 39500}  # one refund


async def test_another_amount_is_refused_while_a_payment_of_the_line_is_unknown(
    client: Client, clock: FrozenClock, case_number: str
) -> None:
    provider = SilentProvider()
    rt = Runtime(clock=clock, payments=provider)
    caller = caller_of(client)
    await refunds.refund_case(caller, case_number, None, rt)
    await run_until_given_up(rt, clock)
    provider.silent = False

    with pytest.raises(calls.PaymentUnknown):
        await refunds.refund_case(caller, case_number, 10000, rt)
    # nothing changed: still one unknown payment, nothing new at the provider
    assert await Payment.select(Payment.status, Payment.amount) == [
        {"status": "unknown", "amount": 39500}
    ]
    assert len(provider.refunds) == 1 and len(provider.calls) == 12
