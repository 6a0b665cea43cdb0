"""EasyPost: return labels bought through EasyPost's official SDK (`easypost`).

`adapter.EasyPostCarrier` is the `CarrierAdapter` (the SDK's calls, the purchase's order and
its idempotency); `translate` says what is sent to EasyPost and what its answers mean in our
words (addresses, units, customs, rate choice, cost, tracker events, errors).
"""

from __future__ import annotations

from returns_service.adapters.carriers.easypost.adapter import EasyPostCarrier
from returns_service.adapters.carriers.easypost.translate import DEFAULT_API_BASE

__all__ = ["DEFAULT_API_BASE", "EasyPostCarrier"]
