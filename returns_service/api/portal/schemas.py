from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from returns_service.services.store.portal import OrderView


class SessionRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    order_number: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=320)]


class SessionResponse(msgspec.Struct, frozen=True):
    token: str
    expires_at: datetime
    order: OrderView
