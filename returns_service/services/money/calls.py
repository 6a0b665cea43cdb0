"""Money that leaves the service: refunds, store credit and charges are recorded in the
case's transaction (a `pending` payment row, its timeline event, and a job `money.refund`,
`money.credit` or `money.charge` carrying the payment's idempotency key) and moved by the job
after commit, through the shop (RETURNS_SHOP=shopify: refunds and credit) or the payment
adapter (manual, Stripe; charges always). No provider is ever called while a database
transaction or row lock is held.

The job writes the outcome back in a transaction of its own: `succeeded` or `to_do_in_shop`
settle the payment; `failed` (the provider refused: nothing moved) marks it failed, unsettles
the line so it can be paid again under a fresh key, and flags the case for the concierge. A
retry after a timeout sends the same idempotency key, so the customer is never paid twice.

A job that gives up after only timeouts, 5xx or connection errors does not know whether the
provider moved the money (the answer was lost, not necessarily the refund): the payment is
`unknown`, the case is flagged `payment_unknown`, and the next refund or credit of that line
for the same amount resumes it (`resume_unknown`: the same row and idempotency key go back to
`pending`, so a provider that did refund returns that refund instead of making a second),
as a label purchase that gave up on timeouts is resumed (services/fulfilment/purchases.py).
"""

from __future__ import annotations

import logging

from returns_service.adapters.payments import MoneyRequest, PaymentResult
from returns_service.adapters.shop import CreditRequest, RefundRequest, ShopError, ShopLine
from returns_service.db.engine import DB
from returns_service.domain.access import Caller
from returns_service.domain.cases import SYSTEM
from returns_service.domain.emails import EmailTemplate, Message
from returns_service.domain.errors import Conflict
from returns_service.domain.money import Money
from returns_service.services.cases import timeline
from returns_service.services.cases.records import LockedCase, email_customer, lock_case
from returns_service.services.money import queries
from returns_service.services.platform import jobs
from returns_service.services.platform.runtime import Runtime

log = logging.getLogger(__name__)

TOPICS = {"refund": "money.refund", "store_credit": "money.credit", "charge": "money.charge"}
# how a give-up that knows nothing moved starts (a refusal, or a call never made); any other
# give-up ran out of attempts on timeouts and 5xx: its outcome at the provider is unknown
REFUSED = "refused: "


class PaymentUnknown(Conflict):
    code = "payment-unknown"
    title = "An earlier payment's outcome is unknown"


def _refused(why: str) -> jobs.GiveUp:
    return jobs.GiveUp(REFUSED + why)


def _topic(kind: str) -> str:
    if kind in ("store_credit",):
        return TOPICS["store_credit"]
    if kind in ("charge", "difference_charge"):
        return TOPICS["charge"]
    return TOPICS["refund"]  # refund, difference_refund, charge_reversal


def provider_for(kind: str, rt: Runtime) -> str:
    """Who moves this payment: the shop for refunds and credit when it moves money (its
    refund goes to the order's original payment), else the payment adapter."""
    if rt.shop.moves_money and kind in ("refund", "store_credit", "difference_refund"):
        return rt.shop.name
    return rt.payments.name


async def fresh_key(key: str) -> str:
    """`key`, or a new one when an earlier payment under it failed (that key is spent at
    the provider: reusing it would replay the refusal)."""
    earlier = await queries.keys_like(key)
    return key if earlier == 0 else f"{key}:again{earlier}"


async def queue(
    case: LockedCase,
    kind: str,
    amount: Money,
    key: str,
    rt: Runtime,
    *,
    description: str,
    line_id: int | None = None,
    shipment_id: int | None = None,
    charge_payment_id: int | None = None,
) -> int:
    """Record a payment as pending and queue the job that moves it (inside the case's
    transaction). Returns the payment's id."""
    payment_id = await queries.insert_pending_payment(
        store_id=case.store_id,
        case_id=case.id,
        line_id=line_id,
        shipment_id=shipment_id,
        kind=kind,
        amount=amount.amount,
        currency=amount.currency,
        provider=provider_for(kind, rt),
        key=key,
        at=rt.clock.now(),
    )
    payload: dict[str, object] = {"payment_id": payment_id, "description": description}
    if charge_payment_id is not None:
        payload["charge_payment_id"] = charge_payment_id
    await jobs.enqueue(
        store_id=case.store_id,
        case_id=case.id,
        topic=_topic(kind),
        payload=payload,
        clock=rt.clock,
    )
    return payment_id


async def resume_unknown(
    case: LockedCase, kind: str, amount: Money, rt: Runtime, *, line_id: int | None
) -> bool:
    """Before paying a line again: a payment of it whose outcome is unknown is resumed (True)
    instead of a new one made under a fresh key, which the provider would honour as a second
    refund if the first went through. Only the same kind and amount can be resumed (the
    provider refuses a key reused for other parameters): anything else is refused until a
    person settles the unknown one."""
    unknown = await queries.unknown_payment(case.id, line_id)
    if unknown is None:
        return False
    if (unknown.kind, unknown.amount, unknown.currency) != (kind, amount.amount, amount.currency):
        raise PaymentUnknown(
            f"a {unknown.kind} of {unknown.amount} {unknown.currency} for this line may have "
            "gone through at the provider: pay that amount again to resume it (the provider "
            "returns the first one if it was made), or settle it at the provider first"
        )
    await queries.resume_payment(unknown.id)
    await jobs.enqueue(
        store_id=case.store_id,
        case_id=case.id,
        topic=_topic(kind),
        payload={"payment_id": unknown.id, "description": f"return {case.number}"},
        clock=rt.clock,
    )
    return True


