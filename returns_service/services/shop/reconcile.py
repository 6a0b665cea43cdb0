"""Nightly reconciliation with the shop: once a day per store (remembered in shop_record,
with the job that does it queued in the same transaction), the refunds Shopify holds for
each order whose cases changed in the last days are compared with the refunds we hold;
each difference flags the order's latest case for a lead (`attention = shop_mismatch`, a
`shop_mismatch` event), once per difference. Money of ours still pending after a day (a
credit or refund the shop never confirmed) is flagged the same way."""

from __future__ import annotations

from datetime import timedelta

from returns_service.adapters.shop import ShopError
from returns_service.db.engine import DB
from returns_service.domain.cases import SYSTEM
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


async def _flag(store_id: int, case_id: int, key: str, detail: str, rt: Runtime) -> bool:
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
            params={"shop": rt.shop.name, "what": "refunds"},
            detail=detail,
            customer_visible=False,
            at=rt.clock.now(),
        )
    return True


async def _reconcile(job: jobs.Job, rt: Runtime) -> None:
    since = rt.clock.now() - timedelta(days=LOOK_BACK_DAYS)
    for order in await queries.orders_to_reconcile(job.store_id, since):
        try:
            seen = await rt.shop.refunds_of(order.shop_order_id)
        except ShopError as error:
            if error.retryable:
                raise jobs.RetryLater(error.message, error.retry_after or 60) from error
            raise jobs.GiveUp(error.message) from error
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


jobs.handles("shop.reconcile", max_attempts=6)(_reconcile)
