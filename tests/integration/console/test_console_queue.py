"""The console's header and queue: the availability toggle hands cases over like the API, the
queue's tabs show an agent their own cases and a lead everyone's, and the table alone comes
back as a fragment for the live updates."""

from __future__ import annotations

from returns_service.clock import FrozenClock
from returns_service.db.tables import Agent, ReturnCase
from returns_service.domain.access import Role
from tests.integration.helpers import (
    WATCH_POLICY,
    Client,
    add_agent,
    line_ids,
    open_return,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)


async def sign_in(client: Client, headers: dict[str, str]) -> None:
    """The console's token form, as an agent pastes their token."""
    await client.get("/agent")
    response = await client.post(
        "/agent/login",
        data={"token": headers["Authorization"].removeprefix("Bearer ")},
        headers={"x-csrftoken": client.cookies["csrftoken"]},
    )
    assert response.status_code == 303, response.text


async def _store_with_a_case(
    client: Client, clock: FrozenClock, *, auto_approve: bool = True
) -> tuple[str, dict[str, str], dict[str, str], int, int]:
    """Ioana owns one open case (Ana's); Sam is her colleague; there is a lead."""
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    if not auto_approve:  # every case waits for a person's decision
        policy = {**WATCH_POLICY, "auto_approve": False}
        assert (await client.put("/api/v1/policy", json=policy, headers=admin)).status_code == 200
    ioana_id, ioana = await add_agent(client, admin, "Ioana", languages=["ro", "en"])
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    case = await open_return(client, customer, refund_item(lines["RING-8-BLK"]))
    sam_id, _ = await add_agent(client, admin, "Sam", languages=["en"])
    _, lead = await add_agent(client, admin, "Lea", role="lead", capacity=0)
    return case["number"], ioana, lead, ioana_id, sam_id


async def test_the_header_names_the_agent_and_says_what_going_unavailable_does(
    client: Client, clock: FrozenClock
) -> None:
    number, ioana, _, ioana_id, sam_id = await _store_with_a_case(client, clock)
    await sign_in(client, ioana)
    page = await client.get("/agent/queue")
    assert 'id="agent-name">Ioana<' in page.text
    assert "Going unavailable hands your open cases (1) over to available colleagues" in page.text

    response = await client.post(
        "/agent/availability",
        data={"available": "false"},
        headers={"x-csrftoken": client.cookies["csrftoken"]},
    )
    assert response.status_code == 303
    assert response.headers["location"] == "/agent/queue?notice=unavailable"
    assert (await Agent.select(Agent.available).where(Agent.id == ioana_id))[0] == {
        "available": False
    }
    owner = await ReturnCase.select(ReturnCase.agent).where(ReturnCase.number == number)
    assert owner == [{"agent": sam_id}]  # handed over, as PATCH /api/v1/agents does
    after = await client.get(response.headers["location"])
    assert "your open cases went to colleagues" in after.text
    assert "Be available again" in after.text and number not in after.text

    back = await client.post(
        "/agent/availability",
        data={"available": "true"},
        headers={"x-csrftoken": client.cookies["csrftoken"]},
    )
    assert back.headers["location"] == "/agent/queue?notice=available"
    assert (await Agent.select(Agent.available).where(Agent.id == ioana_id))[0]["available"]


async def test_the_toggle_without_the_form_s_token_changes_nothing(
    client: Client, clock: FrozenClock
) -> None:
    _, ioana, _, ioana_id, _ = await _store_with_a_case(client, clock)
    await sign_in(client, ioana)
    response = await client.post("/agent/availability", data={"available": "false"})
    assert response.status_code == 403
    assert (await Agent.select(Agent.available).where(Agent.id == ioana_id))[0]["available"]


