"""The privacy tests' settings and webhook receiver: the seeded customer's cases are announced
to a receiver on 127.0.0.1 (which only RETURNS_WEBHOOK_ALLOW_PRIVATE allows), so that
webhook deliveries hold their data like every other table the redaction must clean."""

from __future__ import annotations

from tests.integration.events.conftest import receiver, settings

__all__ = ["receiver", "settings"]
