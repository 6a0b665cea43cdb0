"""The queue's search (`GET /api/v1/cases?q=`): a case is found by its number, its order's
number, the customer's email or name, or any tracking number it has had; an agent finds only
their own cases; a search for nothing there is an empty page, and a query too long a 400."""

from __future__ import annotations

from typing import Any

from returns_service.clock import FrozenClock
from returns_service.domain.access import Role
from tests.integration.helpers import (
    Client,
    add_agent,
    exchange_item,
    line_ids,
    open_return,
    order_doc,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)


def _order(number: str, email: str, first: str, last: str, country: str = "US") -> dict[str, Any]:
    doc = order_doc(number, email)
    doc["customer"] = {**doc["customer"], "first_name": first, "last_name": last}
    doc["shipping_address"] = {**doc["shipping_address"], "country": country}
    return doc


async def _found(client: Client, headers: dict[str, str], q: str) -> list[str]:
    response = await client.get("/api/v1/cases", params={"q": q}, headers=headers)
    assert response.status_code == 200, response.text
    return [case["number"] for case in response.json()["items"]]


async def test_a_case_is_found_by_every_key_it_has(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)  # order 1001: ana@example.com, Ana Pop
    _, xena = await add_agent(client, admin, "Xena")
    lead = await staff_headers(client, Role.LEAD, clock)
    orders = (
        _order("2002", "stefan.ionescu@example.ro", "Ștefan", "Ionescu-Popa"),
        _order("3003", "Kari.Nordmann@Example.no", "Kari", "Nordmann", country="NO"),
    )
    for doc in orders:
        assert (await client.post("/api/v1/orders", json=doc, headers=admin)).status_code == 201

    ana = await portal_headers(client)
    lines = await line_ids(client, ana)
    refund = await open_return(client, ana, refund_item(lines["RING-8-BLK"]))
    voided = refund["label"]["tracking_number"]
    reissued = await client.post(f"/api/v1/cases/{refund['number']}/label", headers=xena)
    assert reissued.status_code == 201, reissued.text
    current = reissued.json()["label"]["tracking_number"]
    assert current != voided

    stefan = await portal_headers(client, "2002", "stefan.ionescu@example.ro")
    stefan_lines = await line_ids(client, stefan)
    exchange = await open_return(client, stefan, exchange_item(stefan_lines["RING-8-BLK"]))
    shipped = await client.post(f"/api/v1/cases/{exchange['number']}/exchange/ship", headers=xena)
    assert shipped.status_code == 200, shipped.text
    replacement = shipped.json()["exchange"]["tracking_number"]
    assert replacement

    kari = await portal_headers(client, "3003", "kari.nordmann@example.no")
    kari_lines = await line_ids(client, kari)
    own = await open_return(client, kari, refund_item(kari_lines["RING-8-BLK"]))
    assert own["label"] is None  # no prepaid label to Norway: Kari ships it herself
    tracked = await client.post(
        f"/api/v1/portal/returns/{own['number']}/tracking",
        json={"carrier": "posten", "tracking_number": "LA123456789NO"},
        headers=kari,
    )
    assert tracked.status_code in (200, 201), tracked.text

    r, x, o = refund["number"], exchange["number"], own["number"]
    expectations: dict[str, str | list[str]] = {
        r: r,  # its number
        r.lower(): r,  # in any case
        r.removeprefix("R-"): r,  # without the prefix
        "1001": r,  # the order's number
        "#2002": x,  # as the shop prints it
        "ANA@example.com": r,  # the email, in any case
        "kari.nord": o,  # the beginning of the email (it was stored lower-cased)
        "pop": [r, x],  # the beginning of any word of the name: Pop, Ionescu-Popa
        "Ana P": r,  # the first name and the beginning of the last
        "ștefan": x,  # accents as typed
        "popa": x,  # any word of a two-word last name
        current: r,  # our label's tracking number
        voided: r,  # a voided label's
        replacement: x,  # the replacement's
        "la123456789no": o,  # the customer's own, as they may type it
    }
    for q, found in expectations.items():
        numbers = found if isinstance(found, list) else [found]
        assert await _found(client, lead, q) == numbers, q
        assert await _found(client, xena, q) == numbers, q  # Xena owns all three


async def test_an_agent_finds_only_their_own_cases_and_nothing_is_not_an_error(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    _, xena = await add_agent(client, admin, "Xena")
    ana = await portal_headers(client)
    lines = await line_ids(client, ana)
    number = (await open_return(client, ana, refund_item(lines["RING-8-BLK"])))["number"]
    _, yann = await add_agent(client, admin, "Yann")  # joins after Xena was given the case
    lead = await staff_headers(client, Role.LEAD, clock)

    assert await _found(client, xena, "ana@example.com") == [number]
    assert await _found(client, yann, "ana@example.com") == []
    assert await _found(client, yann, number) == []
    # a lead finds it whoever owns it; nothing there is an empty page
    assert await _found(client, lead, number) == [number]
    assert await _found(client, lead, "nobody@nowhere.test") == []
    assert await _found(client, lead, "zz") == []
    # white space alone is no search: the queue as it is
    assert await _found(client, lead, "   ") == [number]

    too_long = await client.get("/api/v1/cases", params={"q": "x" * 201}, headers=lead)
    assert too_long.status_code == 400
    assert too_long.headers["content-type"] == "application/problem+json"
    assert "q" in too_long.text
    bad_sort = await client.get("/api/v1/cases", params={"sort": "status"}, headers=lead)
    assert bad_sort.status_code == 400


async def test_search_combines_with_status_and_an_agent_s_queue(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    _, xena = await add_agent(client, admin, "Xena")
    ana = await portal_headers(client)
    lines = await line_ids(client, ana)
    first = (await open_return(client, ana, refund_item(lines["RING-8-BLK"])))["number"]
    await client.put("/api/v1/policy", json={"auto_approve": False}, headers=admin)
    held = (await open_return(client, ana, refund_item(lines["WATCH-41-BLK"])))["number"]
    lead = await staff_headers(client, Role.LEAD, clock)

    assert await _found(client, lead, "ana pop") == [first, held]  # oldest first
    response = await client.get(
        "/api/v1/cases", params={"q": "ana pop", "status": "requested"}, headers=lead
    )
    assert [c["number"] for c in response.json()["items"]] == [held]
    response = await client.get(
        "/api/v1/cases",
        params={"q": "ana pop", "status": "approved,in_transit", "sort": "-created_at"},
        headers=xena,
    )
    assert [c["number"] for c in response.json()["items"]] == [first]
