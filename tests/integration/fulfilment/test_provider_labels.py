"""Labels bought from a provider (EasyPost, Shippo): after the approval commits, through the
outbox, once, whatever fails on the way; voided when unused; followed by the provider's
tracking webhooks. Driven with a scripted provider (carrier_fakes.py) behind the carrier
Protocol; the adapters are tested against stand-ins of the providers' APIs."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from returns_service.adapters.carriers import CarrierError
from returns_service.clock import FrozenClock
from returns_service.db.tables import OutboxMessage
from returns_service.domain.access import Role
from returns_service.services.platform import jobs
from returns_service.services.platform.runtime import Runtime
from tests.integration.fulfilment.carrier_fakes import (
    PNG,
    FakeProvider,
    kinds,
    labels_of,
    open_ring_return,
    use_carrier,
)
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


async def approval_emails(number: str) -> list[dict]:
    return await OutboxMessage.select(OutboxMessage.body, OutboxMessage.html).where(
        (OutboxMessage.case.number == number)
        & (OutboxMessage.kind == "email")
        & (OutboxMessage.template == "case_approved")
    )


async def run_jobs(runtime: Runtime, clock: FrozenClock, after_seconds: int = 0) -> jobs.JobReport:
    clock.advance(seconds=after_seconds)
    return await jobs.run_due(runtime)


async def test_approval_buys_the_label_after_the_commit_and_the_case_shows_it(
    client: Client, shop: dict, provider: FakeProvider
) -> None:
    case = await open_ring_return(client, shop["customer"])
    number = case["number"]
    # bought right after the approving commit, within the request: the response shows it
    assert case["status"] == "approved"
    assert case["label_purchase"] is None
    assert case["label"] == {
        "carrier": "USPS",
        "tracking_number": "9400100000000000000001",
        "label_url": f"/api/v1/portal/returns/{number}/label.pdf",
        "service": "GroundAdvantage",
        "cost": {"amount": 745, "currency": "USD"},
        "qr_code_url": f"/api/v1/portal/returns/{number}/label-qr.png",
    }
    [label] = await labels_of(number)
    assert label["status"] == "active" and label["cost_amount"] == 745
    assert len(provider.sold) == 1
    request = provider.requests[0]
    assert request.service == "cheapest" and request.reference.startswith(number)
    assert request.ship_to.country == "US" and request.customs == ()
    # the customer's PDF and QR code come from us (the page loads nothing from elsewhere)
    pdf = await client.get(case["label"]["label_url"], headers=shop["customer"])
    assert pdf.content == b"%PDF-1.4 provider label 9400100000000000000001"
    qr = await client.get(case["label"]["qr_code_url"], headers=shop["customer"])
    assert qr.status_code == 200 and qr.headers["content-type"] == "image/png"
    assert qr.content == PNG
    # one approval email, sent with the label: its link, the carrier, the drop-off code
    [email] = await approval_emails(number)
    assert f"/portal/returns/{number}/label.pdf" in email["body"]
    assert "9400100000000000000001" in email["body"]
    assert f"/portal/returns/{number}/label-qr.png" in email["body"]
    assert "USPS" in email["html"]
    assert (await kinds(number)).count("label") == 1


async def test_a_timeout_after_the_provider_sold_the_label_then_a_retry_buys_one_label(
    client: Client, shop: dict, provider: FakeProvider, runtime: Runtime, clock: FrozenClock
) -> None:
    provider.fail_after_buy.append(CarrierError("timeout", "no answer within 20 s"))
    case = await open_ring_return(client, shop["customer"])
    number = case["number"]
    assert case["status"] == "approved"  # the approval stands; the label follows
    assert case["label"] is None and case["label_purchase"] == {
        "status": "buying",
        "reason": None,
        "message": None,
    }
    assert await approval_emails(number) == []  # it waits for the label's link
    assert (await run_jobs(runtime, clock)).done == 0  # backoff: not due yet
    assert (await run_jobs(runtime, clock, after_seconds=31)).done == 1
    assert len(provider.sold) == 1  # the retry found the purchase instead of buying again
    [label] = await labels_of(number)
    assert label["status"] == "active"
    assert label["tracking_number"] == "9400100000000000000001"
    view = (await client.get(f"/api/v1/portal/returns/{number}", headers=shop["customer"])).json()
    assert view["label"]["tracking_number"] == "9400100000000000000001"
    assert len(await approval_emails(number)) == 1


async def test_a_rate_limit_is_retried_after_the_providers_retry_after(
    client: Client, shop: dict, provider: FakeProvider, runtime: Runtime, clock: FrozenClock
) -> None:
    provider.fail_buy.append(CarrierError("rate_limited", "slow down", retry_after=120))
    number = (await open_ring_return(client, shop["customer"]))["number"]
    assert (await run_jobs(runtime, clock, after_seconds=100)).done == 0
    assert (await run_jobs(runtime, clock, after_seconds=21)).done == 1
    assert [label["status"] for label in await labels_of(number)] == ["active"]
    assert len(provider.sold) == 1


async def test_a_refused_address_fails_the_purchase_for_the_concierge_and_a_reissue_mends_it(
    client: Client, shop: dict, provider: FakeProvider, runtime: Runtime, clock: FrozenClock
) -> None:
    provider.fail_buy.append(
        CarrierError("invalid_address", "Address not found", field="ship_from.postal_code")
    )
    response = await client.post(
        "/api/v1/portal/returns",
        json={"items": [refund_item((await line_ids(client, shop["customer"]))["RING-8-BLK"])]},
        headers=shop["customer"],
    )
    assert response.status_code == 201  # never a 5xx to the request that approved
    number = response.json()["number"]
    assert response.json()["label_purchase"] == {
        "status": "failed",
        "reason": None,  # the customer learns their label is coming, not why it is late
        "message": None,
    }
    [label] = await labels_of(number)
    assert label["status"] == "failed" and label["tracking_number"] is None
    assert label["failure_kind"] == "invalid_address"
    agent_view = (await client.get(f"/api/v1/cases/{number}", headers=shop["agent"])).json()
    assert agent_view["label_purchase"] == {
        "status": "failed",
        "reason": "invalid_address",
        "message": "Address not found",
    }
    assert agent_view["awaiting_reply"] is True  # the queue's "needs a person" flag
    failed = [e for e in agent_view["timeline"] if e["kind"] == "label_failed"]
    assert failed[0]["params"] == {"reason": "invalid_address", "message": "Address not found"}
    assert "Address not found" in failed[0]["text"]
    assert await approval_emails(number) == []
    assert len(provider.sold) == 0
    # the worker does not try again: a person must correct the address
    assert (await run_jobs(runtime, clock, after_seconds=3600)).done == 0
    # the concierge corrected it and issues the label again: bought, and the email goes now
    reissued = await client.post(f"/api/v1/cases/{number}/label", headers=shop["agent"])
    assert reissued.status_code == 201, reissued.text
    assert reissued.json()["label"]["tracking_number"] == "9400100000000000000001"
    assert reissued.json()["label_purchase"] is None
    assert [label["status"] for label in await labels_of(number)] == ["failed", "active"]
    assert len(await approval_emails(number)) == 1


# (a rejection comes before any approval, so before any label: nothing to void there)
@pytest.mark.parametrize("ending", ["cancel", "close", "reissue", "expire"])
async def test_an_unused_label_is_voided_and_refunded_once(
    client: Client,
    shop: dict,
    provider: FakeProvider,
    runtime: Runtime,
    clock: FrozenClock,
    ending: str,
) -> None:
    number = (await open_ring_return(client, shop["customer"]))["number"]
    if ending == "cancel":
        response = await client.post(
            f"/api/v1/portal/returns/{number}/cancel", headers=shop["customer"]
        )
    elif ending == "close":
        response = await client.post(f"/api/v1/cases/{number}/close", headers=shop["agent"])
    elif ending == "reissue":
        response = await client.post(f"/api/v1/cases/{number}/label", headers=shop["agent"])
    else:
        from returns_service.services.fulfilment import aftercare

        clock.advance(days=runtime.expire_after_days + 1)
        assert await aftercare.expire_unsent(runtime) == 1
        await jobs.run_due(runtime)
    if ending != "expire":
        assert response.status_code in (200, 201), response.text
    statuses = [label["status"] for label in await labels_of(number)]
    assert statuses[0] == "voided"
    assert statuses[1:] == (["active"] if ending == "reissue" else [])
    assert [v.tracking_number for v in provider.voided] == ["9400100000000000000001"]
    assert provider.voided[0].shipment_id == "shp_1"
    await run_jobs(runtime, clock, after_seconds=86400)
    assert len(provider.voided) == 1


async def test_a_label_bought_for_a_case_cancelled_meanwhile_is_voided(
    client: Client, shop: dict, provider: FakeProvider, runtime: Runtime, clock: FrozenClock
) -> None:
    provider.fail_after_buy.append(CarrierError("timeout", "no answer within 20 s"))
    number = (await open_ring_return(client, shop["customer"]))["number"]
    cancelled = await client.post(
        f"/api/v1/portal/returns/{number}/cancel", headers=shop["customer"]
    )
    assert cancelled.status_code == 200
    assert provider.voided == []  # nothing known to void yet: the purchase is unfinished
    # the retry finds what the provider sold, keeps it as voided and asks for the refund
    await run_jobs(runtime, clock, after_seconds=31)
    await run_jobs(runtime, clock)
    [label] = await labels_of(number)
    assert label["status"] == "voided" and label["tracking_number"] == "9400100000000000000001"
    assert [v.tracking_number for v in provider.voided] == ["9400100000000000000001"]
    assert len(provider.sold) == 1
    assert await approval_emails(number) == []


async def test_a_void_the_provider_keeps_refusing_becomes_a_task(
    client: Client, shop: dict, provider: FakeProvider, runtime: Runtime, clock: FrozenClock
) -> None:
    provider.fail_void.append(CarrierError("rejected", "label already scanned"))
    number = (await open_ring_return(client, shop["customer"]))["number"]
    await client.post(f"/api/v1/portal/returns/{number}/cancel", headers=shop["customer"])
    assert provider.voided == []
    agent_view = (await client.get(f"/api/v1/cases/{number}", headers=shop["agent"])).json()
    [event] = [e for e in agent_view["timeline"] if e["kind"] == "label_void_failed"]
    assert event["params"]["tracking_number"] == "9400100000000000000001"
    assert event["params"]["reason"] == "rejected"
    assert agent_view["awaiting_reply"] is True
    assert all(
        e["kind"] != "label_void_failed"
        for e in (
            await client.get(f"/api/v1/portal/returns/{number}", headers=shop["customer"])
        ).json()["timeline"]
    )


async def test_the_policys_label_service_parcel_and_customs_reach_the_purchase(
    client: Client, shop: dict, provider: FakeProvider
) -> None:
    product = {
        "title": "Active silicone ring",
        "category": "rings",
        "weight_grams": 120,
        "hs_code": "7117.19",
        "origin_country": "CN",
        "variants": [
            {
                "sku": "RING-8-BLK",
                "title": "Size 8 / Black",
                "price": {"amount": 2500, "currency": "USD"},
                "stock": 5,
                "weight_grams": 80,
                "dimensions_cm": {"length": 10, "width": 8, "height": 4},
            }
        ],
    }
    put = await client.put("/api/v1/catalog/products/ring", json=product, headers=shop["admin"])
    assert put.status_code == 200, put.text
    policy = {
        **WATCH_POLICY,
        "label_service": "USPS Priority",
        # the US customer's parcel goes to a hub across the border: customs
        "return_addresses": [
            {
                "countries": ["US"],
                "address": {
                    "name": "Returns",
                    "line1": "1 Rue du Port",
                    "city": "Montreal",
                    "postal_code": "H2Y 1C6",
                    "country": "CA",
                },
            }
        ],
    }
    assert (await client.put("/api/v1/policy", json=policy, headers=shop["admin"])).is_success
    lines = await line_ids(client, shop["customer"])
    await open_return(client, shop["customer"], refund_item(lines["RING-8-BLK"], quantity=2))
    [request] = provider.requests
    assert request.service == "USPS Priority"
    assert request.parcel is not None and request.parcel.weight_grams == 160
    assert (request.parcel.length_cm, request.parcel.width_cm, request.parcel.height_cm) == (
        10,
        8,
        4,
    )
    [item] = request.customs
    assert (item.sku, item.quantity, item.weight_grams) == ("RING-8-BLK", 2, 160)
    assert (item.hs_code, item.origin_country) == ("7117.19", "CN")
    assert item.value.amount == 5000 and item.value.currency == "USD"


@pytest.mark.parametrize("service", ["", " ", "x" * 101])
async def test_a_policy_without_a_usable_label_service_is_refused(
    client: Client, shop: dict, service: str
) -> None:
    response = await client.put(
        "/api/v1/policy", json={**WATCH_POLICY, "label_service": service}, headers=shop["admin"]
    )
    assert response.status_code in (400, 422)
    assert "label_service" in response.text


async def test_the_builtin_carrier_still_makes_its_label_in_the_approving_transaction(
    client: Client, shop: dict
) -> None:
    case = await open_ring_return(client, shop["customer"])
    assert case["label"]["carrier"] == "concierge-post"
    assert case["label"]["qr_code_url"] is None and case["label"]["cost"] is None
    assert await OutboxMessage.count().where(OutboxMessage.kind == "job") == 0
    assert len(await approval_emails(case["number"])) == 1


async def test_a_cancel_racing_the_purchases_record_leaves_one_voided_refunded_label(
    client: Client, shop: dict, provider: FakeProvider, runtime: Runtime, clock: FrozenClock
) -> None:
    provider.fail_after_buy.append(CarrierError("timeout", "no answer within 20 s"))
    number = (await open_ring_return(client, shop["customer"]))["number"]
    clock.advance(seconds=31)
    # the retry records the label while the customer cancels: whichever takes the case's
    # lock first, the label ends voided and refunded once, and nothing is bought twice
    cancelled, _ = await asyncio.gather(
        client.post(f"/api/v1/portal/returns/{number}/cancel", headers=shop["customer"]),
        jobs.run_due(runtime),
    )
    assert cancelled.status_code == 200, cancelled.text
    await run_jobs(runtime, clock, after_seconds=60)
    [label] = await labels_of(number)
    assert label["status"] == "voided" and label["tracking_number"] == "9400100000000000000001"
    assert [v.tracking_number for v in provider.voided] == ["9400100000000000000001"]
    assert len(provider.sold) == 1


async def test_two_passes_at_once_buy_the_label_once(
    client: Client, shop: dict, provider: FakeProvider, runtime: Runtime, clock: FrozenClock
) -> None:
    provider.fail_buy.append(CarrierError("unavailable", "502 Bad Gateway"))
    number = (await open_ring_return(client, shop["customer"]))["number"]
    clock.advance(seconds=31)
    reports = await asyncio.gather(jobs.run_due(runtime), jobs.run_due(runtime))
    assert sum(report.done for report in reports) == 1
    assert len(provider.sold) == 1
    assert [label["status"] for label in await labels_of(number)] == ["active"]
    assert len(await approval_emails(number)) == 1


async def test_under_an_idempotency_key_the_label_is_bought_after_the_keys_commit(
    client: Client, shop: dict, provider: FakeProvider
) -> None:
    lines = await line_ids(client, shop["customer"])
    keyed = {**shop["customer"], "Idempotency-Key": "return-with-label-1"}
    body = {"items": [refund_item(lines["RING-8-BLK"])]}
    first = await client.post("/api/v1/portal/returns", json=body, headers=keyed)
    assert first.status_code == 201, first.text
    number = first.json()["number"]
    # the stored response was made inside the key's transaction, before the purchase; the
    # purchase ran right after that commit, within the same request
    assert [label["status"] for label in await labels_of(number)] == ["active"]
    assert len(provider.sold) == 1 and len(await approval_emails(number)) == 1
    again = await client.post("/api/v1/portal/returns", json=body, headers=keyed)
    assert again.json() == first.json()
    assert len(provider.sold) == 1
