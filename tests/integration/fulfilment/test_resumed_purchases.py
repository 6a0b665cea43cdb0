"""A provider's label is bought once, whatever is repeated: a purchase that gave up on
timeouts (the provider may have sold it all the same) is resumed by the re-issue, not started
anew; an approving request repeated under its Idempotency-Key buys nothing twice. Driven with
the scripted provider of carrier_fakes.py behind the carrier Protocol."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from returns_service.adapters.carriers import CarrierError
from returns_service.clock import FrozenClock
from returns_service.db.tables import Label, OutboxMessage
from returns_service.domain.access import Role
from returns_service.services.fulfilment.purchases import BUY_ATTEMPTS
from returns_service.services.platform import jobs
from returns_service.services.platform.runtime import Runtime
from tests.integration.fulfilment.carrier_fakes import (
    FakeProvider,
    kinds,
    labels_of,
    open_ring_return,
    use_carrier,
)
from tests.integration.helpers import (
    Client,
    add_agent,
    line_ids,
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


def timeout() -> CarrierError:
    return CarrierError("timeout", "no answer within 20 s")


async def until_given_up(runtime: Runtime, clock: FrozenClock) -> None:
    """The worker's passes until the purchase has used all its attempts (the backoff is at
    most an hour)."""
    for _ in range(BUY_ATTEMPTS):
        clock.advance(hours=1)
        await jobs.run_due(runtime)


async def purchase_rows(number: str) -> list[dict]:
    return await (
        Label.select(Label.id, Label.reference, Label.status, Label.failure_kind)
        .where(Label.case.number == number)
        .order_by(Label.id)
    )


async def buy_jobs(number: str) -> list[dict]:
    return await (
        OutboxMessage.select(OutboxMessage.payload, OutboxMessage.failed_at)
        .where((OutboxMessage.case.number == number) & (OutboxMessage.topic == "label.buy"))
        .order_by(OutboxMessage.id)
    )


async def approval_emails(number: str) -> int:
    return await OutboxMessage.count().where(
        (OutboxMessage.case.number == number) & (OutboxMessage.template == "case_approved")
    )


async def test_a_purchase_that_gave_up_after_the_sale_is_resumed_by_the_reissue(
    client: Client, shop: dict, provider: FakeProvider, runtime: Runtime, clock: FrozenClock
) -> None:
    # sold on the first attempt, but the answer was lost; then the provider stays out of
    # reach until the job gives up
    provider.fail_after_buy.append(timeout())
    provider.unreachable.extend(timeout() for _ in range(BUY_ATTEMPTS - 1))
    number = (await open_ring_return(client, shop["customer"]))["number"]
    await until_given_up(runtime, clock)
    [before] = await purchase_rows(number)
    assert before["status"] == "failed" and before["failure_kind"] == "timeout"
    assert len(provider.sold) == 1 and "label_failed" in await kinds(number)
    assert await approval_emails(number) == 0

    reissued = await client.post(f"/api/v1/cases/{number}/label", headers=shop["agent"])
    assert reissued.status_code == 201, reissued.text
    # the sale the provider made is found and kept: nothing bought twice, nothing orphaned
    assert reissued.json()["label"]["tracking_number"] == "9400100000000000000001"
    assert reissued.json()["label_purchase"] is None
    assert len(provider.sold) == 1 and provider.voided == []
    [after] = await purchase_rows(number)
    assert (after["id"], after["reference"]) == (before["id"], before["reference"])
    assert after["status"] == "active" and after["failure_kind"] == ""
    assert provider.requests[-1].reference == before["reference"]
    first, resumed = await buy_jobs(number)
    assert first["failed_at"] is not None
    payload = json.loads(resumed["payload"])
    assert payload["progress"] == {"shipment": "shp_1"}  # the first job's notes
    assert payload["label_id"] == before["id"] and payload["replaces"] is False
    assert (await kinds(number)).count("label") == 1
    assert await approval_emails(number) == 1  # the email the failed label owed, once
    # nothing left to run
    assert (await jobs.run_due(runtime)).done == 0
    assert len(provider.sold) == 1


async def test_two_reissues_at_once_after_a_give_up_leave_one_label_and_no_orphan(
    client: Client, shop: dict, provider: FakeProvider, runtime: Runtime, clock: FrozenClock
) -> None:
    provider.fail_after_buy.append(timeout())
    provider.unreachable.extend(timeout() for _ in range(BUY_ATTEMPTS - 1))
    number = (await open_ring_return(client, shop["customer"]))["number"]
    await until_given_up(runtime, clock)
    path = f"/api/v1/cases/{number}/label"
    answers = await asyncio.gather(*(client.post(path, headers=shop["agent"]) for _ in range(2)))
    assert [a.status_code for a in answers] == [201, 201]
    await jobs.run_due(runtime)  # the refunds of what the second re-issue replaced
    # the case's lock puts one re-issue after the other: the first resumes the sale, the
    # second replaces it (a re-issue is a new label); whatever was sold and is not the
    # active label is refunded, so nothing is left paid for and unused
    rows = await labels_of(number)
    [active] = [row for row in rows if row["status"] == "active"]
    sold = {label.tracking_number for label in provider.sold.values()}
    refunded = sorted(label.tracking_number for label in provider.voided)
    assert refunded == sorted(sold - {active["tracking_number"]})
    assert {row["status"] for row in rows} <= {"active", "voided"}
    assert len(rows) == len(sold) == 2


async def test_a_purchase_that_never_reached_the_provider_is_resumed_and_buys_once(
    client: Client, shop: dict, provider: FakeProvider, runtime: Runtime, clock: FrozenClock
) -> None:
    provider.unreachable.extend(
        CarrierError("unavailable", "503 Service Unavailable") for _ in range(BUY_ATTEMPTS)
    )
    number = (await open_ring_return(client, shop["customer"]))["number"]
    await until_given_up(runtime, clock)
    [before] = await purchase_rows(number)
    assert before["failure_kind"] == "unavailable" and provider.sold == {}

    reissued = await client.post(f"/api/v1/cases/{number}/label", headers=shop["agent"])
    assert reissued.status_code == 201, reissued.text
    assert [(row["id"], row["status"]) for row in await purchase_rows(number)] == [
        (before["id"], "active")
    ]
    assert list(provider.sold) == [before["reference"]]


async def test_a_purchase_the_provider_refused_is_bought_anew_by_the_reissue(
    client: Client, shop: dict, provider: FakeProvider
) -> None:
    # nothing was sold; the agent may have corrected the address: a new purchase, as it is now
    provider.fail_buy.append(CarrierError("no_rates", "no rate for USPS Priority"))
    number = (await open_ring_return(client, shop["customer"]))["number"]
    reissued = await client.post(f"/api/v1/cases/{number}/label", headers=shop["agent"])
    assert reissued.status_code == 201, reissued.text
    rows = await purchase_rows(number)
    assert [row["status"] for row in rows] == ["failed", "active"]
    assert rows[0]["reference"] != rows[1]["reference"]
    assert len(provider.sold) == 1


async def test_an_approval_repeated_under_its_idempotency_key_buys_one_label(
    client: Client, shop: dict, provider: FakeProvider, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 9, 10, 12, tzinfo=UTC))  # outside the window: a person decides
    customer = await portal_headers(client)  # signed in now, after the window
    lines = await line_ids(client, customer)
    opened = await client.post(
        "/api/v1/portal/returns",
        json={"items": [refund_item(lines["RING-8-BLK"])]},
        headers=customer,
    )
    assert opened.status_code == 201 and opened.json()["status"] == "requested"
    number = opened.json()["number"]
    keyed = {**shop["agent"], "Idempotency-Key": f"approve-{number}"}
    path = f"/api/v1/cases/{number}/approve"
    # the same request twice at once (a double tap), then once more (a retry after a lost
    # answer): one approval, one purchase
    answers = await asyncio.gather(*(client.post(path, json={}, headers=keyed) for _ in range(2)))
    assert sorted(a.status_code for a in answers) in ([200, 200], [200, 409])
    first = next(a for a in answers if a.status_code == 200)
    assert first.json()["status"] == "approved"
    again = await client.post(path, json={}, headers=keyed)
    assert again.status_code == 200 and again.json() == first.json()
    assert len(provider.sold) == 1
    assert [label["status"] for label in await labels_of(number)] == ["active"]
    assert len(await buy_jobs(number)) == 1
    assert await approval_emails(number) == 1
