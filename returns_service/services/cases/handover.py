"""Who takes a case over: when its concierge becomes unavailable, and when a waiting case
finds a concierge with room. Both run under the agents' lock (see assignment.py)."""

from __future__ import annotations

from returns_service.db import locks
from returns_service.db.engine import DB
from returns_service.domain.access import Caller
from returns_service.domain.cases import (
    OPEN_STATUSES,
    SYSTEM,
)
from returns_service.domain.emails import EmailTemplate
from returns_service.services.cases import assignment
from returns_service.services.cases.records import (
    email_customer,
    lock_case,
)
from returns_service.services.platform.runtime import Runtime


async def hand_over_cases(
    store_id: int, agent_id: int, staff: assignment.Staff, rt: Runtime
) -> int:
    """Give every open case of `agent_id` (now unavailable) to colleagues by the usual rules.
    Runs in the caller's transaction, after `lock_staff`."""
    assignment.make_unavailable(staff, agent_id)
    numbers = await locks.lock_open_cases_of(store_id, agent_id, assignment.OPEN)
    system = Caller.system(store_id)
    for number in numbers:
        case = await lock_case(system, number)
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
    return len(numbers)


async def assign_waiting(store_id: int, rt: Runtime) -> int:
    """Give waiting (unassigned) open cases to agents who have room, oldest first.

    It holds the agents' lock, so it skips cases someone else has locked (they are being
    changed; the next pass takes them): waiting for them could close a deadlock cycle."""
    async with DB.transaction():
        staff = await assignment.lock_staff(store_id)
        if not any(a.has_room for a in staff.loads):
            return 0
        waiting = await locks.lock_waiting_cases(store_id, assignment.OPEN)
        system = Caller.system(store_id)
        assigned_count = 0
        for number in waiting:
            if not any(a.has_room for a in staff.loads):
                break
            case = await lock_case(system, number)
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
