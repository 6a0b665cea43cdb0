from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

import pytest

from returns_service import cli
from returns_service.adapters.mail import MailDropMailer
from returns_service.clock import FrozenClock
from returns_service.db.engine import open_pool
from returns_service.db.tables import LookupFailure
from returns_service.services.platform import worker
from returns_service.services.platform.housekeeping import purge_lookup_failures
from returns_service.services.platform.runtime import Runtime
from returns_service.services.platform.worker import WorkerConfig, run_forever
from returns_service.services.store.stores import ensure_default_store


async def test_worker_forgets_lookup_failures_whose_window_passed(
    db: None, clock: FrozenClock
) -> None:
    store = await ensure_default_store("S", "UTC", clock)
    await LookupFailure.insert(
        LookupFailure(store=store.id, client="1.2.3.4", window_started_at=clock.now(), failures=5),
        LookupFailure(
            store=store.id,
            client="5.6.7.8",
            window_started_at=clock.now() - timedelta(seconds=901),
            failures=5,
        ),
    )
    assert await purge_lookup_failures(clock, 900) == 1
    remaining = await LookupFailure.select(LookupFailure.client)
    assert remaining == [{"client": "1.2.3.4"}]


async def test_the_worker_pauses_its_configured_interval_between_passes(
    db: None, clock: FrozenClock, tmp_path: Path
) -> None:
    pauses: list[float] = []

    async def sleep(seconds: float) -> None:  # stands in for the pause: no real time passes
        pauses.append(seconds)
        if len(pauses) == 2:
            raise asyncio.CancelledError  # the way `serve` stops its worker

    config = WorkerConfig(mailer=MailDropMailer(tmp_path), sender="r@s", interval_seconds=0.25)
    with pytest.raises(asyncio.CancelledError):
        await run_forever(Runtime(clock), config, sleep=sleep)
    assert pauses == [0.25, 0.25]  # two passes, each followed by the configured pause


async def test_the_worker_command_uses_the_configured_pool_and_interval(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RETURNS_DB_POOL_MIN", "2")
    monkeypatch.setenv("RETURNS_DB_POOL_MAX", "3")
    monkeypatch.setenv("RETURNS_WORKER_INTERVAL_SECONDS", "7.5")
    pools: list[tuple[int, int]] = []
    intervals: list[float] = []

    async def recording_open_pool(min_size: int, max_size: int) -> None:
        pools.append((min_size, max_size))
        await open_pool(min_size, max_size)

    async def one_pass(rt: Runtime, config: WorkerConfig) -> None:
        intervals.append(config.interval_seconds)
        await worker.run_once(rt, config)

    monkeypatch.setattr(cli, "open_pool", recording_open_pool)
    monkeypatch.setattr(worker, "run_forever", one_pass)
    # in a thread: the command runs its own event loop, as it does from a shell
    assert await asyncio.to_thread(cli.main, ["worker"]) == 0
    assert await asyncio.to_thread(cli.main, ["worker", "--interval", "0.5"]) == 0
    assert pools == [(2, 3), (2, 3)]
    assert intervals == [7.5, 0.5]  # the environment, unless the command line says otherwise
