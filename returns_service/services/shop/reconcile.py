"""Nightly reconciliation with the shop: once a day per store (remembered in shop_record,
with the job that does it queued in the same transaction), the refunds Shopify holds for
each order whose cases changed in the last days are compared with the refunds we hold;
each difference flags the order's latest case for a lead (`attention = shop_mismatch`, a
`shop_mismatch` event), once per difference. Money of ours still pending after a day (a
credit or refund the shop never confirmed) is flagged the same way. So are the store
credits we issued (each must be on its store-credit account or gift card, for its amount)
and the exchanges' replacement orders (each must exist, not cancelled, with its SKU and
quantity)."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from returns_service.adapters.shop import ShopError
from returns_service.db.engine import DB
from returns_service.domain.cases import SYSTEM
from returns_service.domain.money import Money
from returns_service.services.cases import timeline
from returns_service.services.platform import jobs
from returns_service.services.platform.runtime import Runtime
from returns_service.services.shop import queries
from returns_service.services.store.stores import get_store

LOOK_BACK_DAYS = 7


async def schedule(rt: Runtime) -> int:
    """The worker's pass: queue today's reconciliation of each store not queued yet."""
    if rt.shop.name == "none":
        return 0
    queued = 0
    for store_id in await queries.store_ids():
        today = rt.clock.now().astimezone((await get_store(store_id)).tz).date()
        key = f"reconcile:{today.isoformat()}"
        if await queries.recorded(store_id, key) is not None:
            continue  # the usual case on every pass but the day's first: a read, no write
        async with DB.transaction():
            if await queries.remember(
                store_id=store_id,
                case_id=None,
                kind="reconciled",
                key=key,
                reference="",
                at=rt.clock.now(),
            ):
                await jobs.enqueue(
                    store_id=store_id,
                    case_id=None,
                    topic="shop.reconcile",
                    payload={"day": today.isoformat()},
                    clock=rt.clock,
                )
                queued += 1
    return queued


async def _flag(
    store_id: int, case_id: int, key: str, detail: str, rt: Runtime, what: str = "refunds"
) -> bool:
    async with DB.transaction():
        if not await queries.remember(
            store_id=store_id,
            case_id=case_id,
            kind="mismatch",
            key=key,
            reference="",
            at=rt.clock.now(),
        ):
            return False  # flagged already
        await queries.flag_case(case_id, "shop_mismatch")
        await timeline.record(
            store_id=store_id,
            case_id=case_id,
            actor=SYSTEM,
            kind="shop_mismatch",
            params={"shop": rt.shop.name, "what": what},
            detail=detail,
            customer_visible=False,
            at=rt.clock.now(),
        )
    return True


def _shop_call(error: ShopError) -> Exception:
    if error.retryable:
        return jobs.RetryLater(error.message, error.retry_after or 60)
    return jobs.GiveUp(error.message)


async def _credits(job: jobs.Job, since: datetime, rt: Runtime) -> None:
    """Each credit of ours must be on its account (matched by amount: Shopify keeps no key
    of ours on a credit, so each of its credits answers for one of ours at most) or be its
    gift card's value. Credits only the shop holds are not ours to judge: a merchant may
    give credit for other reasons."""
    by_reference: dict[str, list[queries.OurCredit]] = defaultdict(list)
    for credit in await queries.credits_to_reconcile(job.store_id, since):
        by_reference[credit.reference].append(credit)
    for reference, ours in by_reference.items():
        try:
            theirs = await rt.shop.credits_of(reference) if reference else None
        except ShopError as error:
            raise _shop_call(error) from error
        left: list[Money] = list(theirs or [])
        for credit in ours:
            if credit.amount in left:
                left.remove(credit.amount)
                continue
            found = "+".join(str(m.amount) for m in theirs or []) or "nothing"
            await _flag(
                job.store_id,
                credit.case_id,
                f"credit:{credit.payment_id}:{found}",
                f"store credit {reference or '?'}: {rt.shop.name} holds "
                f"{found}, we issued {credit.amount.amount} "
                f"({credit.amount.currency})",
                rt,
                "credits",
            )


async def _exchanges(job: jobs.Job, since: datetime, rt: Runtime) -> None:
    for ours in await queries.replacements_to_reconcile(job.store_id, since):
        if ours.reference is None:
            if ours.pending:
                continue  # its job has not run yet: not a difference
            seen = None
        else:
            try:
                seen = await rt.shop.order_of(ours.reference)
            except ShopError as error:
                raise _shop_call(error) from error
        wanted = f"{ours.sku}x{ours.quantity}"
        if seen is None:
            found = "missing"
        elif seen.cancelled:
            found = "cancelled"
        elif seen.lines != ((ours.sku, ours.quantity),):
            found = ",".join(f"{sku}x{quantity}" for sku, quantity in seen.lines) or "empty"
        else:
            continue
        await _flag(
            job.store_id,
            ours.case_id,
            f"exchange:{ours.shipment_id}:{found}",
            f"exchange order {ours.reference or '?'}: {rt.shop.name} holds {found}, "
            f"we shipped {wanted}",
            rt,
            "exchanges",
        )


async def _reconcile(job: jobs.Job, rt: Runtime) -> None:
    since = rt.clock.now() - timedelta(days=LOOK_BACK_DAYS)
    for order in await queries.orders_to_reconcile(job.store_id, since):
        try:
            seen = await rt.shop.refunds_of(order.shop_order_id)
        except ShopError as error:
            raise _shop_call(error) from error
        theirs = sum(refund.amount.amount for refund in seen)
        if theirs != order.refunded:
            await _flag(
                job.store_id,
                order.latest_case_id,
                f"mismatch:{order.shop_order_id}:{theirs}:{order.refunded}",
                f"order {order.shop_order_id}: {rt.shop.name} refunded {theirs}, "
                f"we hold {order.refunded} ({order.currency})",
                rt,
            )
    for stale in await queries.stale_pending_money(
        job.store_id, rt.clock.now() - timedelta(days=1)
    ):
        await _flag(
            job.store_id,
            stale.case_id,
            f"pending:{stale.payment_id}",
            f"{stale.kind} of {stale.amount} {stale.currency} still unconfirmed by the shop",
            rt,
        )
    await _credits(job, since, rt)
    await _exchanges(job, since, rt)


jobs.handles("shop.reconcile", max_attempts=6)(_reconcile)
