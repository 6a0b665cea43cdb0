"""Carriers: return labels bought (or made), voided and followed.

`base.CarrierAdapter` is what the service needs from a carrier; `builtin` makes labels itself,
`easypost` and `shippo` buy them through the providers' official SDKs. `RETURNS_CARRIER`
chooses one (`carrier_from_settings`).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from returns_service.adapters.carriers.base import (
    Address,
    BoughtLabel,
    CarrierAdapter,
    CarrierError,
    CreatedLabel,
    CustomsItem,
    LabelRequest,
    MemoryProgress,
    Parcel,
    PurchaseProgress,
    TrackingUpdate,
    WebhookRejected,
)
from returns_service.adapters.carriers.builtin import BuiltinCarrier, qr_svg, render_pdf, render_zpl

PROVIDERS = ("builtin", "easypost", "shippo")


def carrier_for(
    name: str,
    *,
    api_key: str = "",
    api_base: str = "",
    timeout_seconds: float = 20.0,
    clock: Callable[[], datetime] | None = None,
) -> CarrierAdapter:
    """The adapter called `name`: `builtin` (also "concierge-post", its labels' name),
    `easypost` or `shippo` (their SDKs are imported only when chosen). `clock`: the service's
    (rt.clock.now), against which a webhook's signed timestamp is checked (Shippo signs one;
    without a clock an old signed webhook would be accepted forever)."""
    if name in ("", "builtin", BuiltinCarrier.name):
        return BuiltinCarrier()
    if name == "easypost":
        from returns_service.adapters.carriers.easypost import EasyPostCarrier

        return EasyPostCarrier(api_key, api_base, timeout_seconds=timeout_seconds)
    if name == "shippo":
        from returns_service.adapters.carriers.shippo import ShippoCarrier

        return ShippoCarrier(api_key, api_base, timeout_seconds=timeout_seconds, clock=clock)
    raise ValueError(f"unknown carrier {name!r}; available: {', '.join(PROVIDERS)}")


__all__ = [
    "PROVIDERS",
    "Address",
    "BoughtLabel",
    "BuiltinCarrier",
    "CarrierAdapter",
    "CarrierError",
    "CreatedLabel",
    "CustomsItem",
    "LabelRequest",
    "MemoryProgress",
    "Parcel",
    "PurchaseProgress",
    "TrackingUpdate",
    "WebhookRejected",
    "carrier_for",
    "qr_svg",
    "render_pdf",
    "render_zpl",
]
