"""The price difference of an exchange (policy `exchange_price_difference: charge_or_refund`):
charged through the payment adapter when a dearer replacement ships, refunded when the return
of a cheaper one settles (the original inspected). One payment row per case item, keyed, so a
retry never charges or refunds twice."""

from __future__ import annotations

from typing import Literal

from returns_service.adapters.payments import MoneyRequest, PaymentResult
from returns_service.db.tables import Payment
from returns_service.domain.cases import Actor
from returns_service.domain.emails import EmailTemplate
from returns_service.domain.money import Money
from returns_service.services.cases import records, timeline
from returns_service.services.cases.records import LockedCase
from returns_service.services.money import queries
from returns_service.services.money.refunds import PaymentFailed, order_reference, record_payment
from returns_service.services.platform.runtime import Runtime


def _key(case: LockedCase, item_id: int) -> str:
    return f"difference:{case.store_id}:{item_id}"


async def charge(
    case: LockedCase, item_id: int, amount: Money, sku: str, rt: Runtime, actor: Actor
) -> bool:
    """Charge what a dearer replacement costs more, once. False when the provider refused
    (nothing recorded: the replacement waits and the agent is told)."""
    key = _key(case, item_id)
    if await Payment.exists().where(Payment.idempotency_key == key):
        return True
    result = await rt.payments.charge(
        MoneyRequest(amount, key, await order_reference(case), f"price difference for {sku}")
    )
    if result.status == "failed":
        return False
    await _moved(case, "charge", amount, result, key, rt, actor)
    return True


async def refund_due(case: LockedCase, rt: Runtime, actor: Actor) -> int:
    """Refund the difference of cheaper replacements that shipped, once each."""
    refunded = 0
    for item in await queries.differences_to_refund(case.id):
        amount = Money(-item.price_difference, item.currency)
        key = _key(case, item.id)
        result = await rt.payments.refund(
            MoneyRequest(
                amount, key, await order_reference(case), f"price difference {case.number}"
            )
        )
        if result.status == "failed":  # nothing moved: the agent retries the inspection's money
            raise PaymentFailed(f"{result.provider} refused the refund of the price difference")
        await _moved(case, "refund", amount, result, key, rt, actor)
        refunded += amount.amount
    return refunded


# what moved: (payment kind, timeline kind, the customer's email)
_MOVED = {
    "charge": (
        "difference_charge",
        "price_difference_charged",
        EmailTemplate.PRICE_DIFFERENCE_CHARGED,
    ),
    "refund": (
        "difference_refund",
        "price_difference_refunded",
        EmailTemplate.PRICE_DIFFERENCE_REFUNDED,
    ),
}


async def _moved(
    case: LockedCase,
    direction: Literal["charge", "refund"],
    amount: Money,
    result: PaymentResult,
    key: str,
    rt: Runtime,
    actor: Actor,
) -> None:
    """What a difference that moved leaves behind, in the case's transaction: the payment row,
    one timeline event, and the customer's email through the outbox."""
    payment_kind, event_kind, template = _MOVED[direction]
    await record_payment(case, payment_kind, amount.amount, amount.currency, result, key, rt)
    await timeline.record(
        store_id=case.store_id,
        case_id=case.id,
        actor=actor,
        kind=event_kind,
        params={"amount": {"amount": amount.amount, "currency": amount.currency}},
        detail=f"via {result.provider} ({result.status})",
        at=rt.clock.now(),
    )
    await records.email_customer(case, template, rt, detail=amount, amounts=((direction, amount),))
