from __future__ import annotations

import asyncio

from litestar import Controller, Response, get

from returns_service.api.auth import PUBLIC
from returns_service.api.problems import problem
from returns_service.db.embedded import embedded_status
from returns_service.db.health import ping


class HealthController(Controller):
    path = "/health"
    tags = ["health"]
    opt = PUBLIC

    @get("/live", summary="The process is up")
    async def live(self) -> dict[str, str]:
        return {"status": "ok"}

    @get("/ready", summary="The service can reach its database")
    async def ready(self) -> Response[dict[str, object]]:
        embedded = embedded_status()
        if embedded is not None and embedded.restarting:
            detail = (
                "The embedded database stopped and is being restarted "
                f"(attempt {embedded.attempts})."
            )
            return problem(503, code="not-ready", detail=detail)
        try:
            async with asyncio.timeout(2):
                await ping()
        except Exception:  # any failure to reach PostgreSQL means "not ready"
            return problem(503, code="not-ready", detail="The database cannot be reached.")
        return Response({"status": "ok", "database": "ok"})
