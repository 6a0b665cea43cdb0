"""The embedded PostgreSQL under `returns-service serve`, with real processes and signals: a
postmaster killed with SIGKILL is started again (readiness says so meanwhile, and writes work
afterwards); SIGTERM and SIGINT on `serve` stop the PostgreSQL it started, unless another live
process of ours still holds it; and a holder that died without letting go (its pid left in
`.handle_pids.json`) no longer keeps the server running forever."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.integration.helpers import order_doc
from tests.integration.system.test_faults import free_port, until_ready


def base_env(data: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        RETURNS_DATA_DIR=str(data),
        RETURNS_RUN_WORKER="false",
        RETURNS_EMBEDDED_CHECK_SECONDS="0.2",
        RETURNS_LOG_LEVEL="WARNING",
    )
    return env


def cli(data: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "returns_service", *args],
        env=base_env(data),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def migrated_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data folder with an initialised, migrated and stopped PostgreSQL, copied by each test
    (initdb is the slow part of starting)."""
    data = tmp_path_factory.mktemp("template") / "data"
    result = cli(data, "migrate")
    assert result.returncode == 0, result.stderr
    assert postmaster_pid(data / "postgres") is None  # `migrate` stopped what it started
    return data


@pytest.fixture
def data(migrated_data: Path, tmp_path: Path) -> Path:
    copy = tmp_path / "data"
    # `cp -a` keeps owners: as root, pgserver runs PostgreSQL as its own `pgserver` user
    subprocess.run(["cp", "-a", str(migrated_data), str(copy)], check=True)
    return copy


def postmaster_pid(pgdata: Path) -> int | None:
    """The running postmaster's pid, from the first line of its postmaster.pid."""
    try:
        pid = int((pgdata / "postmaster.pid").read_text().split("\n", 1)[0])
    except (OSError, ValueError):
        return None
    return None if gone(pid) else pid


def handles(data: Path) -> list[int]:
    path = data / "postgres" / ".handle_pids.json"
    return json.loads(path.read_text() or "[]") if path.exists() else []


class Serving:
    def __init__(self, process: asyncio.subprocess.Process, port: int, log: Path) -> None:
        self.process, self.port, self.log = process, port, log

    async def stop(self, signum: int) -> int:
        self.process.send_signal(signum)
        return await asyncio.wait_for(self.process.wait(), 20)


@pytest.fixture
async def serving(data: Path, tmp_path: Path) -> AsyncIterator[Serving]:
    port = free_port()
    log = tmp_path / "serve.log"
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "returns_service",
        "serve",
        "--port",
        str(port),
        env=base_env(data),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=open(log, "w"),  # noqa: ASYNC230
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=5) as http:
            await until_ready(http, limit=25)
        yield Serving(process, port, log)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
        pid = postmaster_pid(data / "postgres")
        if pid is not None:  # never leave a server behind, whatever the test found
            os.kill(pid, signal.SIGQUIT)


def gone(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


async def test_a_killed_postmaster_is_restarted_and_sigterm_stops_it(
    data: Path, serving: Serving
) -> None:
    pgdata = data / "postgres"
    first = postmaster_pid(pgdata)
    assert first is not None
    details: list[str] = []
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{serving.port}", timeout=5) as http:
        os.kill(first, signal.SIGKILL)

        async def until_back() -> None:
            # polling another process's readiness: there is no event to wait on across processes
            while (answer := await http.get("/health/ready")).status_code != 200:
                assert answer.status_code == 503
                details.append(answer.json()["detail"])
                await asyncio.sleep(0.05)

        await asyncio.wait_for(until_back(), 20)
        assert any("being restarted" in d for d in details), details
        second = postmaster_pid(pgdata)
        assert second is not None and second != first

        # a short-lived process of ours uses the same server and exits: the server stays
        token = cli(data, "tokens", "create", "--role", "admin")
        assert token.returncode == 0, token.stderr
        assert postmaster_pid(pgdata) == second
        headers = {"Authorization": f"Bearer {token.stdout.strip()}"}
        written = await http.post(
            "/api/v1/orders", json=order_doc("7001", "a@example.com"), headers=headers
        )
        assert written.status_code == 201, written.text

    assert await serving.stop(signal.SIGTERM) == 0
    assert gone(second)
    assert postmaster_pid(pgdata) is None
    assert handles(data) == []
    assert "restarted after" in serving.log.read_text()


@pytest.fixture
def dead_holder(data: Path) -> int:
    """A pid registered as holding the server by a process that died without letting go."""
    child = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    pid = int(child.stdout)
    (data / "postgres" / ".handle_pids.json").write_text(json.dumps([pid]))
    return pid


async def test_sigint_stops_the_server_despite_a_dead_holder(
    dead_holder: int, data: Path, serving: Serving
) -> None:
    pgdata = data / "postgres"
    pid = postmaster_pid(pgdata)
    assert pid is not None
    assert dead_holder not in handles(data)

    assert await serving.stop(signal.SIGINT) == 0

    assert gone(pid)
    assert handles(data) == []


async def test_the_server_stays_while_another_live_process_holds_it(
    data: Path, serving: Serving
) -> None:
    pgdata = data / "postgres"
    pid = postmaster_pid(pgdata)
    worker = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "returns_service",
        "worker",
        "--interval",
        "0.2",
        env=base_env(data),
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )
    try:
        # polling another process: the worker has registered once its pid is in the registry
        async def until_registered() -> None:
            while worker.pid not in handles(data):  # noqa: ASYNC110 - another process's file
                await asyncio.sleep(0.05)

        await asyncio.wait_for(until_registered(), 20)
        assert await serving.stop(signal.SIGTERM) == 0
        assert postmaster_pid(pgdata) == pid  # the worker still holds it
        assert handles(data) == [worker.pid]
        worker.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(worker.wait(), 20) == 0
    finally:
        if worker.returncode is None:
            worker.kill()
            await worker.wait()
    assert pid is not None and gone(pid)
    assert handles(data) == []
