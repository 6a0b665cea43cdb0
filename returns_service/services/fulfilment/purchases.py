"""What is bought from a carrier, as outbox jobs run after the change that causes them commits:
a provider's return label (`label.buy`), its refund when it goes unused (`label.void`), and a
tracker for a parcel the customer sent with their own label (`tracker.register`).

A provider call never runs inside a transaction: a label bought inside one that then rolls
back would be paid for and lost. The purchase is recorded afterwards in a transaction of its
own, under the case's lock; a retry after a timeout finds what the first attempt bought
through the job's progress notes and the purchase's reference (adapters/carriers/base.py).
"""

from __future__ import annotations

from typing import Any

import msgspec
from piccolo.columns import Column

from returns_service.adapters.carriers import BoughtLabel, CarrierError, LabelRequest
from returns_service.adapters.carriers.base import RETRYABLE
from returns_service.db.engine import DB
from returns_service.db.tables import CustomerTracking, Label, ReturnCase
from returns_service.domain.access import Caller
from returns_service.domain.cases import SYSTEM, CaseStatus
from returns_service.domain.emails import EmailTemplate
from returns_service.services.cases import timeline
from returns_service.services.cases.records import LockedCase, email_customer, lock_case
from returns_service.services.platform import jobs
from returns_service.services.platform.runtime import Runtime
from returns_service.services.shop import writeback

BUY_ATTEMPTS = 8  # with the outbox's backoff: about an hour and a half of trying
VOID_ATTEMPTS = 12  # a refund may wait: about a day
TRACKER_ATTEMPTS = 10
# a label that is still of use to the parcel: the case may yet be shipped under it
LABELLED = frozenset({CaseStatus.APPROVED, CaseStatus.IN_TRANSIT})


def job_error(error: CarrierError, job: jobs.Job, max_attempts: int) -> Exception:
    """A provider's error as the job runner understands it: a person must act (GiveUp, with
    "kind: message"), or try again (after the provider's Retry-After where it gave one)."""
    if not error.retryable or job.attempts + 1 >= max_attempts:
        return jobs.GiveUp(f"{error.kind}: {error.message}")
    if error.retry_after is not None:
        return jobs.RetryLater(error.message, error.retry_after)
    return error


def _reason(error: str) -> tuple[str, str]:
    """(kind, message) of a given-up job's error; a failure that was no CarrierError counts as
    the provider being unavailable."""
    kind, _, message = error.partition(": ")
    known = RETRYABLE | {"invalid_address", "no_rates", "insufficient_funds", "auth", "rejected"}
    return (kind, message) if kind in known and message else ("unavailable", error)


async def _needs_a_person(case: LockedCase, rt: Runtime) -> None:
    """The agents' queue flag that says a person must look at the case (as a low rating or a
    held expiry sets it)."""
    await ReturnCase.update(
        {ReturnCase.awaiting_reply: True, ReturnCase.updated_at: rt.clock.now()}
    ).where(ReturnCase.id == case.id)


async def announce(case: LockedCase, rt: Runtime) -> None:
    """The approval email, sent once the label it links to exists."""
    # imported here: opening imports labels, which imports this module
    from returns_service.services.cases.opening import difference_amounts

    await email_customer(
        case, EmailTemplate.CASE_APPROVED, rt, amounts=await difference_amounts(case.id)
    )


# ---------------------------------------------------------------------------------------------
# Buying a label


async def label_failed(job: jobs.Job, rt: Runtime, error: str) -> None:
    """The purchase can never succeed as it is (an address the provider refuses, no rate, no
    funds, a wrong key) or kept failing: the case says so, and the concierge is asked to act
    (correct the address, then re-issue)."""
    kind, message = _reason(error)
    async with DB.transaction():
        row = await Label.select(Label.case.number.as_alias("number"), Label.store).where(
            Label.id == job.payload["label_id"]
        )
        if not row:
            return
        case = await lock_case(Caller.system(row[0]["store"]), row[0]["number"])
        failed = await (
            Label.update(
                {Label.status: "failed", Label.failure_kind: kind, Label.failure_message: message}
            )
            .where((Label.id == job.payload["label_id"]) & (Label.status == "buying"))
            .returning(Label.id)
        )
        if not failed:  # voided meanwhile (the case ended, or the label was re-issued)
            return
        await timeline.record(
            store_id=case.store_id,
            case_id=case.id,
            actor=SYSTEM,
            kind="label_failed",
            params={"reason": kind, "message": message[:500]},
            customer_visible=False,
            at=rt.clock.now(),
        )
        await _needs_a_person(case, rt)


