"""Live updates for the agent console: a case changed, somewhere, in some process.

A change says so with `notify` inside its own transaction (`pg_notify('case_activity',
'<store>:<case>:<kind>')`): PostgreSQL delivers it when that transaction commits, and never
for a rollback, to every process listening, so several server processes each hear every
change. Each process has one `Hub`: one dedicated connection LISTENing (opened when the first
browser subscribes, opened again after a loss, closed at shutdown by the app's lifespan) that
fans each notification out to the subscribers' own bounded queues. A slow browser never holds
the hub up: when its queue is full it is dropped from it and told to reload (the page shows
the truth again); after a lost connection every subscriber is told the same, since
notifications sent meanwhile are gone."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import asyncpg

from returns_service.services.platform import queries

CHANNEL = "case_activity"
QUEUE_SIZE = 100  # a subscriber this far behind reloads instead
log = logging.getLogger(__name__)


async def notify(store_id: int, case_id: int, kind: str) -> None:
    """Announce a change of case `case_id`; call it inside the change's transaction."""
    await queries.notify(CHANNEL, f"{store_id}:{case_id}:{kind}")


@dataclass(frozen=True, slots=True)
class Activity:
    store_id: int
    case_id: int
    kind: str


RELOAD = Activity(0, 0, "reload")  # what a subscriber gets when it may have missed some


def parse(payload: str) -> Activity | None:
    store, _, rest = payload.partition(":")
    case, _, kind = rest.partition(":")
    if not (store.isdigit() and case.isdigit() and kind):
        return None
    return Activity(int(store), int(case), kind)


@dataclass(eq=False)
class Subscription:
    queue: asyncio.Queue[Activity] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    dropped: bool = False  # fell behind: gets RELOAD, then nothing more

    def offer(self, activity: Activity) -> None:
        if self.dropped:
            return
        try:
            self.queue.put_nowait(activity)
        except asyncio.QueueFull:
            self.dropped = True
            # make room for the one message that matters now
            with contextlib.suppress(asyncio.QueueEmpty):
                self.queue.get_nowait()
            self.queue.put_nowait(RELOAD)


class Hub:
    """One per process (the app's state holds it). `dsn` gives the database's address."""

    def __init__(self, dsn: Callable[[], str], retry_seconds: float = 1.0) -> None:
        self._dsn = dsn
        self._retry = retry_seconds
        self._subscribers: set[Subscription] = set()
        self._task: asyncio.Task[None] | None = None
        self._listening = asyncio.Event()
        self._connection: asyncpg.Connection | None = None

    @property
    def listening(self) -> bool:
        return self._listening.is_set()

    @contextlib.asynccontextmanager
    async def subscribe(self, wait_seconds: float = 5.0) -> AsyncIterator[Subscription]:
        """A subscription for as long as the block runs; returns once the hub listens (or after
        `wait_seconds` without a database: the subscriber is told to reload once it does)."""
        subscription = Subscription()
        self._subscribers.add(subscription)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._listen(), name="live-hub")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._listening.wait(), wait_seconds)
        try:
            yield subscription
        finally:
            self._subscribers.discard(subscription)

    def _deliver(self, _: object, __: int, ___: str, payload: object) -> None:
        activity = parse(str(payload))
        if activity is None:
            return
        for subscription in list(self._subscribers):
            subscription.offer(activity)

    async def _listen(self) -> None:
        """Hold the LISTEN connection; after a loss, connect again and tell everyone to reload."""
        first = True
        while True:
            try:
                connection = await asyncpg.connect(self._dsn())
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("live updates: cannot reach the database (%s); retrying", error)
                await asyncio.sleep(self._retry)
                continue
            lost = asyncio.Event()
            connection.add_termination_listener(lambda _, lost=lost: lost.set())
            try:
                await connection.add_listener(CHANNEL, self._deliver)
                self._connection = connection
                self._listening.set()
                if not first:  # notifications sent while we were away are gone
                    for subscription in list(self._subscribers):
                        subscription.offer(RELOAD)
                first = False
                await lost.wait()
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("live updates: lost the database (%s); reconnecting", error)
            finally:
                self._listening.clear()
                self._connection = None
                if not connection.is_closed():
                    with contextlib.suppress(Exception):
                        await connection.close(timeout=2)
            await asyncio.sleep(self._retry)

    async def close(self) -> None:
        """At shutdown: stop listening, close the connection."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        for subscription in list(self._subscribers):
            subscription.offer(RELOAD)
