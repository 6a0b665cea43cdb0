"""What the case writes back to the shop, as jobs queued in the case's transaction and run
after its commit (services/platform/jobs.py): the return object when the case is approved
(with our label's tracking), restocks when the warehouse grades units restockable, the
exchange's replacement as an order, the return closed when the case ends. Each result is
kept (shop_record, once per key) and written on the case's timeline; a refusal flags the
case for the concierge. With RETURNS_SHOP=none nothing is queued."""

from __future__ import annotations

from returns_service.adapters.shop import ReplacementRequest, ReturnRequest, ShopError, ShopLine
from returns_service.db.engine import DB
from returns_service.domain.cases import SYSTEM
from returns_service.services.cases import timeline
from returns_service.services.cases.records import LockedCase
from returns_service.services.platform import jobs
from returns_service.services.platform.links import case_link
from returns_service.services.platform.runtime import Runtime
from returns_service.services.shop import queries

# our return reasons -> Shopify's ReturnReason enum
REASONS = {
    "too_small": "SIZE_TOO_SMALL",
    "too_large": "SIZE_TOO_LARGE",
    "damaged": "DEFECTIVE",
    "defective": "DEFECTIVE",
    "not_as_described": "NOT_AS_DESCRIBED",
    "wrong_item": "WRONG_ITEM",
    "changed_mind": "UNWANTED",
    "style": "STYLE",
    "colour": "COLOR",
}


async def _queue(case: LockedCase, topic: str, payload: dict[str, object], rt: Runtime) -> None:
    if rt.shop.name == "none":
        return
    await jobs.enqueue(
        store_id=case.store_id, case_id=case.id, topic=topic, payload=payload, clock=rt.clock
    )


async def on_approved(case: LockedCase, rt: Runtime) -> None:
    await _queue(case, "shop.return", {}, rt)


async def on_restocked(
    case: LockedCase, line_id: int, sku: str, quantity: int, rt: Runtime
) -> None:
    key = f"restock:{case.store_id}:{case.id}:{line_id}"
    await _queue(case, "shop.restock", {"sku": sku, "quantity": quantity, "key": key}, rt)


async def on_replacement(
    case: LockedCase, shipment_id: int, sku: str, quantity: int, rt: Runtime
) -> None:
    key = f"replacement:{case.store_id}:{shipment_id}"
    await _queue(case, "shop.replacement", {"sku": sku, "quantity": quantity, "key": key}, rt)


async def on_tracking(
    case: LockedCase, tracking_number: str, carrier: str, rt: Runtime, *, label: bool
) -> None:
    """A label bought or re-issued after the return was made, or the customer's own
    tracking: the shop's reverse delivery follows it (`label`: ours, with its link)."""
    await _queue(
        case,
        "shop.tracking",
        {"tracking_number": tracking_number, "carrier": carrier, "label": label},
        rt,
    )


async def on_finished(case: LockedCase, rt: Runtime) -> None:
    await _queue(case, "shop.close", {}, rt)


async def _case(job: jobs.Job) -> queries.CaseForShop:
    assert job.case_id is not None
    case = await queries.case_for_shop(job.case_id)
    if case is None:
        raise jobs.GiveUp("the case is gone")
    return case


async def _done(
    case: queries.CaseForShop, kind: str, key: str, reference: str, rt: Runtime, **params: object
) -> None:
    """Keep the shop's reference and say so on the case, once."""
    async with DB.transaction():
        if await queries.remember(
            store_id=case.store_id,
            case_id=case.id,
            kind=kind,
            key=key,
            reference=reference,
            at=rt.clock.now(),
        ):
            await timeline.record(
                store_id=case.store_id,
                case_id=case.id,
                actor=SYSTEM,
                kind=f"shop_{kind}",
                params={"shop": rt.shop.name, **params},
                detail=reference,
                customer_visible=False,
                at=rt.clock.now(),
            )


def _shop_call(error: ShopError) -> Exception:
    if error.retryable:
        return jobs.RetryLater(error.message, error.retry_after or 30)
    return jobs.GiveUp(error.message)


