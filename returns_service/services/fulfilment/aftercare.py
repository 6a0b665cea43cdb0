"""What happens after the replacement leaves, driven by the worker: reminders 7 and 2 days
before an advance exchange's original is due, the overdue charge past the deadline, the
"did it fit?" follow-up, and closing resolved cases. Plus the customer's rating."""

from __future__ import annotations

import logging
from datetime import timedelta

from returns_service.db.engine import DB
from returns_service.db.tables import CaseMessage, ReturnCase, Shipment
from returns_service.domain.access import Caller
from returns_service.domain.cases import SYSTEM, CaseStatus
from returns_service.domain.emails import EmailTemplate
from returns_service.domain.errors import Conflict
from returns_service.services.cases import timeline
from returns_service.services.cases.records import (
    email_customer,
    lock_case,
    money_moved,
    release_reservations,
)
from returns_service.services.events import outbound
from returns_service.services.fulfilment import labels, queries
from returns_service.services.fulfilment.schemas import Rating
from returns_service.services.money import refunds
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store.stores import get_store

log = logging.getLogger(__name__)


async def advance_deadlines(rt: Runtime) -> int:
    """Remind, then charge, for advance replacements whose originals are not back."""
    acted = 0
    for row in await queries.advance_shipments_out():
        today = rt.clock.now().astimezone((await get_store(row.store_id)).tz).date()
        days_left = (row.return_deadline - today).days
        async with DB.transaction():
            case = await lock_case(Caller.system(row.store_id), row.case_number)
            if days_left < 0:
                still_due = Shipment.id.is_not_null()  # the charge: overdue_at checked below
            elif days_left <= 2:
                still_due = Shipment.reminded_2_at.is_null()
            else:
                still_due = Shipment.reminded_7_at.is_null()
            current = await Shipment.select(Shipment.id).where(
                (Shipment.id == row.id)
                & Shipment.original_received_at.is_null()
                & Shipment.overdue_at.is_null()
                & still_due
            )
            if not current:
                continue  # the original arrived, or another worker acted, while we waited
            if days_left < 0:
                await refunds.charge_overdue(row.id, case, rt)
            elif days_left <= 2 and row.reminded_2_at is None:
                await email_customer(
                    case,
                    EmailTemplate.RETURN_REMINDER,
                    rt,
                    detail=row.return_deadline,
                )
                await Shipment.update({Shipment.reminded_2_at: rt.clock.now()}).where(
                    Shipment.id == row.id
                )
            elif 2 < days_left <= 7 and row.reminded_7_at is None:
                await email_customer(
                    case,
                    EmailTemplate.RETURN_REMINDER,
                    rt,
                    detail=row.return_deadline,
                )
                await Shipment.update({Shipment.reminded_7_at: rt.clock.now()}).where(
                    Shipment.id == row.id
                )
            else:
                continue
        acted += 1
    return acted


async def follow_ups(rt: Runtime) -> int:
    """Some days after a replacement was delivered: "did it fit?" with a 1-5 rating."""
    due = rt.clock.now() - timedelta(days=rt.follow_up_days)
    rows = await queries.delivered_without_follow_up(due)
    for row in rows:
        async with DB.transaction():
            case = await lock_case(Caller.system(row.store_id), row.case_number)
            await email_customer(case, EmailTemplate.FOLLOW_UP, rt)
            await Shipment.update({Shipment.follow_up_sent_at: rt.clock.now()}).where(
                Shipment.id == row.id
            )
    return len(rows)


async def close_resolved(rt: Runtime) -> int:
    """Resolved cases close by themselves after a quiet period (the agent can close sooner)."""
    due = rt.clock.now() - timedelta(days=rt.auto_close_days)
    rows = await ReturnCase.select(ReturnCase.store, ReturnCase.number).where(
        (ReturnCase.status == CaseStatus.RESOLVED.value) & (ReturnCase.resolved_at <= due)
    )
    for row in rows:
        async with DB.transaction():
            case = await lock_case(Caller.system(row["store"]), row["number"])
            if case.status is not CaseStatus.RESOLVED:
                continue  # closed (or moved) by someone else meanwhile
            await timeline.move(
                store_id=case.store_id,
                case_id=case.id,
                current=case.status,
                target=CaseStatus.CLOSED,
                actor=SYSTEM,
                at=rt.clock.now(),
            )
            await email_customer(case, EmailTemplate.CASE_CLOSED, rt)
    return len(rows)


