"""The warehouse: a scan receives a parcel (once, however often it is scanned); an inspection
grades each item, puts restocked units back on the shelf and settles what settles by itself."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from returns_service.db import locks
from returns_service.db.engine import DB
from returns_service.db.tables import (
    ApiToken,
    CaseItem,
    OrderLine,
    Receipt,
    Shipment,
    Station,
    UnexpectedParcel,
)
from returns_service.domain.access import Caller
from returns_service.domain.cases import Actor, CaseStatus
from returns_service.domain.emails import EmailTemplate
from returns_service.domain.errors import InvalidRequest, NotFound
from returns_service.domain.inspection import Effect
from returns_service.domain.settlement import Disposition
from returns_service.domain.tracking import is_valid_tracking_number, looks_like_tracking_number
from returns_service.services.cases import timeline, views
from returns_service.services.cases.records import LockedCase, email_customer, lock_case
from returns_service.services.cases.views import CaseView, case_view, view_of
from returns_service.services.fulfilment import exchanges, grading
from returns_service.services.fulfilment.schemas import (
    ExpectedItem,
    Inspection,
    ReceiptView,
    ScanResult,
    UnexpectedParcelView,
)
from returns_service.services.money import differences, refunds
from returns_service.services.money.settlement import resolve_if_settled
from returns_service.services.platform import jobs
from returns_service.services.platform.runtime import Runtime
from returns_service.services.shop import writeback
from returns_service.services.store.policy import get_policy

CASE_NUMBER = re.compile(r"^R-[23456789ABCDEFGHJKMNPQRSTUVWXYZ]{6}$")
RECEIVABLE = frozenset({CaseStatus.APPROVED, CaseStatus.IN_TRANSIT})


class UnknownParcel(NotFound):
    code = "unknown-parcel"
    title = "No return matches this barcode"


def _actor(caller: Caller) -> Actor:
    return Actor("warehouse", caller.station_id, f"station {caller.station_id or ''}".strip())


async def _log_unexpected(caller: Caller, barcode: str, note: str, rt: Runtime) -> None:
    await UnexpectedParcel.insert(
        UnexpectedParcel(
            store=caller.store_id,
            barcode=barcode[:200],
            station=caller.station_id,
            scanned_at=rt.clock.now(),
            note=note,
        )
    )


async def _scanned_case(caller: Caller, barcode: str, rt: Runtime) -> Mapping[str, Any]:
    """The case a barcode belongs to, read whole (views.find_case) with whether its parcel
    was received; an unknown barcode is logged as an unexpected parcel."""
    if CASE_NUMBER.match(barcode):
        found = await views.find_case(caller, barcode)
        if found:
            return found
        await _log_unexpected(caller, barcode, "no case with this number", rt)
        raise UnknownParcel(f"no return case is numbered {barcode}: set the parcel aside")
    if looks_like_tracking_number(barcode):
        if not is_valid_tracking_number(barcode):
            await _log_unexpected(caller, barcode, "check digit wrong: misread or mistyped", rt)
            raise UnknownParcel(
                f"{barcode} is not a valid tracking number (its check digit is wrong): "
                "scan it again or type it carefully"
            )
        found = await views.find_case_by_label(caller, barcode)
        if found:
            return found
    await _log_unexpected(caller, barcode, "no label or case matches", rt)
    raise UnknownParcel(f"no return matches {barcode}: set the parcel aside for a lead")


def _action(status: CaseStatus) -> str:
    if status is CaseStatus.RECEIVED:
        return "inspect: grade each item and choose restock, refurbish, dispose or return to vendor"
    if status in (CaseStatus.INSPECTED, CaseStatus.RESOLVED, CaseStatus.CLOSED):
        return "already inspected: nothing more to do with this parcel"
    if status is CaseStatus.REQUESTED:
        return "hold: this return is not approved yet; set it aside for its concierge"
    return f"set aside for a lead: this return is {status.value}"


async def scan(caller: Caller, barcode: str, rt: Runtime) -> ScanResult:
    """A parcel scanned at a station, by its label's tracking number or its case number. A
    station reads every case of its store (its scope, domain/access.py): any parcel may
    arrive at the warehouse."""
    code = barcode.strip().upper()
    if not code:
        raise InvalidRequest("the barcode is empty", field="barcode")
    row = await _scanned_case(caller, code, rt)
    number = row["number"]
    already = bool(row["received"])
    # A parcel received once is never received again (receipts are never removed): its
    # re-scans, the common case at a busy station, are this one read and change nothing.
    if not already:
        async with jobs.after_commit(rt), DB.transaction():
            case = await lock_case(caller, number)
            already = await Receipt.exists().where(Receipt.case == case.id)
            if not already and case.status in RECEIVABLE:
                await _receive(case, caller, code, rt)
            elif not already and case.status not in (CaseStatus.REQUESTED,):
                await _log_unexpected(caller, code, f"case {number} is {case.status.value}", rt)
        view = await case_view(caller, number)
    else:
        view = view_of(caller, row)
    expected = [
        ExpectedItem(i.line_id, i.sku, i.title, i.quantity, i.reason, i.resolution)
        for i in view.items
    ]
    return ScanResult(
        case=view,
        expected_items=expected,
        action=_action(view.status),
        receipt=await _receipt(int(row["id"])),
        already_received=already,
    )


async def _receipt(case_id: int) -> ReceiptView | None:
    rows = await Receipt.select(Receipt.received_at, Receipt.station.name).where(
        Receipt.case == case_id
    )
    if not rows:
        return None
    return ReceiptView(rows[0]["received_at"], rows[0]["station.name"])


async def _receive(case: LockedCase, caller: Caller, barcode: str, rt: Runtime) -> None:
    now = rt.clock.now()
    await Receipt.insert(
        Receipt(
            store=case.store_id,
            case=case.id,
            barcode=barcode,
            station=caller.station_id,
            received_at=now,
        )
    )
    await timeline.move(
        store_id=case.store_id,
        case_id=case.id,
        current=case.status,
        target=CaseStatus.RECEIVED,
        actor=_actor(caller),
        at=now,
    )
    case.status = CaseStatus.RECEIVED
    await email_customer(case, EmailTemplate.PARCEL_RECEIVED, rt)
    # the original is back: an advance replacement is no longer open exposure
    await Shipment.update({Shipment.original_received_at: now}).where(
        (Shipment.case == case.id) & Shipment.original_received_at.is_null()
    )
    await refunds.reverse_charges(case, rt)


async def inspect(caller: Caller, number: str, inspection: Inspection, rt: Runtime) -> CaseView:
    """Grade every item of a received case. What each grade settles is grading.plan's (the
    same plan the station previews): new and like-new items settle at once (refund, store
    credit, or the waiting replacement ships); others go to the concierge to decide."""
    async with jobs.after_commit(rt), DB.transaction():
        case = await lock_case(caller, number)
        items = await grading.graded_items(case, inspection)
        planned = await grading.plan(case, items, inspection)
        now = rt.clock.now()
        decisions = []
        restock: list[tuple[str, int]] = []
        for graded in inspection.items:
            item = items[graded.line_id]
            await CaseItem.update(
                {
                    CaseItem.condition: graded.condition.value,
                    CaseItem.disposition: graded.disposition.value,
                }
            ).where(CaseItem.id == item["id"])
            if graded.disposition is Disposition.RESTOCK:
                restock.append((await _line_sku(graded.line_id), graded.quantity))
                await writeback.on_restocked(
                    case, graded.line_id, restock[-1][0], graded.quantity, rt
                )
        for p in planned:
            if p.effect is Effect.CONCIERGE:
                decisions.append(
                    f"line {p.graded.line_id}: {p.graded.condition.value}"
                    + (f" ({p.graded.note})" if p.graded.note else "")
                )
        await timeline.move(
            store_id=case.store_id,
            case_id=case.id,
            current=CaseStatus.RECEIVED,
            target=CaseStatus.INSPECTED,
            actor=_actor(caller),
            detail="; ".join(
                f"line {g.line_id}: {g.condition.value}, {g.disposition.value}"
                for g in inspection.items
            ),
            at=now,
        )
        case.status = CaseStatus.INSPECTED
        if decisions:
            await timeline.record(
                store_id=case.store_id,
                case_id=case.id,
                actor=_actor(caller),
                kind="decision_needed",
                detail="needs the concierge's decision: "
                + "; ".join(decisions)
                + " (refund in full, in part, or talk to the customer)",
                at=now,
            )
        money_items = [
            p.item_id for p in planned if p.effect in (Effect.REFUND, Effect.STORE_CREDIT)
        ]
        if money_items:
            await refunds.settle_money_items(case, rt, _actor(caller), only_items=money_items)
        exchange_items = [p.item_id for p in planned if p.effect is Effect.REPLACEMENT]
        if exchange_items:
            policy = await get_policy(case.store_id)
            await exchanges.ship_waiting(
                case, policy, rt, _actor(caller), reason="inspected", only_items=exchange_items
            )
        if any(p.resolution == "exchange" and p.effect is not Effect.CONCIERGE for p in planned):
            # the original is back in good order (its replacement waited or had already left
            # in advance): a cheaper replacement's difference goes back
            await differences.refund_due(case, rt, _actor(caller))
        # Stock last (db/locks.py: order lines and the customer before variants).
        for sku, quantity in restock:
            await locks.put_back_stock(case.store_id, sku, quantity)
        await resolve_if_settled(case, rt, _actor(caller))
    return await case_view(caller, number)


async def _line_sku(line_id: int) -> str:
    rows = await OrderLine.select(OrderLine.sku).where(OrderLine.id == line_id)
    return str(rows[0]["sku"])


async def station_name(caller: Caller) -> str | None:
    """The station's name (shown on its page): its station's, else the name its token was
    issued with (a token need not belong to a station row)."""
    if caller.station_id is not None:
        rows = await Station.select(Station.name).where(
            (Station.id == caller.station_id) & (Station.store == caller.store_id)
        )
        if rows:
            return str(rows[0]["name"])
    if caller.token_id is not None:
        tokens = await ApiToken.select(ApiToken.name).where(
            (ApiToken.id == caller.token_id) & (ApiToken.store == caller.store_id)
        )
        if tokens and tokens[0]["name"]:
            return str(tokens[0]["name"])
    return None


async def unexpected_parcels(caller: Caller) -> list[UnexpectedParcelView]:
    rows = await (
        UnexpectedParcel.select()
        .where((UnexpectedParcel.store == caller.store_id) & UnexpectedParcel.resolved_at.is_null())
        .order_by(UnexpectedParcel.id)
    )
    return [UnexpectedParcelView(r["id"], r["barcode"], r["note"], r["scanned_at"]) for r in rows]
