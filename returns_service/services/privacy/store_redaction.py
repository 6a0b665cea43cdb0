"""Shopify's `shop/redact` (48 hours after a store uninstalls the app: erase every customer of
the store), done by the worker. Shopify wants a quick 2xx and retries a webhook that takes too
long, so the request only queues the work (`request_store_redaction`, one job in the outbox,
committed or not with the request) and answers; the job redacts a batch of customers, each in
its own transaction (redaction.redact_customer), and queues the next batch until none is left.

Idempotent throughout: a redacted customer is never picked again, a batch that runs twice (a
worker that died before recording it) finds its customers done, and a second webhook while
the work is queued or running queues nothing more."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from returns_service.clock import Clock
from returns_service.db.engine import DB
from returns_service.services.platform import jobs
from returns_service.services.platform.runtime import Runtime
from returns_service.services.privacy import queries
from returns_service.services.privacy.redaction import redact_customer

log = logging.getLogger(__name__)

TOPIC = "privacy.shop_redact"
SHOP_BATCH = 100  # customers per job: a job holds its claim for a bounded time
# an erasure the store is owed must not stop at the default ten: a database down for a day
# is outlived (the backoff is capped at an hour)
MAX_ATTEMPTS = 100


@dataclass(frozen=True, slots=True)
class StoreRedaction:
    customers: int  # the store's customers still to redact when it was asked
    cases: int  # their cases not redacted yet
    queued: bool  # a job was queued now (False: nothing left, or one is already on it)


async def request_store_redaction(store_id: int, clock: Clock) -> StoreRedaction:
    """Queue the redaction of every customer of the store, unless there is nobody left to
    redact or it is already queued (Shopify may send the webhook again)."""
    async with DB.transaction():
        customers, cases = await queries.left_to_redact(store_id)
        queued = customers > 0 and not await queries.store_redaction_queued(store_id, TOPIC)
        if queued:
            await jobs.enqueue(
                store_id=store_id, case_id=None, topic=TOPIC, payload={"after": 0}, clock=clock
            )
    return StoreRedaction(customers, cases, queued)


@jobs.handles(TOPIC, max_attempts=MAX_ATTEMPTS)
async def redact_store_batch(job: jobs.Job, rt: Runtime) -> None:
    """The next batch of the store's customers not yet redacted, by id after `after`; then the
    next batch queued, once (another job of the same store already queued covers the rest)."""
    after = int(job.payload.get("after", 0))
    batch = await queries.customer_ids_after(job.store_id, after, SHOP_BATCH)
    for customer_id in batch:
        await redact_customer(customer_id, rt.clock.now())
    if len(batch) < SHOP_BATCH:
        log.info("shop/redact of store %d done", job.store_id)
        return
    async with DB.transaction():
        if not await queries.store_redaction_queued(job.store_id, TOPIC, but_not=job.id):
            await jobs.enqueue(
                store_id=job.store_id,
                case_id=None,
                topic=TOPIC,
                payload={"after": batch[-1]},
                clock=rt.clock,
            )
