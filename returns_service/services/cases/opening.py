"""Opening a case: a customer asks to return lines of their order; what the policy allows is
approved at once (with a label and, for an advance exchange, the replacement), the rest waits
for the concierge. Everything in one transaction, with its timeline events and emails."""

from __future__ import annotations

from datetime import datetime, timedelta

from returns_service.db import locks
from returns_service.db.engine import DB
from returns_service.db.tables import CaseItem, Variant
from returns_service.domain.access import Caller, Role
from returns_service.domain.amounts import price_difference
from returns_service.domain.cases import (
    EXCEPTION_REQUESTABLE,
    SYSTEM,
    Actor,
    CaseStatus,
    RequestedItem,
    Resolution,
    ReturnRequest,
    new_case_number,
)
from returns_service.domain.emails import EmailTemplate
from returns_service.domain.errors import Conflict, Forbidden, InvalidRequest
from returns_service.domain.money import Money
from returns_service.domain.policy import ReturnPolicy
from returns_service.services.cases import assignment, queries, rules_applied, timeline
from returns_service.services.cases.records import (
    LockedCase,
    email_customer,
)
from returns_service.services.fulfilment import exchanges, keep_it, labels
from returns_service.services.money.refunds import fee_total
from returns_service.services.platform import jobs
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store.eligibility import EvaluatedLine, evaluate_order
from returns_service.services.store.stores import get_store


class OutOfStock(Conflict):
    code = "out-of-stock"
    title = "Not in stock"


class OtherProduct(InvalidRequest):
    code = "exchange-other-product"
    title = "The replacement is another product"


# ---------------------------------------------------------------------------------------------
# Opening a case


async def open_case(caller: Caller, request: ReturnRequest, rt: Runtime) -> str:
    """A customer asks to return lines of the order they signed in with. Returns the number."""
    if caller.role is not Role.CUSTOMER or caller.order_id is None or caller.customer_id is None:
        raise Forbidden("only a customer signed in to an order can open a return")
    request.check()
    async with jobs.after_commit(rt):  # a provider's label, bought after the commit
        number = await _open(caller, request, rt)
    return number


