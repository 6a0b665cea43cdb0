"""`returns-service customers export|redact --email`, run as a store owner runs them: a separate
process against a real database, for stores not on Shopify."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from returns_service.db.tables import Customer
from tests.integration.platform.test_cli import run_cli
from tests.unit.test_domain_misc import CSV


@pytest.fixture
def cli_env(database_url: str) -> dict[str, str]:
    return {**os.environ, "DATABASE_URL": database_url}


async def test_export_then_redact_a_customer_from_the_command_line(
    db: None, cli_env: dict[str, str], tmp_path: Path
) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(CSV)
    assert run_cli("orders", "import", str(path), env=cli_env).returncode == 0

    exported = run_cli("customers", "export", "--email", "Ana@Example.com", env=cli_env)
    assert exported.returncode == 0, exported.stderr
    body = json.loads(exported.stdout)
    assert body["customer"]["last_name"] == "Pop"
    assert [o["number"] for o in body["orders"]] == ["1001"]

    redacted = run_cli("customers", "redact", "--email", "ana@example.com", env=cli_env)
    assert redacted.returncode == 0, redacted.stderr
    assert "redacted 1 customer(s), 0 case(s)" in redacted.stderr
    assert await Customer.count().where(Customer.last_name == "Pop") == 0
    assert await Customer.count().where(Customer.email == "bo@example.com") == 1  # only Ana

    gone = run_cli("customers", "export", "--email", "ana@example.com", env=cli_env)
    assert gone.returncode == 2 and "no customer has this email" in gone.stderr
    again = run_cli("customers", "redact", "--email", "ana@example.com", env=cli_env)
    assert again.returncode == 0 and "redacted 0 customer(s)" in again.stderr
