"""The price difference of an exchange (policy `exchange_price_difference: charge_or_refund`):
charged through the payment adapter (by a job after commit, services/money/calls.py) when a
dearer replacement ships, refunded when the return of a cheaper one settles (the original
inspected). One payment row per case item, keyed, so a
retry never charges or refunds twice."""

from __future__ import annotations

from typing import Literal

from returns_service.db.tables import Payment
from returns_service.domain.cases import Actor
from returns_service.domain.emails import EmailTemplate
from returns_service.domain.money import Money
from returns_service.services.cases import records, timeline
from returns_service.services.cases.records import LockedCase
from returns_service.services.money import calls, queries
from returns_service.services.platform.runtime import Runtime


def _key(case: LockedCase, item_id: int) -> str:
    return f"difference:{case.store_id}:{item_id}"


async def charge(
    case: LockedCase, item_id: int, amount: Money, sku: str, rt: Runtime, actor: Actor
) -> bool:
    """Charge what a dearer replacement costs more, once: recorded now, charged by the job
    after commit (services/money/calls.py); a refusal flags the case for the concierge.
    Always True: the replacement no longer waits for the provider's answer."""
    key = _key(case, item_id)
    if await Payment.exists().where(Payment.idempotency_key == key):
        return True
    await calls.queue(
        case, "difference_charge", amount, key, rt, description=f"price difference for {sku}"
    )
    await _moved(case, "charge", amount, calls.provider_for("difference_charge", rt), rt, actor)
    return True


async def refund_due(case: LockedCase, rt: Runtime, actor: Actor) -> int:
    """Refund the difference of cheaper replacements that shipped, once each."""
    refunded = 0
    for item in await queries.differences_to_refund(case.id):
        amount = Money(-item.price_difference, item.currency)
        await calls.queue(
            case,
            "difference_refund",
            amount,
            _key(case, item.id),
            rt,
            description=f"price difference {case.number}",
        )
        await _moved(case, "refund", amount, calls.provider_for("difference_refund", rt), rt, actor)
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
    provider: str,
    rt: Runtime,
    actor: Actor,
) -> None:
    """What a difference that moves leaves behind, in the case's transaction (beside its
    pending payment): one timeline event, and the customer's email through the outbox."""
    _, event_kind, template = _MOVED[direction]
    await timeline.record(
        store_id=case.store_id,
        case_id=case.id,
        actor=actor,
        kind=event_kind,
        params={"amount": {"amount": amount.amount, "currency": amount.currency}},
        detail=f"via {provider}",
        at=rt.clock.now(),
    )
    await records.email_customer(case, template, rt, detail=amount, amounts=((direction, amount),))