async def _source(job: jobs.Job, payment: queries.PaymentRow) -> str:
    """What the payment provider knows the order by; for a charge's reversal, the charge
    itself (e.g. its Stripe PaymentIntent) once it went through."""
    charge_id = job.payload.get("charge_payment_id")
    _, reference = await queries.order_refs(payment.case_id)
    if charge_id is None:
        return reference
    charge = await queries.payment(int(charge_id))
    if charge is None or charge.status == "failed":
        raise _refused("the charge it reverses never went through")
    if charge.status == "unknown":  # nothing to reverse by its id; a person checks it
        raise _refused("the charge it reverses has an unknown outcome at the provider")
    if charge.status == "pending":
        raise jobs.RetryLater("the charge it reverses is still being made", 30)
    charged = charge.provider_reference
    return charged if charged and not charged.startswith("manual:") else reference


async def _through_shop(payment: queries.PaymentRow, job: jobs.Job, rt: Runtime) -> str:
    shop_order_id, _ = await queries.order_refs(payment.case_id)
    amount = Money(payment.amount, payment.currency)
    try:
        if payment.kind == "store_credit":
            return await rt.shop.credit(
                CreditRequest(
                    payment.case_number,
                    shop_order_id,
                    await queries.customer_email(payment.case_id),
                    amount,
                    payment.idempotency_key,
                ),
                job.progress,
            )
        lines: tuple[ShopLine, ...] = ()
        if payment.line_id is not None:
            shop_line_id, quantity = await queries.shop_line(payment.case_id, payment.line_id)
            lines = (ShopLine(shop_line_id, quantity),)
        return await rt.shop.refund(
            RefundRequest(
                payment.case_number,
                shop_order_id,
                lines,
                amount,
                payment.idempotency_key,
                note=str(job.payload.get("description", "")),
            )
        )
    except ShopError as error:
        if error.retryable:
            raise jobs.RetryLater(error.message, error.retry_after or 30) from error
        raise _refused(f"{rt.shop.name}: {error.message}") from error


async def _move(job: jobs.Job, rt: Runtime) -> None:
    payment = await queries.payment(int(job.payload["payment_id"]))
    if payment is None or payment.status != "pending":
        return  # an earlier attempt wrote its outcome
    if payment.provider == rt.shop.name and rt.shop.moves_money:
        reference = await _through_shop(payment, job, rt)
        result = PaymentResult(rt.shop.name, reference, "succeeded")
    else:
        request = MoneyRequest(
            Money(payment.amount, payment.currency),
            payment.idempotency_key,
            await _source(job, payment),
            str(job.payload.get("description", "")),
        )
        if job.topic == TOPICS["charge"]:
            result = await rt.payments.charge(request)
        else:
            result = await rt.payments.refund(request)
    await write_back(payment, result, rt)


async def write_back(payment: queries.PaymentRow, result: PaymentResult, rt: Runtime) -> None:
    """The provider's answer, on the case, in one transaction (once: a retry finds it)."""
    async with DB.transaction():
        case = await lock_case(Caller.system(payment.store_id), payment.case_number)
        if not await queries.finish_payment(
            payment.id, result.provider, result.reference, result.status
        ):
            return
        amount = Money(payment.amount, payment.currency)
        if result.status == "failed":
            await _failed(case, payment, f"{result.provider} refused ({result.reference})", rt)
            return
        if result.status == "unknown":
            await _failed(case, payment, result.reference, rt, unknown=True)
            return
        if payment.kind == "store_credit":
            await timeline.record(
                store_id=case.store_id,
                case_id=case.id,
                actor=SYSTEM,
                kind="shop_store_credit",  # on the customer's account: no code to type
                params={"amount": amount},
                detail=f"via {result.provider}",
                at=rt.clock.now(),
            )
            await email_customer(
                case,
                EmailTemplate.STORE_CREDIT_ISSUED,
                rt,
                amounts=(("store_credit", amount),),
                detail=Message("email.credit_detail", {"amount": amount, "code": ""}),
            )
        elif result.provider == rt.shop.name:
            await timeline.record(
                store_id=case.store_id,
                case_id=case.id,
                actor=SYSTEM,
                kind="shop_refunded",
                params={"amount": amount, "shop": rt.shop.name},
                detail=result.reference,
                customer_visible=False,
                at=rt.clock.now(),
            )


async def _failed(
    case: LockedCase, payment: queries.PaymentRow, why: str, rt: Runtime, *, unknown: bool = False
) -> None:
    """Nothing moved (or, `unknown`, nobody knows): the line may be paid again (an unknown
    payment is then resumed, `resume_unknown`), and the concierge is told."""
    if payment.line_id is not None:
        await queries.unsettle_line(case.id, payment.line_id)
    kind = "payment_unknown" if unknown else "payment_failed"
    await queries.flag_case(case.id, kind)
    await timeline.record(
        store_id=case.store_id,
        case_id=case.id,
        actor=SYSTEM,
        kind=kind,
        params={"amount": Money(payment.amount, payment.currency), "payment": payment.kind},
        detail=why,
        customer_visible=False,
        at=rt.clock.now(),
    )


async def _gave_up(job: jobs.Job, rt: Runtime, error: str) -> None:
    payment = await queries.payment(int(job.payload["payment_id"]))
    if payment is None or payment.status != "pending":
        return
    status = "failed" if error.startswith(REFUSED) else "unknown"
    await write_back(payment, PaymentResult(payment.provider, error[:200], status), rt)


for _topic_name in TOPICS.values():
    jobs.handles(_topic_name, max_attempts=12, on_give_up=_gave_up)(_move)
