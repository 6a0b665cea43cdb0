"""The EasyPost adapter against EasyPost's real test environment: the scenarios of
tests/integration/carriers/test_easypost_adapter.py with a store's own test key, so a store
can check its account in one command:

    EASYPOST_TEST_API_KEY=EZTK... .venv/bin/python -m pytest tests/contract/test_easypost_sandbox.py -q

Test keys buy nothing real (EasyPost's test mode). Skipped without the key.
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
    carrier_for,
)
from returns_service.adapters.carriers.easypost import DEFAULT_API_BASE, EasyPostCarrier

API_KEY = os.environ.get("EASYPOST_TEST_API_KEY", "")

pytestmark = pytest.mark.skipif(
    not API_KEY,
    reason="EASYPOST_TEST_API_KEY is not set: the EasyPost sandbox contract test needs a test key",
)

# addresses from EasyPost's own examples (docs: shipments, returns)
CUSTOMER = Address(
    name="Dr. Steve Brule",
    line1="179 N Harbor Dr",
    city="Redondo Beach",
    region="CA",
    postal_code="90277",
    country="US",
    phone="8573875756",
    email="dr_steve_brule@gmail.com",
)
STORE = Address(
    name="Returns",
    company="EasyPost",
    line1="417 Montgomery Street",
    line2="5th Floor",
    city="San Francisco",
    region="CA",
    postal_code="94104",
    country="US",
    phone="4153334445",
    email="support@easypost.com",
)


def adapter() -> EasyPostCarrier:
    carrier = carrier_for(
        "easypost",
        api_key=API_KEY,
        api_base=os.environ.get("EASYPOST_API_BASE", DEFAULT_API_BASE),
        timeout_seconds=60,
    )
    assert isinstance(carrier, EasyPostCarrier)
    return carrier


def request(service: str = "cheapest") -> LabelRequest:
    return LabelRequest(
        case_number="R-CONTRACT",
        ship_from=CUSTOMER,
        ship_to=STORE,
        portal_url="https://returns.example/r/R-CONTRACT",
        reference=f"contract-{uuid.uuid4().hex[:12]}",
        parcel=Parcel(weight_grams=680, length_cm=25, width_cm=20, height_cm=8),
        service=service,
    )


async def test_a_return_label_is_bought_once_and_refunded() -> None:
    carrier = adapter()
    progress = MemoryProgress()

    label = await carrier.buy_return_label(request(), progress)

    assert label.provider == "easypost"
    assert label.shipment_id.startswith("shp_")
    assert progress.get("shipment_id") == label.shipment_id
    assert label.tracking_number
    assert label.carrier and label.service
    assert label.cost is not None and label.cost.amount > 0
    assert label.pdf is not None and label.pdf.startswith(b"%PDF")
    assert label.label_url.startswith("https://")

    # the same purchase again: the bought shipment is found, nothing is bought twice
    again = await carrier.buy_return_label(request(), progress)
    assert (again.shipment_id, again.tracking_number) == (label.shipment_id, label.tracking_number)

    bought = BoughtLabel(
        carrier=label.carrier, tracking_number=label.tracking_number, shipment_id=label.shipment_id
    )
    await carrier.void_label(bought)
    await carrier.void_label(bought)  # voiding twice is not an error


async def test_the_fastest_rate_is_bought() -> None:
    label = await adapter().buy_return_label(request("fastest"), MemoryProgress())

    assert label.tracking_number and label.cost is not None
    await adapter().void_label(
        BoughtLabel(label.carrier, label.tracking_number, shipment_id=label.shipment_id)
    )


async def test_a_service_nobody_offers_is_no_rates() -> None:
    with pytest.raises(CarrierError) as raised:
        await adapter().buy_return_label(request("NoSuchCarrier Teleport"), MemoryProgress())

    assert raised.value.kind == "no_rates"


async def test_a_tracker_is_registered() -> None:
    # EasyPost's test tracking codes (tracking guide): EZ1000000001 is pre_transit
    tracker_id = await adapter().register_tracker("USPS", "EZ1000000001")

    assert tracker_id.startswith("trk_")


async def test_a_wrong_key_is_an_auth_error() -> None:
    carrier = EasyPostCarrier("EZTK_not_a_key", DEFAULT_API_BASE, timeout_seconds=60)

    with pytest.raises(CarrierError) as raised:
        await carrier.register_tracker("USPS", "EZ1000000001")

    assert raised.value.kind == "auth"
