"""The decisions on a case: approve, reject, cancel, close, reassign.

Every change locks the case row, asks the state machine, writes one timeline event and queues
the customer's email, all in one transaction.
"""

from __future__ import annotations

from returns_service.db.engine import DB
from returns_service.db.tables import Agent, ReturnCase
from returns_service.domain.access import Caller
from returns_service.domain.cases import (
    CANCELLABLE_STATUSES,
    OPEN_STATUSES,
    CaseStatus,
)
from returns_service.domain.emails import EmailTemplate
from returns_service.domain.errors import Conflict, InvalidRequest
from returns_service.services.cases import assignment, queries, timeline
from returns_service.services.cases.handover import assign_waiting
from returns_service.services.cases.opening import after_approval
from returns_service.services.cases.records import (
    actor_for,
    email_customer,
    lock_case,
    money_moved,
    release_reservations,
)
from returns_service.services.fulfilment import labels
from returns_service.services.platform import jobs
from returns_service.services.platform.runtime import Runtime
from returns_service.services.shop import writeback
from returns_service.services.store.policy import get_policy

# ---------------------------------------------------------------------------------------------
# Decisions


async def approve(caller: Caller, number: str, comment: str | None, rt: Runtime) -> None:
    async with jobs.after_commit(rt):  # a provider's label, bought after the commit
        await _approve(caller, number, comment, rt)


async def _approve(caller: Caller, number: str, comment: str | None, rt: Runtime) -> None:
    now = rt.clock.now()
    async with jobs.after_commit(rt), DB.transaction():
        case = await lock_case(caller, number)
        actor = await actor_for(caller)
        exception = case.outside_policy
        await timeline.move(
            store_id=case.store_id,
            case_id=case.id,
            current=case.status,
            target=CaseStatus.APPROVED,
            actor=actor,
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
        await queries.record_first_response(case.id, caller.agent_id, now)
        await after_approval(case, await get_policy(case.store_id), rt, actor)


async def _end(
    caller: Caller,
    number: str,
    rt: Runtime,
    *,
    target: CaseStatus,
    params: dict[str, str] | None = None,
    template: EmailTemplate | None = None,
    allowed_from: frozenset[CaseStatus] | None = None,
    reject_reason: str | None = None,
    **fields: str,
) -> None:
    """Reject, close or cancel: the status moves, held units go back on the shelf, the label is
    voided, the customer is told; then the freed capacity takes on waiting cases."""
    async with jobs.after_commit(rt):  # the unused label's refund, asked for after the commit
        await _end_in_transaction(
            caller,
            number,
            rt,
            target=target,
            params=params,
            template=template,
            allowed_from=allowed_from,
            reject_reason=reject_reason,
            **fields,
        )
    await assign_waiting(caller.store_id, rt)


async def _end_in_transaction(
    caller: Caller,
    number: str,
    rt: Runtime,
    *,
    target: CaseStatus,
    params: dict[str, str] | None,
    template: EmailTemplate | None,
    allowed_from: frozenset[CaseStatus] | None,
    reject_reason: str | None,
    **fields: str,
) -> None:
    async with DB.transaction():
        case = await lock_case(caller, number)
        if target is CaseStatus.CANCELLED and (why := await money_moved(case.id)):
            raise Conflict(f"{why}: this return can no longer be cancelled")
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
            params=params,
            at=rt.clock.now(),
        )
        if reject_reason is not None:
            await ReturnCase.update({ReturnCase.reject_reason: reject_reason}).where(
                ReturnCase.id == case.id
            )
        if target is CaseStatus.REJECTED:  # a person's answer, like a reply
            await queries.record_first_response(case.id, caller.agent_id, rt.clock.now())
        await release_reservations(case.id)
        await labels.void_active(case, rt)
        if case.status is not CaseStatus.REQUESTED:  # approved once: the shop has a return
            await writeback.on_finished(case, rt)
        if template is not None:
            await email_customer(case, template, rt, **fields)


async def reject(caller: Caller, number: str, reason: str, rt: Runtime) -> None:
    await _end(
        caller,
        number,
        rt,
        target=CaseStatus.REJECTED,
        params={"reason": reason},
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
        template=EmailTemplate.CASE_CLOSED,
    )


async def cancel(caller: Caller, number: str, rt: Runtime) -> None:
    """The customer withdraws the return; possible until the parcel is on its way."""
    await _end(
        caller,
        number,
        rt,
        target=CaseStatus.CANCELLED,
        template=EmailTemplate.CASE_CANCELLED,
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
            params={"name": name},
            detail=f"reassigned from {case.agent_name or 'nobody'}: {reason}",
            at=now,
        )
        case.agent_name = name
        await email_customer(case, EmailTemplate.HANDOVER, rt)
