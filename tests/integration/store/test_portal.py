"""The customer portal: signing in with order number + email, and what can go back when."""

from __future__ import annotations

from datetime import UTC, datetime

from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseItem, LookupFailure, OrderLine, ReturnCase
from returns_service.domain.access import Role
from tests.integration.helpers import (
    Client,
    order_doc,
    portal_headers,
    seed_store,
    staff_headers,
)


async def _seeded(client: Client, clock: FrozenClock) -> dict[str, str]:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    return admin


async def test_customer_sees_return_by_per_line(client: Client, clock: FrozenClock) -> None:
    await _seeded(client, clock)
    headers = await portal_headers(client)
    response = await client.get("/api/v1/portal/order", headers=headers)
    assert response.status_code == 200
    order = response.json()
    assert order["number"] == "1001"
    lines = {line["sku"]: line for line in order["lines"]}
    ring, watch, final = lines["RING-8-BLK"], lines["WATCH-41-BLK"], lines["RING-9-BLK"]
    assert ring["return_by"] == "2026-09-04"  # delivered 5 Aug + 30 days
    assert watch["return_by"] == "2026-11-03"  # + 90 days for watches
    assert ring["returnable_quantity"] == 2 and ring["ineligible_reason"] is None
    assert final["returnable_quantity"] == 0 and final["ineligible_reason"] == "final_sale"
    assert ring["title"] == "Active silicone ring" and ring["variant"] == "Size 8 / Black"
    assert ring["unit_price"] == {"amount": 2500, "currency": "USD"}
    assert order["delivered_at"].startswith("2026-08-05")


async def test_window_closes_the_day_after_return_by(client: Client, clock: FrozenClock) -> None:
    await _seeded(client, clock)
    clock.set(datetime(2026, 9, 5, 0, 0, 1, tzinfo=UTC))  # 31 days after delivery
    headers = await portal_headers(client)
    lines = {
        line["sku"]: line
        for line in (await client.get("/api/v1/portal/order", headers=headers)).json()["lines"]
    }
    assert lines["RING-8-BLK"]["ineligible_reason"] == "window_closed"
    assert lines["RING-8-BLK"]["returnable_quantity"] == 0
    assert lines["WATCH-41-BLK"]["returnable_quantity"] == 1


async def test_lines_already_in_a_case_are_subtracted(client: Client, clock: FrozenClock) -> None:
    await _seeded(client, clock)
    headers = await portal_headers(client)
    line = await OrderLine.select().where(OrderLine.sku == "RING-8-BLK").first()
    assert line is not None
    case_id = (
        await ReturnCase.insert(
            ReturnCase(
                store=line["store"],
                number="R-TEST01",
                order=line["order"],
                customer=1,
                status="approved",
                created_at=clock.now(),
                updated_at=clock.now(),
            )
        )
    )[0]["id"]
    await CaseItem.insert(
        CaseItem(
            store=line["store"],
            case=case_id,
            line=line["id"],
            quantity=1,
            reason="too_small",
            resolution="exchange",
        )
    )
    lines = {
        row["sku"]: row
        for row in (await client.get("/api/v1/portal/order", headers=headers)).json()["lines"]
    }
    assert lines["RING-8-BLK"]["returnable_quantity"] == 1
    # a cancelled case gives the units back
    await ReturnCase.update({ReturnCase.status: "cancelled"}).where(ReturnCase.id == case_id)
    lines = {
        row["sku"]: row
        for row in (await client.get("/api/v1/portal/order", headers=headers)).json()["lines"]
    }
    assert lines["RING-8-BLK"]["returnable_quantity"] == 2


async def test_email_is_matched_trimmed_and_case_insensitively(
    client: Client, clock: FrozenClock
) -> None:
    await _seeded(client, clock)
    response = await client.post(
        "/api/v1/portal/sessions",
        json={"order_number": " 1001 ", "email": "  ANA@Example.COM "},
    )
    assert response.status_code == 201
    body = response.json()
    assert body["order"]["number"] == "1001"
    assert body["expires_at"].startswith("2026-09-01T14:00")  # two hours after the frozen now


async def test_wrong_email_and_unknown_order_give_identical_404(
    client: Client, clock: FrozenClock
) -> None:
    await _seeded(client, clock)
    wrong_email = await client.post(
        "/api/v1/portal/sessions", json={"order_number": "1001", "email": "eve@example.com"}
    )
    unknown_order = await client.post(
        "/api/v1/portal/sessions", json={"order_number": "9999", "email": "ana@example.com"}
    )
    assert wrong_email.status_code == unknown_order.status_code == 404
    assert wrong_email.content == unknown_order.content
    assert wrong_email.headers["content-type"] == "application/problem+json"


