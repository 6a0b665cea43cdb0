"""The one way SQL text reaches the database: plain statements ($1, $2 ... placeholders) on
the engine's own pool.

Every SQL string of the service lives in a `queries.py` of its package (services/*/) or in
db/ (locks.py, health.py), and runs through these helpers; the query builder is left for
simple reads and writes of one table. (Piccolo builds each query anew for every call: on a
request that is a few queries long, building them costs more than running them.) Inside
`DB.transaction()` a statement runs on that transaction's connection, so it is part of the
same unit of work as the query builder's statements.
"""

from __future__ import annotations

from typing import Any, TypeAlias

import asyncpg

from returns_service.db.engine import DB

# a statement with its parameters ($1, $2 ...), as the statement builders make them
Statement: TypeAlias = tuple[str, list[Any]]
# a row as asyncpg returns it: read by column name, row["id"]
Row: TypeAlias = asyncpg.Record


def _transaction_connection() -> asyncpg.Connection | None:
    transaction = DB.current_transaction.get()
    return transaction.connection if transaction is not None else None


def _pool() -> asyncpg.Pool:
    if DB.pool is None:
        raise RuntimeError("the database pool is not open (db.engine.open_pool)")
    return DB.pool


async def fetch(sql: str, *args: Any) -> list[asyncpg.Record]:
    connection = _transaction_connection()
    if connection is not None:
        return await connection.fetch(sql, *args)
    return await _pool().fetch(sql, *args)


async def fetchrow(sql: str, *args: Any) -> asyncpg.Record | None:
    connection = _transaction_connection()
    if connection is not None:
        return await connection.fetchrow(sql, *args)
    return await _pool().fetchrow(sql, *args)


async def execute(sql: str, *args: Any) -> str:
    connection = _transaction_connection()
    if connection is not None:
        return await connection.execute(sql, *args)
    return await _pool().execute(sql, *args)


async def fetch_all(statement: Statement) -> list[asyncpg.Record]:
    return await fetch(statement[0], *statement[1])


async def fetch_one(statement: Statement) -> asyncpg.Record | None:
    return await fetchrow(statement[0], *statement[1])
