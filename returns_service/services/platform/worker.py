"""The background worker: delivers the outbox, gives waiting cases to agents with room, and
forgets what no longer needs keeping. `returns-service worker` runs it; so does `serve`
unless RETURNS_RUN_WORKER=false. Tests call `run_once` to drive it explicitly."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from returns_service.adapters.mail import Mailer, mailer_from_settings
from returns_service.db.tables import Store
from returns_service.services.analytics import rollup as analytics_rollup
from returns_service.services.cases.handover import assign_waiting
from returns_service.services.events import delivery as webhooks
from returns_service.services.fulfilment import aftercare
from returns_service.services.inbound.smtp import inbound_smtp
from returns_service.services.platform import idempotency, jobs, staff_links
from returns_service.services.platform.housekeeping import (
    purge_lookup_failures,
    purge_revoked_sessions,
)
from returns_service.services.platform.outbox import LOCK_SECONDS, deliver_pending
from returns_service.services.platform.runtime import Runtime
from returns_service.services.privacy import store_redaction  # noqa: F401 (its job handler)
from returns_service.services.privacy.retention import run_privacy_jobs
from returns_service.services.shop import reconcile
from returns_service.settings import Settings

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WorkerConfig:
    mailer: Mailer
    sender: str
    sender_name: str = "Returns concierge"
    lookup_failure_window_seconds: int = 900
    outbox_lock_seconds: int = LOCK_SECONDS  # settable so a crash test need not wait 120 s
    interval_seconds: float = 2.0  # the pause between passes of `run_forever`
    redact_after_days: int = 0  # RETURNS_REDACT_AFTER_DAYS (0: off)
    inbound_smtp: str = ""  # RETURNS_INBOUND_SMTP: host:port for customers' replies ('': none)


def worker_config(settings: Settings) -> WorkerConfig:
    return WorkerConfig(
        mailer=mailer_from_settings(settings.mail),
        sender=settings.mail.sender,
        sender_name=settings.store.name,
        lookup_failure_window_seconds=settings.portal.lookup_failure_window_seconds,
        outbox_lock_seconds=settings.worker.outbox_lock_seconds,
        interval_seconds=settings.worker.interval_seconds,
        redact_after_days=settings.cases.redact_after_days,
        inbound_smtp=settings.inbound.smtp,
    )


@dataclass(frozen=True, slots=True)
class WorkerReport:
    delivered: int
    failed: int
    assigned: int


async def run_once(rt: Runtime, config: WorkerConfig) -> WorkerReport:
    delivered = failed = assigned = 0
    for store in await Store.select(Store.id, Store.name):
        assigned += await assign_waiting(store["id"], rt)
    await aftercare.run_all(rt)  # its jobs fail one by one, never the delivery below
    await analytics_rollup.run(rt)  # past days' figures for the reports (logs its failures)
    await reconcile.schedule(rt)  # once a day per store, when a shop is written back to
    while True:  # calls to outside systems due now, batch by batch
        ran = await jobs.run_due(rt, lock_seconds=config.outbox_lock_seconds)
        if ran.done + ran.failed == 0 or ran.done == 0:
            break
    while True:  # webhooks: each pass sends the next event of every case's line
        sent = await webhooks.deliver_due(rt, lock_seconds=config.outbox_lock_seconds)
        delivered += sent.delivered
        failed += sent.failed
        if sent.delivered == 0:
            break
    while True:  # drain what is due now, batch by batch
        report = await deliver_pending(
            config.mailer,
            rt.clock,
            sender=config.sender,
            sender_name=config.sender_name,
            lock_seconds=config.outbox_lock_seconds,
            reply_secret=rt.secret_key,
            reply_domain=rt.inbound_domain,
        )
        delivered += report.delivered
        failed += report.failed
        if report.delivered + report.failed == 0 or report.delivered == 0:
            break
    await purge_lookup_failures(rt.clock, config.lookup_failure_window_seconds)
    await purge_revoked_sessions(rt.clock)
    await idempotency.purge_expired(rt.clock)
    await staff_links.end_old_link_sessions(rt.clock)
    await run_privacy_jobs(rt.clock, rt.photos, config.redact_after_days)
    return WorkerReport(delivered=delivered, failed=failed, assigned=assigned)


async def run_forever(
    rt: Runtime,
    config: WorkerConfig,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
) -> None:
    """Run passes until cancelled, `config.interval_seconds` apart; an error in one pass is
    logged and the next pass retries. (`sleep` is the pause, so a test can count passes.)
    The inbound SMTP server, when configured, runs as long as the worker does."""
    async with inbound_smtp(rt, config.inbound_smtp):
        await _passes(rt, config, sleep)


async def _passes(
    rt: Runtime, config: WorkerConfig, sleep: Callable[[float], Awaitable[object]]
) -> None:
    while True:
        try:
            report = await run_once(rt, config)
            if report.delivered or report.failed or report.assigned:
                log.info(
                    "worker pass",
                    extra={
                        "fields": {
                            "delivered": report.delivered,
                            "failed": report.failed,
                            "assigned": report.assigned,
                        }
                    },
                )
        except asyncio.CancelledError:
            raise
        except Exception:  # keep the worker alive through a database restart
            log.exception("worker pass failed")
        await sleep(config.interval_seconds)