async def test_an_agent_s_queue_and_its_fragment(client: Client, clock: FrozenClock) -> None:
    number, ioana, _, _, _ = await _store_with_a_case(client, clock)
    await sign_in(client, ioana)
    page = await client.get("/agent/queue")
    assert page.status_code == 200
    assert f'<a href="/agent/cases/{number}">{number}</a>' in page.text
    assert "ana@example.com" in page.text and "1001" in page.text
    assert "tab=all" not in page.text  # "all" is for leads

    # the store approves by itself: the case waits for its parcel
    fragment = await client.get("/agent/queue?tab=waiting&fragment=1")
    assert fragment.status_code == 200
    assert "<html" not in fragment.text and f'data-case="{number}"' in fragment.text
    assert "<td>Approved</td>" in fragment.text
    decide = await client.get("/agent/queue?tab=decide&fragment=1")
    assert number not in decide.text and "Nothing is waiting for a decision." in decide.text
    # a tab an agent does not have shows their own cases
    assert f'data-case="{number}"' in (await client.get("/agent/queue?tab=all")).text


async def test_a_lead_sees_everyone_s_cases_with_their_owner(
    client: Client, clock: FrozenClock
) -> None:
    number, _, lead, _, _ = await _store_with_a_case(client, clock)
    await sign_in(client, lead)
    mine = await client.get("/agent/queue?fragment=1")
    assert number not in mine.text and "You have no open cases" in mine.text
    everyone = await client.get("/agent/queue?tab=all&fragment=1")
    assert f'data-case="{number}"' in everyone.text
    assert "<td>Ioana</td>" in everyone.text  # the owner column


async def test_a_cursor_that_is_not_ours_is_said_kindly(client: Client, clock: FrozenClock) -> None:
    _, ioana, _, _, _ = await _store_with_a_case(client, clock)
    await sign_in(client, ioana)
    response = await client.get("/agent/queue?cursor=not-a-cursor")
    assert response.status_code == 200 and "cannot be shown" in response.text


async def test_the_queue_without_a_session_goes_to_the_sign_in(client: Client) -> None:
    for path in ("/agent/queue", "/agent/queue?fragment=1", "/agent/events"):
        response = await client.get(path)
        assert (response.status_code, response.headers["location"]) == (303, "/agent")


async def test_search_by_email_and_the_overdue_tab(client: Client, clock: FrozenClock) -> None:
    number, ioana, _, _, _ = await _store_with_a_case(client, clock, auto_approve=False)
    await sign_in(client, ioana)
    found = await client.get("/agent/queue?tab=mine&q=ANA@example.com&fragment=1")
    assert f'data-case="{number}"' in found.text
    missed = await client.get("/agent/queue?tab=mine&q=bo@example.com&fragment=1")
    assert number not in missed.text and "No case matches that search." in missed.text
    page = await client.get("/agent/queue?q=ana%40example.com")
    assert 'value="ana@example.com"' in page.text  # the search box keeps what was typed

    decide = await client.get("/agent/queue?tab=decide&fragment=1")
    assert f'data-case="{number}"' in decide.text and "<td>Needs a decision</td>" in decide.text
    assert "in 1 day" in decide.text  # the policy gives 24 hours to answer
    empty = await client.get("/agent/queue?tab=overdue&fragment=1")
    assert "Nobody is waiting too long for an answer." in empty.text
    clock.advance(hours=25)
    late = await client.get("/agent/queue?tab=overdue&fragment=1")
    assert f'data-case="{number}"' in late.text
    assert '<span class="badge overdue">Overdue</span>' in late.text and "1 hour ago" in late.text


async def test_a_sort_the_queue_does_not_know_falls_back_to_due_time(
    client: Client, clock: FrozenClock
) -> None:
    number, ioana, _, _, _ = await _store_with_a_case(client, clock)
    await sign_in(client, ioana)
    for sort in ("due_at", "created_at", "-created_at", "nonsense"):
        response = await client.get(f"/agent/queue?sort={sort}&fragment=1")
        assert response.status_code == 200 and f'data-case="{number}"' in response.text
