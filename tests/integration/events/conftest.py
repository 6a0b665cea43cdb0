"""The webhook tests' receiver and settings."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import datetime, tzinfo

import pytest
import standardwebhooks.webhooks

from returns_service.clock import FrozenClock
from returns_service.settings import Settings, WebhookSettings
from tests.integration.events.receiver import Receiver, serve


@pytest.fixture
def settings(database_url: str) -> Settings:
    """Deliveries go to the receiver on 127.0.0.1, which only this switch allows."""
    return dataclasses.replace(Settings.from_env(), webhooks=WebhookSettings(allow_private=True))


@pytest.fixture
def receiver(clock: FrozenClock, monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    # The receiver's clock agrees with the service's (the library refuses a webhook-timestamp
    # more than five minutes from its own now; ours is the test's frozen clock).
    class ReceiverTime(datetime):
        @classmethod
        def now(cls, tz: tzinfo | None = None) -> ReceiverTime:  # type: ignore[override]
            return clock.now()  # type: ignore[return-value]

    monkeypatch.setattr(standardwebhooks.webhooks, "datetime", ReceiverTime)
    yield from serve()