async def _return(job: jobs.Job, rt: Runtime) -> None:
    case = await _case(job)
    key = f"return:{case.id}"
    try:
        reference = await queries.recorded(case.store_id, key)
        if reference is None:
            reason = REASONS.get(case.lines[0][2], "OTHER") if case.lines else "OTHER"
            request = ReturnRequest(
                case.number,
                case.shop_order_id,
                tuple(ShopLine(line, quantity) for line, quantity, _ in case.lines),
                reason,
            )
            reference = await rt.shop.create_return(request, job.progress)
            await _done(case, "return", key, reference, rt)
        if case.tracking_number:  # our label, so the merchant sees the parcel in Shopify
            tracking_key = f"tracking:{case.id}:{case.tracking_number}"
            if await queries.recorded(case.store_id, tracking_key) is None:
                label_url = case_link(case.store_id, case.number, rt)
                delivery = await rt.shop.add_reverse_delivery(
                    reference, case.tracking_number, case.carrier or "", label_url
                )
                await _done(
                    case, "tracking", tracking_key, delivery, rt, tracking=case.tracking_number
                )
    except ShopError as error:
        raise _shop_call(error) from error


async def _tracking(job: jobs.Job, rt: Runtime) -> None:
    case = await _case(job)
    number, carrier = str(job.payload["tracking_number"]), str(job.payload["carrier"])
    if number not in await queries.current_tracking(case.id):
        return  # superseded by a later label or tracking, whose own job sends it
    if await queries.job_pending(case.id, "shop.return"):
        # it may be adding a delivery right now: after it, so that the two never both create
        raise jobs.RetryLater("the shop's return is still being made", 60)
    reference = await queries.recorded(case.store_id, f"return:{case.id}")
    if reference is None:
        return  # the shop never had a return for this case
    key = f"tracking:{case.id}:{number}"
    if await queries.recorded(case.store_id, key) is not None:
        return  # sent already (by this job's earlier attempt or the return's own)
    label_url = case_link(case.store_id, case.number, rt) if job.payload.get("label") else ""
    try:
        delivery = await rt.shop.add_reverse_delivery(reference, number, carrier, label_url)
    except ShopError as error:
        raise _shop_call(error) from error
    await _done(case, "tracking", key, delivery, rt, tracking=number)


async def _restock(job: jobs.Job, rt: Runtime) -> None:
    case = await _case(job)
    key = str(job.payload["key"])
    if await queries.recorded(case.store_id, key) is not None:
        return
    sku, quantity = str(job.payload["sku"]), int(job.payload["quantity"])
    try:
        await rt.shop.restock(sku, quantity, key)
    except ShopError as error:
        raise _shop_call(error) from error
    await _done(case, "restock", key, sku, rt, sku=sku, quantity=quantity)


async def _replacement(job: jobs.Job, rt: Runtime) -> None:
    case = await _case(job)
    key = str(job.payload["key"])
    if await queries.recorded(case.store_id, key) is not None:
        return
    sku, quantity = str(job.payload["sku"]), int(job.payload["quantity"])
    email = await queries.customer_email(case.id)
    try:
        order = await rt.shop.create_replacement(
            ReplacementRequest(case.number, case.shop_order_id, email, sku, quantity, key),
            job.progress,
        )
    except ShopError as error:
        raise _shop_call(error) from error
    await _done(case, "replacement", key, order, rt, sku=sku)


async def _close(job: jobs.Job, rt: Runtime) -> None:
    case = await _case(job)
    reference = await queries.recorded(case.store_id, f"return:{case.id}")
    if reference is None:
        if await queries.job_pending(case.id, "shop.return"):
            raise jobs.RetryLater("the shop's return is still being made", 60)
        return  # the shop never had a return for this case
    key = f"closed:{case.id}"
    if await queries.recorded(case.store_id, key) is not None:
        return
    try:
        await rt.shop.close_return(reference)
    except ShopError as error:
        raise _shop_call(error) from error
    await _done(case, "closed", key, reference, rt)


async def _gave_up(job: jobs.Job, rt: Runtime, error: str) -> None:
    if job.case_id is None:
        return
    async with DB.transaction():
        await queries.flag_case(job.case_id, "shop_failed")
        await timeline.record(
            store_id=job.store_id,
            case_id=job.case_id,
            actor=SYSTEM,
            kind="shop_failed",
            params={"shop": rt.shop.name, "call": job.topic},
            detail=error[:300],
            customer_visible=False,
            at=rt.clock.now(),
        )


for _topic, _handler in (
    ("shop.return", _return),
    ("shop.restock", _restock),
    ("shop.replacement", _replacement),
    ("shop.close", _close),
    ("shop.tracking", _tracking),
):
    jobs.handles(_topic, max_attempts=12, on_give_up=_gave_up)(_handler)
