"""Sending the parcel without our label: where it goes, by when, who pays the postage, and the
customer's own tracking number, which the carrier's tracking events then move like a label's
(services/fulfilment/tracking.py)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

import asyncpg

from returns_service.adapters.carriers import Address
from returns_service.db.engine import DB
from returns_service.db.scope import readable
from returns_service.db.tables import CustomerTracking, Label, ReturnCase
from returns_service.domain.access import Caller
from returns_service.domain.cases import CaseStatus
from returns_service.domain.errors import Conflict, InvalidRequest
from returns_service.services.cases import timeline
from returns_service.services.cases.records import actor_for, lock_case
from returns_service.services.cases.schemas import CaseView
from returns_service.services.fulfilment import labels
from returns_service.services.fulfilment.schemas import OwnTracking, OwnTrackingView
from returns_service.services.platform import jobs
from returns_service.services.platform.runtime import Runtime
from returns_service.services.shop import writeback
from returns_service.services.store.policy import get_policy

CARRIER = re.compile(r"[a-z0-9][a-z0-9_-]{1,31}")
TRACKING_NUMBER = re.compile(r"[A-Z0-9][A-Z0-9-]{5,39}")
# before the parcel is on its way; after that the carrier's own scans tell us
TRACKABLE = frozenset({CaseStatus.REQUESTED, CaseStatus.APPROVED})


def normalised(data: OwnTracking) -> OwnTracking:
    """The tracking as the carrier writes it, or an InvalidRequest naming the field."""
    carrier = data.carrier.strip().lower()
    number = re.sub(r"\s+", "", data.tracking_number).upper()
    if not CARRIER.fullmatch(carrier):
        raise InvalidRequest(
            "carrier: 2-32 lower-case letters, digits, '-' or '_' (e.g. ups, dhl-express)",
            field="carrier",
        )
    if not TRACKING_NUMBER.fullmatch(number):
        raise InvalidRequest(
            "tracking_number: 6-40 letters, digits or '-' (spaces are ignored)",
            field="tracking_number",
        )
    return OwnTracking(carrier, number)


async def add_tracking(caller: Caller, number: str, data: OwnTracking, rt: Runtime) -> None:
    """The customer tells us how their parcel travels. Only for a case without our prepaid
    label, before the parcel is on its way; a correction replaces the number given before."""
    data = normalised(data)
    async with jobs.after_commit(rt):  # the provider's tracker, registered after the commit
        await _add_tracking(caller, number, data, rt)


async def _add_tracking(caller: Caller, number: str, data: OwnTracking, rt: Runtime) -> None:
    async with DB.transaction():
        case = await lock_case(caller, number)
        if case.status not in TRACKABLE:
            raise Conflict(
                f"a {case.status.value} return takes no tracking number: only before the "
                "parcel is on its way",
                current=case.status.value,
            )
        if await Label.exists().where(
            (Label.case == case.id) & Label.status.is_in(["active", "buying"])
        ):
            raise Conflict("this return has a prepaid label: its tracking is followed already")
        if await Label.exists().where(Label.tracking_number == data.tracking_number):
            raise Conflict("this tracking number belongs to one of our labels")
        taken = await CustomerTracking.exists().where(
            (CustomerTracking.store == case.store_id)
            & (CustomerTracking.carrier == data.carrier)
            & (CustomerTracking.tracking_number == data.tracking_number)
            & (CustomerTracking.case != case.id)
        )
        if taken:
            raise Conflict("this tracking number is already given for another return")
        now = rt.clock.now()
        try:
            updated = await (
                CustomerTracking.update(
                    {
                        CustomerTracking.carrier: data.carrier,
                        CustomerTracking.tracking_number: data.tracking_number,
                        CustomerTracking.created_at: now,
                    }
                )
                .where(CustomerTracking.case == case.id)
                .returning(CustomerTracking.id)
            )
            if not updated:
                updated = await CustomerTracking.insert(
                    CustomerTracking(
                        store=case.store_id,
                        case=case.id,
                        carrier=data.carrier,
                        tracking_number=data.tracking_number,
                        created_at=now,
                    )
                ).returning(CustomerTracking.id)
        except asyncpg.UniqueViolationError as error:  # the same number, at the same moment
            raise Conflict("this tracking number is already given for another return") from error
        await timeline.record(
            store_id=case.store_id,
            case_id=case.id,
            actor=await actor_for(caller),
            kind="own_tracking",
            params={"carrier": data.carrier, "tracking_number": data.tracking_number},
            at=now,
        )
        await writeback.on_tracking(case, data.tracking_number, data.carrier, rt, label=False)
        if not labels.made_here(rt.carrier):
            # the store's provider follows the parcel; its webhooks then move the case
            await jobs.enqueue(
                store_id=case.store_id,
                case_id=case.id,
                topic="tracker.register",
                payload={
                    "tracking_id": updated[0]["id"],
                    "provider": rt.carrier.name,
                    "carrier": data.carrier,
                    "tracking_number": data.tracking_number,
                },
                clock=rt.clock,
            )


async def own_tracking(case_id: int) -> OwnTrackingView | None:
    row = await (
        CustomerTracking.select(
            CustomerTracking.carrier,
            CustomerTracking.tracking_number,
            CustomerTracking.in_transit_at,
        )
        .where(CustomerTracking.case == case_id)
        .first()
    )
    if row is None:
        return None
    return OwnTrackingView(row["carrier"], row["tracking_number"], row["in_transit_at"] is not None)


@dataclass(frozen=True, slots=True)
class SendingCard:
    """The "how to send it" card of a return without our label."""

    address: Address
    return_by: date | None
    you_pay_postage: bool
    tracking: OwnTrackingView | None
    can_add_tracking: bool


async def sending_card(caller: Caller, view: CaseView, rt: Runtime) -> SendingCard | None:
    """For a return the customer sends themselves (their country gets no prepaid label): where
    to send it, by when (the day the approval expires, or an advance replacement's due date
    if earlier), that they pay the postage, and their tracking number."""
    if view.label is not None or view.status not in (*TRACKABLE, CaseStatus.IN_TRANSIT):
        return None
    case = await (
        ReturnCase.select(ReturnCase.id, ReturnCase.order, ReturnCase.customer)
        .where(readable(caller, ReturnCase) & (ReturnCase.number == view.number))
        .first()
    )
    if case is None:
        return None
    policy = await get_policy(caller.store_id)
    country = (await labels.customer_address(case["order"], case["customer"])).country
    if country in policy.prepaid_label_countries:
        return None  # a prepaid label comes (or came) with the approval
    approved_at = max(
        (e.at for e in view.timeline if e.to_status == CaseStatus.APPROVED.value), default=None
    )
    return_by = (approved_at + timedelta(days=rt.expire_after_days)).date() if approved_at else None
    if view.exchange and view.exchange.return_deadline:
        return_by = min(filter(None, (return_by, view.exchange.return_deadline)))
    tracking = await own_tracking(case["id"])
    return SendingCard(
        address=labels.return_address(policy, country, rt),
        return_by=return_by,
        you_pay_postage=True,
        tracking=tracking,
        can_add_tracking=view.status in TRACKABLE and not (tracking and tracking.in_transit),
    )
