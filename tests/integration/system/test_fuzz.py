"""Schema fuzzing: schemathesis, with all its checks, against the service's own OpenAPI
document, once for each role, on a running server holding the demo store. Bounded examples
and a fixed seed keep it short and repeatable; `schemathesis.toml` says why 422 counts as a
proper answer to well-formed data."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from returns_service.db.tables import ShopOrder
from returns_service.services.platform.auth import sign_portal_session

ROOT = Path(__file__).resolve().parents[3]
SCHEMATHESIS = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")


async def run(*args: str, env: dict[str, str], limit: float = 240) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        *args, env=env, cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
    )
    output, _ = await asyncio.wait_for(process.communicate(), limit)
    return process.returncode or 0, output.decode(errors="replace")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def options_failures(port: int, token: str, role: str) -> list[str]:
    """OPTIONS (a CORS preflight) on every documented path, as this role: never a 5xx.
    schemathesis sends only the methods the document lists, and OPTIONS is not one."""
    base = f"http://127.0.0.1:{port}"
    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        document = (await http.get("/schema/openapi.json")).json()
        found = []
        for path in document["paths"]:
            concrete = re.sub(r"\{[^}]*\}", "1", path)
            for headers in ({}, {"Authorization": f"Bearer {token}"}):
                response = await http.options(concrete, headers=headers)
                if response.status_code != 204:  # a 5xx above all
                    found.append(f"OPTIONS {concrete} as {role}: {response.status_code}")
        return found


@pytest.mark.skipif(not os.path.exists(SCHEMATHESIS), reason="schemathesis is not installed")
async def test_schemathesis_finds_nothing_for_any_role(
    db: None, database_url: str, tmp_path: Path
) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "RETURNS_DATA_DIR": str(tmp_path),
        "RETURNS_RUN_WORKER": "false",
        "RETURNS_LOG_LEVEL": "WARNING",
        "RETURNS_LOOKUP_REQUESTS_PER_MINUTE": "100000",
        "RETURNS_LOOKUP_FAILURES_ALLOWED": "100000",
    }
    code, demo = await run(sys.executable, "-m", "returns_service", "demo", env=env)
    assert code == 0, demo
    tokens = {
        "admin": re.search(r"^\s+admin\s+(rs_\S+)$", demo, re.M).group(1),  # type: ignore[union-attr]
        "lead": re.search(r"^\s+lead .*?(rs_\S+)$", demo, re.M).group(1),  # type: ignore[union-attr]
        "agent": re.search(r"^\s+agent .*?(rs_\S+)$", demo, re.M).group(1),  # type: ignore[union-attr]
        "warehouse": re.search(r"^\s+warehouse station\s+(rs_\S+)$", demo, re.M).group(1),  # type: ignore[union-attr]
    }
    order = (
        await ShopOrder.select(ShopOrder.id, ShopOrder.customer).where(ShopOrder.number == "1045")
    )[0]
    tokens["customer"] = sign_portal_session(
        os.environ["RETURNS_SECRET_KEY"],
        1,
        order["id"],
        order["customer"],
        datetime.now(UTC) + timedelta(hours=2),
    )
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
        stderr=asyncio.subprocess.DEVNULL,
    )
    failures = []
    try:
        for role, token in tokens.items():
            code, output = await run(
                SCHEMATHESIS,
                "--no-color",
                "--config-file",
                str(ROOT / "schemathesis.toml"),
                "run",
                f"http://127.0.0.1:{port}/schema/openapi.json",
                "--wait-for-schema",
                "60",
                "--checks",
                "all",
                "--phases",
                "examples,fuzzing",
                "--max-examples",
                "12",
                "--seed",
                "20261124",
                # no examples replayed from an earlier run's .hypothesis/ (a cache on a CI
                # machine): each run generates from the seed alone
                "--generation-database",
                "none",
                "-H",
                f"Authorization: Bearer {token}",
                env=env,
            )
            if code != 0:
                failures.append(f"--- as {role} ---\n{output[-20000:]}")
            failures.extend(await options_failures(port, token, role))
    finally:
        server.terminate()
        await server.wait()
    assert not failures, "\n".join(failures)
