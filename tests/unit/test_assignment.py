"""Who becomes the concierge: the rules of domain/assignment.py, one by one."""

from __future__ import annotations

from datetime import UTC, datetime

from returns_service.domain.assignment import AgentLoad, choose_agent

EARLY = datetime(2026, 9, 1, 9, tzinfo=UTC)
LATE = datetime(2026, 9, 1, 17, tzinfo=UTC)


def agent(
    id: int,
    *,
    open_cases: int = 0,
    capacity: int = 10,
    languages: tuple[str, ...] = ("en",),
    available: bool = True,
    last: datetime | None = None,
) -> AgentLoad:
    return AgentLoad(id, available, capacity, open_cases, languages, last)


def test_the_previous_concierge_again_when_they_have_room() -> None:
    agents = [agent(1, open_cases=0), agent(2, open_cases=5)]
    choice = choose_agent(agents, language="en", previous_agent_id=2)
    assert (choice.agent_id, choice.rule) == (2, "previous")


def test_not_the_previous_concierge_when_full_or_away() -> None:
    full = [agent(1, open_cases=3), agent(2, open_cases=10, capacity=10)]
    assert choose_agent(full, language="en", previous_agent_id=2).agent_id == 1
    away = [agent(1, open_cases=3), agent(2, available=False)]
    assert choose_agent(away, language="en", previous_agent_id=2).agent_id == 1


def test_someone_who_speaks_the_language_before_a_less_busy_colleague() -> None:
    agents = [agent(1, open_cases=0), agent(2, open_cases=4, languages=("en", "ro"))]
    choice = choose_agent(agents, language="ro", previous_agent_id=None)
    assert (choice.agent_id, choice.rule) == (2, "language")


def test_fewest_open_cases_then_least_recently_assigned() -> None:
    agents = [agent(1, open_cases=2), agent(2, open_cases=1), agent(3, open_cases=1)]
    assert choose_agent(agents, language="en", previous_agent_id=None).agent_id == 2
    tied = [agent(1, open_cases=1, last=LATE), agent(2, open_cases=1, last=EARLY)]
    assert choose_agent(tied, language="en", previous_agent_id=None).agent_id == 2
    never = [agent(1, open_cases=1, last=EARLY), agent(2, open_cases=1, last=None)]
    assert choose_agent(never, language="en", previous_agent_id=None).agent_id == 2


def test_nobody_speaks_it_so_anyone_with_room() -> None:
    choice = choose_agent([agent(1), agent(2, open_cases=1)], language="hu", previous_agent_id=None)
    assert (choice.agent_id, choice.rule) == (1, "any")


def test_everyone_full_means_the_case_waits() -> None:
    agents = [agent(1, open_cases=10), agent(2, available=False)]
    choice = choose_agent(agents, language="en", previous_agent_id=1)
    assert (choice.agent_id, choice.rule) == (None, "none")


def test_excluded_agents_are_skipped() -> None:
    choice = choose_agent(
        [agent(1), agent(2, open_cases=3)],
        language="en",
        previous_agent_id=1,
        exclude=frozenset({1}),
    )
    assert choice.agent_id == 2
