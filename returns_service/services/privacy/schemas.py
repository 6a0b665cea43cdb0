"""The privacy package's requests and responses: the customer export, a redaction's result."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import msgspec

from returns_service.domain.money import Money
from returns_service.domain.text import EMAIL

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320, pattern=EMAIL)]


class RedactRequest(msgspec.Struct, forbid_unknown_fields=True):
    email: Email


class RedactResult(msgspec.Struct):
    customers: int  # customers found and redacted now (0: nobody holds that email any more)
    cases: int  # their cases redacted now (cases redacted before are not counted again)


class CustomerRecord(msgspec.Struct):
    id: int
    email: str
    first_name: str
    last_name: str
    language: str
    country: str
    created_at: datetime
    redacted_at: datetime | None


class OrderLineRecord(msgspec.Struct):
    id: int
    shop_line_id: str
    sku: str
    product_id: str | None
    quantity: int
    unit_price: Money
    final_sale: bool
    delivered_at: datetime | None


class OrderRecord(msgspec.Struct):
    id: int
    shop_order_id: str
    number: str
    placed_at: datetime
    currency: str
    shipping_address: dict[str, Any]
    payment_reference: str
    created_at: datetime
    lines: list[OrderLineRecord]


class CaseItemRecord(msgspec.Struct):
    line_id: int
    sku: str
    quantity: int
    reason: str
    resolution: str
    exchange_sku: str | None
    unit_price: Money
    # the exchange's price minus the original's, in minor units of the unit price's currency:
    # positive the customer paid it, negative it was refunded
    price_difference: int
    condition: str | None
    disposition: str | None


class TimelineRecord(msgspec.Struct):
    at: datetime
    actor: str  # customer, agent, warehouse or system, with the name kept
    kind: str
    text: str  # in the customer's language
    params: dict[str, Any]
    customer_visible: bool


class MessageRecord(msgspec.Struct):
    at: datetime
    author: str  # customer | agent
    body: str


class NoteRecord(msgspec.Struct):
    at: datetime
    body: str  # an agent's internal note about the case


class PhotoRecord(msgspec.Struct):
    id: int
    at: datetime
    source: str
    content_type: str
    size_bytes: int
    width: int
    height: int
    url: str  # where an admin or agent fetches it


class LabelRecord(msgspec.Struct):
    carrier: str
    tracking_number: str
    status: str
    ship_from: dict[str, Any]  # the customer's address as printed on the label
    created_at: datetime
    in_transit_at: datetime | None
    delivered_at: datetime | None


class TrackingRecord(msgspec.Struct):
    carrier: str
    tracking_number: str
    created_at: datetime


class ShipmentRecord(msgspec.Struct):
    sku: str
    quantity: int
    value: Money
    tracking_number: str
    advance: bool
    shipped_at: datetime
    return_deadline: date | None
    delivered_at: datetime | None


class PaymentRecord(msgspec.Struct):
    kind: str
    amount: Money
    provider: str
    status: str
    created_at: datetime


class FollowUpRecord(msgspec.Struct):
    rating: int
    comment: str
    at: datetime


class WebhookDeliveryRecord(msgspec.Struct):
    """An event about the case sent (or to be sent) to another system of the store: who got
    it and when, not the body (the case as this export already shows it)."""

    id: int
    event_id: str  # the webhook-id the receiver saw
    type: str
    status: str  # pending | delivered | failed
    attempts: int
    created_at: datetime
    last_attempt_at: datetime | None
    delivered_at: datetime | None
    failed_at: datetime | None
    endpoint_id: int
    # the receiving system: its host (the path may hold a token) and the store's description
    recipient: str
    recipient_description: str


class CaseRecord(msgspec.Struct):
    number: str
    order_number: str
    status: str
    language: str
    comment: str
    reject_reason: str | None
    outside_policy: bool
    created_at: datetime
    updated_at: datetime
    resolved_at: datetime | None
    redacted_at: datetime | None
    items: list[CaseItemRecord]
    timeline: list[TimelineRecord]
    messages: list[MessageRecord]
    internal_notes: list[NoteRecord]
    photos: list[PhotoRecord]
    labels: list[LabelRecord]
    own_tracking: list[TrackingRecord]
    shipments: list[ShipmentRecord]
    payments: list[PaymentRecord]
    follow_up: FollowUpRecord | None
    webhook_deliveries: list[WebhookDeliveryRecord] = []


class StoreCreditRecord(msgspec.Struct):
    code: str
    balance: Money
    created_at: datetime
    movements: list[dict[str, Any]]


class EmailRecord(msgspec.Struct):
    template: str
    recipient: str
    language: str
    subject: str
    body: str  # the text part as sent (or to be sent)
    created_at: datetime
    status: str  # pending | delivered | failed (cancelled ones too)
    delivered_at: datetime | None


class SignInRecord(msgspec.Struct):
    """Portal sessions and links are signed claims that no table keeps; what is kept is each
    "email me a link" request (when, and the client's address) for an hour."""

    link_requests: list[dict[str, Any]]
    sessions_stored: bool = False


class CustomerExport(msgspec.Struct):
    exported_at: datetime
    customer: CustomerRecord
    orders: list[OrderRecord]
    cases: list[CaseRecord]
    store_credits: list[StoreCreditRecord]
    emails: list[EmailRecord]
    sign_in: SignInRecord


class ShopifyPrivacyResult(msgspec.Struct):
    topic: str
    customers: int  # customers found (exported, or redacted now)
    cases: int  # their cases (exported, or redacted now)
    exports: list[CustomerExport] = []  # customers/data_request: what is held about each
    # shop/redact: the worker redacts the store's customers after the answer (Shopify wants
    # one at once); `customers` and `cases` are then those it has still to redact
    queued: bool = False
