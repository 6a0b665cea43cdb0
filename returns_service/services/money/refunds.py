"""Money back to the customer (refunds, store credit) and charges for replacements whose
originals never came back. Every movement is a payment row with a unique idempotency key,
written in the case's transaction under row locks on the order lines, so the sum refunded
for a line can never pass what was paid, even when fifty requests arrive at once."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from returns_service.adapters.payments import PaymentResult
from returns_service.db import locks
from returns_service.db.engine import DB
from returns_service.db.tables import (
    CaseItem,
    Payment,
    ReturnCase,
    Shipment,
    ShopOrder,
    StoreCredit,
    StoreCreditMovement,
)
from returns_service.domain.access import Caller
from returns_service.domain.cases import Actor, CaseStatus
from returns_service.domain.emails import EmailTemplate, Message
from returns_service.domain.errors import Conflict
from returns_service.domain.money import Money
from returns_service.domain.settlement import LineBalance, allocate_refund
from returns_service.services.cases import timeline
from returns_service.services.cases.records import LockedCase, actor_for, email_customer, lock_case
from returns_service.services.money import calls, queries
from returns_service.services.money.settlement import resolve_if_settled
from returns_service.services.platform import jobs
from returns_service.services.platform.runtime import Runtime

MONEY_STATUSES = frozenset(
    {CaseStatus.APPROVED, CaseStatus.IN_TRANSIT, CaseStatus.RECEIVED, CaseStatus.INSPECTED}
)


class PaymentFailed(Conflict):
    code = "payment-failed"
    title = "The payment provider refused"


class NothingToRefund(Conflict):
    code = "nothing-to-refund"
    title = "Nothing is left to refund"


@dataclass(frozen=True, slots=True)
class Settled:
    refunded: int
    credited: int
    currency: str


async def order_reference(case: LockedCase) -> str:
    rows = await ShopOrder.select(ShopOrder.payment_reference, ShopOrder.shop_order_id).where(
        ShopOrder.id == case.order_id
    )
    return rows[0]["payment_reference"] or rows[0]["shop_order_id"]


async def _balances(items: list[dict[str, Any]]) -> list[LineBalance]:
    line_ids = sorted({int(i["line"]) for i in items})
    by_line = {line.id: line for line in await locks.lock_lines(line_ids)}
    refunded = await queries.refunded_per_line(line_ids)
    return [
        LineBalance(
            line_id=int(i["line"]),
            # what the item gets back: paid, less the fees the policy's rules took from it
            paid=int(i["unit_price_amount"]) * int(i["quantity"]) - fee_total(i["fees"]),
            refunded=refunded.get(i["line"], 0),
            line_paid_total=by_line[i["line"]].quantity * by_line[i["line"]].unit_price_amount,
        )
        for i in items
    ]


def fee_total(fees: str | list[dict[str, Any]] | None) -> int:
    """The fees of a case item (its `fees` column, [{kind, amount}])."""
    rows = json.loads(fees) if isinstance(fees, str) else fees or []
    return sum(int(fee["amount"]) for fee in rows)


@dataclass(frozen=True, slots=True)
class MoneyPlan:
    """What settling a case's money items pays back, line by line, before anything moves."""

    items: list[dict[str, Any]]
    balances: list[LineBalance]
    parts: list[tuple[int, int]]  # (line id, amount)
    currency: str


async def plan_money_items(
    case: LockedCase, *, amount: int | None = None, only_items: list[int] | None = None
) -> MoneyPlan:
    """The refund (or credit) of the case's unsettled refund and store-credit items, worked
    out under the order lines' locks: what `settle_money_items` pays, and what the warehouse
    preview shows before an inspection is recorded."""
    items = (
        await CaseItem.select(
            CaseItem.id,
            CaseItem.line,
            CaseItem.quantity,
            CaseItem.resolution,
            CaseItem.unit_price_amount,
            CaseItem.currency,
            CaseItem.fees,
            CaseItem.bonus_amount,
        )
        .where(
            (CaseItem.case == case.id)
            & CaseItem.resolution.is_in(["refund", "store_credit"])
            & (CaseItem.settled == False)  # noqa: E712
        )
        .order_by(CaseItem.id)
    )
    if only_items is not None:
        items = [i for i in items if i["id"] in only_items]
    if not items:
        raise NothingToRefund(f"{case.number} has nothing left to refund")
    balances = await _balances(items)
    parts = allocate_refund(amount, balances)
    return MoneyPlan(items, balances, parts, items[0]["currency"])


