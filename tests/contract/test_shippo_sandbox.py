"""The Shippo adapter against Shippo's own test mode: the stand-in's scenarios, for real.

Runs only with `SHIPPO_TEST_API_KEY` set to a test token (`shippo_test_...`; a live token is
refused here, since it would buy real labels). `SHIPPO_API_BASE` may point elsewhere.

    SHIPPO_TEST_API_KEY=shippo_test_... .venv/bin/python -m pytest -q tests/contract/test_shippo_sandbox.py
"""

from __future__ import annotations

import os
import uuid

import pytest

from returns_service.adapters.carriers import (
    Address,
    BoughtLabel,
    CarrierError,
    LabelRequest,
    MemoryProgress,
    Parcel,
)
from returns_service.adapters.carriers.shippo import ShippoCarrier

KEY = os.environ.get("SHIPPO_TEST_API_KEY", "")
BASE = os.environ.get("SHIPPO_API_BASE", "https://api.goshippo.com")

pytestmark = [
    pytest.mark.skipif(not KEY, reason="SHIPPO_TEST_API_KEY is not set"),
    pytest.mark.skipif(
        bool(KEY) and not KEY.startswith("shippo_test_"),
        reason="SHIPPO_TEST_API_KEY must be a test token (shippo_test_...)",
    ),
]

# the addresses of Shippo's own examples, which its test mode rates
CUSTOMER = Address(
    name="Mrs. Hippo",
    line1="965 Mission St.",
    city="San Francisco",
    region="CA",
    postal_code="94103",
    country="US",
    email="mrshippo@example.com",
    phone="4151234567",
)
STORE = Address(
    name="Mr. Hippo",
    line1="215 Clayton St.",
    city="San Francisco",
    region="CA",
    postal_code="94117",
    country="US",
    phone="4151234567",
)


def adapter(key: str = KEY) -> ShippoCarrier:
    return ShippoCarrier(key, BASE, timeout_seconds=60)


def request(**changes: object) -> LabelRequest:
    base: dict[str, object] = dict(
        case_number="RC-CONTRACT",
        ship_from=CUSTOMER,
        ship_to=STORE,
        portal_url="https://returns.example.com/portal",
        reference=f"contract-{uuid.uuid4().hex[:12]}",
        parcel=Parcel(weight_grams=850, length_cm=30, width_cm=20, height_cm=10),
        service="usps usps_ground_advantage",
    )
    base.update(changes)
    return LabelRequest(**base)  # type: ignore[arg-type]


async def test_buy_again_void_and_follow() -> None:
    carrier = adapter()
    progress = MemoryProgress()
    purchase = request()
    label = await carrier.buy_return_label(purchase, progress)
    assert label.provider == "shippo" and label.carrier == "USPS"
    assert label.tracking_number and label.label_id and label.shipment_id
    assert label.pdf and label.pdf.startswith(b"%PDF")
    assert label.cost is not None and label.cost.currency == "USD" and label.cost.amount > 0

    # a second call for the same purchase (as after a timeout) finds it: nothing bought twice
    again = await carrier.buy_return_label(purchase, progress)
    assert again.label_id == label.label_id
    assert again.tracking_number == label.tracking_number

    bought = BoughtLabel(
        carrier=label.carrier,
        tracking_number=label.tracking_number,
        shipment_id=label.shipment_id,
        label_id=label.label_id,
    )
    await carrier.void_label(bought)
    await carrier.void_label(bought)  # already refunded: fine

    # Shippo's test mode follows its own test numbers (tracking guide, "Testing")
    assert await carrier.register_tracker("shippo", "SHIPPO_TRANSIT") == "SHIPPO_TRANSIT"


async def test_cheapest_and_fastest_are_rates_shippo_offers() -> None:
    carrier = adapter()
    cheapest = await carrier.buy_return_label(request(service="cheapest"), MemoryProgress())
    fastest = await carrier.buy_return_label(request(service="fastest"), MemoryProgress())
    assert cheapest.cost is not None and fastest.cost is not None
    assert cheapest.cost.amount <= fastest.cost.amount
    for label in (cheapest, fastest):
        await carrier.void_label(
            BoughtLabel(carrier=label.carrier, tracking_number="", label_id=label.label_id)
        )


async def test_a_service_not_offered_is_no_rates() -> None:
    with pytest.raises(CarrierError) as caught:
        await adapter().buy_return_label(request(service="usps no_such_service"), MemoryProgress())
    assert caught.value.kind == "no_rates"


async def test_a_wrong_key_is_auth() -> None:
    with pytest.raises(CarrierError) as caught:
        await adapter("shippo_test_" + "0" * 40).buy_return_label(request(), MemoryProgress())
    assert caught.value.kind == "auth"
