"""Return cases: opening one, and the decisions on it (approve, reject, cancel, close, reassign).

Every change locks the case row, asks the state machine, writes one timeline event and queues
the customer's email, all in one transaction.
"""

from __future__ import annotations

from returns_service.db import sql
from returns_service.db.engine import DB
from returns_service.db.tables import Agent, ReturnCase, Shipment, Variant
from returns_service.domain.access import Caller, Role
from returns_service.domain.cases import (
    CANCELLABLE_STATUSES,
    EXCEPTION_REQUESTABLE,
    OPEN_STATUSES,
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
from returns_service.domain.policy import ReturnPolicy
from returns_service.services import assignment, exchanges, labels, timeline
from returns_service.services.case_records import (
    LockedCase,
    actor_for,
    email_customer,
    lock_case,
    release_reservations,
)
from returns_service.services.eligibility import EvaluatedLine, evaluate_order
from returns_service.services.policy import get_policy
from returns_service.services.runtime import Runtime
from returns_service.services.stores import get_store


class OutOfStock(Conflict):
    code = "out-of-stock"
    title = "Not in stock"


# ---------------------------------------------------------------------------------------------
# Opening a case


async def open_case(caller: Caller, request: ReturnRequest, rt: Runtime) -> str:
    """A customer asks to return lines of the order they signed in with. Returns the number."""
    if caller.role is not Role.CUSTOMER or caller.order_id is None or caller.customer_id is None:
        raise Forbidden("only a customer signed in to an order can open a return")
    request.check()
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
            outside_reason = _check_quantity(item, line, n)
            outside_policy = outside_policy or outside_reason is not None
            checked.append((item, line, outside_reason))
        language = order.customer_language or "en"
        case_id, number = await _insert_case(
            caller, order.id, language, request.comment or "", outside_policy, now
        )
        for n, (item, line, outside_reason) in enumerate(checked):
            reserved = False
            if item.resolution is Resolution.EXCHANGE and item.exchange_sku:
                await _reserve_exchange_unit(caller.store_id, line, item, n)
                reserved = True
            await sql.execute(
                """INSERT INTO case_item (store, "case", line, quantity, reason, resolution,
                                          exchange_sku, exchange_reserved, outside_policy_reason,
                                          unit_price_amount, currency, settled)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, false)""",
                caller.store_id,
                case_id,
                line.view.id,
                item.quantity,
                item.reason.value,
                item.resolution.value,
                item.exchange_sku,
                reserved,
                outside_reason,
                line.view.unit_price.amount,
                line.view.unit_price.currency,
            )
        actor = Actor("customer", caller.customer_id, order.customer_first_name)
        await timeline.record(
            store_id=caller.store_id,
            case_id=case_id,
            actor=actor,
            kind="status",
            text="We received your return request.",
            detail="outside the policy: a person decides" if outside_policy else "",
            to_status=CaseStatus.REQUESTED,
            at=now,
        )
        policy = order.policy
        approve = policy.auto_approve and not outside_policy
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
                text="Your return is approved.",
                detail="inside the policy: approved automatically",
                at=now,
            )
            case.status = CaseStatus.APPROVED
            await labels.issue_on_approval(case, policy, rt)
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
        if approve:
            await announce_approval(case, policy, rt, SYSTEM)
        else:
            await email_customer(case, EmailTemplate.CASE_RECEIVED, rt)
    return number


async def after_approval(case: LockedCase, policy: ReturnPolicy, rt: Runtime, actor: Actor) -> None:
    """The moment a case is approved: the label (where the policy pays for it), the approval
    email, and an advance replacement when the policy ships on request."""
    case.status = CaseStatus.APPROVED
    await labels.issue_on_approval(case, policy, rt)
    await announce_approval(case, policy, rt, actor)


async def announce_approval(
    case: LockedCase, policy: ReturnPolicy, rt: Runtime, actor: Actor
) -> None:
    """Tell the customer (the email names their concierge) and ship an advance replacement
    when the policy ships on request."""
    await email_customer(case, EmailTemplate.CASE_APPROVED, rt)
    await exchanges.on_event(case, "approved", policy, rt, actor)


def _check_quantity(item: RequestedItem, line: EvaluatedLine, n: int) -> str | None:
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
    caller: Caller, order_id: int, language: str, comment: str, outside: bool, now: object
) -> tuple[int, str]:
    for _ in range(20):  # 31^6 numbers: a clash is rare, two in a row rarer still
        number = new_case_number()
        row = await sql.fetchrow(
            """
            INSERT INTO return_case (store, number, "order", customer, status, language, comment,
                                     outside_policy, approved_as_exception, awaiting_reply,
                                     created_at, updated_at)
            VALUES ($1, $2, $3, $4, 'requested', $5, $6, $7, false, false, $8, $8)
            ON CONFLICT (store, number) DO NOTHING
            RETURNING id
            """,
            caller.store_id,
            number,
            order_id,
            caller.customer_id,
            language,
            comment,
            outside,
            now,
        )
        if row:
            return row["id"], number
    raise RuntimeError("could not find a free case number")


