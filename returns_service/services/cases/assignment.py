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
from returns_service.db import locks, sql
from returns_service.domain.assignment import AgentLoad, Choice, choose_agent
from returns_service.domain.cases import OPEN_STATUSES, Actor
from returns_service.services.cases import timeline

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
    rows = await sql.fetch(
        """
        SELECT a.id, a.available, a.capacity, a.languages, a.last_assigned_at,
               COALESCE(NULLIF(a.display_name, ''), a.name) AS display_name,
               (SELECT count(*) FROM return_case c
                 WHERE c.store = a.store AND c.agent = a.id
                   AND c.status = ANY($1::text[])) AS open_cases
          FROM agent a
         WHERE a.store = $2
         ORDER BY a.id
        """,
        OPEN,
        store_id,
    )
    loads = [
        AgentLoad(
            id=r["id"],
            available=r["available"],
            capacity=r["capacity"],
            open_cases=int(r["open_cases"]),
            languages=tuple(r["languages"] or ()),
            last_assigned_at=r["last_assigned_at"],
        )
        for r in rows
    ]
    return Staff(loads=loads, names={r["id"]: r["display_name"] for r in rows})


async def previous_agent(store_id: int, customer_id: int, before_case_id: int) -> int | None:
    """The agent who owned this customer's most recent earlier case."""
    row = await sql.fetchrow(
        """SELECT agent FROM return_case
            WHERE store = $1 AND customer = $2 AND id <> $3 AND agent IS NOT NULL
            ORDER BY created_at DESC, id DESC LIMIT 1""",
        store_id,
        customer_id,
        before_case_id,
    )
    return row["agent"] if row else None


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
    previous = await previous_agent(store_id, customer_id, case_id)
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
            text="Every concierge is busy right now; the next one free will take your case.",
            detail=reason,
            at=now,
            along_with=[
                (
                    "UPDATE return_case SET agent = NULL, assigned_at = NULL, updated_at = $1"
                    " WHERE id = $2",
                    (now, case_id),
                )
            ],
        )
        return Assigned(None, None, choice.rule)
    _take(staff, choice, now)
    name = staff.names[choice.agent_id]
    await timeline.record(
        store_id=store_id,
        case_id=case_id,
        actor=actor,
        kind="assigned",
        text=f"{name} is your concierge for this return.",
        detail=" ".join(filter(None, [f"rule: {choice.rule}", reason])),
        at=now,
        along_with=[
            (
                "UPDATE return_case SET agent = $1, assigned_at = $2, updated_at = $2"
                " WHERE id = $3",
                (choice.agent_id, now, case_id),
            ),
            ("UPDATE agent SET last_assigned_at = $1 WHERE id = $2", (now, choice.agent_id)),
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
