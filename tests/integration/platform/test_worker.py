from __future__ import annotations

from datetime import timedelta

from returns_service.clock import FrozenClock
from returns_service.db.tables import LookupFailure
from returns_service.services.platform.housekeeping import purge_lookup_failures
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
