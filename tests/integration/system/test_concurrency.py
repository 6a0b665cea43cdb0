"""Claims that only hold under concurrency, tested with requests that really run at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import msgspec

from returns_service.clock import FrozenClock
from returns_service.db.tables import OrderLine, ReturnCase, Variant
from returns_service.domain.access import Caller, Role
from returns_service.domain.orders import OrderDocument
from returns_service.services.platform.auth import sign_portal_session
from returns_service.services.store.orders import upsert_order
from tests.integration.helpers import (
    WATCH_POLICY,
    Client,
    add_agent,
    exchange_item,
    order_doc,
    refund_item,
    seed_store,
    staff_headers,
)


async def many_customers(
    client: Client, clock: FrozenClock, count: int
) -> list[tuple[dict[str, str], int]]:
    """`count` customers with an order each; returns (portal headers, RING-8-BLK line id)."""
    store_id = client.app.state.store.id  # type: ignore[attr-defined]
    secret = client.app.state.settings.server.secret_key  # type: ignore[attr-defined]
    admin = Caller(Role.ADMIN, store_id)
    result = []
    for n in range(count):
        doc = msgspec.convert(order_doc(str(5000 + n), f"c{n}@example.com"), OrderDocument)
        order = await upsert_order(admin, doc, clock)
        line = await OrderLine.select(
            OrderLine.id, OrderLine.order.customer.as_alias("customer")
        ).where((OrderLine.order == order.id) & (OrderLine.sku == "RING-8-BLK"))
        token = sign_portal_session(
            secret, store_id, order.id, line[0]["customer"], clock.now() + timedelta(hours=1)
        )
        result.append(({"Authorization": f"Bearer {token}"}, line[0]["id"]))
    return result


async def test_200_cases_at_once_never_overfill_an_agent(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    agents = [await add_agent(client, admin, name, capacity=50) for name in ("Ana", "Bo", "Cy")]
    customers = await many_customers(client, clock, 200)

    async def open_one(headers: dict[str, str], line_id: int) -> int:
        response = await client.post(
            "/api/v1/portal/returns", json={"items": [refund_item(line_id)]}, headers=headers
        )
        return response.status_code

    statuses = await asyncio.gather(*(open_one(h, line) for h, line in customers))
    assert statuses == [201] * 200
    per_agent = {
        r["agent"]: r["n"]
        for r in await ReturnCase.raw(
            "SELECT agent, count(*) AS n FROM return_case GROUP BY agent"
        ).run()
    }
    assert per_agent == {agents[0][0]: 50, agents[1][0]: 50, agents[2][0]: 50, None: 50}
    # one owner per case: the "assigned" events, one per assigned case
    assigned_events = await ReturnCase.raw(
        'SELECT "case", count(*) AS n FROM case_event WHERE kind = \'assigned\' GROUP BY "case"'
    ).run()
    assert len(assigned_events) == 150 and {r["n"] for r in assigned_events} == {1}

    # when an agent closes cases, the waiting ones are assigned to them
    ana_id, ana = agents[0]
    queue = (await client.get("/api/v1/cases?limit=10", headers=ana)).json()["items"]
    for case in queue:
        response = await client.post(f"/api/v1/cases/{case['number']}/close", headers=ana)
        assert response.status_code == 200
    open_of_ana = await ReturnCase.count().where(
        (ReturnCase.agent == ana_id) & ReturnCase.status.not_in(["closed"])
    )
    assert open_of_ana == 50
    assert await ReturnCase.count().where(ReturnCase.agent.is_null()) == 40


async def test_stock_never_goes_negative_under_concurrent_exchanges(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)  # RING-9-BLK has 5 in stock
    customers = await many_customers(client, clock, 20)

    async def exchange(headers: dict[str, str], line_id: int) -> int:
        response = await client.post(
            "/api/v1/portal/returns", json={"items": [exchange_item(line_id)]}, headers=headers
        )
        return response.status_code

    statuses = await asyncio.gather(*(exchange(h, line) for h, line in customers))
    assert sorted(statuses) == [201] * 5 + [409] * 15
    assert (await Variant.select(Variant.stock).where(Variant.sku == "RING-9-BLK"))[0]["stock"] == 0
    assert await ReturnCase.count() == 5


async def test_one_idempotency_key_sent_200_times_at_once(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    [(headers, line_id)] = await many_customers(client, clock, 1)
    body = {"items": [refund_item(line_id)]}
    keyed = {**headers, "Idempotency-Key": "return-ana-0001"}

    responses = await asyncio.gather(
        *(client.post("/api/v1/portal/returns", json=body, headers=keyed) for _ in range(200))
    )
    created = [r for r in responses if r.status_code == 201]
    assert {r.status_code for r in responses} <= {201, 409}
    assert len({r.content for r in created}) == 1  # every success is the same response
    assert await ReturnCase.count() == 1
    # afterwards the key replays the first response, byte for byte
    replay = await client.post("/api/v1/portal/returns", json=body, headers=keyed)
    assert replay.status_code == 201 and replay.content == created[0].content
    assert replay.headers["idempotent-replayed"] == "true"
    # the same key with another body is refused and changes nothing
    other = await client.post(
        "/api/v1/portal/returns",
        json={"items": [refund_item(line_id)], "comment": "x"},
        headers=keyed,
    )
    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency-key-reused"
    assert await ReturnCase.count() == 1


async def test_a_failed_request_releases_its_key(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    [(headers, line_id)] = await many_customers(client, clock, 1)
    keyed = {**headers, "Idempotency-Key": "retry-after-fix-1"}
    too_many = {"items": [refund_item(line_id, quantity=5)]}
    assert (
        await client.post("/api/v1/portal/returns", json=too_many, headers=keyed)
    ).status_code == 422
    assert (
        await client.post("/api/v1/portal/returns", json=too_many, headers=keyed)
    ).status_code == 422
    short_key = {**headers, "Idempotency-Key": "short"}
    response = await client.post("/api/v1/portal/returns", json=too_many, headers=short_key)
    assert response.status_code == 400
    assert await ReturnCase.count() == 0


async def test_a_thousand_cases_from_sixteen_creators_never_get_two_owners(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    # no prepaid labels here: this is about owners, not label rendering
    await client.put(
        "/api/v1/policy", json={**WATCH_POLICY, "prepaid_label_countries": []}, headers=admin
    )
    agents = [await add_agent(client, admin, name, capacity=340) for name in ("Ana", "Bo", "Cy")]
    customers = await many_customers(client, clock, 1000)
    queue = asyncio.Queue[tuple[dict[str, str], int]]()
    for customer in customers:
        queue.put_nowait(customer)
    statuses: list[int] = []

    async def creator() -> None:
        while not queue.empty():
            headers, line_id = queue.get_nowait()
            response = await client.post(
                "/api/v1/portal/returns", json={"items": [refund_item(line_id)]}, headers=headers
            )
            statuses.append(response.status_code)

    await asyncio.gather(*(creator() for _ in range(16)))
    assert statuses == [201] * 1000
    loads = await ReturnCase.raw(
        "SELECT agent, count(*) AS n FROM return_case GROUP BY agent"
    ).run()
    assert sum(r["n"] for r in loads) == 1000
    assert all(r["agent"] is not None and r["n"] <= 340 for r in loads)
    owners = await ReturnCase.raw(
        'SELECT "case", count(*) AS n FROM case_event WHERE kind = \'assigned\' GROUP BY "case"'
    ).run()
    assert len(owners) == 1000 and {r["n"] for r in owners} == {1}
    assert {a[0] for a in agents} == {r["agent"] for r in loads}