async def test_repeated_lookup_failures_are_throttled(client: Client, clock: FrozenClock) -> None:
    await _seeded(client, clock)
    wrong = {"order_number": "1001", "email": "eve@example.com"}
    for _ in range(5):
        assert (await client.post("/api/v1/portal/sessions", json=wrong)).status_code == 404
    throttled = await client.post("/api/v1/portal/sessions", json=wrong)
    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) > 0
    assert throttled.json()["type"] == "/problems/too-many-attempts"
    assert int(throttled.headers["retry-after"]) <= 60
    # the right pair waits too, but never more than a minute
    right = {"order_number": "1001", "email": "ana@example.com"}
    assert (await client.post("/api/v1/portal/sessions", json=right)).status_code == 429
    clock.advance(seconds=60)
    assert (await client.post("/api/v1/portal/sessions", json=right)).status_code == 201
    assert await LookupFailure.count() == 2  # one counter for the client, one for the order


async def test_forwarded_addresses_from_an_untrusted_peer_are_ignored(
    client: Client, clock: FrozenClock
) -> None:
    # no RETURNS_TRUSTED_PROXIES: the header is the caller's own words, loopback included
    await _seeded(client, clock)
    wrong = {"order_number": "1001", "email": "eve@example.com"}
    for n in range(5):
        headers = {"X-Forwarded-For": f"198.51.100.{n}", "Forwarded": f"for=192.0.2.{n}"}
        response = await client.post("/api/v1/portal/sessions", json=wrong, headers=headers)
        assert response.status_code == 404
    other_order = {"order_number": "1002", "email": "eve@example.com"}
    headers = {"X-Forwarded-For": "198.51.100.77"}
    response = await client.post("/api/v1/portal/sessions", json=other_order, headers=headers)
    assert response.status_code == 429  # counted against the peer, whatever the header says


async def test_portal_session_expires(client: Client, clock: FrozenClock) -> None:
    await _seeded(client, clock)
    headers = await portal_headers(client)
    clock.advance(minutes=121)
    response = await client.get("/api/v1/portal/order", headers=headers)
    assert response.status_code == 401
    assert response.json()["type"] == "/problems/not-authenticated"


async def test_a_tampered_portal_token_is_refused(client: Client, clock: FrozenClock) -> None:
    await _seeded(client, clock)
    headers = await portal_headers(client)
    token = headers["Authorization"].removeprefix("Bearer ")
    payload, signature = token.removeprefix("rsp1.").split(".")
    forged = {"Authorization": f"Bearer rsp1.{payload}x.{signature}"}
    assert (await client.get("/api/v1/portal/order", headers=forged)).status_code == 401


async def test_no_token_is_401_and_staff_tokens_are_403(client: Client, clock: FrozenClock) -> None:
    await _seeded(client, clock)
    assert (await client.get("/api/v1/portal/order")).status_code == 401
    warehouse = await staff_headers(client, Role.WAREHOUSE, clock)
    response = await client.get("/api/v1/portal/order", headers=warehouse)
    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"


async def test_exchange_options_list_other_variants(client: Client, clock: FrozenClock) -> None:
    await _seeded(client, clock)
    headers = await portal_headers(client)
    order = (await client.get("/api/v1/portal/order", headers=headers)).json()
    ring = next(line for line in order["lines"] if line["sku"] == "RING-8-BLK")
    response = await client.get(
        f"/api/v1/portal/order/lines/{ring['id']}/exchange-options", headers=headers
    )
    assert response.status_code == 200
    options = {o["sku"]: o["in_stock"] for o in response.json()}
    assert options == {"RING-7-BLK": True, "RING-9-BLK": True, "RING-10-BLK": False}
    suggested = {o["sku"]: o["suggested_for"] for o in response.json()}
    assert suggested == {
        "RING-7-BLK": ["too_large"],
        "RING-9-BLK": ["too_small"],
        "RING-10-BLK": [],
    }


async def test_another_customers_line_is_404(client: Client, clock: FrozenClock) -> None:
    admin = await _seeded(client, clock)
    other = order_doc("1002", "bo@example.com")
    assert (await client.post("/api/v1/orders", json=other, headers=admin)).status_code == 201
    bo_lines = (
        await client.get(
            "/api/v1/portal/order", headers=await portal_headers(client, "1002", "bo@example.com")
        )
    ).json()["lines"]
    ana = await portal_headers(client)
    response = await client.get(
        f"/api/v1/portal/order/lines/{bo_lines[0]['id']}/exchange-options", headers=ana
    )
    assert response.status_code == 404
    assert response.json()["status"] == 404
