"""The outbound webhooks' requests and responses: endpoints, the delivery log, and the body a
receiver gets."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

import msgspec

from returns_service.domain.webhooks import URL_MAX_LENGTH
from returns_service.services.cases.schemas import CaseView, CustomerView, MessageView

Url = Annotated[str, msgspec.Meta(min_length=1, max_length=URL_MAX_LENGTH)]
EventTypes = Annotated[
    list[Annotated[str, msgspec.Meta(max_length=64)]], msgspec.Meta(max_length=20)
]
Description = Annotated[str, msgspec.Meta(max_length=500)]


class EndpointIn(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    url: Url
    events: EventTypes
    description: Description = ""


class EndpointPatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Only what is given changes. `paused: true` stops deliveries (they wait); `false`
    resumes the endpoint, also one paused after three days of failures."""

    url: Url | None = None
    events: EventTypes | None = None
    description: Description | None = None
    paused: bool | None = None


class EndpointView(msgspec.Struct, frozen=True):
    id: int
    url: str
    events: list[str]
    description: str
    status: Literal["active", "paused"]
    paused: bool
    # why it is paused: "by_admin", or "failing" (three days without a successful delivery)
    paused_reason: str | None
    failing_since: datetime | None
    created_at: datetime
    updated_at: datetime


class EndpointCreated(EndpointView, frozen=True):
    secret: str  # whsec_<base64>: shown this once


class EndpointList(msgspec.Struct, frozen=True):
    items: list[EndpointView]
    next_cursor: str | None = None  # a store has few endpoints: always one page


class DeliveryView(msgspec.Struct, frozen=True):
    id: int
    event_id: str  # the webhook-id header, the same on every attempt and replay
    type: str
    case_number: str
    status: Literal["pending", "delivered", "failed"]
    attempts: int
    response_code: int | None
    error: str | None
    created_at: datetime
    last_attempt_at: datetime | None
    next_attempt_at: datetime | None  # while pending
    delivered_at: datetime | None


class DeliveryPage(msgspec.Struct, frozen=True):
    items: list[DeliveryView]
    next_cursor: str | None


class WebhookCase(CaseView, frozen=True):
    """The case as agents see it, without its messages and notes."""

    customer: CustomerView
    awaiting_reply: bool
    # as on the agents' case (AgentCaseView), at the time of the change
    first_response_due_at: datetime | None = None
    overdue: bool = False


class WebhookData(msgspec.Struct, frozen=True, omit_defaults=True):
    case: WebhookCase
    message: MessageView | None = None  # message.created: the message written


class WebhookBody(msgspec.Struct, frozen=True):
    type: str
    timestamp: datetime
    data: WebhookData
