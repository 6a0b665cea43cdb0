"""A provider's tracking, as its webhooks and trackers report it: a label's first scan moves
the case, once; a forged webhook changes nothing; a customer's own tracking number is followed
the same way; a scanned label is never voided."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from collections.abc import Iterator

import pytest

from returns_service.clock import FrozenClock
from returns_service.db.tables import ReturnCase
from returns_service.domain.access import Role
from returns_service.services.platform.runtime import Runtime
from returns_service.settings import Settings
from tests.integration.fulfilment.carrier_fakes import (
    SECRET,
    FakeProvider,
    kinds,
    labels_of,
    open_ring_return,
    use_carrier,
    webhook,
)
from tests.integration.helpers import (
    WATCH_POLICY,
    Client,
    add_agent,
    portal_headers,
    seed_store,
    staff_headers,
)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    carrier = dataclasses.replace(settings.carrier, easypost_webhook_secret=SECRET)
    return dataclasses.replace(settings, carrier=carrier)


@pytest.fixture
def runtime(client: Client) -> Runtime:
    return client.app.state.runtime  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def provider(runtime: Runtime) -> Iterator[FakeProvider]:
    yield from use_carrier(runtime, FakeProvider())


@pytest.fixture
async def shop(client: Client, clock: FrozenClock) -> dict[str, dict[str, str]]:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    _, agent = await add_agent(client, admin, "Ioana")
    customer = await portal_headers(client)
    return {"admin": admin, "agent": agent, "customer": customer}


async def test_a_scanned_label_is_not_voided_by_a_reissue(
    client: Client, shop: dict, provider: FakeProvider
) -> None:
    number = (await open_ring_return(client, shop["customer"]))["number"]
    body, headers = webhook("9400100000000000000001", "in_transit")
    moved = await client.post("/api/v1/webhooks/carrier/easypost", content=body, headers=headers)
    assert moved.status_code == 200, moved.text
    assert moved.json()["events"][0]["case_number"] == number
    case = await ReturnCase.select(ReturnCase.status).where(ReturnCase.number == number)
    assert case[0]["status"] == "in_transit"
    await client.post(f"/api/v1/cases/{number}/label", headers=shop["agent"])
    assert [label["status"] for label in await labels_of(number)] == ["active", "active"]
    assert provider.voided == []


async def test_provider_webhooks_move_the_case_once_and_forgeries_change_nothing(
    client: Client, shop: dict, provider: FakeProvider
) -> None:
    number = (await open_ring_return(client, shop["customer"]))["number"]
    url = "/api/v1/webhooks/carrier/easypost"

    async def status() -> str:
        rows = await ReturnCase.select(ReturnCase.status).where(ReturnCase.number == number)
        return str(rows[0]["status"])

    forged_body, _ = webhook("9400100000000000000001", "in_transit")
    _, other_headers = webhook("9400100000000000000001", "in_transit", secret="guessed")
    forged = await client.post(url, content=forged_body, headers=other_headers)
    assert forged.status_code == 401
    assert forged.headers["content-type"].startswith("application/problem+json")
    assert await status() == "approved"
    # an event that is not about tracking is taken and changes nothing
    body, headers = webhook("9400100000000000000001", description="batch.created")
    other = await client.post(url, content=body, headers=headers)
    assert other.status_code == 200 and other.json() == {"events": []}
    assert await status() == "approved"
    # pre-transit says nothing a case follows; unknown numbers are not ours
    body, headers = webhook("9400100000000000000001", "pre_transit", event_id="evt_0")
    assert (await client.post(url, content=body, headers=headers)).json() == {"events": []}
    body, headers = webhook("9400199999999999999999", "in_transit", event_id="evt_x")
    assert (await client.post(url, content=body, headers=headers)).json() == {"events": []}
    assert await status() == "approved"
    body, headers = webhook("9400100000000000000001", "in_transit")
    first = await client.post(url, content=body, headers=headers)
    assert first.status_code == 200
    assert first.json()["events"] == [
        {
            "tracking_number": "9400100000000000000001",
            "status": "in_transit",
            "applied": True,
            "case_number": number,
        }
    ]
    assert await status() == "in_transit"
    replay = await client.post(url, content=body, headers=headers)
    assert replay.json()["events"][0]["applied"] is False
    assert (await kinds(number)).count("status") == 3  # requested, approved, in transit


async def test_a_webhook_without_a_configured_secret_is_refused(
    client: Client, shop: dict, provider: FakeProvider
) -> None:
    body, headers = webhook("9400100000000000000001", "in_transit", secret="")
    response = await client.post("/api/v1/webhooks/carrier/shippo", content=body, headers=headers)
    assert response.status_code == 401


async def test_the_customers_own_tracking_number_is_registered_and_followed(
    client: Client, shop: dict, provider: FakeProvider
) -> None:
    # no prepaid label for the US any more: the customer ships with their own carrier
    policy = {**WATCH_POLICY, "prepaid_label_countries": ["CA"]}
    assert (await client.put("/api/v1/policy", json=policy, headers=shop["admin"])).is_success
    number = (await open_ring_return(client, shop["customer"]))["number"]
    added = await client.post(
        f"/api/v1/portal/returns/{number}/tracking",
        json={"carrier": "ups", "tracking_number": "1Z999AA10123456784"},
        headers=shop["customer"],
    )
    assert added.status_code == 201, added.text
    assert provider.trackers == [("ups", "1Z999AA10123456784")]
    assert provider.sold == {}
    body, headers = webhook("1Z999AA10123456784", "in_transit", event_id="evt_ups")
    moved = await client.post("/api/v1/webhooks/carrier/easypost", content=body, headers=headers)
    assert moved.json()["events"][0]["case_number"] == number
    rows = await ReturnCase.select(ReturnCase.status).where(ReturnCase.number == number)
    assert rows[0]["status"] == "in_transit"


async def test_a_signed_body_the_adapter_cannot_read_is_a_problem_not_a_500(
    client: Client, shop: dict, provider: FakeProvider
) -> None:
    body = b"{}"
    signature = hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    response = await client.post(
        "/api/v1/webhooks/carrier/easypost",
        content=body,
        headers={"X-Hmac-Signature": signature, "content-type": "application/json"},
    )
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
