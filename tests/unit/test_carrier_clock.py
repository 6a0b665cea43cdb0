"""The service's carriers check a webhook's signed time against the one injected clock: the
chosen carrier and every carrier looked up by name (a label is followed by the provider that
sold it, whichever RETURNS_CARRIER is chosen today)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from returns_service.adapters.carriers import WebhookRejected
from returns_service.clock import FrozenClock
from returns_service.services.platform.runtime import runtime_from_settings
from returns_service.settings import Settings
from tests.standins.shippo import WEBHOOK_SECRET, track_updated

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize("chosen", ["shippo", "easypost", "builtin"])
def test_a_shippo_webhook_signed_before_the_clock_allows_is_refused(
    tmp_path: Path, chosen: str
) -> None:
    settings = Settings.from_env({"RETURNS_DATA_DIR": str(tmp_path), "RETURNS_CARRIER": chosen})
    clock = FrozenClock(NOW)
    shippo = runtime_from_settings(settings, clock).carrier_named("shippo")

    body, headers = track_updated("1Z1", at=NOW - timedelta(hours=1))
    with pytest.raises(WebhookRejected, match="too old"):
        shippo.parse_webhook(body, headers, WEBHOOK_SECRET)
    body, headers = track_updated("1Z1", at=NOW - timedelta(minutes=4))
    assert [u.tracking_number for u in shippo.parse_webhook(body, headers, WEBHOOK_SECRET)] == [
        "1Z1"
    ]
    clock.advance(minutes=2)  # the same clock, read at each webhook: now 6 minutes old
    with pytest.raises(WebhookRejected, match="too old"):
        shippo.parse_webhook(body, headers, WEBHOOK_SECRET)
