"""Tests run against a real PostgreSQL: one embedded server per test session (or the server in
TEST_DATABASE_URL), the schema made by our migrations, every table emptied after each test."""

from __future__ import annotations

import asyncio
import os
import tempfile
import warnings
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

warnings.filterwarnings("ignore", message=".*XDG_RUNTIME_DIR.*")

# The environment is set before the service is imported (its settings read it).
_tmp = Path(tempfile.mkdtemp(prefix="returns-tests-"))
os.environ["RETURNS_DATA_DIR"] = str(_tmp)
os.environ.setdefault("RETURNS_SECRET_KEY", "test-secret-key")
os.environ.setdefault("SHOPIFY_WEBHOOK_SECRET", "shopify-test-secret")
os.environ.setdefault("RETURNS_LOG_LEVEL", "WARNING")
os.environ["RETURNS_RUN_WORKER"] = "false"  # tests drive the worker explicitly

from litestar import Litestar  # noqa: E402

from returns_service.app import create_app  # noqa: E402
from returns_service.clock import FrozenClock  # noqa: E402
from returns_service.db.database import migrate  # noqa: E402
from returns_service.db.embedded import start_embedded  # noqa: E402
from returns_service.db.engine import DB, close_pool, open_pool, use_database  # noqa: E402
from returns_service.db.tables import ALL_TABLES  # noqa: E402
from returns_service.settings import Settings  # noqa: E402

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    url = os.environ.get("TEST_DATABASE_URL") or start_embedded(_tmp / "postgres")
    use_database(url)
    yield url


@pytest.fixture(scope="session")
async def schema(database_url: str) -> AsyncIterator[None]:
    await migrate()
    yield


@pytest.fixture
async def db(schema: None) -> AsyncIterator[None]:
    """The pool for direct service calls; all rows removed afterwards."""
    await open_pool(1, 10)
    try:
        yield
    finally:
        await _empty_all_tables()
        await close_pool()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(NOW)


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings.from_env()


@pytest.fixture
async def app(schema: None, settings: Settings, clock: FrozenClock) -> AsyncIterator[Litestar]:
    """The service with its lifespan running (pool open, default store made) in the test's
    own event loop, so tests can also call services and query the database directly."""
    application = create_app(settings, clock)
    started, stopping = asyncio.Event(), asyncio.Event()

    async def run_lifespan() -> None:  # enters and exits the lifespan in one task, as anyio asks
        async with application.lifespan():
            started.set()
            await stopping.wait()
            await _empty_all_tables()

    task = asyncio.create_task(run_lifespan())
    await asyncio.wait([task, asyncio.create_task(started.wait())], return_when="FIRST_COMPLETED")
    if task.done():
        task.result()  # startup failed: raise its error
    yield application
    stopping.set()
    await task


@pytest.fixture
async def client(app: Litestar) -> AsyncIterator[httpx.AsyncClient]:
    """HTTP against the in-process app. Litestar's AsyncTestClient runs the app in another
    thread one request at a time; httpx's ASGI transport runs requests really concurrently
    in this loop, which the concurrency tests need."""
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        http.app = app  # type: ignore[attr-defined]
        yield http


async def _empty_all_tables() -> None:
    names = ", ".join(f'"{t._meta.tablename}"' for t in ALL_TABLES)
    await DB.run_ddl(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


# Slow groups, by where they live, so a local loop can leave them out:
#   pytest -m "not browser and not fuzz and not fault"
# CI runs the README's command, which deselects nothing.
_SLOW_GROUPS = {
    "test_fuzz.py": "fuzz",
    "test_faults.py": "fault",
    "test_worker_crash.py": "fault",
    "test_embedded_supervision.py": "fault",
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if "browser" in item.path.parts:
            item.add_marker(pytest.mark.browser)
        elif item.path.name in _SLOW_GROUPS:
            item.add_marker(getattr(pytest.mark, _SLOW_GROUPS[item.path.name]))
