"""EasyPost's refusals and failures through the adapter: each becomes its CarrierError kind
(a person's task, or retried later) and nothing is bought."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from returns_service.adapters.carriers import CarrierError, MemoryProgress
from returns_service.adapters.carriers.easypost import EasyPostCarrier
from tests.integration.carriers.test_easypost_adapter import adapter, request
from tests.standins.easypost import EasyPostStandin


@pytest.fixture
def standin() -> Iterator[EasyPostStandin]:
    with EasyPostStandin.running() as running:
        yield running


@pytest.mark.parametrize(
    ("endpoint", "failure", "kind", "retryable"),
    [
        ("create", "invalid_address", "invalid_address", False),
        ("create", "no_rates", "no_rates", False),
        ("buy", "insufficient_funds", "insufficient_funds", False),
        ("create", "unauthorized", "auth", False),
        ("create", "rate_limited", "rate_limited", True),
        ("buy", "rate_limited", "rate_limited", True),
        ("create", "server_error", "unavailable", True),
        ("buy", "unavailable", "unavailable", True),
    ],
)
async def test_each_easypost_error_becomes_its_kind_and_buys_nothing(
    standin: EasyPostStandin, endpoint: str, failure: str, kind: str, retryable: bool
) -> None:
    standin.fail_next(endpoint, failure)

    with pytest.raises(CarrierError) as raised:
        await adapter(standin).buy_return_label(request(), MemoryProgress())

    assert raised.value.kind == kind
    assert raised.value.retryable is retryable
    assert standin.purchases == []


async def test_an_invalid_address_names_the_field(standin: EasyPostStandin) -> None:
    standin.fail_next("create", "invalid_address")

    with pytest.raises(CarrierError) as raised:
        await adapter(standin).buy_return_label(request(), MemoryProgress())

    assert raised.value.field == "postal_code"
    assert "Address not found" in raised.value.message


async def test_a_429_carries_easyposts_retry_after(standin: EasyPostStandin) -> None:
    standin.fail_next("create", "rate_limited")

    with pytest.raises(CarrierError) as raised:
        await adapter(standin).buy_return_label(request(), MemoryProgress())

    assert raised.value.retry_after == 7.0


async def test_a_wrong_api_key_is_an_auth_error(standin: EasyPostStandin) -> None:
    carrier = EasyPostCarrier("EZTK_wrong", standin.url, timeout_seconds=5)

    with pytest.raises(CarrierError) as raised:
        await carrier.register_tracker("USPS", "EZ1000000001")

    assert raised.value.kind == "auth"
    assert standin.trackers == []


async def test_nobody_listening_is_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before the call: nothing listens there
    carrier = EasyPostCarrier("EZTK_x", f"http://127.0.0.1:{port}/v2", timeout_seconds=2)

    with pytest.raises(CarrierError) as raised:
        await carrier.register_tracker("USPS", "EZ1000000001")

    assert raised.value.kind == "unavailable" and raised.value.retryable
