"""The EasyPost adapter, driving the official SDK against the local stand-in of EasyPost's API
(tests/standins/easypost.py). No database: the adapter keeps nothing but what its purchase
notebook (`MemoryProgress` here) is given."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from returns_service.adapters.carriers import (
    Address,
    BoughtLabel,
    CarrierError,
    CustomsItem,
    LabelRequest,
    MemoryProgress,
    Parcel,
    carrier_for,
)
from returns_service.adapters.carriers.easypost import EasyPostCarrier
from returns_service.domain.money import Money
from tests.standins.easypost import EasyPostStandin

SECRET = "whsec-ünïcode-secret"
CUSTOMER = Address(
    name="Ana Pop",
    line1="179 N Harbor Dr",
    city="Redondo Beach",
    region="CA",
    postal_code="90277",
    country="US",
    email="ana@example.com",
    phone="4155550100",
)
STORE = Address(
    name="Returns",
    company="Harbor Goods",
    line1="100 Harbor Way",
    city="Reno",
    region="NV",
    postal_code="89501",
    country="US",
)


@pytest.fixture
def standin() -> Iterator[EasyPostStandin]:
    with EasyPostStandin.running() as running:
        yield running


def adapter(standin: EasyPostStandin, timeout: float = 5.0) -> EasyPostCarrier:
    carrier = carrier_for(
        "easypost", api_key=standin.api_key, api_base=standin.url, timeout_seconds=timeout
    )
    assert isinstance(carrier, EasyPostCarrier)
    return carrier


def request(**changes: object) -> LabelRequest:
    fields: dict[str, object] = {
        "case_number": "R-1001",
        "ship_from": CUSTOMER,
        "ship_to": STORE,
        "portal_url": "https://returns.example/r/R-1001",
        "reference": "R-1001-label-1",
        "parcel": Parcel(weight_grams=1000, length_cm=30, width_cm=20, height_cm=10),
    }
    fields.update(changes)
    return LabelRequest(**fields)  # type: ignore[arg-type]


# -- buying --------------------------------------------------------------------------------------


async def test_the_cheapest_rate_is_bought_as_a_return_from_the_customer_to_the_store(
    standin: EasyPostStandin,
) -> None:
    label = await adapter(standin).buy_return_label(request(), MemoryProgress())

    [sent] = standin.sent("POST", "/v2/shipments")
    shipment = sent["shipment"]
    assert shipment["is_return"] is True
    # EasyPost swaps the addresses of a return: the customer is sent as to_address
    assert shipment["to_address"]["street1"] == "179 N Harbor Dr"
    assert shipment["to_address"]["zip"] == "90277"
    assert shipment["from_address"]["street1"] == "100 Harbor Way"
    assert shipment["from_address"]["company"] == "Harbor Goods"
    assert shipment["reference"] == "R-1001-label-1"
    assert shipment["options"] == {"label_format": "PDF"}
    assert "customs_info" not in shipment

    [purchase] = standin.purchases
    assert (purchase["rate"]["carrier"], purchase["rate"]["service"]) == ("USPS", "GroundAdvantage")
    bought = standin.shipments[purchase["shipment_id"]]
    assert label.provider == "easypost"
    assert (label.carrier, label.service) == ("USPS", "GroundAdvantage")
    assert label.cost == Money(607, "USD")
    assert label.tracking_number == bought["tracking_code"]
    assert label.shipment_id == bought["id"]
    assert label.tracker_id == bought["tracker"]["id"]
    assert label.label_url == bought["postage_label"]["label_pdf_url"]


async def test_fastest_takes_the_fewest_delivery_days(standin: EasyPostStandin) -> None:
    label = await adapter(standin).buy_return_label(request(service="fastest"), MemoryProgress())

    assert (label.carrier, label.service) == ("UPS", "NextDayAir")
    assert label.cost == Money(3150, "USD")
    assert [p["rate"]["service"] for p in standin.purchases] == ["NextDayAir"]


async def test_fastest_breaks_a_tie_on_days_by_price(standin: EasyPostStandin) -> None:
    standin.rates = [("UPS", "2ndDayAir", "19.00", 2), ("USPS", "Priority", "8.25", 2)]

    label = await adapter(standin).buy_return_label(request(service="fastest"), MemoryProgress())

    assert (label.carrier, label.service) == ("USPS", "Priority")


async def test_a_named_carrier_and_service_is_bought(standin: EasyPostStandin) -> None:
    label = await adapter(standin).buy_return_label(
        request(service="USPS Priority"), MemoryProgress()
    )

    assert (label.carrier, label.service, label.cost) == ("USPS", "Priority", Money(825, "USD"))


async def test_a_named_service_not_offered_buys_nothing(standin: EasyPostStandin) -> None:
    with pytest.raises(CarrierError) as raised:
        await adapter(standin).buy_return_label(request(service="FedEx Ground"), MemoryProgress())

    assert raised.value.kind == "no_rates"
    assert not raised.value.retryable
    assert "FedEx Ground" in raised.value.message
    assert standin.purchases == []


async def test_weight_and_size_are_sent_in_ounces_and_inches(standin: EasyPostStandin) -> None:
    await adapter(standin).buy_return_label(request(), MemoryProgress())

    [sent] = standin.sent("POST", "/v2/shipments")
    # 1000 g = 35.27 oz; 30 x 20 x 10 cm = 11.8 x 7.9 x 3.9 in
    assert sent["shipment"]["parcel"] == {
        "weight": 35.3,
        "length": 11.8,
        "width": 7.9,
        "height": 3.9,
    }


async def test_a_weight_alone_is_sent_without_dimensions(standin: EasyPostStandin) -> None:
    await adapter(standin).buy_return_label(
        request(parcel=None, weight_grams=500), MemoryProgress()
    )

    [sent] = standin.sent("POST", "/v2/shipments")
    assert sent["shipment"]["parcel"] == {"weight": 17.6}


async def test_customs_are_declared_for_a_parcel_that_crosses_a_border(
    standin: EasyPostStandin,
) -> None:
    abroad = Address(
        name="Ion Pop",
        line1="Str. Memorandumului 28",
        city="Cluj-Napoca",
        postal_code="400114",
        country="RO",
    )
    customs = (
        CustomsItem(
            description="Linen shirt",
            sku="SHIRT-M",
            quantity=2,
            value=Money(5000, "USD"),
            weight_grams=400,
            hs_code="6205.20",
            origin_country="PT",
        ),
    )

    await adapter(standin).buy_return_label(
        request(ship_from=abroad, customs=customs), MemoryProgress()
    )

    [sent] = standin.sent("POST", "/v2/shipments")
    info = sent["shipment"]["customs_info"]
    assert info["contents_type"] == "returned_goods"
    assert info["customs_certify"] is True
    assert info["customs_signer"] == "Ion Pop"
    assert info["customs_items"] == [
        {
            "description": "Linen shirt",
            "quantity": 2,
            "value": "50.00",
            "currency": "USD",
            "weight": 14.1,
            "hs_tariff_number": "6205.20",
            "origin_country": "PT",
            "code": "SHIRT-M",
        }
    ]


async def test_the_pdf_zpl_and_qr_code_are_the_providers_files(standin: EasyPostStandin) -> None:
    label = await adapter(standin).buy_return_label(request(), MemoryProgress())

    assert label.pdf is not None and label.pdf.startswith(b"%PDF")
    assert label.zpl.startswith("^XA") and label.shipment_id in label.zpl
    assert label.qr_code_url.endswith(f"/files/{label.shipment_id}.png")
    assert label.qr_code_png is not None and label.qr_code_png.startswith(b"\x89PNG")
    # the ZPL was converted by EasyPost, the QR code made as a label_qr_code form
    assert standin.sent("GET", rf"/v2/shipments/{label.shipment_id}/label") == [
        {"file_format": ["ZPL"]}
    ]
    assert standin.sent("POST", rf"/v2/shipments/{label.shipment_id}/forms") == [
        {"form": {"type": "label_qr_code"}}
    ]


async def test_a_carrier_without_label_broker_gives_no_qr_code(standin: EasyPostStandin) -> None:
    label = await adapter(standin).buy_return_label(request(service="UPS Ground"), MemoryProgress())

    assert (label.qr_code_url, label.qr_code_png) == ("", None)
    assert standin.forms == []
    assert label.pdf is not None and label.pdf.startswith(b"%PDF")


async def test_no_qr_code_is_asked_for_when_the_request_says_so(standin: EasyPostStandin) -> None:
    label = await adapter(standin).buy_return_label(request(qr_code=False), MemoryProgress())

    assert label.qr_code_url == ""
    assert standin.forms == []


@pytest.mark.parametrize(
    ("currency", "rate", "minor"),
    [("USD", "6.07", 607), ("JPY", "850", 850), ("KWD", "1.250", 1250), ("EUR", "7.005", 701)],
)
async def test_the_cost_is_in_minor_units_of_the_rates_currency(
    standin: EasyPostStandin, currency: str, rate: str, minor: int
) -> None:
    standin.currency = currency
    standin.rates = [("USPS", "GroundAdvantage", rate, 3)]

    label = await adapter(standin).buy_return_label(request(), MemoryProgress())

    assert label.cost == Money(minor, currency)


# -- idempotency -----------------------------------------------------------------------------


async def test_a_timeout_after_the_purchase_then_a_retry_buys_one_label(
    standin: EasyPostStandin,
) -> None:
    progress = MemoryProgress()
    standin.fail_next("buy", "timeout_after_buy")

    with pytest.raises(CarrierError) as raised:
        await adapter(standin, timeout=0.5).buy_return_label(request(), progress)

    assert raised.value.kind == "timeout" and raised.value.retryable
    # EasyPost did buy it; the shipment was written down before
    [purchase] = standin.purchases
    assert progress.get("shipment_id") == purchase["shipment_id"]

    label = await adapter(standin).buy_return_label(request(), progress)

    assert len(standin.purchases) == 1
    assert len(standin.shipments) == 1
    assert len(standin.sent("POST", "/v2/shipments")) == 1
    assert label.shipment_id == purchase["shipment_id"]
    assert label.tracking_number == standin.shipments[label.shipment_id]["tracking_code"]
    assert label.pdf is not None and label.pdf.startswith(b"%PDF")


async def test_a_retry_after_a_refused_purchase_buys_on_the_same_shipment(
    standin: EasyPostStandin,
) -> None:
    progress = MemoryProgress()
    standin.fail_next("buy", "insufficient_funds")

    with pytest.raises(CarrierError) as raised:
        await adapter(standin).buy_return_label(request(), progress)

    assert raised.value.kind == "insufficient_funds" and not raised.value.retryable
    assert standin.purchases == []

    label = await adapter(standin).buy_return_label(request(), progress)

    assert [p["shipment_id"] for p in standin.purchases] == [label.shipment_id]
    assert list(standin.shipments) == [label.shipment_id]


async def test_a_purchase_that_completed_after_the_retry_looked_is_not_bought_again(
    standin: EasyPostStandin,
) -> None:
    progress = MemoryProgress()
    standin.fail_next("buy", "timeout_after_buy")
    with pytest.raises(CarrierError):
        await adapter(standin, timeout=0.5).buy_return_label(request(), progress)
    # the retry reads the shipment as it was before the purchase landed, and tries to buy
    standin.fail_next("retrieve", "stale_retrieve")

    label = await adapter(standin).buy_return_label(request(), progress)

    assert len(standin.purchases) == 1
    assert len(standin.sent("POST", r"/v2/shipments/shp_\w+/buy")) == 2  # the second refused
    assert label.tracking_number == standin.shipments[label.shipment_id]["tracking_code"]


async def test_a_shipment_that_had_no_rates_is_rated_afresh_on_the_retry(
    standin: EasyPostStandin,
) -> None:
    progress = MemoryProgress()
    standin.fail_next("create", "no_rates")
    with pytest.raises(CarrierError) as raised:
        await adapter(standin).buy_return_label(request(), progress)
    assert raised.value.kind == "no_rates"
    unrated = progress.get("shipment_id")

    label = await adapter(standin).buy_return_label(request(), progress)

    assert len(standin.shipments) == 2
    assert label.shipment_id != unrated
    assert progress.get("shipment_id") == label.shipment_id
    assert [p["shipment_id"] for p in standin.purchases] == [label.shipment_id]


async def test_a_label_file_that_fails_to_download_is_fetched_on_the_retry_without_buying(
    standin: EasyPostStandin,
) -> None:
    progress = MemoryProgress()
    standin.fail_next("files", "unavailable")

    with pytest.raises(CarrierError) as raised:
        await adapter(standin).buy_return_label(request(), progress)

    assert raised.value.kind == "unavailable" and raised.value.retryable
    assert len(standin.purchases) == 1

    label = await adapter(standin).buy_return_label(request(), progress)

    assert len(standin.purchases) == 1
    assert label.pdf is not None and label.pdf.startswith(b"%PDF")


async def test_calling_again_after_success_returns_the_same_label(
    standin: EasyPostStandin,
) -> None:
    progress = MemoryProgress()
    first = await adapter(standin).buy_return_label(request(), progress)
    again = await adapter(standin).buy_return_label(request(), progress)

    assert len(standin.purchases) == 1
    assert (again.tracking_number, again.cost, again.qr_code_url) == (
        first.tracking_number,
        first.cost,
        first.qr_code_url,
    )
    assert len(standin.forms) == 1  # the QR code form is found on the shipment, not made twice


# -- void, trackers ----------------------------------------------------------------------------


async def test_void_refunds_the_shipment_and_a_second_void_is_fine(
    standin: EasyPostStandin,
) -> None:
    carrier = adapter(standin)
    label = await carrier.buy_return_label(request(), MemoryProgress())
    bought = BoughtLabel(
        carrier=label.carrier, tracking_number=label.tracking_number, shipment_id=label.shipment_id
    )

    await carrier.void_label(bought)
    await carrier.void_label(bought)

    assert standin.refunds == [label.shipment_id]
    assert standin.shipments[label.shipment_id]["refund_status"] == "submitted"


async def test_void_of_a_shipment_never_bought_is_refused(standin: EasyPostStandin) -> None:
    carrier = adapter(standin)
    progress = MemoryProgress()
    standin.fail_next("buy", "insufficient_funds")
    with pytest.raises(CarrierError):
        await carrier.buy_return_label(request(), progress)
    shipment_id = progress.get("shipment_id")
    assert shipment_id

    with pytest.raises(CarrierError) as raised:
        await carrier.void_label(BoughtLabel("USPS", "", shipment_id=shipment_id))

    assert raised.value.kind == "rejected"
    assert standin.refunds == []


async def test_a_tracker_is_registered_for_a_customers_own_tracking_number(
    standin: EasyPostStandin,
) -> None:
    tracker_id = await adapter(standin).register_tracker("UPS", "1Z999AA10123456784")

    [tracker] = standin.trackers
    assert tracker_id == tracker["id"] and tracker_id.startswith("trk_")
    assert standin.sent("POST", "/v2/trackers") == [
        {"tracker": {"tracking_code": "1Z999AA10123456784", "carrier": "UPS"}}
    ]
