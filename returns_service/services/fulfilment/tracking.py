"""Carrier tracking events: a return label's first scan puts the case in transit (and may ship
an advance replacement); delivery to the warehouse is recorded; a replacement's delivery
starts the follow-up clock. Signed per carrier; unknown parcels and replays change nothing."""

from __future__ import annotations

import hashlib
import hmac

import msgspec

from returns_service.db.engine import DB
from returns_service.db.tables import CustomerTracking, Label, Shipment
from returns_service.domain.access import Caller
from returns_service.domain.cases import Actor, CaseStatus
from returns_service.domain.errors import InvalidRequest, NotAuthenticated, NotFound
from returns_service.services.cases import timeline
from returns_service.services.cases.records import LockedCase, lock_case
from returns_service.services.fulfilment import exchanges, queries
from returns_service.services.fulfilment.schemas import CarrierEvent, TrackingResult
from returns_service.services.platform import jobs
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store.policy import get_policy

CARRIER = Actor("system", None, "carrier")


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
    label = await Label.select(Label.id, Label.case.number.as_alias("number")).where(
        (Label.store == store_id)
        & (Label.tracking_number == event.tracking_number)
        & (Label.carrier == carrier)
    )
    # the customer's own tracking number (sent without our label) is followed like a label's
    own = await CustomerTracking.select(
        CustomerTracking.id, CustomerTracking.case.number.as_alias("number")
    ).where(
        (CustomerTracking.store == store_id)
        & (CustomerTracking.tracking_number == event.tracking_number)
        & (CustomerTracking.carrier == carrier)
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