async def _reserve_exchange_unit(
    store_id: int, line: EvaluatedLine, item: RequestedItem, n: int
) -> None:
    """Hold `item.quantity` units of the replacement. Stock never goes below zero: the
    decrement is conditional and runs under the variant's row lock."""
    field = f"items[{n}].exchange_sku"
    own = await Variant.select(Variant.product).where(
        (Variant.store == store_id) & (Variant.sku == line.view.sku)
    )
    target = await Variant.select(Variant.id, Variant.product).where(
        (Variant.store == store_id) & (Variant.sku == item.exchange_sku)
    )
    if not own or not target or own[0]["product"] != target[0]["product"]:
        raise InvalidRequest(
            f"{item.exchange_sku} is not another variant of {line.view.title}", field=field
        )
    if item.exchange_sku == line.view.sku:
        raise InvalidRequest("an exchange needs a different variant", field=field)
    taken = await Variant.raw(
        "UPDATE variant SET stock = stock - {} WHERE id = {} AND stock >= {} RETURNING id",
        item.quantity,
        target[0]["id"],
        item.quantity,
    ).run()
    if not taken:
        raise OutOfStock(f"{item.exchange_sku} is out of stock", field=field)


# ---------------------------------------------------------------------------------------------
# Decisions


async def approve(caller: Caller, number: str, comment: str | None, rt: Runtime) -> None:
    now = rt.clock.now()
    async with DB.transaction():
        case = await lock_case(caller, number)
        actor = await actor_for(caller)
        exception = case.outside_policy
        await timeline.move(
            store_id=case.store_id,
            case_id=case.id,
            current=case.status,
            target=CaseStatus.APPROVED,
            actor=actor,
            text="Your return is approved.",
            detail=" ".join(
                filter(
                    None,
                    ["approved as an exception to the policy" if exception else "", comment or ""],
                )
            ),
            at=now,
        )
        if exception:
            await ReturnCase.update({ReturnCase.approved_as_exception: True}).where(
                ReturnCase.id == case.id
            )
        await after_approval(case, await get_policy(case.store_id), rt, actor)


async def _end(
    caller: Caller,
    number: str,
    rt: Runtime,
    *,
    target: CaseStatus,
    text: str,
    template: EmailTemplate | None = None,
    allowed_from: frozenset[CaseStatus] | None = None,
    reject_reason: str | None = None,
    **fields: str,
) -> None:
    """Reject, close or cancel: the status moves, held units go back on the shelf, the label is
    voided, the customer is told; then the freed capacity takes on waiting cases."""
    async with DB.transaction():
        case = await lock_case(caller, number)
        if target is CaseStatus.CANCELLED and await Shipment.exists().where(
            Shipment.case == case.id
        ):
            raise Conflict(
                "the replacement has already been sent: this return can no longer be cancelled"
            )
        if allowed_from is not None and case.status not in allowed_from:
            raise Conflict(
                f"a return that is {case.status.value} can no longer become {target.value}",
                current=case.status.value,
            )
        await timeline.move(
            store_id=case.store_id,
            case_id=case.id,
            current=case.status,
            target=target,
            actor=await actor_for(caller),
            text=text,
            at=rt.clock.now(),
        )
        if reject_reason is not None:
            await ReturnCase.update({ReturnCase.reject_reason: reject_reason}).where(
                ReturnCase.id == case.id
            )
        await release_reservations(case.id)
        await labels.void_active(case, rt)
        if template is not None:
            await email_customer(case, template, rt, **fields)
    await assign_waiting(caller.store_id, rt)


async def reject(caller: Caller, number: str, reason: str, rt: Runtime) -> None:
    await _end(
        caller,
        number,
        rt,
        target=CaseStatus.REJECTED,
        text=f"We cannot accept this return: {reason}",
        template=EmailTemplate.CASE_REJECTED,
        reject_reason=reason,
        reason=reason,
    )


async def close(caller: Caller, number: str, rt: Runtime) -> None:
    await _end(
        caller,
        number,
        rt,
        target=CaseStatus.CLOSED,
        text="This return is complete and closed.",
        template=EmailTemplate.CASE_CLOSED,
    )


