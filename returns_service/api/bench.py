"""The framework ceiling for the benchmark (db/ceiling.py), through the same app and middleware
as every endpoint. Mounted only with RETURNS_BENCH=true."""

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
from returns_service.db import ceiling


@asynccontextmanager
async def bench_pool(app: Litestar) -> AsyncIterator[None]:
    settings = app.state.settings
    app.state.bench_pool = await ceiling.open_pool(
        settings.database.url, settings.database.pool_min, settings.database.pool_max
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
        return await ceiling.read_order(pool, order_id)
