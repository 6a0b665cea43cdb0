"""Versioned policies (issue 16): every PUT publishes a version (who, when), an identical
re-PUT publishes none, leads may publish and read them, agents may not; each case records the
version that decided it."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from returns_service.clock import FrozenClock
from returns_service.db.tables import PolicyVersion, ReturnCase, StorePolicy
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


async def test_each_put_publishes_a_version_newest_first(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)  # its token is named "test admin"
    await seed_store(client, admin)  # version 1, by the admin token
    _, lead = await add_agent(client, admin, "Maria Lead", role="lead")
    published_first = clock.now()
    clock.advance(hours=2)
    sixty = {**WATCH_POLICY, "window_days": 60}
    response = await client.put("/api/v1/policy", json=sixty, headers=lead)
    assert response.status_code == 200, response.text
    assert response.json()["window_days"] == 60  # the answer is still the policy

    response = await client.get("/api/v1/policy/versions", headers=lead)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["next_cursor"] is None
    assert [v["version"] for v in body["items"]] == [2, 1]
    newest, oldest = body["items"]
    assert newest["published_by"] == {"role": "lead", "name": "Maria Lead"}
    assert newest["published_at"] == (published_first + timedelta(hours=2)).isoformat().replace(
        "+00:00", "Z"
    )
    assert newest["policy"]["window_days"] == 60
    assert oldest["published_by"] == {"role": "admin", "name": "admin token test admin"}
    assert oldest["policy"]["window_days"] == 30
    assert oldest["policy"]["rules"][0] == {"match": {"category": "watches"}, "window_days": 90}
    assert (await client.get("/api/v1/policy", headers=admin)).json()["window_days"] == 60


async def test_an_identical_re_put_publishes_nothing(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    clock.advance(minutes=5)
    response = await client.put("/api/v1/policy", json=WATCH_POLICY, headers=admin)
    assert response.status_code == 200
    assert await PolicyVersion.count() == 1
    assert (await StorePolicy.select(StorePolicy.version).first()) == {"version": 1}
    # the same policy written with its defaults spelled out is the same document
    spelled = {**WATCH_POLICY, "auto_approve": True, "first_response_hours": 24}
    assert (await client.put("/api/v1/policy", json=spelled, headers=admin)).status_code == 200
    assert await PolicyVersion.count() == 1


async def test_versions_are_paged(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    for days in (10, 20, 30, 40, 50):
        policy = {**WATCH_POLICY, "window_days": days}
        assert (await client.put("/api/v1/policy", json=policy, headers=admin)).status_code == 200
    first = (await client.get("/api/v1/policy/versions?limit=2", headers=admin)).json()
    assert [v["version"] for v in first["items"]] == [5, 4]
    second = (
        await client.get(
            f"/api/v1/policy/versions?limit=2&cursor={first['next_cursor']}", headers=admin
        )
    ).json()
    assert [v["version"] for v in second["items"]] == [3, 2]
    third = (
        await client.get(
            f"/api/v1/policy/versions?limit=2&cursor={second['next_cursor']}", headers=admin
        )
    ).json()
    assert [v["version"] for v in third["items"]] == [1] and third["next_cursor"] is None
    bad = await client.get("/api/v1/policy/versions?cursor=nonsense", headers=admin)
    assert bad.status_code == 422, bad.text


async def test_agents_may_neither_publish_nor_list(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    _, agent = await add_agent(client, admin, "Sam Concierge")
    put = await client.put("/api/v1/policy", json={**WATCH_POLICY, "window_days": 5}, headers=agent)
    assert put.status_code == 403
    assert (await client.get("/api/v1/policy/versions", headers=agent)).status_code == 403
    assert await PolicyVersion.count() == 1


async def test_two_publishers_at_once_get_two_versions(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    responses = await asyncio.gather(
        *(
            client.put("/api/v1/policy", json={**WATCH_POLICY, "window_days": d}, headers=admin)
            for d in (41, 42, 43)
        )
    )
    assert [r.status_code for r in responses] == [200, 200, 200]
    versions = await PolicyVersion.select(PolicyVersion.version).order_by(PolicyVersion.version)
    assert [v["version"] for v in versions] == [1, 2, 3, 4]
    latest = (await client.get("/api/v1/policy/versions?limit=1", headers=admin)).json()
    current = (await client.get("/api/v1/policy", headers=admin)).json()
    assert latest["items"][0]["policy"]["window_days"] == current["window_days"]


async def test_a_case_records_the_version_that_decided_it(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    first = await open_return(client, customer, refund_item(lines["RING-8-BLK"]))
    sixty = {**WATCH_POLICY, "window_days": 60}
    assert (await client.put("/api/v1/policy", json=sixty, headers=admin)).status_code == 200
    second = await open_return(client, customer, refund_item(lines["RING-8-BLK"]))
    lead = await staff_headers(client, Role.LEAD, clock)
    for number, version in ((first["number"], 1), (second["number"], 2)):
        view = (await client.get(f"/api/v1/cases/{number}", headers=lead)).json()
        assert view["policy_version"] == version
    stored = await ReturnCase.select(ReturnCase.number, ReturnCase.policy_version)
    assert {r["number"]: r["policy_version"] for r in stored} == {
        first["number"]: 1,
        second["number"]: 2,
    }
