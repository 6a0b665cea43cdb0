"""The money package's requests and responses."""

from __future__ import annotations

from typing import Annotated

import msgspec


class RefundIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    amount: Annotated[int, msgspec.Meta(ge=1, le=10**12)] | None = None  # minor units
