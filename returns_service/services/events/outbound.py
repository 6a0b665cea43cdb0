"""Announcing a change: one delivery per endpoint that takes the event, its body
rendered now (what was true at the change), written in the change's transaction.

The timeline calls `announce` for every event it records (services/cases/timeline.py maps
kinds to event types); the conversation calls `announce_message` for a message written."""

from __future__ import annotations

from datetime import datetime

import msgspec

from returns_service.services.cases.schemas import MessageView
from returns_service.services.events import queries
from returns_service.services.events.schemas import (
    WebhookBody,
    WebhookCase,
    WebhookData,
)


async def announce(
    *,
    store_id: int,
    case_id: int,
    event_type: str,
    at: datetime,
    message: MessageView | None = None,
) -> int:
    """Queue `event_type` for the case's store's subscribers; the number queued."""
    endpoints = await queries.subscribed(store_id, event_type)
    if not endpoints:
        return 0
    # imported here: views imports the timeline, which announces through this module
    from returns_service.services.cases.views import staff_view_by_id

    view, customer, awaiting_reply, first = await staff_view_by_id(store_id, case_id, at)
    case = WebhookCase(
        **msgspec.structs.asdict(view),
        customer=customer,
        awaiting_reply=awaiting_reply,
        first_response_due_at=first.due_at,
        overdue=first.overdue,
    )
    body = WebhookBody(type=event_type, timestamp=at, data=WebhookData(case, message))
    await queries.insert_deliveries(
        store_id=store_id,
        endpoints=endpoints,
        case_id=case_id,
        event_type=event_type,
        payload=msgspec.json.encode(body).decode(),
        at=at,
    )
    return len(endpoints)


async def announce_message(*, store_id: int, case_id: int, message_id: int, at: datetime) -> int:
    """`message.created` for a message between the customer and the concierge (never for an
    internal note), with the message itself beside the case."""
    if not await queries.subscribed(store_id, "message.created"):
        return 0
    row = await queries.message(store_id, message_id)
    if row is None:
        return 0
    return await announce(
        store_id=store_id,
        case_id=case_id,
        event_type="message.created",
        at=at,
        message=msgspec.convert(row, MessageView),
    )
