"""Outbound webhooks' rules: addresses, event types, the retry schedule, pausing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from returns_service.domain.errors import InvalidRequest
from returns_service.domain.webhooks import (
    EVENT_TYPES,
    MAX_ATTEMPTS,
    check_events,
    check_url,
    literal_address,
    next_attempt,
    should_pause,
)

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


def test_the_schedule_retries_for_more_than_a_day_then_gives_up() -> None:
    at, waits = NOW, []
    for attempts in range(1, MAX_ATTEMPTS):
        later = next_attempt(attempts, at, None)
        assert later is not None
        waits.append(later - at)
        at = later
    assert waits[:3] == [timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30)]
    assert at - NOW > timedelta(hours=24)
    assert next_attempt(MAX_ATTEMPTS, at, None) is None


def test_retry_after_is_honoured_when_longer_and_capped() -> None:
    assert next_attempt(1, NOW, 120) == NOW + timedelta(seconds=120)
    assert next_attempt(2, NOW, 1) == NOW + timedelta(minutes=5)  # never sooner than planned
    assert next_attempt(1, NOW, 10**9) == NOW + timedelta(hours=10)


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.0.0.1",
        "172.16.5.4",
        "192.168.1.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",
        "0.0.0.0",
        "100.64.0.1",
        "240.0.0.1",
    ],
)
def test_inside_addresses_are_refused_unless_allowed(address: str) -> None:
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(InvalidRequest):
        check_url(f"https://{host}/hook", allow_private=False)
    assert check_url(f"http://{host}/hook", allow_private=True) == f"http://{host}/hook"


def test_a_public_host_needs_https_even_when_private_ones_are_allowed() -> None:
    assert check_url(" https://93.184.216.34/h ", False) == "https://93.184.216.34/h"
    assert check_url("https://erp.example.com/h", False) == "https://erp.example.com/h"
    with pytest.raises(InvalidRequest):
        check_url("http://erp.example.com/h", True)
    assert literal_address("erp.example.com") is None


def test_event_types_are_checked_and_kept_in_the_contracts_order() -> None:
    assert check_events(["case.closed", "case.opened", "case.closed"]) == [
        "case.opened",
        "case.closed",
    ]
    assert len(EVENT_TYPES) == 14
    with pytest.raises(InvalidRequest) as refused:
        check_events(["case.opened", "nope"])
    assert refused.value.extra == {"field": "events[1]"}


def test_three_days_without_a_success_pause_an_endpoint() -> None:
    assert not should_pause(None, NOW)
    assert not should_pause(NOW - timedelta(days=3) + timedelta(seconds=1), NOW)
    assert should_pause(NOW - timedelta(days=3), NOW)