async def _open(caller: Caller, request: ReturnRequest, rt: Runtime) -> str:
    assert caller.order_id is not None and caller.customer_id is not None  # open_case checked
    now = rt.clock.now()
    async with DB.transaction():
        order = await evaluate_order(caller, caller.order_id, rt.clock, lock=True)
        outside_policy = False
        checked: list[tuple[RequestedItem, EvaluatedLine, str | None]] = []
        for n, item in enumerate(request.items):
            line = order.line(item.line_id)
            if line is None:
                raise InvalidRequest(
                    f"line {item.line_id} is not part of order {order.number}",
                    field=f"items[{n}].line_id",
                )
            outside_reason = check_quantity(item, line, n)
            outside_policy = outside_policy or outside_reason is not None
            checked.append((item, line, outside_reason))
        outcome = rules_applied.decide(order, request.items)
        language = order.customer_language or "en"
        case_id, number = await _insert_case(
            caller,
            order.id,
            language,
            request.comment or "",
            outside_policy,
            now,
            now + timedelta(hours=order.policy.first_response_hours),
            order.policy_version,
        )
        for n, (item, line, outside_reason) in enumerate(checked):
            reserved, difference = False, 0
            if item.resolution is Resolution.EXCHANGE and item.exchange_sku:
                difference = await _reserve_exchange_unit(
                    caller.store_id, line, item, n, order.policy
                )
                reserved = True
                # a fee a rule takes from an exchange is paid with the price difference
                difference += outcome.lines[item.line_id].fee_total
            await queries.insert_case_item(
                store_id=caller.store_id,
                case_id=case_id,
                line_id=line.view.id,
                quantity=item.quantity,
                reason=item.reason,
                resolution=item.resolution.value,
                exchange_sku=item.exchange_sku,
                exchange_reserved=reserved,
                outside_policy_reason=outside_reason,
                unit_price_amount=line.view.unit_price.amount,
                currency=line.view.unit_price.currency,
                price_difference=difference,
                reason_labels=order.policy.merchant_reason_labels(item.reason),
            )
        actor = Actor("customer", caller.customer_id, order.customer_first_name)
        await timeline.record(
            store_id=caller.store_id,
            case_id=case_id,
            actor=actor,
            kind="status",
            detail="outside the policy: a person decides" if outside_policy else "",
            to_status=CaseStatus.REQUESTED,
            at=now,
        )
        decision = await rules_applied.keep(case_id, caller.store_id, outcome, now)
        policy = order.policy
        approve = policy.auto_approve and not outside_policy and not decision.review
        # made in this transaction, so nobody else can see it yet: no lock to take
        case = LockedCase(
            id=case_id,
            store_id=caller.store_id,
            number=number,
            status=CaseStatus.REQUESTED,
            agent_id=None,
            agent_name=None,
            customer_id=caller.customer_id,
            order_id=order.id,
            customer_email=order.customer_email,
            first_name=order.customer_first_name,
            language=language,
            outside_policy=outside_policy,
            store_name=(await get_store(caller.store_id)).name,
        )
        if approve:
            await timeline.move(
                store_id=case.store_id,
                case_id=case.id,
                current=case.status,
                target=CaseStatus.APPROVED,
                actor=SYSTEM,
                detail="inside the policy: approved automatically",
                at=now,
            )
            case.status = CaseStatus.APPROVED
            # the approval (with its label or keep-it) answers the customer at once
            await queries.record_first_response(case_id, None, now)
            label: labels.LabelOutcome | None = None
            if decision.keep_it:  # keep-it beats the label: nothing is bought, money moves
                await keep_it.settle_kept(case, policy, rt, SYSTEM)
            else:
                label = await labels.issue_on_approval(case, policy, rt)
        # The agents' lock is taken last and held to the commit: it serialises every
        # assignment in the store, so only the assignment and the emails that name the
        # concierge happen under it.
        staff = await assignment.lock_staff(caller.store_id)
        assigned = await assignment.assign(
            staff,
            store_id=caller.store_id,
            case_id=case_id,
            customer_id=caller.customer_id,
            language=language,
            actor=SYSTEM,
            clock=rt.clock,
        )
        case.agent_id, case.agent_name = assigned.agent_id, assigned.display_name
        if approve and not decision.keep_it:
            # a provider's label is bought after the commit: its job sends the email with it
            await announce_approval(case, policy, rt, SYSTEM, email=label != "buying")
        elif not approve:
            await email_customer(
                case, EmailTemplate.CASE_RECEIVED, rt, amounts=await difference_amounts(case.id)
            )
    return number


async def after_approval(case: LockedCase, policy: ReturnPolicy, rt: Runtime, actor: Actor) -> None:
    """The moment a case is approved: the label (where the policy pays for it), the approval
    email, and an advance replacement when the policy ships on request. A case the rules
    let the customer keep gets no label: its money moves now."""
    case.status = CaseStatus.APPROVED
    if (await rules_applied.decision_of(case.id)).keep_it:
        await keep_it.settle_kept(case, policy, rt, actor)
        return
    label = await labels.issue_on_approval(case, policy, rt)
    # a provider's label is bought after the commit: its job sends the email with its link
    await announce_approval(case, policy, rt, actor, email=label != "buying")


async def announce_approval(
    case: LockedCase, policy: ReturnPolicy, rt: Runtime, actor: Actor, email: bool = True
) -> None:
    """Tell the customer (the email names their concierge) and ship an advance replacement
    when the policy ships on request."""
    if email:
        await email_customer(
            case, EmailTemplate.CASE_APPROVED, rt, amounts=await difference_amounts(case.id)
        )
    await exchanges.on_event(case, "approved", policy, rt, actor)


async def difference_amounts(case_id: int) -> tuple[tuple[str, Money], ...]:
    """The price difference of the case's exchanges as its emails state it: what the customer
    will pay (difference_due) or get back (difference_back); then the fees the policy's rules
    take (fees) and the bonus credit they give (bonus_credit); nothing that is zero."""
    rows = await CaseItem.select(
        CaseItem.price_difference, CaseItem.currency, CaseItem.fees, CaseItem.bonus_amount
    ).where(CaseItem.case == case_id)
    if not rows:
        return ()
    currency = rows[0]["currency"]
    total = sum(row["price_difference"] for row in rows)
    lines: list[tuple[str, Money]] = []
    if total:
        kind = "difference_due" if total > 0 else "difference_back"
        lines.append((kind, Money(abs(total), currency)))
    fees = sum(fee_total(row["fees"]) for row in rows)
    bonus = sum(row["bonus_amount"] for row in rows)
    lines += [(k, Money(v, currency)) for k, v in (("fees", fees), ("bonus_credit", bonus)) if v]
    return tuple(lines)


