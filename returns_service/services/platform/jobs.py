"""Jobs: calls to outside systems (a carrier, the shop, a webhook receiver), written to the
outbox in the transaction of the change that causes them and run after it commits.

A use case calls `enqueue(...)` inside its transaction; the row commits with the change or not
at all, so a call is never made for a change that rolled back, and never forgotten for one
that committed. The worker runs due jobs (`run_due`); a request that wants the answer at once
(a label on approval) runs its own jobs right after its commit (`run_now`), and whatever
fails there is left to the worker's retries.

A handler is registered for a topic with `@handles("label.buy")` and must be idempotent: a
job may run again after a crash between the outside call and its record. It runs outside any
transaction (outside calls never hold a database connection or lock while they wait) and
writes its result in a transaction of its own. `job.progress` is a durable notebook for
multi-step calls (carriers.PurchaseProgress): what is remembered there is committed at once
and seen by the next attempt.

Failures: an exception is retried with backoff (`RetryLater` names the time, e.g. from a
429's Retry-After); `GiveUp` (or running out of attempts) ends the job as failed and calls
the topic's `on_give_up`, which turns it into something a person sees (a task on the case).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from returns_service.clock import Clock
from returns_service.db.engine import DB
from returns_service.services.platform import queries
from returns_service.services.platform.outbox import LOCK_SECONDS, backoff
from returns_service.services.platform.runtime import Runtime

log = logging.getLogger(__name__)


class RetryLater(Exception):
    """Try again after `seconds` (a provider's Retry-After), counting as an attempt."""

    def __init__(self, message: str, seconds: float) -> None:
        super().__init__(message)
        self.seconds = seconds


class GiveUp(Exception):
    """This job can never succeed as it is: fail it now and tell a person."""


@dataclass
class Job:
    id: int
    event_id: uuid.UUID
    store_id: int
    case_id: int | None
    topic: str
    payload: dict[str, Any]
    attempts: int  # attempts before this one
    created_at: datetime

    @property
    def progress(self) -> JobProgress:
        return JobProgress(self)


@dataclass
class JobProgress:
    """A job's durable notebook (carriers.PurchaseProgress), kept in its payload."""

    job: Job

    def get(self, key: str) -> str | None:
        value = self.job.payload.get("progress", {}).get(key)
        return str(value) if value is not None else None

    async def remember(self, key: str, value: str) -> None:
        if DB.current_transaction.get() is not None:
            # inside a transaction the note would vanish with a rollback: the very case it
            # is there for
            raise RuntimeError("a job's progress is remembered outside any transaction")
        await queries.remember_progress(self.job.id, key, value)
        self.job.payload.setdefault("progress", {})[key] = value


Handler = Callable[[Job, Runtime], Awaitable[None]]
GiveUpHandler = Callable[[Job, Runtime, str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class JobType:
    handler: Handler
    max_attempts: int
    backoff: Callable[[int], timedelta]
    on_give_up: GiveUpHandler | None


_TYPES: dict[str, JobType] = {}


def handles(
    topic: str,
    *,
    max_attempts: int = 10,
    retry_backoff: Callable[[int], timedelta] = backoff,
    on_give_up: GiveUpHandler | None = None,
) -> Callable[[Handler], Handler]:
    """Register the handler of `topic` (once; the module is imported by whoever enqueues it
    and by the worker, services/platform/worker.py)."""

    def register(handler: Handler) -> Handler:
        _TYPES[topic] = JobType(handler, max_attempts, retry_backoff, on_give_up)
        return handler

    return register


async def enqueue(
    *,
    store_id: int,
    case_id: int | None,
    topic: str,
    payload: dict[str, Any],
    clock: Clock,
    delay: timedelta = timedelta(0),
) -> uuid.UUID:
    """Queue a job; call inside the transaction of the change that causes it."""
    event_id = uuid.uuid4()
    if (queued := _queued.get()) is not None:
        queued.append(event_id)
    now = clock.now()
    await queries.insert_job(
        store_id=store_id,
        event_id=event_id,
        case_id=case_id,
        topic=topic,
        payload=payload,
        at=now,
        available_at=now + delay,
    )
    return event_id


@asynccontextmanager
async def after_commit(rt: Runtime) -> AsyncIterator[None]:
    """Wrap a use case's transaction: the jobs it queues run right after it commits, so a
    request usually answers with the outside call made (`collecting` + `run_after_commit`).
    Nested inside another collecting block, the outermost one runs them (the inner block may
    sit inside the outer's transaction, which has not committed yet). Nothing runs when the
    block raised: nothing was queued then."""
    if _queued.get() is not None:
        yield
        return
    with collecting() as queued:
        yield
    await run_after_commit(rt, queued)


@dataclass(frozen=True, slots=True)
class JobReport:
    done: int
    failed: int  # attempts that failed (retried later or given up)


async def _run(claimed: queries.ClaimedJob, rt: Runtime) -> bool:
    job = Job(
        claimed.id,
        claimed.event_id,
        claimed.store_id,
        claimed.case_id,
        claimed.topic,
        claimed.payload,
        claimed.attempts,
        claimed.created_at,
    )
    attempts = claimed.attempts + 1
    kind = _TYPES.get(job.topic)
    try:
        if kind is None:
            raise RuntimeError(f"no handler for jobs of topic {job.topic!r}")
        await kind.handler(job, rt)
    except Exception as error:
        message = f"{type(error).__name__}: {error}"
        max_attempts = kind.max_attempts if kind else 10
        gave_up = isinstance(error, GiveUp) or attempts >= max_attempts
        if isinstance(error, RetryLater):
            retry_at = rt.clock.now() + timedelta(seconds=max(error.seconds, 1))
        else:
            retry_at = rt.clock.now() + (kind.backoff if kind else backoff)(attempts)
        log.warning(
            "job %s (%s) failed (attempt %d): %s", job.event_id, job.topic, attempts, message
        )
        await queries.fail_job(
            job.id, attempts, message, retry_at, rt.clock.now() if gave_up else None
        )
        if gave_up and kind is not None and kind.on_give_up is not None:
            try:
                await kind.on_give_up(job, rt, str(error))
            except Exception:  # the job is failed and kept; its trace is in the log
                log.exception("telling a person about failed job %s failed", job.event_id)
        return False
    await queries.finish_job(job.id, attempts, rt.clock.now())
    return True


async def run_due(rt: Runtime, limit: int = 50, lock_seconds: int = LOCK_SECONDS) -> JobReport:
    """Run up to `limit` due jobs, oldest first (the worker's pass)."""
    now = rt.clock.now()
    async with DB.transaction():
        claimed = await queries.claim_due_jobs(now, now + timedelta(seconds=lock_seconds), limit)
    done = failed = 0
    for job in claimed:
        if await _run(job, rt):
            done += 1
        else:
            failed += 1
    return JobReport(done, failed)


async def run_now(
    rt: Runtime, event_ids: list[uuid.UUID], lock_seconds: int = LOCK_SECONDS
) -> JobReport:
    """Right after the commit that queued them, run these jobs in this process (a worker
    that took one meanwhile keeps it). Never raises for a job's failure: it stays queued."""
    if not event_ids:
        return JobReport(0, 0)
    now = rt.clock.now()
    async with DB.transaction():
        claimed = await queries.claim_due_jobs(
            now, now + timedelta(seconds=lock_seconds), len(event_ids), event_ids
        )
    done = failed = 0
    for job in claimed:
        if await _run(job, rt):
            done += 1
        else:
            failed += 1
    return JobReport(done, failed)


# the jobs queued by the use case running in this task (see `collecting`)
_queued: ContextVar[list[uuid.UUID] | None] = ContextVar("jobs_queued", default=None)


@contextmanager
def collecting() -> Iterator[list[uuid.UUID]]:
    """Collect the ids of the jobs queued inside the block, however deep in the use case, so
    that it can run them after its commit: `with collecting() as queued: async with
    DB.transaction(): ...` then `await run_after_commit(rt, queued)`."""
    outer = _queued.get()
    if outer is not None:  # nested: the outermost block collects (and runs) them all
        yield outer
        return
    queued: list[uuid.UUID] = []
    token = _queued.set(queued)
    try:
        yield queued
    finally:
        _queued.reset(token)


async def run_after_commit(rt: Runtime, event_ids: list[uuid.UUID]) -> JobReport:
    """`run_now`, once the caller's transaction has committed. Inside an enclosing one (a
    request under an Idempotency-Key runs the use case in its own) the jobs are not visible
    to anyone yet, and running them there would hold the transaction open while a provider
    answers: they run after the enclosing commit (`deferring`), else by the worker."""
    if DB.current_transaction.get() is not None:
        if (deferred := _deferred.get()) is not None:
            deferred.append((rt, list(event_ids)))
        return JobReport(0, 0)
    return await run_now(rt, event_ids)


# jobs that use cases inside an enclosing transaction leave for after its commit
_deferred: ContextVar[list[tuple[Runtime, list[uuid.UUID]]] | None] = ContextVar(
    "jobs_deferred", default=None
)


@asynccontextmanager
async def deferring() -> AsyncIterator[None]:
    """Around a transaction that encloses use cases: the jobs they would run after their own
    commit run after this one's (not when it fails: nothing was queued then)."""
    deferred: list[tuple[Runtime, list[uuid.UUID]]] = []
    token = _deferred.set(deferred)
    try:
        yield
    finally:
        _deferred.reset(token)
    for rt, event_ids in deferred:
        await run_now(rt, event_ids)
