"""The queue's orders and its overdue tab: oldest or newest first, or by when the first answer
is due (the cases still owed one first); a cursor pages every order; `overdue` moves with the
clock, and a case nobody waits on any more (cancelled) is never overdue."""

from __future__ import annotations

from typing import Any

from returns_service.clock import FrozenClock
from returns_service.domain.access import Role
from tests.integration.helpers import (
    Client,
    add_agent,
    line_ids,
    open_return,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)


async def _pages(client: Client, headers: dict[str, str], **params: Any) -> list[str]:
    """Every case of the queue, read one per page through the cursors."""
    numbers: list[str] = []
    cursor = None
    for _ in range(10):
        query = {**params, "limit": 1, **({"cursor": cursor} if cursor else {})}
        response = await client.get("/api/v1/cases", params=query, headers=headers)
        assert response.status_code == 200, response.text
        page = response.json()
        numbers += [case["number"] for case in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            return numbers
    raise AssertionError("the cursor never ended")


async def _queue(client: Client, headers: dict[str, str], **params: Any) -> dict[str, Any]:
    response = await client.get("/api/v1/cases", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return {case["number"]: case for case in response.json()["items"]}


async def test_sorts_page_with_their_cursors_and_overdue_follows_the_clock(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    _, sam = await add_agent(client, admin, "Sam")
    lead = await staff_headers(client, Role.LEAD, clock)
    put = await client.put(
        "/api/v1/policy", json={"auto_approve": False, "first_response_hours": 8}, headers=admin
    )
    assert put.status_code == 200, put.text
    ana = await portal_headers(client)
    lines = await line_ids(client, ana)
    a = (await open_return(client, ana, refund_item(lines["RING-8-BLK"])))["number"]
    clock.advance(hours=1)
    ana = await portal_headers(client)  # a portal session lasts less than the hours ahead
    b = (await open_return(client, ana, refund_item(lines["RING-8-BLK"])))["number"]
    clock.advance(hours=1)
    ana = await portal_headers(client)
    c = (await open_return(client, ana, refund_item(lines["WATCH-41-BLK"])))["number"]
    clock.advance(hours=1)
    reply = await client.post(f"/api/v1/cases/{a}/messages", json={"body": "On it"}, headers=sam)
    assert reply.status_code == 201, reply.text

    for headers in (lead, sam):
        assert await _pages(client, headers) == [a, b, c]
        assert await _pages(client, headers, sort="created_at") == [a, b, c]
        assert await _pages(client, headers, sort="-created_at") == [c, b, a]
        # b and c still wait for a first answer (b's is due first); a was answered
        assert await _pages(client, headers, sort="due_at") == [b, c, a]

    queue = await _queue(client, lead)
    assert queue[a]["first_response_due_at"] is not None
    assert [queue[n]["overdue"] for n in (a, b, c)] == [False, False, False]
    assert await _pages(client, lead, overdue="true") == []

    clock.advance(hours=6)  # 9 hours after b opened: its answer is late, c's not yet
    assert await _pages(client, lead, overdue="true") == [b]
    assert await _pages(client, lead, overdue="false") == [a, c]
    assert (await _queue(client, sam))[b]["overdue"] is True
    case = (await client.get(f"/api/v1/cases/{b}", headers=sam)).json()
    assert case["overdue"] is True
    assert case["first_response_due_at"] == queue[b]["first_response_due_at"]

    clock.advance(hours=1)
    assert await _pages(client, lead, overdue="true") == [b, c]
    assert await _pages(client, lead, overdue="true", sort="due_at") == [b, c]
    ana = await portal_headers(client)
    cancelled = await client.post(f"/api/v1/portal/returns/{c}/cancel", headers=ana)
    assert cancelled.status_code == 200, cancelled.text
    assert await _pages(client, lead, overdue="true") == [b]  # nobody waits on c any more
    assert await _pages(client, lead, sort="due_at") == [b, a, c]
    # answering b ends its lateness
    await client.post(f"/api/v1/cases/{b}/messages", json={"body": "Sorry"}, headers=sam)
    assert await _pages(client, lead, overdue="true") == []
    assert (await client.get(f"/api/v1/cases/{b}", headers=sam)).json()["overdue"] is False


async def test_a_cursor_belongs_to_its_sort(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    await add_agent(client, admin, "Sam")
    lead = await staff_headers(client, Role.LEAD, clock)
    ana = await portal_headers(client)
    lines = await line_ids(client, ana)
    for sku in ("RING-8-BLK", "WATCH-41-BLK"):
        await open_return(client, ana, refund_item(lines[sku]))
    page = (await client.get("/api/v1/cases?limit=1&sort=due_at", headers=lead)).json()
    assert page["next_cursor"]
    other = await client.get(
        "/api/v1/cases", params={"cursor": page["next_cursor"], "sort": "-created_at"}, headers=lead
    )
    assert other.status_code == 422  # InvalidRequest, as every wrong cursor
    assert "sort" in other.json()["detail"]
    for garbage in ("nope", "W10", "WyJ4IiwxXQ"):  # not base64 JSON; []; ["x", 1]
        response = await client.get("/api/v1/cases", params={"cursor": garbage}, headers=lead)
        assert response.status_code == 422, garbage
    # a customer's own list carries no first-response fields
    mine = (await client.get("/api/v1/portal/returns", headers=ana)).json()["items"]
    assert mine and all("overdue" not in c and "first_response_due_at" not in c for c in mine)
