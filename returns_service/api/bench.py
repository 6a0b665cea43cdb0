"""The framework ceiling for the benchmark (db/ceiling.py), through the same app and middleware
as every endpoint. Mounted only with RETURNS_BENCH=true."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from litestar import Controller, Litestar, get
from litestar.datastructures import State
from litestar.params import FromPath

from returns_service.api.auth import PUBLIC
from returns_service.db import ceiling


@asynccontextmanager
async def bench_pool(app: Litestar) -> AsyncIterator[None]:
    settings = app.state.settings
    app.state.bench_pool = await ceiling.open_pool(
        settings.database_url, settings.db_pool_min, settings.db_pool_max
    )
    try:
        yield
    finally:
        await app.state.bench_pool.close()


class CeilingController(Controller):
    path = "/bench"
    opt = PUBLIC
    include_in_schema = False

    @get("/ceiling/{order_id:int}")
    async def ceiling(self, state: State, order_id: FromPath[int]) -> dict[str, Any]:
        return await ceiling.read_order(state.bench_pool, order_id)
