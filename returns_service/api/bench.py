"""The framework ceiling for the benchmark: one primary-key SELECT with raw asyncpg, through
the same app and middleware as every endpoint. Mounted only with RETURNS_BENCH=true."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import asyncpg
from litestar import Controller, Litestar, get
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, SkipValidation

from returns_service.api.auth import PUBLIC
from returns_service.db.engine import release_connection


@asynccontextmanager
async def bench_pool(app: Litestar) -> AsyncIterator[None]:
    settings = app.state.settings
    app.state.bench_pool = await asyncpg.create_pool(
        settings.database.url or None,
        min_size=settings.database.pool_min,
        max_size=settings.database.pool_max,
        reset=release_connection,  # the same release as the service's own pool
    )
    try:
        yield
    finally:
        await app.state.bench_pool.close()


def _provide_pool(state: State) -> asyncpg.Pool:
    pool: asyncpg.Pool = state.bench_pool  # made by the lifespan above
    return pool


class CeilingController(Controller):
    path = "/bench"
    opt = PUBLIC
    include_in_schema = False
    # a dependency like every real endpoint's, so the ceiling pays what they pay
    dependencies = {"pool": Provide(_provide_pool, sync_to_thread=False)}

    @get("/ceiling/{order_id:int}")
    async def ceiling(
        self, pool: NamedDependency[SkipValidation[asyncpg.Pool]], order_id: FromPath[int]
    ) -> dict[str, Any]:
        row = await pool.fetchrow("SELECT id, number FROM shop_order WHERE id = $1", order_id)
        return {"id": row["id"], "number": row["number"]} if row else {}