@jobs.handles("label.buy", max_attempts=BUY_ATTEMPTS, on_give_up=label_failed)
async def buy_label(job: jobs.Job, rt: Runtime) -> None:
    label = await (
        Label.select(
            Label.store,
            Label.status,
            Label.provider,
            Label.request,
            Label.announce,
            Label.case.number.as_alias("number"),
        )
        .where(Label.id == job.payload["label_id"])
        .first()
    )
    if label is None or label["status"] == "active":
        return  # recorded by an earlier attempt
    if label["status"] != "buying" and not job.payload.get("progress"):
        return  # voided before anything could have been bought: nothing to buy or refund
    request = msgspec.json.decode(label["request"], type=LabelRequest)
    carrier = rt.carrier_named(label["provider"])
    try:
        created = await carrier.buy_return_label(request, job.progress)
    except CarrierError as error:
        raise job_error(error, job, BUY_ATTEMPTS) from error
    now = rt.clock.now()
    async with DB.transaction():
        case = await lock_case(Caller.system(label["store"]), label["number"])
        status = await Label.select(Label.status).where(Label.id == job.payload["label_id"])
        if status[0]["status"] == "active":
            return
        # bought for a case that ended, or a label re-issued meanwhile: kept as voided (what
        # the store paid stays on record) and refunded
        was = status[0]["status"]
        keep = was == "buying" and case.status in LABELLED
        voided_at: dict[Column | str, Any] = (
            {} if keep or was == "voided" else {Label.voided_at: now}
        )
        await Label.update(
            {
                **voided_at,
                Label.status: "active" if keep else "voided",
                Label.carrier: created.carrier,
                Label.service: created.service,
                Label.tracking_number: created.tracking_number,
                Label.cost_amount: created.cost.amount if created.cost else None,
                Label.cost_currency: created.cost.currency if created.cost else "",
                Label.pdf: created.pdf,
                Label.zpl: created.zpl,
                Label.provider_label_url: created.label_url,
                Label.qr_code_png: created.qr_code_png,
                Label.shipment_id: created.shipment_id,
                Label.provider_label_id: created.label_id,
                Label.tracker_id: created.tracker_id,
                Label.announce: False,
            }
        ).where(Label.id == job.payload["label_id"])
        if not keep:
            await jobs.enqueue(
                store_id=case.store_id,
                case_id=case.id,
                topic="label.void",
                payload={"label_id": job.payload["label_id"]},
                clock=rt.clock,
            )
            return
        await timeline.record(
            store_id=case.store_id,
            case_id=case.id,
            actor=SYSTEM,
            kind="label_replaced" if job.payload.get("replaces") else "label",
            detail=f"{created.carrier} {created.service} {created.tracking_number}".strip(),
            at=now,
        )
        if label["announce"]:
            await announce(case, rt)
        # the shop's return may be made already (shop.return ran before the label was)
        await writeback.on_tracking(case, created.tracking_number, created.carrier, rt, label=True)


# ---------------------------------------------------------------------------------------------
# Voiding a label


async def void_failed(job: jobs.Job, rt: Runtime, error: str) -> None:
    """The provider would not refund the unused label: a lead asks for it by hand."""
    kind, message = _reason(error)
    async with DB.transaction():
        row = await Label.select(
            Label.case.number.as_alias("number"), Label.store, Label.tracking_number
        ).where(Label.id == job.payload["label_id"])
        if not row:
            return
        case = await lock_case(Caller.system(row[0]["store"]), row[0]["number"])
        await timeline.record(
            store_id=case.store_id,
            case_id=case.id,
            actor=SYSTEM,
            kind="label_void_failed",
            params={
                "tracking_number": row[0]["tracking_number"] or "",
                "reason": kind,
                "message": message[:500],
            },
            customer_visible=False,
            at=rt.clock.now(),
        )
        await _needs_a_person(case, rt)


@jobs.handles("label.void", max_attempts=VOID_ATTEMPTS, on_give_up=void_failed)
async def void_label(job: jobs.Job, rt: Runtime) -> None:
    label = await (
        Label.select(
            Label.provider,
            Label.carrier,
            Label.tracking_number,
            Label.shipment_id,
            Label.provider_label_id,
            Label.in_transit_at,
        )
        .where(Label.id == job.payload["label_id"])
        .first()
    )
    if label is None or label["tracking_number"] is None or label["in_transit_at"] is not None:
        return  # nothing bought, or the parcel is on its way under it after all
    bought = BoughtLabel(
        label["carrier"], label["tracking_number"], label["shipment_id"], label["provider_label_id"]
    )
    try:
        await rt.carrier_named(label["provider"]).void_label(bought)
    except CarrierError as error:
        raise job_error(error, job, VOID_ATTEMPTS) from error


# ---------------------------------------------------------------------------------------------
# Following the customer's own tracking number


@jobs.handles("tracker.register", max_attempts=TRACKER_ATTEMPTS)
async def register_tracker(job: jobs.Job, rt: Runtime) -> None:
    carrier, number = job.payload["carrier"], job.payload["tracking_number"]
    try:
        tracker_id = await rt.carrier_named(job.payload["provider"]).register_tracker(
            carrier, number
        )
    except CarrierError as error:
        raise job_error(error, job, TRACKER_ATTEMPTS) from error
    await CustomerTracking.update({CustomerTracking.tracker_id: tracker_id}).where(
        (CustomerTracking.id == job.payload["tracking_id"])
        & (CustomerTracking.tracking_number == number)
    )
