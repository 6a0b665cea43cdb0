"""EasyPost's tracking webhooks through the adapter: `tracker.updated` events signed with the
webhook secret (X-Hmac-Signature), built by the stand-in as EasyPost posts them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from returns_service.adapters.carriers import WebhookRejected
from returns_service.adapters.carriers.easypost import EasyPostCarrier
from tests.standins.easypost import EasyPostStandin
from tests.standins.easypost_bodies import sign

SECRET = "whsec-ünïcode-secret"  # EasyPost normalises the secret (NFKD) before signing


@pytest.fixture
def standin() -> Iterator[EasyPostStandin]:
    with EasyPostStandin.running() as running:
        yield running


def adapter(standin: EasyPostStandin) -> EasyPostCarrier:
    return EasyPostCarrier(standin.api_key, standin.url, timeout_seconds=5)


def test_a_signed_tracker_event_becomes_a_tracking_update(standin: EasyPostStandin) -> None:
    body, headers = standin.webhook("9434600000000000000001", "in_transit", SECRET)

    [update] = adapter(standin).parse_webhook(body, headers, SECRET)

    event = json.loads(body)
    assert update.tracking_number == "9434600000000000000001"
    assert update.carrier == "USPS"
    assert update.status == "in_transit"
    assert update.event_id == event["id"]
    assert update.at == datetime(2026, 9, 2, 8, 30, tzinfo=UTC)
    assert update.detail == "Parcel in transit"


def test_header_names_are_matched_whatever_their_case(standin: EasyPostStandin) -> None:
    body, headers = standin.webhook("9434600000000000000001", "delivered", SECRET)
    lowered = {k.lower(): v for k, v in headers.items()}

    [update] = adapter(standin).parse_webhook(body, lowered, SECRET)

    assert update.status == "delivered"


@pytest.mark.parametrize(
    "status",
    [
        "pre_transit",
        "out_for_delivery",
        "return_to_sender",
        "failure",
        "cancelled",
        "available_for_pickup",
    ],
)
def test_each_tracker_status_keeps_its_name(standin: EasyPostStandin, status: str) -> None:
    body, headers = standin.webhook("EZ1000000001", status, SECRET)

    [update] = adapter(standin).parse_webhook(body, headers, SECRET)

    assert update.status == status


def test_an_easypost_error_status_is_unknown(standin: EasyPostStandin) -> None:
    body, headers = standin.webhook("EZ1000000001", "error", SECRET)

    [update] = adapter(standin).parse_webhook(body, headers, SECRET)

    assert update.status == "unknown"


def test_a_forged_or_unsigned_webhook_is_rejected(standin: EasyPostStandin) -> None:
    body, headers = standin.webhook("EZ1000000001", "delivered", "someone-elses-secret")
    carrier = adapter(standin)

    with pytest.raises(WebhookRejected):
        carrier.parse_webhook(body, headers, SECRET)
    with pytest.raises(WebhookRejected):
        carrier.parse_webhook(body, {"Content-Type": "application/json"}, SECRET)
    tampered = body.replace(b"delivered", b"cancelled")
    good_body, good_headers = standin.webhook("EZ1000000001", "delivered", SECRET)
    with pytest.raises(WebhookRejected):
        carrier.parse_webhook(tampered, good_headers, SECRET)
    with pytest.raises(WebhookRejected):
        carrier.parse_webhook(good_body, good_headers, "")  # no secret configured


def test_an_event_not_about_tracking_gives_nothing(standin: EasyPostStandin) -> None:
    body = json.dumps(
        {
            "object": "Event",
            "id": "evt_1",
            "description": "batch.updated",
            "result": {"object": "Batch", "id": "batch_1"},
        }
    ).encode()
    headers = {"X-Hmac-Signature": _sign(body)}

    assert adapter(standin).parse_webhook(body, headers, SECRET) == []


def test_a_signed_body_that_is_not_an_event_is_rejected(standin: EasyPostStandin) -> None:
    for body in (b"[1, 2]", b"not json"):
        with pytest.raises(WebhookRejected):
            adapter(standin).parse_webhook(body, {"X-Hmac-Signature": _sign(body)}, SECRET)


def _sign(body: bytes) -> str:
    return sign(body, SECRET)