def check_quantity(item: RequestedItem, line: EvaluatedLine, n: int) -> str | None:
    """Check the quantity against the policy; return why the item is outside it, if it is."""
    field = f"items[{n}].quantity"
    reason = line.view.ineligible_reason
    if reason is None:
        if item.quantity > line.view.returnable_quantity:
            raise InvalidRequest(
                f"only {line.view.returnable_quantity} of {line.view.title} can be returned",
                field=field,
            )
        return None
    if reason in EXCEPTION_REQUESTABLE:
        if item.quantity > line.unreturned:
            raise InvalidRequest(
                f"only {line.unreturned} of {line.view.title} can be returned", field=field
            )
        return reason.value
    raise InvalidRequest(
        f"{line.view.title} cannot be returned ({reason.value})",
        field=f"items[{n}].line_id",
        reason=reason.value,
    )


async def _insert_case(
    caller: Caller,
    order_id: int,
    language: str,
    comment: str,
    outside: bool,
    now: datetime,
    first_response_due_at: datetime,
    policy_version: int | None = None,
) -> tuple[int, str]:
    assert caller.customer_id is not None  # checked by open_case
    for _ in range(20):  # 31^6 numbers: a clash is rare, two in a row rarer still
        number = new_case_number()
        case_id = await queries.insert_case(
            store_id=caller.store_id,
            number=number,
            order_id=order_id,
            customer_id=caller.customer_id,
            language=language,
            comment=comment,
            outside_policy=outside,
            at=now,
            first_response_due_at=first_response_due_at,
            policy_version=policy_version,
        )
        if case_id is not None:
            return case_id, number
    raise RuntimeError("could not find a free case number")


async def exchange_difference(
    store_id: int, line: EvaluatedLine, item: RequestedItem, n: int, policy: ReturnPolicy
) -> tuple[int, int]:
    """Check the replacement of an exchange item; (its variant id, the price difference the
    customer pays (+) or gets back (-) under the policy's `exchange_price_difference`)."""
    field = f"items[{n}].exchange_sku"
    own = await Variant.select(Variant.product).where(
        (Variant.store == store_id) & (Variant.sku == line.view.sku)
    )
    target = await Variant.select(
        Variant.id, Variant.product, Variant.price_amount, Variant.currency, Variant.stock
    ).where((Variant.store == store_id) & (Variant.sku == item.exchange_sku))
    if not target:
        raise InvalidRequest(f"{item.exchange_sku} is not in the catalogue", field=field)
    if not own or own[0]["product"] != target[0]["product"]:
        # shop-now: another product is a sale, so only a policy that settles (or absorbs)
        # the price difference allows it
        if policy.exchange_price_difference == "same_price_only":
            raise OtherProduct(
                f"{item.exchange_sku} is not another variant of {line.view.title}, and the "
                "store's policy (exchange_price_difference: same_price_only) exchanges only "
                "for another size or colour",
                field=field,
                exchange_price_difference=policy.exchange_price_difference,
            )
    if item.exchange_sku == line.view.sku:
        raise InvalidRequest("an exchange needs a different variant", field=field)
    if target[0]["stock"] < item.quantity:  # refused before the case, not only at reservation
        raise OutOfStock(f"{item.exchange_sku} is out of stock", field=field)
    replacement = Money(target[0]["price_amount"], target[0]["currency"])
    difference = price_difference(
        policy.exchange_price_difference,
        line.view.unit_price,
        replacement,
        item.quantity,
        field=field,
    )
    return target[0]["id"], difference


async def _reserve_exchange_unit(
    store_id: int, line: EvaluatedLine, item: RequestedItem, n: int, policy: ReturnPolicy
) -> int:
    """Hold `item.quantity` units of the replacement (db/locks.py: never below zero); the
    price difference it settles."""
    field = f"items[{n}].exchange_sku"
    variant_id, difference = await exchange_difference(store_id, line, item, n, policy)
    if not await locks.take_stock_of(variant_id, item.quantity):
        raise OutOfStock(f"{item.exchange_sku} is out of stock", field=field)
    return difference
