"""Periodic upkeep the worker runs: forgetting what no longer needs keeping."""

from __future__ import annotations

from datetime import timedelta

from returns_service.clock import Clock
from returns_service.db.tables import LookupFailure


async def purge_lookup_failures(clock: Clock, window_seconds: int) -> int:
    """Drop failure counters whose window has passed; returns how many went."""
    cutoff = clock.now() - timedelta(seconds=window_seconds)
    rows = await (
        LookupFailure.delete()
        .where(LookupFailure.window_started_at < cutoff)
        .returning(LookupFailure.id)
        .run()
    )
    return len(rows)
