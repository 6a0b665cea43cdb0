"""The fulfilment package's requests and responses: the warehouse's scans and inspections,
carrier events, the customer's rating of an exchange."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from returns_service.domain.orders import AwareDatetime
from returns_service.domain.settlement import Condition, Disposition
from returns_service.services.cases.schemas import CaseView

# ---------------------------------------------------------------------------------------------
# The warehouse


class ScanIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    barcode: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    station: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class ExpectedItem(msgspec.Struct, frozen=True):
    line_id: int
    sku: str
    title: str
    quantity: int
    reason: str
    resolution: str


class ScanResult(msgspec.Struct, frozen=True):
    case: CaseView
    expected_items: list[ExpectedItem]
    action: str


class InspectedItem(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    line_id: Annotated[int, msgspec.Meta(ge=1)]
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1000)]
    condition: Condition
    disposition: Disposition
    note: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class Inspection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    items: Annotated[list[InspectedItem], msgspec.Meta(min_length=1, max_length=100)]


class UnexpectedParcelView(msgspec.Struct, frozen=True):
    id: int
    barcode: str
    note: str
    scanned_at: datetime


# ---------------------------------------------------------------------------------------------
# Carriers, and the customer's rating


class CarrierEvent(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    event_id: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]
    tracking_number: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    status: Literal["in_transit", "delivered"]
    occurred_at: AwareDatetime


class TrackingResult(msgspec.Struct, frozen=True):
    tracking_number: str
    status: str
    applied: bool  # false for a replayed event
    case_number: str


class Rating(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    rating: Annotated[int, msgspec.Meta(ge=1, le=5)]
    comment: Annotated[str, msgspec.Meta(max_length=4000)] | None = None


# ---------------------------------------------------------------------------------------------
# Sending the parcel without our label


class OwnTracking(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """The customer's own tracking number. A carrier is a short name as its webhooks are
    addressed (`ups`, `dhl-express`); a tracking number is letters, digits and dashes (spaces
    are taken out, letters upper-cased: "1z 999 aa1" is 1Z999AA1)."""

    carrier: Annotated[str, msgspec.Meta(min_length=2, max_length=32)]
    tracking_number: Annotated[str, msgspec.Meta(min_length=1, max_length=80)]


class OwnTrackingView(msgspec.Struct, frozen=True):
    carrier: str
    tracking_number: str
    in_transit: bool
