"""The command line, run as a user runs it: a separate process against a real database."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from returns_service.db.tables import ApiToken, OrderLine, ShopOrder
from tests.unit.test_domain_misc import CSV


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "returns_service", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def cli_env(database_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url}


async def test_tokens_create_prints_only_the_token(db: None, cli_env: dict[str, str]) -> None:
    result = run_cli("tokens", "create", "--role", "admin", "--name", "ci", env=cli_env)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert result.stdout == token + "\n"
    assert token.startswith("rs_") and len(token) >= 32
    stored = await ApiToken.select(ApiToken.role, ApiToken.name).first()
    assert stored == {"role": "admin", "name": "ci"}


async def test_orders_import_from_csv(db: None, cli_env: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(CSV)
    result = run_cli("orders", "import", str(path), env=cli_env)
    assert result.returncode == 0, result.stderr
    assert "2 orders" in result.stderr
    assert await ShopOrder.count() == 2 and await OrderLine.count() == 3
    again = run_cli("orders", "import", str(path), env=cli_env)
    assert "0 new, 2 updated" in again.stderr
    assert await ShopOrder.count() == 2


async def test_a_bad_csv_is_refused_and_imports_nothing(
    db: None, cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(CSV.replace("2,25.00,false", "two,25.00,false"))
    result = run_cli("orders", "import", str(path), env=cli_env)
    assert result.returncode == 2
    assert "row 2" in result.stderr
    assert await ShopOrder.count() == 0


def test_embedded_database_keeps_data_across_restarts(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["RETURNS_DATA_DIR"] = str(tmp_path / "data")
    first = run_cli("tokens", "create", "--role", "warehouse", "--name", "dock", env=env)
    assert first.returncode == 0, first.stderr
    # a new process starts the embedded server again from the same folder
    listed = run_cli("tokens", "list", env=env)
    assert listed.returncode == 0, listed.stderr
    assert "warehouse\tactive\tdock" in listed.stdout
    assert (tmp_path / "data" / "postgres" / "PG_VERSION").exists()
