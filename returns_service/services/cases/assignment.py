"""Putting exactly one concierge in charge of each case, safely under concurrency.

Every assignment decision first locks the store's agent rows (in id order, before any case
row it changes: db/locks.py states the order), so two decisions never see the same free
capacity: capacity can never be exceeded and a case never gets two owners. The rules
themselves are in `domain/assignment.py`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from returns_service.clock import Clock
from returns_service.db import locks
from returns_service.domain.assignment import AgentLoad, Choice, choose_agent
from returns_service.domain.cases import OPEN_STATUSES, Actor
from returns_service.services.cases import queries, timeline

OPEN = [s.value for s in OPEN_STATUSES]


@dataclass(frozen=True, slots=True)
class Staff:
    loads: list[AgentLoad]
    names: dict[int, str]


async def lock_staff(store_id: int) -> Staff:
    """Lock the store's agents for this transaction and read how loaded each one is."""
    # Taken by every case opened in the store, and held until commit. Two statements, not
    # one: a statement that waited for the lock still reads with the snapshot from before its
    # wait, so counting in the locking statement would miss the cases committed by the
    # transaction it waited for (and overfill an agent).
    await locks.lock_agents(store_id)
    rows = await queries.agent_loads(store_id, OPEN)
    return Staff(loads=[load for load, _ in rows], names={load.id: name for load, name in rows})


@dataclass(frozen=True, slots=True)
class Assigned:
    agent_id: int | None
    display_name: str | None
    rule: str


async def assign(
    staff: Staff,
    *,
    store_id: int,
    case_id: int,
    customer_id: int,
    language: str,
    actor: Actor,
    clock: Clock,
    exclude: frozenset[int] = frozenset(),
    reason: str = "",
) -> Assigned:
    """Choose and set the case's owner (or leave it waiting). `staff` must come from
    `lock_staff` in this same transaction; its loads are updated in place of a re-read."""
    previous = await queries.previous_agent(store_id, customer_id, case_id)
    choice = choose_agent(
        staff.loads, language=language, previous_agent_id=previous, exclude=exclude
    )
    now = clock.now()
    if choice.agent_id is None:
        await timeline.record(
            store_id=store_id,
            case_id=case_id,
            actor=actor,
            kind="waiting_for_agent",
            detail=reason,
            at=now,
            along_with=[queries.leave_waiting(case_id, now)],
        )
        return Assigned(None, None, choice.rule)
    _take(staff, choice, now)
    name = staff.names[choice.agent_id]
    await timeline.record(
        store_id=store_id,
        case_id=case_id,
        actor=actor,
        kind="assigned",
        params={"name": name},
        detail=" ".join(filter(None, [f"rule: {choice.rule}", reason])),
        at=now,
        along_with=[
            queries.assign_to(case_id, choice.agent_id, now),
            queries.note_assignment(choice.agent_id, now),
        ],
    )
    return Assigned(choice.agent_id, name, choice.rule)


def _take(staff: Staff, choice: Choice, now: datetime) -> None:
    staff.loads[:] = [
        replace(a, open_cases=a.open_cases + 1, last_assigned_at=now)
        if a.id == choice.agent_id
        else a
        for a in staff.loads
    ]


def release(staff: Staff, agent_id: int | None) -> None:
    """Count one open case less for `agent_id` (the case left them in this transaction)."""
    staff.loads[:] = [
        replace(a, open_cases=a.open_cases - 1) if a.id == agent_id else a for a in staff.loads
    ]


def make_unavailable(staff: Staff, agent_id: int) -> None:
    staff.loads[:] = [replace(a, available=False) if a.id == agent_id else a for a in staff.loads]
