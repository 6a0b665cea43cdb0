"""Jobs in the outbox: a call to an outside system is queued with the change that causes it,
runs after commit (at once or by the worker), is retried with backoff, remembers its progress
across attempts, and ends with a person told when it can never succeed."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from returns_service.clock import FrozenClock
from returns_service.db.engine import DB
from returns_service.db.tables import OutboxMessage, Store
from returns_service.services.platform import jobs
from returns_service.services.platform.runtime import Runtime

pytestmark = pytest.mark.usefixtures("db")

calls: list[tuple[str, int]] = []
given_up: list[str] = []


@jobs.handles("test.ok")
async def ok(job: jobs.Job, rt: Runtime) -> None:
    calls.append((job.topic, job.attempts))


@jobs.handles("test.flaky", max_attempts=3)
async def flaky(job: jobs.Job, rt: Runtime) -> None:
    calls.append((job.topic, job.attempts))
    # the first attempt gets as far as the provider's shipment, then times out
    if job.progress.get("shipment") is None:
        await job.progress.remember("shipment", "shp_1")
        raise TimeoutError("no answer")


async def tell_a_person(job: jobs.Job, rt: Runtime, error: str) -> None:
    given_up.append(f"{job.topic}: {error}")


@jobs.handles("test.hopeless", on_give_up=tell_a_person)
async def hopeless(job: jobs.Job, rt: Runtime) -> None:
    raise jobs.GiveUp("the address does not exist")


@jobs.handles("test.slow")
async def slow(job: jobs.Job, rt: Runtime) -> None:
    calls.append((job.topic, job.attempts))
    await asyncio.sleep(0)  # let a concurrent pass try to take the same job


@pytest.fixture(autouse=True)
def _forget() -> None:
    calls.clear()
    given_up.clear()


async def a_store(clock: FrozenClock) -> int:
    row = await Store.insert(Store(name="Shop", slug="shop", created_at=clock.now())).returning(
        Store.id
    )
    return int(row[0]["id"])


async def queue(store_id: int, topic: str, clock: FrozenClock, fail: bool = False) -> uuid.UUID:
    async with DB.transaction():
        event_id = await jobs.enqueue(
            store_id=store_id, case_id=None, topic=topic, payload={"n": 1}, clock=clock
        )
        if fail:
            raise RuntimeError("the change failed")
    return event_id


async def test_a_job_of_a_change_that_rolled_back_never_runs(clock: FrozenClock) -> None:
    store_id = await a_store(clock)
    rt = Runtime(clock=clock)
    with pytest.raises(RuntimeError):
        await queue(store_id, "test.ok", clock, fail=True)
    assert await OutboxMessage.count().where(OutboxMessage.kind == "job") == 0
    assert await jobs.run_due(rt) == jobs.JobReport(0, 0)
    assert calls == []


async def test_run_now_runs_the_committed_job_once(clock: FrozenClock) -> None:
    store_id = await a_store(clock)
    rt = Runtime(clock=clock)
    event_id = await queue(store_id, "test.ok", clock)
    assert await jobs.run_now(rt, [event_id]) == jobs.JobReport(1, 0)
    assert await jobs.run_due(rt) == jobs.JobReport(0, 0)  # the worker finds nothing left
    assert calls == [("test.ok", 0)]


async def test_a_failed_attempt_is_retried_later_with_what_it_remembered(
    clock: FrozenClock,
) -> None:
    store_id = await a_store(clock)
    rt = Runtime(clock=clock)
    event_id = await queue(store_id, "test.flaky", clock)
    assert await jobs.run_now(rt, [event_id]) == jobs.JobReport(0, 1)
    row = await OutboxMessage.select().where(OutboxMessage.event_id == event_id).first()
    assert row is not None
    assert row["attempts"] == 1 and row["failed_at"] is None
    assert "TimeoutError" in row["last_error"]
    assert row["payload"] is not None and "shp_1" in row["payload"]
    assert await jobs.run_due(rt) == jobs.JobReport(0, 0)  # not due yet: backoff
    clock.advance(seconds=31)
    assert await jobs.run_due(rt) == jobs.JobReport(1, 0)
    assert calls == [("test.flaky", 0), ("test.flaky", 1)]


async def test_a_job_that_can_never_succeed_fails_and_tells_a_person(clock: FrozenClock) -> None:
    store_id = await a_store(clock)
    rt = Runtime(clock=clock)
    event_id = await queue(store_id, "test.hopeless", clock)
    assert await jobs.run_now(rt, [event_id]) == jobs.JobReport(0, 1)
    row = await OutboxMessage.select().where(OutboxMessage.event_id == event_id).first()
    assert row is not None and row["failed_at"] is not None
    assert given_up == ["test.hopeless: the address does not exist"]
    clock.advance(days=1)
    assert await jobs.run_due(rt) == jobs.JobReport(0, 0)


async def test_two_passes_at_once_run_a_job_once(clock: FrozenClock) -> None:
    store_id = await a_store(clock)
    rt = Runtime(clock=clock)
    event_ids = [await queue(store_id, "test.slow", clock) for _ in range(5)]
    reports = await asyncio.gather(jobs.run_due(rt), jobs.run_due(rt), jobs.run_now(rt, event_ids))
    assert sum(r.done for r in reports) == 5
    assert len(calls) == 5
