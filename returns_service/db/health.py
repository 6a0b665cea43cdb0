"""Whether the database answers: the readiness check's one statement."""

from __future__ import annotations

from returns_service.db import sql


async def ping() -> None:
    """One round trip on the service's pool; raises when the database cannot be reached."""
    await sql.execute("SELECT 1")
