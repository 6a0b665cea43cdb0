"""The one Piccolo engine, its app registry, and where its database comes from.

The engine is created unconfigured at import; `use_database(url)` points it at a server before
the first query. This keeps imports free of side effects: nothing connects, nothing starts an
embedded PostgreSQL, until a command or a test decides which database to use.
"""

from __future__ import annotations

import os

import asyncpg
from piccolo.engine.postgres import PostgresEngine

# Piccolo's migration runner finds its configuration through this module, wherever the
# service is started from; the top-level piccolo_conf.py re-exports it for Piccolo's own CLI.
os.environ.setdefault("PICCOLO_CONF", "returns_service.db.piccolo_conf")


class _LazyPostgresEngine(PostgresEngine):
    """Piccolo's engine connects in its constructor to check the server version; ours must not
    connect at import time (the database may not be chosen or started yet)."""

    async def check_version(self) -> None:
        return None


DB = _LazyPostgresEngine(config={"dsn": os.environ.get("DATABASE_URL", "")}, extensions=())


def use_database(url: str) -> None:
    """Point the engine at `url` (before any query runs)."""
    DB.config = {"dsn": url}
    os.environ["DATABASE_URL"] = url  # inherited by server worker processes


async def release_connection(connection: asyncpg.Connection) -> None:
    """Nothing more to do when a connection goes back to the pool. asyncpg itself rolls back a
    transaction left open (by a cancelled request) and drops listeners before calling this;
    its default reset would then also run a reset query (advisory unlock, CLOSE ALL,
    UNLISTEN, RESET ALL) on every release: one more round trip per query, for state this
    service never sets (its advisory locks are transaction-scoped; it never LISTENs or
    SETs)."""
    return None


async def open_pool(min_size: int, max_size: int) -> None:
    await DB.start_connection_pool(
        min_size=min_size,
        max_size=max_size,
        reset=release_connection,
        # timestamps that PostgreSQL writes into JSON (services/cases/queries.py) are then in UTC,
        # like the ones asyncpg decodes, whatever the server's own time zone
        server_settings={"timezone": "UTC"},
    )


async def close_pool() -> None:
    await DB.close_connection_pool()
