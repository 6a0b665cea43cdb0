"""Agents as the team sees them: who is available, with how much room; and changing that."""

from __future__ import annotations

from returns_service.db.engine import DB
from returns_service.db.tables import Agent
from returns_service.domain.access import Caller, Role
from returns_service.domain.errors import Forbidden, NotFound
from returns_service.services.cases import assignment, queries
from returns_service.services.cases.handover import assign_waiting, hand_over_cases
from returns_service.services.cases.schemas import AgentPatch, AgentView
from returns_service.services.platform.runtime import Runtime


async def list_agents(caller: Caller) -> list[AgentView]:
    rows = await queries.agents_with_open_cases(caller.store_id, assignment.OPEN)
    return [
        AgentView(
            id=r["id"],
            name=r["name"],
            display_name=r["display_name"] or r["name"],
            email=r["email"],
            role=r["role"],
            languages=list(r["languages"] or []),
            capacity=r["capacity"],
            available=r["available"],
            open_cases=int(r["open_cases"]),
        )
        for r in rows
    ]


async def update_agent(caller: Caller, agent_id: int, patch: AgentPatch, rt: Runtime) -> AgentView:
    """An agent may change only their own availability; leads and admins anything of anyone.
    Going unavailable hands the agent's open cases to colleagues; more room (back available,
    higher capacity) takes on waiting cases."""
    own = caller.agent_id == agent_id
    only_availability = (
        patch.capacity is None and patch.languages is None and patch.display_name is None
    )
    if caller.role not in (Role.LEAD, Role.ADMIN) and not (own and only_availability):
        raise Forbidden("agents may change only their own availability")
    async with DB.transaction():
        staff = await assignment.lock_staff(caller.store_id)
        current = next((a for a in staff.loads if a.id == agent_id), None)
        if current is None:
            raise NotFound(f"there is no agent {agent_id}")
        values: dict[object, object] = {}
        if patch.available is not None:
            values[Agent.available] = patch.available
        if patch.capacity is not None:
            values[Agent.capacity] = patch.capacity
        if patch.languages is not None:
            values[Agent.languages] = list(dict.fromkeys(patch.languages))
        if patch.display_name is not None:
            values[Agent.display_name] = patch.display_name.strip()
        if values:
            await Agent.update(values).where(Agent.id == agent_id)  # type: ignore[arg-type]
        if patch.available is False and current.available:
            await hand_over_cases(caller.store_id, agent_id, staff, rt)
    await assign_waiting(caller.store_id, rt)
    return next(a for a in await list_agents(caller) if a.id == agent_id)