async def settle_money_items(
    case: LockedCase,
    rt: Runtime,
    actor: Actor,
    *,
    amount: int | None = None,
    only_items: list[int] | None = None,
) -> Settled:
    """Refund (or credit) the case's unsettled refund and store-credit items. `amount`, when
    given, is what goes back in total instead of everything that was paid for them."""
    plan = await plan_money_items(case, amount=amount, only_items=only_items)
    items, balances, parts, currency = plan.items, plan.balances, plan.parts, plan.currency
    resolution_by_line = {i["line"]: i["resolution"] for i in items}
    refunded = credited = 0
    for line_id, part in parts:
        kind = "store_credit" if resolution_by_line[line_id] == "store_credit" else "refund"
        if await calls.resume_unknown(case, kind, Money(part, currency), rt, line_id=line_id):
            if kind == "refund":
                refunded += part
            else:
                credited += part
            continue
        done = next(b.refunded for b in balances if b.line_id == line_id)
        key = await calls.fresh_key(f"refund:{case.store_id}:{case.id}:{line_id}:{done}")
        if resolution_by_line[line_id] == "store_credit":
            if rt.shop.moves_money:  # the shop's own store credit, after commit
                await calls.queue(
                    case,
                    "store_credit",
                    Money(part, currency),
                    key,
                    rt,
                    description=f"return {case.number}",
                    line_id=line_id,
                )
            else:  # our own ledger: nothing leaves the service
                await _credit(case, Money(part, currency), rt, key, line_id)
            credited += part
            continue
        # recorded now, moved by the job after commit (services/money/calls.py)
        await calls.queue(
            case,
            "refund",
            Money(part, currency),
            key,
            rt,
            description=f"return {case.number}",
            line_id=line_id,
        )
        refunded += part
    await CaseItem.update({CaseItem.settled: True}).where(
        CaseItem.id.is_in([int(i["id"]) for i in items])
    )
    for i in items:  # bonus credit for choosing credit: once, as the item settles
        if i["resolution"] == "store_credit" and i["bonus_amount"]:
            bonus = Money(int(i["bonus_amount"]), currency)
            await credit_bonus(case, int(i["id"]), bonus, rt)
            credited += bonus.amount
    if refunded:
        await timeline.record(
            store_id=case.store_id,
            case_id=case.id,
            actor=actor,
            kind="refund",
            params={"amount": {"amount": refunded, "currency": currency}},
            detail=f"via {calls.provider_for('refund', rt)}",
            at=rt.clock.now(),
        )
        await email_customer(
            case,
            EmailTemplate.REFUND_ISSUED,
            rt,
            amounts=(("refund", Money(refunded, currency)),),
            detail=Money(refunded, currency),
        )
    return Settled(refunded, credited, currency)


async def record_payment(
    case: LockedCase,
    kind: str,
    amount: int,
    currency: str,
    result: PaymentResult,
    key: str,
    rt: Runtime,
    *,
    line_id: int | None = None,
    shipment_id: int | None = None,
) -> None:
    await Payment.insert(
        Payment(
            store=case.store_id,
            case=case.id,
            line=line_id,
            shipment=shipment_id,
            kind=kind,
            amount=amount,
            currency=currency,
            provider=result.provider,
            provider_reference=result.reference,
            status=result.status,
            idempotency_key=key,
            created_at=rt.clock.now(),
        )
    )


async def credit_bonus(case: LockedCase, item_id: int, bonus: Money, rt: Runtime) -> None:
    """The bonus store credit an item earned by a policy rule (credit or exchange chosen over
    a refund), issued once under its own key; not tied to the order line, since a bonus is
    no part of what was paid for it."""
    await _credit(case, bonus, rt, f"bonus:{case.store_id}:{case.id}:{item_id}", None)


