"""Carrier tracking events: a return label's first scan puts the case in transit (and may ship
an advance replacement); delivery to the warehouse is recorded; a replacement's delivery
starts the follow-up clock. Signed per carrier; unknown parcels and replays change nothing."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Mapping
from typing import Literal

import msgspec

from returns_service.adapters.carriers import WebhookRejected
from returns_service.db.engine import DB
from returns_service.db.tables import CustomerTracking, Label, Shipment
from returns_service.domain.access import Caller
from returns_service.domain.cases import Actor, CaseStatus
from returns_service.domain.errors import InvalidRequest, NotAuthenticated, NotFound
from returns_service.services.cases import timeline
from returns_service.services.cases.records import LockedCase, lock_case
from returns_service.services.fulfilment import exchanges, queries
from returns_service.services.fulfilment.schemas import (
    CarrierEvent,
    ProviderTrackingResult,
    TrackingResult,
)
from returns_service.services.platform import jobs
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store.policy import get_policy

CARRIER = Actor("system", None, "carrier")
log = logging.getLogger(__name__)


class UnknownTracking(NotFound):
    code = "unknown-tracking-number"
    title = "No label or shipment has this tracking number"


def verify_signature(secret: str, body: bytes, header: str | None) -> bool:
    """`X-Carrier-Signature: sha256=<hex HMAC-SHA256 of the raw body>`."""
    if not header or not secret:
        return False
    given = header.strip().removeprefix("sha256=")
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(given.encode(), expected.encode())


async def handle_event(
    store_id: int, carrier: str, body: bytes, signature: str | None, secret: str, rt: Runtime
) -> TrackingResult:
    if not verify_signature(secret, body, signature):
        raise NotAuthenticated("the X-Carrier-Signature does not match the body")
    try:
        event = msgspec.json.decode(body, type=CarrierEvent)
    except (msgspec.DecodeError, msgspec.ValidationError) as error:
        raise InvalidRequest(f"the tracking event could not be read: {error}") from error
    return await apply_event(store_id, carrier, event, rt)


async def handle_provider_event(
    store_id: int,
    provider: str,
    body: bytes,
    headers: Mapping[str, str],
    secret: str,
    rt: Runtime,
) -> ProviderTrackingResult:
    """A provider's tracking webhook (EasyPost, Shippo): its adapter checks the signature and
    reads the body; each event moves the case as the generic webhook does. Events about
    anything but tracking, and parcels that are not ours, change nothing."""
    try:
        updates = rt.carrier_named(provider).parse_webhook(body, headers, secret)
    except WebhookRejected as error:
        raise NotAuthenticated(f"the {provider} webhook's signature does not verify") from error
    except Exception as error:  # a body whose signature verified, but that it could not read
        log.exception("the %s webhook could not be read", provider)
        raise InvalidRequest(f"the {provider} webhook could not be read") from error
    results = []
    for update in updates:
        status = MOVES.get(update.status)
        if status is None:
            continue  # pre-transit, returned to sender, ...: nothing today's cases follow
        at = update.at or rt.clock.now()
        event = CarrierEvent(
            event_id=(update.event_id or f"{update.tracking_number}:{status}:{at.isoformat()}")[
                :128
            ],
            tracking_number=update.tracking_number[:64],
            status=status,
            occurred_at=at,
        )
        try:
            results.append(await apply_event(store_id, provider, event, rt, by_provider=True))
        except UnknownTracking:
            continue  # a parcel of the store's that is not a return, or not ours at all
    return ProviderTrackingResult(results)


# a provider's status -> what it means for a returned parcel
MOVES: dict[str, Literal["in_transit", "delivered"]] = {
    "in_transit": "in_transit",
    "out_for_delivery": "in_transit",
    "available_for_pickup": "in_transit",
    "delivered": "delivered",
}


async def apply_event(
    store_id: int, carrier: str, event: CarrierEvent, rt: Runtime, by_provider: bool = False
) -> TrackingResult:
    """Move the case whose parcel the event is about (`carrier`: the generic webhook's carrier,
    or, `by_provider`, the provider that sold the label or follows the customer's number)."""
    sold_by = Label.provider == carrier if by_provider else Label.carrier == carrier
    # the provider follows whichever carrier the customer named
    own_carrier = (
        CustomerTracking.carrier.is_not_null()
        if by_provider
        else CustomerTracking.carrier == carrier
    )
    label = await Label.select(Label.id, Label.case.number.as_alias("number")).where(
        (Label.store == store_id) & (Label.tracking_number == event.tracking_number) & sold_by
    )
    # the customer's own tracking number (sent without our label) is followed like a label's
    own = await CustomerTracking.select(
        CustomerTracking.id, CustomerTracking.case.number.as_alias("number")
    ).where(
        (CustomerTracking.store == store_id)
        & (CustomerTracking.tracking_number == event.tracking_number)
        & own_carrier
    )
    shipment = await Shipment.select(Shipment.id, Shipment.case.number.as_alias("number")).where(
        (Shipment.store == store_id) & (Shipment.tracking_number == event.tracking_number)
    )
    if not label and not own and not shipment:
        raise UnknownTracking(f"{carrier} tracking number {event.tracking_number} is not ours")
    number = str((label or own or shipment)[0]["number"])
    async with jobs.after_commit(rt), DB.transaction():
        fresh = await queries.record_tracking_event(
            store_id=store_id,
            carrier=carrier,
            event_id=event.event_id,
            tracking_number=event.tracking_number,
            status=event.status,
            occurred_at=event.occurred_at,
            received_at=rt.clock.now(),
        )
        if fresh:
            case = await lock_case(Caller.system(store_id), number)
            if label:
                await _inbound_event(case, Label, label[0]["id"], event, rt)
            elif own:
                await _inbound_event(case, CustomerTracking, own[0]["id"], event, rt)
            else:
                await _shipment_event(case, shipment[0]["id"], event, rt)
    return TrackingResult(event.tracking_number, event.status, fresh, number)


async def _inbound_event(
    case: LockedCase,
    parcel: type[Label] | type[CustomerTracking],
    parcel_id: int,
    event: CarrierEvent,
    rt: Runtime,
) -> None:
    """The returned parcel (under our label or the customer's own tracking) moved."""
    if event.status == "in_transit":
        await parcel.update({parcel.in_transit_at: event.occurred_at}).where(
            (parcel.id == parcel_id) & parcel.in_transit_at.is_null()
        )
        if case.status is CaseStatus.APPROVED:
            await timeline.move(
                store_id=case.store_id,
                case_id=case.id,
                current=case.status,
                target=CaseStatus.IN_TRANSIT,
                actor=CARRIER,
                detail=f"first carrier scan {event.occurred_at.isoformat()}",
                at=rt.clock.now(),
            )
            case.status = CaseStatus.IN_TRANSIT
            policy = await get_policy(case.store_id)
            await exchanges.on_event(case, "in_transit", policy, rt, CARRIER)
    else:
        await parcel.update({parcel.delivered_at: event.occurred_at}).where(
            (parcel.id == parcel_id) & parcel.delivered_at.is_null()
        )
        await timeline.record(
            store_id=case.store_id,
            case_id=case.id,
            actor=CARRIER,
            kind="delivered_to_warehouse",
            at=rt.clock.now(),
        )


async def _shipment_event(
    case: LockedCase, shipment_id: int, event: CarrierEvent, rt: Runtime
) -> None:
    if event.status != "delivered":
        return
    await Shipment.update({Shipment.delivered_at: event.occurred_at}).where(
        (Shipment.id == shipment_id) & Shipment.delivered_at.is_null()
    )
    await timeline.record(
        store_id=case.store_id,
        case_id=case.id,
        actor=CARRIER,
        kind="replacement_delivered",
        at=rt.clock.now(),
    )
