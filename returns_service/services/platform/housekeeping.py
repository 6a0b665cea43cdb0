"""Periodic upkeep the worker runs: forgetting what no longer needs keeping."""

from __future__ import annotations

from datetime import timedelta

from returns_service.clock import Clock
from returns_service.db.tables import LookupFailure, RevokedSession


async def purge_lookup_failures(clock: Clock, window_seconds: int) -> int:
    """Drop failure counters whose window and lockout have passed; returns how many went."""
    now = clock.now()
    cutoff = now - timedelta(seconds=window_seconds)
    rows = await (
        LookupFailure.delete()
        .where(
            (LookupFailure.window_started_at < cutoff)
            & (LookupFailure.locked_until.is_null() | (LookupFailure.locked_until <= now))
        )
        .returning(LookupFailure.id)
        .run()
    )
    return len(rows)


async def purge_revoked_sessions(clock: Clock) -> int:
    """Forget signed-out sessions that have expired anyway: their claim is refused by its
    own expiry now. Returns how many went."""
    rows = await (
        RevokedSession.delete()
        .where(RevokedSession.expires_at <= clock.now())
        .returning(RevokedSession.id)
        .run()
    )
    return len(rows)