async def _credit(
    case: LockedCase, amount: Money, rt: Runtime, key: str, line_id: int | None
) -> None:
    """Store credit is a ledger: one code per case, a balance that never goes negative, and a
    movement row for every change."""
    existing = await StoreCredit.select(StoreCredit.id, StoreCredit.code).where(
        StoreCredit.case == case.id
    )
    if existing:
        credit_id, code = existing[0]["id"], existing[0]["code"]
    else:
        code = "SC-" + "".join(secrets.choice("23456789ABCDEFGHJKMNPQRSTUVWXYZ") for _ in range(10))
        rows = await StoreCredit.insert(
            StoreCredit(
                store=case.store_id,
                customer=case.customer_id,
                case=case.id,
                code=code,
                currency=amount.currency,
                balance=0,
                created_at=rt.clock.now(),
            )
        )
        credit_id = rows[0]["id"]
    await queries.add_to_credit(credit_id, amount.amount)
    await StoreCreditMovement.insert(
        StoreCreditMovement(
            store=case.store_id,
            credit=credit_id,
            amount=amount.amount,
            reason=f"return {case.number}",
            case=case.id,
            at=rt.clock.now(),
        )
    )
    await record_payment(
        case,
        "store_credit",
        amount.amount,
        amount.currency,
        PaymentResult("ledger", code, "succeeded"),
        key,
        rt,
        line_id=line_id,
    )
    await timeline.record(
        store_id=case.store_id,
        case_id=case.id,
        actor=Actor("system", None, "system"),
        kind="store_credit",
        params={"amount": {"amount": amount.amount, "currency": amount.currency}, "code": code},
        at=rt.clock.now(),
    )
    await email_customer(
        case,
        EmailTemplate.STORE_CREDIT_ISSUED,
        rt,
        amounts=(("store_credit", amount),),
        detail=Message("email.credit_detail", {"amount": amount, "code": code}),
    )


async def _refund_to_redo(case: LockedCase) -> bool:
    """A resolved case whose refund or credit failed after its commit (money moves after the
    case changed; e.g. a keep-it case): its line is unsettled again, and the concierge
    refunds it by hand."""
    if case.status is not CaseStatus.RESOLVED:
        return False
    return (
        await CaseItem.count().where(
            (CaseItem.case == case.id)
            & CaseItem.resolution.is_in(["refund", "store_credit"])
            & (CaseItem.settled == False)  # noqa: E712
        )
        > 0
    )


async def refund_case(caller: Caller, number: str, amount: int | None, rt: Runtime) -> Settled:
    """An agent refunds a case: by default what the policy computes (the price paid for the
    refund and store-credit items); `amount` for a partial refund."""
    async with jobs.after_commit(rt), DB.transaction():
        case = await lock_case(caller, number)
        if case.status not in MONEY_STATUSES and not await _refund_to_redo(case):
            raise Conflict(f"a {case.status.value} case is not refunded")
        settled = await settle_money_items(case, rt, await actor_for(caller), amount=amount)
        await resolve_if_settled(case, rt, await actor_for(caller))
    return settled


async def charge_overdue(shipment_id: int, case: LockedCase, rt: Runtime) -> None:
    """The original of an advance replacement is past its deadline: flag and charge, once."""
    shipment = (await Shipment.select().where(Shipment.id == shipment_id))[0]
    key = f"charge:{case.store_id}:shipment:{shipment_id}"
    if await Payment.exists().where(Payment.idempotency_key == key):
        return
    amount = Money(shipment["value_amount"], shipment["currency"])
    await calls.queue(
        case,
        "charge",
        amount,
        key,
        rt,
        description=f"replacement {shipment['sku']} not returned",
        shipment_id=shipment_id,
    )
    await Shipment.update({Shipment.overdue_at: rt.clock.now()}).where(Shipment.id == shipment_id)
    await ReturnCase.update({ReturnCase.overdue: True}).where(ReturnCase.id == case.id)
    await timeline.record(
        store_id=case.store_id,
        case_id=case.id,
        actor=Actor("system", None, "system"),
        kind="overdue",
        detail=(
            f"overdue since {shipment['return_deadline']}; charging {amount.amount} "
            f"{amount.currency} via {rt.payments.name}; refunded if it arrives"
        ),
        at=rt.clock.now(),
    )


async def reverse_charges(case: LockedCase, rt: Runtime) -> int:
    """The original arrived after all: give back what was charged for its replacement."""
    charges = await queries.unreversed_charges(case.id)
    for charge in charges:
        key = f"charge-reversal:{case.store_id}:shipment:{charge.shipment}"
        # the charge was its own payment (e.g. a Stripe PaymentIntent): the job refunds that
        await calls.queue(
            case,
            "charge_reversal",
            Money(charge.amount, charge.currency),
            key,
            rt,
            description=f"original for {case.number} arrived",
            shipment_id=charge.shipment,
            charge_payment_id=charge.id,
        )
        await timeline.record(
            store_id=case.store_id,
            case_id=case.id,
            actor=Actor("system", None, "system"),
            kind="charge_reversed",
            at=rt.clock.now(),
        )
    if charges:
        await ReturnCase.update({ReturnCase.overdue: False}).where(ReturnCase.id == case.id)
    return len(charges)
