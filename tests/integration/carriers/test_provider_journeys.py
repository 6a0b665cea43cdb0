"""Issue 12's "done when", end to end: the service configured with RETURNS_CARRIER=easypost
(or shippo) and the provider's _API_BASE pointed at a local stand-in of its HTTP API, driven
only through our HTTP routes. Approving buys exactly one return label whose tracking number,
cost and files are the provider's; cancelling voids it; the provider's signed tracking webhook
moves the case to in_transit and a forged one changes nothing; a timeout after the provider
sold the label, then a retry, leaves one label bought."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from returns_service.clock import FrozenClock
from returns_service.db.tables import Label, TrackingEvent
from returns_service.domain.access import Role
from returns_service.services.fulfilment.purchases import BUY_ATTEMPTS
from returns_service.services.platform import jobs
from returns_service.services.platform.runtime import Runtime
from returns_service.settings import Settings
from tests.integration.fulfilment.carrier_fakes import open_ring_return
from tests.integration.helpers import Client, add_agent, portal_headers, seed_store, staff_headers
from tests.standins import shippo as shippo_standin_module
from tests.standins.easypost import EasyPostStandin
from tests.standins.shippo import running as shippo_running

EASYPOST_SECRET = "easypost-webhook-secret"


@dataclass
class Provider:
    """What the journey needs from a stand-in, the same for both providers."""

    name: str
    standin: Any

    def purchases(self) -> int:
        return len(self.standin.purchases)

    def refunds(self) -> int:
        return len(self.standin.refunds)

    def hang_after_buy(self) -> None:
        if self.name == "easypost":
            self.standin.fail_next("buy", "timeout_after_buy")
        else:
            self.standin.hang_after_buy = True

    def answer_again(self) -> None:
        if self.name == "shippo":
            self.standin.hang_after_buy = False
            self.standin.released.set()
        else:
            self.standin.release.set()

    def webhook(
        self, tracking_number: str, at: datetime, *, forged: bool = False, event_id: str = ""
    ) -> tuple[bytes, dict]:
        """The provider's signed tracking webhook, sent at `at` (Shippo signs the time, which
        the service checks against its clock; EasyPost signs the body only)."""
        if self.name == "easypost":
            secret = "not-the-secret" if forged else EASYPOST_SECRET
            return self.standin.webhook(tracking_number, "in_transit", secret)
        secret = "not-the-secret" if forged else shippo_standin_module.WEBHOOK_SECRET
        return shippo_standin_module.track_updated(
            tracking_number, "TRANSIT", secret=secret, at=at, event_id=event_id or None
        )


@pytest.fixture(params=["easypost", "shippo"])
def provider(request: pytest.FixtureRequest) -> Iterator[Provider]:
    running = (
        EasyPostStandin.running()
        if request.param == "easypost"
        else contextmanager(shippo_running)()
    )
    with running as standin:
        yield Provider(request.param, standin)


@pytest.fixture
def settings(database_url: str, provider: Provider) -> Settings:
    """The service as a store on that provider would configure it (README, docs/carriers.md)."""
    prefix = provider.name.upper()
    return Settings.from_env(
        {
            **os.environ,
            "RETURNS_CARRIER": provider.name,
            f"{prefix}_API_BASE": provider.standin.url,
            f"{prefix}_API_KEY": provider.standin.api_key,
            "EASYPOST_WEBHOOK_SECRET": EASYPOST_SECRET,
            "SHIPPO_WEBHOOK_SECRET": shippo_standin_module.WEBHOOK_SECRET,
            "RETURNS_CARRIER_TIMEOUT_SECONDS": "2",
        }
    )


@pytest.fixture
async def customer(client: Client, clock: FrozenClock) -> dict[str, str]:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    await add_agent(client, admin, "Ioana")
    return await portal_headers(client)


def runtime_of(client: Client) -> Runtime:
    return client.app.state.runtime  # type: ignore[attr-defined,no-any-return]


async def case_of(client: Client, customer: dict[str, str], number: str) -> dict:
    response = await client.get(f"/api/v1/portal/returns/{number}", headers=customer)
    assert response.status_code == 200, response.text
    return response.json()


async def test_approval_buys_one_real_label_which_cancelling_voids(
    client: Client, customer: dict[str, str], provider: Provider
) -> None:
    case = await open_ring_return(client, customer)
    number = case["number"]
    assert provider.purchases() == 1
    label = case["label"]
    [stored] = await Label.select().where(Label.case.number == number)
    assert stored["provider"] == provider.name and stored["status"] == "active"
    # the provider's tracking number and price, not ours
    assert label["tracking_number"] == stored["tracking_number"]
    assert not label["tracking_number"].startswith("RC")
    assert label["cost"]["currency"] == "USD" and label["cost"]["amount"] > 0
    assert label["carrier"] and label["service"]
    pdf = await client.get(label["label_url"], headers=customer)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # reading the case again buys nothing more
    await case_of(client, customer, number)
    assert provider.purchases() == 1

    cancelled = await client.post(f"/api/v1/portal/returns/{number}/cancel", headers=customer)
    assert cancelled.status_code == 200, cancelled.text
    assert provider.refunds() == 1  # voided right after the cancel committed
    [stored] = await Label.select().where(Label.case.number == number)
    assert stored["status"] == "voided"
    await jobs.run_due(runtime_of(client))
    assert provider.refunds() == 1  # and never twice


async def test_the_providers_tracking_webhook_moves_the_case_and_a_forged_one_does_not(
    client: Client, customer: dict[str, str], provider: Provider, clock: FrozenClock
) -> None:
    case = await open_ring_return(client, customer)
    number, tracking = case["number"], case["label"]["tracking_number"]
    path = f"/api/v1/webhooks/carrier/{provider.name}"

    body, headers = provider.webhook(tracking, clock.now(), forged=True)
    forged = await client.post(path, content=body, headers=headers)
    assert forged.status_code == 401
    assert forged.headers["content-type"].startswith("application/problem+json")
    assert (await case_of(client, customer, number))["status"] == "approved"

    body, headers = provider.webhook(tracking, clock.now())
    moved = await client.post(path, content=body, headers=headers)
    assert moved.status_code < 300, moved.text
    assert (await case_of(client, customer, number))["status"] == "in_transit"


@pytest.mark.parametrize("provider", ["shippo"], indirect=True)
async def test_a_shippo_webhook_signed_an_hour_ago_is_refused_and_changes_nothing(
    client: Client, customer: dict[str, str], provider: Provider, clock: FrozenClock
) -> None:
    """Shippo signs the time with the body: one signed before the service's clock allows
    (5 minutes) is a replay of a captured webhook, however good its signature."""
    case = await open_ring_return(client, customer)
    number, tracking = case["number"], case["label"]["tracking_number"]
    path = "/api/v1/webhooks/carrier/shippo"

    old, headers = provider.webhook(tracking, clock.now() - timedelta(hours=1), event_id="ev-1")
    refused = await client.post(path, content=old, headers=headers)
    assert refused.status_code == 401, refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert (await case_of(client, customer, number))["status"] == "approved"
    assert await TrackingEvent.count() == 0
    [label] = await Label.select(Label.in_transit_at).where(Label.case.number == number)
    assert label["in_transit_at"] is None

    # the same event signed now is taken: the refusal did not mark it as seen
    fresh, headers = provider.webhook(tracking, clock.now(), event_id="ev-1")
    moved = await client.post(path, content=fresh, headers=headers)
    assert moved.status_code < 300, moved.text
    assert (await case_of(client, customer, number))["status"] == "in_transit"


async def test_a_timeout_after_the_provider_sold_the_label_then_a_retry_buys_one(
    client: Client, customer: dict[str, str], provider: Provider, clock: FrozenClock
) -> None:
    provider.hang_after_buy()
    case = await open_ring_return(client, customer)
    number = case["number"]
    assert case["status"] == "approved"  # the approval stands; the label follows
    assert case["label"] is None and case["label_purchase"]["status"] == "buying"
    assert provider.purchases() == 1  # sold, though we never heard

    provider.answer_again()
    clock.advance(minutes=5)
    await jobs.run_due(runtime_of(client))
    case = await case_of(client, customer, number)
    assert case["label"] is not None and case["label_purchase"] is None
    assert provider.purchases() == 1  # the retry found it instead of buying again
    assert await Label.count().where(Label.case.number == number) == 1


@pytest.mark.parametrize("provider", ["easypost"], indirect=True)
async def test_a_purchase_that_gave_up_after_the_sale_is_resumed_by_the_reissue(
    client: Client, customer: dict[str, str], provider: Provider, clock: FrozenClock
) -> None:
    """EasyPost sold the label but the answer never came, then could not be reached until
    the purchase gave up: the concierge's re-issue finds that sale instead of buying again."""
    provider.hang_after_buy()
    for _ in range(BUY_ATTEMPTS - 1):
        provider.standin.fail_next("retrieve", "unavailable")
    number = (await open_ring_return(client, customer))["number"]
    for _ in range(BUY_ATTEMPTS):
        clock.advance(hours=1)
        await jobs.run_due(runtime_of(client))
    [failed] = await Label.select(Label.id, Label.status, Label.failure_kind).where(
        Label.case.number == number
    )
    assert (failed["status"], failed["failure_kind"]) == ("failed", "unavailable")
    assert provider.purchases() == 1

    provider.answer_again()
    admin = await staff_headers(client, Role.ADMIN, clock)
    _, lead = await add_agent(client, admin, "Maria", role="lead")
    reissued = await client.post(f"/api/v1/cases/{number}/label", headers=lead)
    assert reissued.status_code == 201, reissued.text
    label = reissued.json()["label"]
    [bought] = await Label.select().where(Label.case.number == number)
    assert bought["id"] == failed["id"] and bought["status"] == "active"
    assert label["tracking_number"] == bought["tracking_number"]
    assert (
        label["tracking_number"]
        == provider.standin.shipments[bought["shipment_id"]]["tracking_code"]
    )
    assert provider.purchases() == 1 and provider.refunds() == 0
