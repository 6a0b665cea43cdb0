"""Canned replies: an agent edits and deletes only their own; a lead or an admin any."""

from __future__ import annotations

from returns_service.clock import FrozenClock
from returns_service.db.tables import Macro
from returns_service.domain.access import Role
from tests.integration.helpers import Client, add_agent, staff_headers


async def test_an_agent_cannot_rewrite_or_delete_a_lead_s_macro(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    _, lead = await add_agent(client, admin, "Lena", role="lead")
    _, agent = await add_agent(client, admin, "Ioana")
    _, other = await add_agent(client, admin, "Yann")
    leads = (
        await client.post("/api/v1/macros", json={"name": "refund", "body": "Hi"}, headers=lead)
    ).json()["id"]
    mine = (
        await client.post("/api/v1/macros", json={"name": "mine", "body": "Yo"}, headers=agent)
    ).json()["id"]

    for headers, macro_id in ((agent, leads), (other, mine)):
        patch = await client.patch(
            f"/api/v1/macros/{macro_id}",
            json={"body": "Please pay at http://evil.example"},
            headers=headers,
        )
        assert patch.status_code == 403, patch.text
        assert patch.headers["content-type"] == "application/problem+json"
        assert (
            await client.delete(f"/api/v1/macros/{macro_id}", headers=headers)
        ).status_code == 403
    bodies = {r["id"]: r["body"] for r in await Macro.select(Macro.id, Macro.body)}
    assert bodies == {leads: "Hi", mine: "Yo"}
    assert (await client.get("/api/v1/macros", headers=other)).status_code == 200  # all may use

    # the author edits their own; a lead and an admin edit anyone's
    assert (
        await client.patch(f"/api/v1/macros/{mine}", json={"body": "Yo!"}, headers=agent)
    ).status_code == 200
    assert (
        await client.patch(f"/api/v1/macros/{mine}", json={"body": "Hello"}, headers=lead)
    ).status_code == 200
    assert (
        await client.patch(f"/api/v1/macros/{leads}", json={"body": "Hi!"}, headers=admin)
    ).status_code == 200
    assert (await client.delete(f"/api/v1/macros/{mine}", headers=admin)).status_code == 204
    assert (await client.delete(f"/api/v1/macros/{leads}", headers=lead)).status_code == 204
    assert await Macro.count() == 0
    assert (await client.delete(f"/api/v1/macros/{leads}", headers=agent)).status_code == 404
