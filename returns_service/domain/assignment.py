"""Who becomes a case's concierge. One owner per case, chosen by these rules, in order:

1. the agent who owned this customer's previous case, if available and below capacity
   (the same concierge again);
2. otherwise an available agent below capacity who speaks the customer's language, with the
   fewest open cases, ties going to whoever was assigned least recently;
3. otherwise, so that a customer whose language nobody speaks is not left waiting, any
   available agent below capacity by the same ordering;
4. otherwise nobody: the case waits, visible to leads, until someone has room.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class AgentLoad:
    id: int
    available: bool
    capacity: int
    open_cases: int
    languages: tuple[str, ...]
    last_assigned_at: datetime | None

    @property
    def has_room(self) -> bool:
        return self.available and self.open_cases < self.capacity


@dataclass(frozen=True, slots=True)
class Choice:
    agent_id: int | None
    rule: str  # "previous", "language", "any", "none" — recorded in the timeline


def _least_loaded(agents: list[AgentLoad]) -> AgentLoad:
    never = datetime.min.replace(tzinfo=None)

    def key(a: AgentLoad) -> tuple[int, datetime, int]:
        last = a.last_assigned_at.replace(tzinfo=None) if a.last_assigned_at else never
        return (a.open_cases, last, a.id)

    return min(agents, key=key)


def choose_agent(
    agents: list[AgentLoad],
    *,
    language: str,
    previous_agent_id: int | None,
    exclude: frozenset[int] = frozenset(),
) -> Choice:
    candidates = [a for a in agents if a.has_room and a.id not in exclude]
    if previous_agent_id is not None:
        for agent in candidates:
            if agent.id == previous_agent_id:
                return Choice(agent.id, "previous")
    speakers = [a for a in candidates if language in a.languages]
    if speakers:
        return Choice(_least_loaded(speakers).id, "language")
    if candidates:
        return Choice(_least_loaded(candidates).id, "any")
    return Choice(None, "none")
