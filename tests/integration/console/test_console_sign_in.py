"""Signing in to the agent console with an emailed link: the same answer for any email, a
link that works once within 15 minutes, and a sign-out that revokes the token the link made
(but never a token the agent pasted by hand)."""

from __future__ import annotations

import asyncio
import re

from returns_service.clock import FrozenClock
from returns_service.db.tables import AgentSignInLink, ApiToken, OutboxMessage
from returns_service.domain.access import Role
from returns_service.services.platform.auth import authenticate_staff
from returns_service.services.platform.staff_links import end_old_link_sessions
from returns_service.web.sessions import AGENT_COOKIE
from tests.integration.helpers import Client, add_agent, staff_headers

LINK = re.compile(r"http://\S+/agent/l/(\S+)")
CSRF_VALUE = re.compile(r'name="_csrf_token" value="[^"]*"')


async def _csrf(client: Client) -> dict[str, str]:
    await client.get("/agent")
    return {"x-csrftoken": client.cookies["csrftoken"]}


async def _ask(client: Client, email: str) -> tuple[int, str]:
    response = await client.post("/agent/link", data={"email": email}, headers=await _csrf(client))
    return response.status_code, CSRF_VALUE.sub("", response.text)


async def _links() -> list[str]:
    rows = await OutboxMessage.select(OutboxMessage.body, OutboxMessage.recipient).where(
        OutboxMessage.template == "agent_sign_in_link"
    )
    return [match[1] for row in rows if (match := LINK.search(row["body"]))]


async def _ioana(client: Client, clock: FrozenClock) -> dict[str, str]:
    admin = await staff_headers(client, Role.ADMIN, clock)
    _, ioana = await add_agent(client, admin, "Ioana")
    return ioana


async def test_an_unknown_email_gets_the_same_answer_and_no_email(
    client: Client, clock: FrozenClock
) -> None:
    await _ioana(client, clock)
    known = await _ask(client, "Ioana@store.test")
    unknown = await _ask(client, "nobody@store.test")
    assert known == unknown
    assert known[0] == 200 and "a sign-in link is on its way" in known[1]
    emails = await OutboxMessage.select(OutboxMessage.recipient, OutboxMessage.subject).where(
        OutboxMessage.template == "agent_sign_in_link"
    )
    assert [e["recipient"] for e in emails] == ["ioana@store.test"]
    assert emails[0]["subject"].startswith("Your sign-in link to the ")


async def test_the_link_signs_the_agent_in_once(client: Client, clock: FrozenClock) -> None:
    await _ioana(client, clock)
    await _ask(client, "ioana@store.test")
    [token] = await _links()

    opened = await client.get(f"/agent/l/{token}")
    assert opened.status_code == 303 and opened.headers["location"] == "/agent/queue"
    assert opened.headers["cache-control"] == "no-store"
    session = client.cookies[AGENT_COOKIE]
    caller = await authenticate_staff(session)
    assert caller is not None and caller.role is Role.AGENT and caller.agent_id is not None
    queue = await client.get("/agent/queue")
    assert queue.status_code == 200 and "Ioana" in queue.text

    client.cookies.clear()
    again = await client.get(f"/agent/l/{token}")
    assert again.status_code == 200 and "expired or was already used" in again.text
    assert AGENT_COOKIE not in again.cookies
    assert await ApiToken.count().where(ApiToken.name.like("%console sign-in link%")) == 1


async def test_a_link_opened_twice_at_the_same_moment_signs_in_once(
    client: Client, clock: FrozenClock
) -> None:
    await _ioana(client, clock)
    await _ask(client, "ioana@store.test")
    [token] = await _links()
    answers = await asyncio.gather(*(client.get(f"/agent/l/{token}") for _ in range(4)))
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 303]
    assert await ApiToken.count().where(ApiToken.name.like("%console sign-in link%")) == 1


async def test_an_expired_or_forged_link_signs_nobody_in(
    client: Client, clock: FrozenClock
) -> None:
    await _ioana(client, clock)
    await _ask(client, "ioana@store.test")
    [token] = await _links()
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    assert "expired or was already used" in (await client.get(f"/agent/l/{forged}")).text
    clock.advance(minutes=16)
    expired = await client.get(f"/agent/l/{token}")
    assert expired.status_code == 200 and "expired or was already used" in expired.text
    assert AGENT_COOKIE not in client.cookies
    assert await AgentSignInLink.count().where(AgentSignInLink.used_at.is_not_null()) == 0


async def test_signing_out_revokes_the_link_s_token_but_not_a_pasted_one(
    client: Client, clock: FrozenClock
) -> None:
    ioana = await _ioana(client, clock)
    await _ask(client, "ioana@store.test")
    [link] = await _links()
    await client.get(f"/agent/l/{link}")
    from_link = client.cookies[AGENT_COOKIE]
    out = await client.post("/agent/logout", headers=await _csrf(client))
    assert out.status_code == 303
    assert await authenticate_staff(from_link) is None  # ended everywhere

    pasted = ioana["Authorization"].removeprefix("Bearer ")
    csrf = await _csrf(client)
    signed_in = await client.post("/agent/login", data={"token": pasted}, headers=csrf)
    assert signed_in.status_code == 303
    await client.post("/agent/logout", headers=await _csrf(client))
    assert await authenticate_staff(pasted) is not None  # the agent may use it elsewhere
    assert (await client.get("/api/v1/cases", headers=ioana)).status_code == 200


async def test_a_link_s_token_ends_after_a_working_day(client: Client, clock: FrozenClock) -> None:
    await _ioana(client, clock)
    await _ask(client, "ioana@store.test")
    [link] = await _links()
    await client.get(f"/agent/l/{link}")
    session = client.cookies[AGENT_COOKIE]
    clock.advance(hours=11)
    assert await end_old_link_sessions(clock) == 0
    assert await authenticate_staff(session) is not None
    clock.advance(hours=2)
    assert await end_old_link_sessions(clock) == 1
    assert await authenticate_staff(session) is None


async def test_links_are_limited_per_client_and_per_agent(
    client: Client, clock: FrozenClock
) -> None:
    await _ioana(client, clock)
    answers = [await _ask(client, "ioana@store.test") for _ in range(10)]
    assert {status for status, _ in answers} == {200}
    assert len(await _links()) == 3  # an agent's inbox is not flooded; the answer says nothing
    status, page = await _ask(client, "ioana@store.test")
    assert status == 429 and "Too many links" in page
    clock.advance(minutes=61)
    assert (await _ask(client, "ioana@store.test"))[0] == 200
    assert len(await _links()) == 4
