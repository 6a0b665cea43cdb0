"""The Shippo adapter, through the official SDK, against the local stand-in (no database)."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from returns_service.adapters.carriers import (
    Address,
    BoughtLabel,
    CarrierError,
    CustomsItem,
    LabelRequest,
    MemoryProgress,
    Parcel,
    WebhookRejected,
    carrier_for,
)
from returns_service.adapters.carriers.shippo import ShippoCarrier
from returns_service.domain.money import Money
from tests.standins.shippo import (
    LABEL_PDF,
    QR_PNG,
    WEBHOOK_SECRET,
    ShippoStandIn,
    running,
    track_updated,
)

CUSTOMER = Address(
    name="Ana Pop",
    line1="965 Mission St",
    city="San Francisco",
    region="CA",
    postal_code="94103",
    country="US",
    email="ana@example.com",
    phone="4155550100",
)
STORE = Address(
    name="Returns",
    line1="100 Harbor Way",
    city="Reno",
    region="NV",
    postal_code="89501",
    country="US",
    company="Juniper Goods",
)


@pytest.fixture
def standin() -> Iterator[ShippoStandIn]:
    yield from running()


def carrier(standin: ShippoStandIn, timeout: float = 5.0) -> ShippoCarrier:
    """The adapter as the service gets it (`RETURNS_CARRIER=shippo`)."""
    adapter = carrier_for(
        "shippo", api_key=standin.api_key, api_base=standin.url, timeout_seconds=timeout
    )
    assert isinstance(adapter, ShippoCarrier)
    return adapter


def request(**changes: object) -> LabelRequest:
    base: dict[str, object] = dict(
        case_number="RC-1042",
        ship_from=CUSTOMER,
        ship_to=STORE,
        portal_url="https://returns.example.com/portal",
        reference="label-1042-1",
        parcel=Parcel(weight_grams=850, length_cm=32.5, width_cm=24, height_cm=11),
    )
    base.update(changes)
    return LabelRequest(**base)  # type: ignore[arg-type]


def posted(standin: ShippoStandIn, path: str) -> list[dict]:
    return [body for method, p, body in standin.requests if method == "POST" and p == path]


async def test_cheapest_return_label_with_units_files_cost_and_qr(standin: ShippoStandIn) -> None:
    label = await carrier(standin).buy_return_label(request(), MemoryProgress())

    [shipment] = posted(standin, "/shipments")
    assert shipment["extra"]["is_return"] is True
    assert shipment["extra"]["qr_code_requested"] is True
    # Shippo swaps the addresses of a return: given as outbound, store -> customer
    assert shipment["address_from"]["street1"] == "100 Harbor Way"
    assert shipment["address_to"]["street1"] == "965 Mission St"
    assert shipment["address_to"]["email"] == "ana@example.com"
    assert shipment["parcels"] == [
        {
            "mass_unit": "g",
            "weight": "850",
            "distance_unit": "cm",
            "length": "32.5",
            "width": "24",
            "height": "11",
        }
    ]
    assert shipment["metadata"] == "label-1042-1"
    assert "customs_declaration" not in shipment  # a domestic parcel declares nothing
    [bought] = posted(standin, "/transactions")
    assert bought["label_file_type"] == "PDF_4x6"
    assert bought["async"] is False

    [purchase] = standin.purchases
    assert label.provider == "shippo"
    assert (label.carrier, label.service) == ("USPS", "Ground Advantage")
    assert label.cost == Money(759, "USD")
    assert label.tracking_number == purchase["tracking_number"]
    assert label.label_id == purchase["object_id"]
    assert label.shipment_id == shipment_id_of(standin)
    assert label.label_url == purchase["label_url"]
    assert label.pdf == LABEL_PDF
    assert label.qr_code_url == purchase["qr_code_url"]
    assert label.qr_code_png == QR_PNG
    assert label.zpl == ""  # a ZPL file would be a second purchase
    # pinned to the version the SDK's models describe (files are fetched without it)
    assert standin.api_versions == {"2018-02-08", ""}


def shipment_id_of(standin: ShippoStandIn) -> str:
    [shipment_id] = standin.shipments
    return shipment_id


async def test_fastest_and_named_service(standin: ShippoStandIn) -> None:
    adapter = carrier(standin)
    fastest = await adapter.buy_return_label(request(service="fastest"), MemoryProgress())
    assert (fastest.carrier, fastest.service, fastest.cost) == (
        "UPS",
        "Next Day Air",
        Money(3815, "USD"),
    )
    assert fastest.qr_code_url == "" and fastest.qr_code_png is None  # UPS: no QR code

    named = await adapter.buy_return_label(
        request(service="usps usps_priority", reference="label-1042-2"), MemoryProgress()
    )
    assert (named.carrier, named.service, named.cost) == (
        "USPS",
        "Priority Mail",
        Money(985, "USD"),
    )

    ups = await adapter.buy_return_label(
        request(service="UPS ups_ground", reference="label-1042-3"), MemoryProgress()
    )
    assert ups.service == "Ground"
    # a policy naming UPS does not ask Shippo for a USPS QR code
    assert "qr_code_requested" not in posted(standin, "/shipments")[-1]["extra"]
    assert len(standin.purchases) == 3


async def test_a_service_shippo_does_not_offer_is_no_rates(standin: ShippoStandIn) -> None:
    with pytest.raises(CarrierError) as caught:
        await carrier(standin).buy_return_label(
            request(service="fedex fedex_ground"), MemoryProgress()
        )
    assert caught.value.kind == "no_rates"
    assert standin.purchases == []


async def test_no_qr_code_when_the_request_wants_none(standin: ShippoStandIn) -> None:
    label = await carrier(standin).buy_return_label(request(qr_code=False), MemoryProgress())
    assert "qr_code_requested" not in posted(standin, "/shipments")[0]["extra"]
    assert label.qr_code_url == "" and label.qr_code_png is None


async def test_customs_declaration_for_a_parcel_across_a_border(standin: ShippoStandIn) -> None:
    item = CustomsItem(
        description="Wool sweater",
        sku="SW-M",
        quantity=2,
        value=Money(11900, "USD"),
        weight_grams=700,
        hs_code="6110.11",
        origin_country="PT",
    )
    abroad = Address(
        name="Ion Pop",
        line1="Str. Memorandumului 28",
        city="Cluj-Napoca",
        postal_code="400114",
        country="RO",
    )
    await carrier(standin).buy_return_label(
        request(ship_from=abroad, customs=(item,)), MemoryProgress()
    )

    [declaration] = posted(standin, "/customs/declarations")
    assert declaration["contents_type"] == "RETURN_MERCHANDISE"
    assert declaration["certify"] is True and declaration["certify_signer"] == "Ion Pop"
    assert declaration["items"] == [
        {
            "description": "Wool sweater",
            "quantity": 2,
            "net_weight": "700",
            "mass_unit": "g",
            "value_amount": "119.00",
            "value_currency": "USD",
            "origin_country": "PT",
            "tariff_number": "6110.11",
            "sku_code": "SW-M",
        }
    ]
    [shipment] = posted(standin, "/shipments")
    assert shipment["customs_declaration"] == standin.declarations[0]["object_id"]


async def test_timeout_after_buying_then_retry_buys_nothing_twice(standin: ShippoStandIn) -> None:
    progress = MemoryProgress()
    standin.hang_after_buy = True
    with pytest.raises(CarrierError) as caught:
        await carrier(standin, timeout=0.5).buy_return_label(request(), progress)
    assert caught.value.kind == "timeout" and caught.value.retryable
    assert len(standin.purchases) == 1  # Shippo bought it; we never heard

    standin.hang_after_buy = False
    standin.released.set()
    label = await carrier(standin).buy_return_label(request(), progress)

    assert len(standin.purchases) == 1
    assert label.tracking_number == standin.purchases[0]["tracking_number"]
    assert label.label_id == standin.purchases[0]["object_id"]
    assert label.pdf == LABEL_PDF and label.cost == Money(759, "USD")
    assert len(posted(standin, "/shipments")) == 1  # the same shipment, not a new one
    assert ("GET", "/transactions", None) in standin.requests  # looked up by its rate


async def test_two_retries_at_once_after_a_timeout_buy_nothing_more(standin: ShippoStandIn) -> None:
    progress = MemoryProgress()
    standin.hang_after_buy = True
    with pytest.raises(CarrierError):
        await carrier(standin, timeout=0.5).buy_return_label(request(), progress)
    standin.hang_after_buy = False
    standin.released.set()
    adapter = carrier(standin)
    first, second = await asyncio.gather(
        adapter.buy_return_label(request(), progress),
        adapter.buy_return_label(request(), progress),
    )
    assert first.tracking_number == second.tracking_number
    assert len(standin.purchases) == 1


async def test_a_queued_transaction_is_waited_for(standin: ShippoStandIn) -> None:
    standin.queue_transactions = True
    adapter = ShippoCarrier(standin.api_key, standin.url, timeout_seconds=5, poll_seconds=0.01)
    label = await adapter.buy_return_label(request(), MemoryProgress())
    assert label.tracking_number == standin.purchases[0]["tracking_number"]
    assert label.pdf == LABEL_PDF
    assert len(standin.purchases) == 1


async def test_void_refunds_once_and_again_is_fine(standin: ShippoStandIn) -> None:
    adapter = carrier(standin)
    label = await adapter.buy_return_label(request(), MemoryProgress())
    bought = BoughtLabel(
        carrier=label.carrier,
        tracking_number=label.tracking_number,
        shipment_id=label.shipment_id,
        label_id=label.label_id,
    )
    await adapter.void_label(bought)
    await adapter.void_label(bought)  # Shippo says it is already refunded: not an error
    assert standin.refunds == [label.label_id]
    assert posted(standin, "/refunds")[0] == {"transaction": label.label_id}


async def test_register_tracker_uses_shippo_carrier_tokens(standin: ShippoStandIn) -> None:
    adapter = carrier(standin)
    assert await adapter.register_tracker("USPS", "9400100000000000000000") == (
        "9400100000000000000000"
    )
    await adapter.register_tracker("DHL Express", "1234567890")
    assert standin.tracks == [("usps", "9400100000000000000000"), ("dhl_express", "1234567890")]


def test_webhook_signed_with_the_secret_gives_the_update() -> None:
    body, headers = track_updated("9205590164917312751089", "TRANSIT", event_id="ev1")
    adapter = ShippoCarrier("k", "http://127.0.0.1:9")
    [update] = adapter.parse_webhook(body, headers, WEBHOOK_SECRET)
    assert update.tracking_number == "9205590164917312751089"
    assert (update.carrier, update.status, update.event_id) == ("usps", "in_transit", "ev1")
    assert update.at == datetime(2026, 9, 2, 9, 30, tzinfo=UTC)
    assert update.detail.startswith("Your shipment has been accepted")


@pytest.mark.parametrize(
    ("shippo", "ours", "substatus"),
    [
        ("PRE_TRANSIT", "pre_transit", None),
        ("TRANSIT", "out_for_delivery", "out_for_delivery"),
        ("DELIVERED", "delivered", None),
        ("RETURNED", "return_to_sender", None),
        ("FAILURE", "failure", None),
        ("UNKNOWN", "unknown", None),
    ],
)
def test_webhook_statuses(shippo: str, ours: str, substatus: str | None) -> None:
    body, headers = track_updated("1Z1", shippo, substatus=substatus)
    [update] = ShippoCarrier("k").parse_webhook(body, headers, WEBHOOK_SECRET)
    assert update.status == ours


def test_forged_or_unsigned_webhooks_are_rejected() -> None:
    adapter = ShippoCarrier("k")
    body, headers = track_updated("1Z1", "DELIVERED")
    with pytest.raises(WebhookRejected):
        adapter.parse_webhook(body, headers, "another-secret")
    with pytest.raises(WebhookRejected):
        adapter.parse_webhook(body.replace(b"DELIVERED", b"RETURNED"), headers, WEBHOOK_SECRET)
    with pytest.raises(WebhookRejected):
        adapter.parse_webhook(body, {"Content-Type": "application/json"}, WEBHOOK_SECRET)
    with pytest.raises(WebhookRejected):
        adapter.parse_webhook(body, headers, "")  # no secret configured: nothing is trusted


def test_an_old_signature_is_rejected_when_a_clock_is_given() -> None:
    body, headers = track_updated("1Z1", at=datetime(2026, 9, 2, 9, 30, tzinfo=UTC))
    late = ShippoCarrier("k", clock=lambda: datetime(2026, 9, 2, 9, 40, tzinfo=UTC))
    with pytest.raises(WebhookRejected):
        late.parse_webhook(body, headers, WEBHOOK_SECRET)
    soon = ShippoCarrier("k", clock=lambda: datetime(2026, 9, 2, 9, 31, tzinfo=UTC))
    assert len(soon.parse_webhook(body, headers, WEBHOOK_SECRET)) == 1


def test_other_events_give_nothing() -> None:
    from tests.standins.shippo import sign

    body = b'{"event": "transaction_created", "test": true, "data": {"object_id": "t1"}}'
    headers = sign(body, WEBHOOK_SECRET, datetime(2026, 9, 2, tzinfo=UTC))
    assert ShippoCarrier("k").parse_webhook(body, headers, WEBHOOK_SECRET) == []


# --- each error kind ---------------------------------------------------------------------


async def kind_of(standin: ShippoStandIn, adapter: ShippoCarrier | None = None) -> CarrierError:
    with pytest.raises(CarrierError) as caught:
        await (adapter or carrier(standin)).buy_return_label(request(), MemoryProgress())
    assert standin.purchases == []
    return caught.value


async def test_invalid_address_from_the_carrier(standin: ShippoStandIn) -> None:
    standin.invalid_address = True
    error = await kind_of(standin)
    assert error.kind == "invalid_address" and "could not be found" in error.message


async def test_invalid_address_refused_by_the_api(standin: ShippoStandIn) -> None:
    standin.fail["POST /shipments"] = (400, {"address_to": {"zip": ["Enter a valid ZIP code."]}})
    error = await kind_of(standin)
    assert error.kind == "invalid_address" and error.field == "ship_from"
    assert "zip" in error.message and not error.retryable


async def test_no_rates(standin: ShippoStandIn) -> None:
    standin.no_rates = True
    assert (await kind_of(standin)).kind == "no_rates"


async def test_insufficient_funds(standin: ShippoStandIn) -> None:
    standin.insufficient_funds = True
    error = await kind_of(standin)
    assert error.kind == "insufficient_funds" and not error.retryable


async def test_after_funds_are_added_the_same_purchase_buys_once(standin: ShippoStandIn) -> None:
    progress = MemoryProgress()
    standin.insufficient_funds = True
    with pytest.raises(CarrierError):
        await carrier(standin).buy_return_label(request(), progress)
    standin.insufficient_funds = False
    label = await carrier(standin).buy_return_label(request(), progress)
    # the failed transaction bought nothing, so the retry buys, once, on the same shipment
    assert [p["object_id"] for p in standin.purchases] == [label.label_id]
    assert len(posted(standin, "/shipments")) == 1


async def test_wrong_api_key_is_auth(standin: ShippoStandIn) -> None:
    wrong = ShippoCarrier("shippo_test_wrong", standin.url, timeout_seconds=5)
    assert (await kind_of(standin, wrong)).kind == "auth"


async def test_429_is_rate_limited_with_retry_after(standin: ShippoStandIn) -> None:
    standin.rate_limited = True
    error = await kind_of(standin)
    assert (error.kind, error.retry_after, error.retryable) == ("rate_limited", 7.0, True)


async def test_500_is_unavailable(standin: ShippoStandIn) -> None:
    standin.server_error = True
    error = await kind_of(standin)
    assert error.kind == "unavailable" and error.retryable


async def test_nobody_listening_is_unavailable() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    adapter = ShippoCarrier("k", f"http://127.0.0.1:{port}", timeout_seconds=2)
    with pytest.raises(CarrierError) as caught:
        await adapter.buy_return_label(request(), MemoryProgress())
    assert caught.value.kind == "unavailable" and caught.value.retryable


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("The address as submitted could not be found.", "invalid_address"),
        ("Invalid ZIP code for the state given.", "invalid_address"),
        (
            "Your account balance is insufficient. Please add a payment method.",
            "insufficient_funds",
        ),
        ("Rate is in an invalid state and cannot be purchased.", "rejected"),
        ("", "rejected"),
    ],
)
def test_transaction_messages_are_classified(text: str, kind: str) -> None:
    from returns_service.adapters.carriers.shippo_errors import classify_messages

    assert classify_messages([text], default="rejected").kind == kind
