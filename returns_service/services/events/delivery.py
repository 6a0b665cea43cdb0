"""Delivering queued webhooks (the worker's pass): claim the head of each (endpoint, case)
line, send it outside any transaction, record the outcome.

Deliveries have their own outbox table rather than generic jobs (services/platform/jobs.py)
because their order matters: a case's later event waits for its earlier one, per endpoint,
which the claim states in one query (queries.CLAIM_DUE); the same row is the delivery log.

A 2xx is delivered. Anything else is tried again on Standard Webhooks' schedule (more than
24 hours; a receiver's Retry-After is honoured) with the same `webhook-id`, then given up. An
endpoint that has had no success for three days is paused; its deliveries wait for it."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta

from returns_service.adapters import webhooks
from returns_service.db.engine import DB
from returns_service.domain.webhooks import next_attempt, should_pause
from returns_service.services.events import queries
from returns_service.services.platform.outbox import LOCK_SECONDS
from returns_service.services.platform.runtime import Runtime

log = logging.getLogger(__name__)

AT_ONCE = 8  # deliveries sent side by side in one pass (each the head of its own line)


@dataclass(frozen=True, slots=True)
class WebhookReport:
    delivered: int
    failed: int  # attempts that failed (retried later or given up)


async def _deliver(claimed: queries.ClaimedDelivery, rt: Runtime, gate: asyncio.Semaphore) -> bool:
    async with gate:
        outcome = await webhooks.send(
            url=claimed.url,
            secret=claimed.secret,
            event_id=str(claimed.event_id),
            payload=claimed.payload,
            at=rt.clock.now(),
            allow_private=rt.webhook_allow_private,
        )
    now = rt.clock.now()
    attempts = claimed.attempts + 1
    if outcome.delivered:
        await queries.delivered(claimed.id, claimed.endpoint, attempts, outcome.status_code, now)
        return True
    retry_at = next_attempt(attempts, now, outcome.retry_after)
    log.warning(
        "webhook %s to endpoint %d failed (attempt %d): %s",
        claimed.event_id,
        claimed.endpoint,
        attempts,
        outcome.error,
    )
    async with DB.transaction():
        await queries.failed(
            claimed.id, attempts, outcome.status_code, outcome.error or "", retry_at, now
        )
        if should_pause(await queries.endpoint_failing(claimed.endpoint, now), now):
            log.warning("webhook endpoint %d paused: three days of failures", claimed.endpoint)
            await queries.pause_failing(claimed.endpoint, now)
    return False


async def deliver_due(
    rt: Runtime, limit: int = 50, lock_seconds: int = LOCK_SECONDS
) -> WebhookReport:
    """Send up to `limit` due deliveries; the next of a case's line becomes due on the next
    pass, once this one is recorded."""
    now = rt.clock.now()
    async with DB.transaction():
        claimed = await queries.claim_due(now, now + timedelta(seconds=lock_seconds), limit)
    gate = asyncio.Semaphore(AT_ONCE)
    results = await asyncio.gather(
        *(_deliver(c, rt, gate) for c in claimed), return_exceptions=True
    )
    for result in results:
        if isinstance(result, BaseException):
            # its outcome was not recorded (the database went away): the claim expires and
            # it is sent again, under the same webhook-id
            log.error("recording a webhook delivery failed", exc_info=result)
    done = sum(1 for r in results if r is True)
    return WebhookReport(delivered=done, failed=len(results) - done)