async def cancel(caller: Caller, number: str, rt: Runtime) -> None:
    """The customer withdraws the return; possible until the parcel is on its way."""
    await _end(
        caller,
        number,
        rt,
        target=CaseStatus.CANCELLED,
        text="You cancelled this return.",
        allowed_from=CANCELLABLE_STATUSES,
    )


async def reassign(caller: Caller, number: str, agent_id: int, reason: str, rt: Runtime) -> None:
    """A lead hands a case to a named colleague (who must be available and have room)."""
    now = rt.clock.now()
    async with DB.transaction():
        staff = await assignment.lock_staff(caller.store_id)
        case = await lock_case(caller, number)
        if case.status not in OPEN_STATUSES:
            raise Conflict(f"a {case.status.value} case is not reassigned")
        target = next((a for a in staff.loads if a.id == agent_id), None)
        if target is None:
            raise InvalidRequest(f"there is no agent {agent_id}", field="agent_id")
        if target.id == case.agent_id:
            raise Conflict(f"{staff.names[agent_id]} already owns {number}")
        if not target.has_room:
            raise Conflict(
                f"{staff.names[agent_id]} is unavailable or at capacity "
                f"({target.open_cases}/{target.capacity})"
            )
        await ReturnCase.update(
            {ReturnCase.agent: agent_id, ReturnCase.assigned_at: now, ReturnCase.updated_at: now}
        ).where(ReturnCase.id == case.id)
        await Agent.update({Agent.last_assigned_at: now}).where(Agent.id == agent_id)
        name = staff.names[agent_id]
        await timeline.record(
            store_id=case.store_id,
            case_id=case.id,
            actor=await actor_for(caller),
            kind="handover",
            text=f"{name} is now your concierge for this return.",
            detail=f"reassigned from {case.agent_name or 'nobody'}: {reason}",
            at=now,
        )
        case.agent_name = name
        await email_customer(case, EmailTemplate.HANDOVER, rt)


async def hand_over_cases(
    store_id: int, agent_id: int, staff: assignment.Staff, rt: Runtime
) -> int:
    """Give every open case of `agent_id` (now unavailable) to colleagues by the usual rules.
    Runs in the caller's transaction, after `lock_staff`."""
    assignment.make_unavailable(staff, agent_id)
    cases = await ReturnCase.raw(
        """
        SELECT c.number FROM return_case c
         WHERE c.store = {} AND c.agent = {} AND c.status = ANY({})
         ORDER BY c.created_at, c.id
           FOR UPDATE
        """,
        store_id,
        agent_id,
        [s.value for s in OPEN_STATUSES],
    ).run()
    system = Caller(Role.LEAD, store_id)
    for row in cases:
        case = await lock_case(system, row["number"])
        assignment.release(staff, agent_id)
        assigned = await assignment.assign(
            staff,
            store_id=store_id,
            case_id=case.id,
            customer_id=case.customer_id,
            language=case.language,
            actor=SYSTEM,
            clock=rt.clock,
            exclude=frozenset({agent_id}),
            reason=f"handed over: {case.agent_name} is unavailable",
        )
        if assigned.agent_id is not None:
            case.agent_name = assigned.display_name
            await email_customer(case, EmailTemplate.HANDOVER, rt)
    return len(cases)


async def assign_waiting(store_id: int, rt: Runtime) -> int:
    """Give waiting (unassigned) open cases to agents who have room, oldest first.

    It holds the agents' lock, so it skips cases someone else has locked (they are being
    changed; the next pass takes them): waiting for them could close a deadlock cycle."""
    async with DB.transaction():
        staff = await assignment.lock_staff(store_id)
        if not any(a.has_room for a in staff.loads):
            return 0
        waiting = await ReturnCase.raw(
            """
            SELECT number FROM return_case
             WHERE store = {} AND agent IS NULL AND status = ANY({})
             ORDER BY created_at, id
             LIMIT 500
               FOR UPDATE SKIP LOCKED
            """,
            store_id,
            [s.value for s in OPEN_STATUSES],
        ).run()
        system = Caller(Role.LEAD, store_id)
        assigned_count = 0
        for row in waiting:
            if not any(a.has_room for a in staff.loads):
                break
            case = await lock_case(system, row["number"])
            if case.status not in OPEN_STATUSES or case.agent_id is not None:
                continue  # cancelled or taken meanwhile
            assigned = await assignment.assign(
                staff,
                store_id=store_id,
                case_id=case.id,
                customer_id=case.customer_id,
                language=case.language,
                actor=SYSTEM,
                clock=rt.clock,
                reason="a concierge had room",
            )
            if assigned.agent_id is not None:
                assigned_count += 1
                case.agent_name = assigned.display_name
                await email_customer(case, EmailTemplate.HANDOVER, rt)
    return assigned_count
