"""The benchmark's ceiling (bench/run.py, mounted with RETURNS_BENCH=true): one primary-key
read with bare asyncpg on a pool of its own, through the same app and middleware as every
endpoint. It deliberately bypasses db/sql.py and the engine: it measures what the framework
and the driver alone can do, which every endpoint is quoted against."""

from __future__ import annotations

from typing import Any

import asyncpg

from returns_service.db.engine import release_connection


async def open_pool(dsn: str, min_size: int, max_size: int) -> asyncpg.Pool:
    return await asyncpg.create_pool(
        dsn or None,
        min_size=min_size,
        max_size=max_size,
        reset=release_connection,  # the same release as the service's own pool
    )


async def read_order(pool: asyncpg.Pool, order_id: int) -> dict[str, Any]:
    row = await pool.fetchrow("SELECT id, number FROM shop_order WHERE id = $1", order_id)
    return {"id": row["id"], "number": row["number"]} if row else {}