async def expire_unsent(rt: Runtime) -> int:
    """Approved returns whose parcel never left within the expiry period expire: the units
    held for an exchange go back on the shelf and the label is voided. A case where money
    already moved or the replacement left is not released (the customer would keep both):
    it goes to its concierge instead, once."""
    due = rt.clock.now() - timedelta(days=rt.expire_after_days)
    rows = await queries.approved_and_unsent(due)
    for store_id, number in rows:
        async with DB.transaction():
            case = await lock_case(Caller.system(store_id), number)
            if case.status is not CaseStatus.APPROVED:
                continue
            if why := await money_moved(case.id):
                await timeline.record(
                    store_id=case.store_id,
                    case_id=case.id,
                    actor=SYSTEM,
                    kind="expiry_held",
                    params={"days": rt.expire_after_days},
                    detail=f"not expired: {why}; reach out to the customer",
                    at=rt.clock.now(),
                    customer_visible=False,
                )
                # the queue's "needs a person" flag (as a low rating sets it)
                await ReturnCase.update(
                    {ReturnCase.awaiting_reply: True, ReturnCase.updated_at: rt.clock.now()}
                ).where(ReturnCase.id == case.id)
                continue
            await timeline.move(
                store_id=case.store_id,
                case_id=case.id,
                current=case.status,
                target=CaseStatus.EXPIRED,
                actor=SYSTEM,
                params={"days": rt.expire_after_days},
                at=rt.clock.now(),
            )
            await release_reservations(case.id)
            await labels.void_active(case, rt)
    return len(rows)


async def rate(caller: Caller, number: str, rating: Rating, rt: Runtime) -> None:
    """The customer's answer to "did it fit?", once, after the replacement was delivered.
    Three or less goes straight to a person: the conversation reopens with the same
    concierge (once: a second rating would re-flag the case each time)."""
    async with DB.transaction():
        case = await lock_case(caller, number)
        if not await Shipment.exists().where(
            (Shipment.case == case.id) & Shipment.delivered_at.is_not_null()
        ):
            raise Conflict("only an exchange whose replacement was delivered can be rated")
        if not await queries.save_rating(
            store_id=case.store_id,
            case_id=case.id,
            rating=rating.rating,
            comment=rating.comment or "",
            at=rt.clock.now(),
        ):
            raise Conflict(f"{case.number} was rated already")
        low = rating.rating <= 3
        await timeline.record(
            store_id=case.store_id,
            case_id=case.id,
            actor=SYSTEM,
            kind="rating",
            params={"rating": rating.rating, "low": low},
            detail=(rating.comment or "") + (" (low rating: reach out)" if low else ""),
            at=rt.clock.now(),
        )
        if low:
            await ReturnCase.update({ReturnCase.awaiting_reply: True}).where(
                ReturnCase.id == case.id
            )
            if rating.comment:
                written = await CaseMessage.insert(
                    CaseMessage(
                        store=case.store_id,
                        case=case.id,
                        at=rt.clock.now(),
                        author_kind="customer",
                        body=rating.comment,
                    )
                )
                await outbound.announce_message(
                    store_id=case.store_id,
                    case_id=case.id,
                    message_id=written[0]["id"],
                    at=rt.clock.now(),
                )


async def run_all(rt: Runtime) -> int:
    """Each job on its own: one failing (a declined card, say) does not stop the others."""
    done = 0
    for job in (advance_deadlines, follow_ups, close_resolved, expire_unsent):
        try:
            done += await job(rt)
        except Exception:  # logged; retried on the next pass
            log.exception("aftercare job %s failed", job.__name__)
    return done
