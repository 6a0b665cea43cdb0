"""The inbound tests run the service with inbound email configured."""

from __future__ import annotations

import pytest

from returns_service.settings import Settings
from tests.integration.inbound.mail import with_inbound


@pytest.fixture
def settings(database_url: str) -> Settings:
    return with_inbound(Settings.from_env())
