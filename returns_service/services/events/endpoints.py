"""Webhook endpoints, managed by the store's admin: where events go, which events, paused or
not; and each endpoint's delivery log and replay."""

from __future__ import annotations

from typing import Any

from returns_service.adapters.webhooks import new_secret
from returns_service.db.engine import DB
from returns_service.db.tables import WebhookEndpoint
from returns_service.domain.access import Caller
from returns_service.domain.cursors import decode_id_cursor, encode_id_cursor
from returns_service.domain.errors import Conflict, NotFound
from returns_service.domain.webhooks import check_events, check_url
from returns_service.services.events import queries
from returns_service.services.events.schemas import (
    DeliveryPage,
    DeliveryView,
    EndpointCreated,
    EndpointIn,
    EndpointPatch,
    EndpointView,
)
from returns_service.services.platform.runtime import Runtime

_SHOWN = (
    WebhookEndpoint.id,
    WebhookEndpoint.url,
    WebhookEndpoint.events,
    WebhookEndpoint.description,
    WebhookEndpoint.status,
    WebhookEndpoint.paused_reason,
    WebhookEndpoint.failing_since,
    WebhookEndpoint.created_at,
    WebhookEndpoint.updated_at,
)


def _view(row: dict[str, Any]) -> EndpointView:
    return EndpointView(
        id=row["id"],
        url=row["url"],
        events=list(row["events"]),
        description=row["description"],
        status=row["status"],
        paused=row["status"] == "paused",
        paused_reason=row["paused_reason"] or None,
        failing_since=row["failing_since"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


async def create_endpoint(caller: Caller, data: EndpointIn, rt: Runtime) -> EndpointCreated:
    url = check_url(data.url, rt.webhook_allow_private)
    events = check_events(data.events)
    secret = new_secret()
    now = rt.clock.now()
    rows = await WebhookEndpoint.insert(
        WebhookEndpoint(
            store=caller.store_id,
            url=url,
            events=events,
            description=data.description.strip(),
            secret=secret,
            created_at=now,
            updated_at=now,
        )
    ).returning(*_SHOWN)
    view = _view(rows[0])
    return EndpointCreated(**{f: getattr(view, f) for f in view.__struct_fields__}, secret=secret)


async def list_endpoints(caller: Caller) -> list[EndpointView]:
    rows = (
        await WebhookEndpoint.select(*_SHOWN)
        .where(WebhookEndpoint.store == caller.store_id)
        .order_by(WebhookEndpoint.id)
    )
    return [_view(r) for r in rows]


async def get_endpoint(caller: Caller, endpoint_id: int) -> EndpointView:
    rows = await WebhookEndpoint.select(*_SHOWN).where(
        (WebhookEndpoint.store == caller.store_id) & (WebhookEndpoint.id == endpoint_id)
    )
    if not rows:
        raise NotFound(f"there is no webhook endpoint {endpoint_id}")
    return _view(rows[0])


async def update_endpoint(
    caller: Caller, endpoint_id: int, data: EndpointPatch, rt: Runtime
) -> EndpointView:
    now = rt.clock.now()
    values: dict[Any, Any] = {WebhookEndpoint.updated_at: now}
    if data.url is not None:
        values[WebhookEndpoint.url] = check_url(data.url, rt.webhook_allow_private)
    if data.events is not None:
        values[WebhookEndpoint.events] = check_events(data.events)
    if data.description is not None:
        values[WebhookEndpoint.description] = data.description.strip()
    if data.paused is True:
        values[WebhookEndpoint.status] = "paused"
        values[WebhookEndpoint.paused_reason] = "by_admin"
    elif data.paused is False:
        values[WebhookEndpoint.status] = "active"
        values[WebhookEndpoint.paused_reason] = ""
        # resumed: its three days of failures start again from the next failure
        values[WebhookEndpoint.failing_since] = None
    async with DB.transaction():
        rows = await (
            WebhookEndpoint.update(values)
            .where((WebhookEndpoint.store == caller.store_id) & (WebhookEndpoint.id == endpoint_id))
            .returning(*_SHOWN)
        )
        if not rows:
            raise NotFound(f"there is no webhook endpoint {endpoint_id}")
        if data.paused is False:
            await queries.make_pending_due(endpoint_id, now)
    return _view(rows[0])


async def delete_endpoint(caller: Caller, endpoint_id: int) -> None:
    """The endpoint and its delivery log; what was still waiting is not sent."""
    rows = await (
        WebhookEndpoint.delete()
        .where((WebhookEndpoint.store == caller.store_id) & (WebhookEndpoint.id == endpoint_id))
        .returning(WebhookEndpoint.id)
    )
    if not rows:
        raise NotFound(f"there is no webhook endpoint {endpoint_id}")


def _delivery_view(r: dict[str, Any]) -> DeliveryView:
    return DeliveryView(
        id=r["id"],
        event_id=str(r["event_id"]),
        type=r["event_type"],
        case_number=r["case_number"],
        status=r["status"],
        attempts=r["attempts"],
        response_code=r["response_code"],
        error=r["last_error"],
        created_at=r["created_at"],
        last_attempt_at=r["last_attempt_at"],
        next_attempt_at=r["available_at"] if r["status"] == "pending" else None,
        delivered_at=r["delivered_at"],
    )


async def delivery_page(
    caller: Caller, endpoint_id: int, cursor: str | None, limit: int
) -> DeliveryPage:
    """The endpoint's deliveries, newest first."""
    await get_endpoint(caller, endpoint_id)
    before = decode_id_cursor("d", cursor) if cursor else None
    rows = await queries.delivery_page(caller.store_id, endpoint_id, before, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    items = [_delivery_view(r) for r in rows]
    return DeliveryPage(items, encode_id_cursor("d", rows[-1]["id"]) if more and rows else None)


async def replay_delivery(
    caller: Caller, endpoint_id: int, delivery_id: int, rt: Runtime
) -> DeliveryView:
    """Send a delivery again, as it was (the same body and `webhook-id`), on a fresh
    schedule; the worker sends it on its next pass, in its place in the case's line."""
    await get_endpoint(caller, endpoint_id)
    now = rt.clock.now()
    if not await queries.replay(caller.store_id, endpoint_id, delivery_id, now):
        if not await queries.delivery_exists(caller.store_id, endpoint_id, delivery_id):
            raise NotFound(f"there is no delivery {delivery_id} of endpoint {endpoint_id}")
        # being sent this moment: its outcome is about to be recorded
        raise Conflict(f"delivery {delivery_id} is being sent; try again in a moment")
    page = await queries.delivery_page(caller.store_id, endpoint_id, delivery_id + 1, 1)
    return _delivery_view(page[0])
