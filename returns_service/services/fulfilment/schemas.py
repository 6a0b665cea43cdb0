"""The fulfilment package's requests and responses: the warehouse's scans and inspections,
carrier events, the customer's rating of an exchange."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from returns_service.domain.money import Money
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


class ReceiptView(msgspec.Struct, frozen=True):
    received_at: datetime
    station: str | None  # the station's name (None: received through the API without one)


class ScanResult(msgspec.Struct, frozen=True):
    case: CaseView
    expected_items: list[ExpectedItem]
    action: str
    # the parcel's receipt; already_received when an earlier scan made it (a duplicate scan)
    receipt: ReceiptView | None = None
    already_received: bool = False


class InspectedItem(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    line_id: Annotated[int, msgspec.Meta(ge=1)]
    quantity: Annotated[int, msgspec.Meta(ge=1, le=1000)]
    condition: Condition
    disposition: Disposition
    note: Annotated[str, msgspec.Meta(max_length=2000)] | None = None


class Inspection(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    items: Annotated[list[InspectedItem], msgspec.Meta(min_length=1, max_length=100)]


class InspectionEffect(msgspec.Struct, frozen=True):
    """What recording the inspection does for one item (domain/inspection.py's Effect)."""

    line_id: int
    sku: str
    title: str
    quantity: int
    condition: Condition
    disposition: Disposition
    effect: Literal["refund", "store_credit", "replacement", "concierge", "nothing"]
    amount: Money | None  # refund and store credit: what goes back now
    exchange_sku: str | None  # replacement: what ships now
    text: str  # e.g. "refunds $395.00 now"


class InspectionPreview(msgspec.Struct, frozen=True):
    number: str
    effects: list[InspectionEffect]


class ParcelLine(msgspec.Struct, frozen=True):
    sku: str
    quantity: int


class ParcelMatch(msgspec.Struct, frozen=True):
    """A case a parcel without a readable label may belong to."""

    number: str
    status: str
    order_number: str
    customer_name: str
    created_at: datetime
    items: list[ParcelLine]


class ParcelSearchPage(msgspec.Struct, frozen=True):
    items: list[ParcelMatch]
    next_cursor: str | None


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


class ProviderTrackingResult(msgspec.Struct, frozen=True):
    """What a provider's webhook changed: one entry per tracking event about our parcels
    (none for other events)."""

    events: list[TrackingResult]


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
