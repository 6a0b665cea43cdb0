"""The helpdesk sidebar (`GET /api/v1/helpdesk/customer?email=`): the shape a Gorgias, Zendesk
or Front widget maps, an unknown email answered with an empty sidebar (never an error), an
agent's view of only their own cases, and the `helpdesk` role admitted nowhere else."""

from __future__ import annotations

import os
from typing import Any

from returns_service.clock import FrozenClock
from returns_service.db.tables import ApiToken
from returns_service.domain.access import Role
from tests.integration.helpers import (
    Client,
    add_agent,
    line_ids,
    open_return,
    portal_headers,
    receive_and_grade,
    refund_item,
    seed_store,
    staff_headers,
)
from tests.integration.platform.test_cli import run_cli


async def _sidebar(client: Client, headers: dict[str, str], email: str) -> dict[str, Any]:
    response = await client.get(
        "/api/v1/helpdesk/customer", params={"email": email}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


async def test_a_customer_s_cases_in_the_sidebar_s_shape(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    xena_id, xena = await add_agent(client, admin, "Xena")
    helpdesk = await staff_headers(client, Role.HELPDESK, clock)
    warehouse = await staff_headers(client, Role.WAREHOUSE, clock)
    ana = await portal_headers(client)
    lines = await line_ids(client, ana)
    first = await open_return(client, ana, refund_item(lines["RING-8-BLK"]))
    graded = await receive_and_grade(client, warehouse, first["number"], lines["RING-8-BLK"])
    assert graded.status_code == 200, graded.text
    await client.put(
        "/api/v1/policy", json={"auto_approve": False, "first_response_hours": 8}, headers=admin
    )
    clock.advance(hours=1)
    held = await open_return(client, ana, refund_item(lines["WATCH-41-BLK"], reason="defective"))

    body = await _sidebar(client, helpdesk, "  Ana@Example.com ")
    assert body["customer"] == {
        "email": "ana@example.com",
        "name": "Ana Pop",
        "language": "ro",
        "orders_count": 1,
        "cases_count": 2,
        # 2 x 25.00 + 395.00 + 15.00: the order's lines
        "lifetime_value": {"amount": 46000, "currency": "USD"},
        "lifetime_values": [{"amount": 46000, "currency": "USD"}],
    }
    newest, oldest = body["cases"]
    public_url = client.app.state.runtime.public_url  # type: ignore[attr-defined]
    assert newest == {
        "number": held["number"],
        "status": "requested",
        "status_text": "Waiting for your concierge",
        "order_number": "1001",
        "created_at": newest["created_at"],
        "items": [
            {
                "sku": "WATCH-41-BLK",
                "title": newest["items"][0]["title"],
                "quantity": 1,
                "reason": "defective",
                "resolution": "refund",
            }
        ],
        "label": None,
        "refund_total": None,
        "agent": {"id": xena_id, "display_name": "Xena"},
        "first_response_due_at": newest["first_response_due_at"],
        "overdue": False,
        "console_url": f"{public_url.rstrip('/')}/agent/cases/{held['number']}",
    }
    assert newest["items"][0]["title"]  # the catalogue's title
    assert oldest["number"] == first["number"]
    assert oldest["status"] == "resolved"
    assert oldest["label"]["carrier"] == first["label"]["carrier"]
    assert oldest["label"]["tracking_number"] == first["label"]["tracking_number"]
    assert "tracking_url" not in oldest["label"]  # the built-in carrier has no public page
    assert oldest["refund_total"] == {"amount": 2500, "currency": "USD"}
    assert oldest["first_response_due_at"] is not None and oldest["overdue"] is False

    clock.advance(hours=8)  # the held case's first answer is now late
    assert (await _sidebar(client, helpdesk, "ana@example.com"))["cases"][0]["overdue"] is True

    # an agent sees the customer, but only the cases they own
    _, yann = await add_agent(client, admin, "Yann")
    theirs = await _sidebar(client, yann, "ana@example.com")
    assert theirs["customer"]["cases_count"] == 0 and theirs["cases"] == []
    mine = await _sidebar(client, xena, "ana@example.com")
    assert [c["number"] for c in mine["cases"]] == [held["number"], first["number"]]


async def test_an_unknown_email_is_an_empty_sidebar_and_a_wrong_one_a_problem(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    helpdesk = await staff_headers(client, Role.HELPDESK, clock)
    assert await _sidebar(client, helpdesk, "nobody@example.com") == {
        "customer": None,
        "cases": [],
    }
    for wrong in ("not-an-address", "a@b@c", "x" * 310 + "@example.com", ""):
        response = await client.get(
            "/api/v1/helpdesk/customer", params={"email": wrong}, headers=helpdesk
        )
        assert response.status_code == 400, wrong
        assert response.headers["content-type"] == "application/problem+json"
    missing = await client.get("/api/v1/helpdesk/customer", headers=helpdesk)
    assert missing.status_code == 400


async def test_a_helpdesk_token_made_on_the_command_line_reads_the_sidebar_only(
    client: Client, clock: FrozenClock, database_url: str
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    env = {**os.environ, "DATABASE_URL": database_url}
    made = run_cli("tokens", "create", "--role", "helpdesk", "--name", "gorgias", env=env)
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert made.stdout == token + "\n"
    stored = await ApiToken.select(ApiToken.role, ApiToken.name).where(ApiToken.name == "gorgias")
    assert stored == [{"role": "helpdesk", "name": "gorgias"}]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await _sidebar(client, headers, "ana@example.com"))["customer"]["name"] == "Ana Pop"
    for method, path in (
        ("GET", "/api/v1/cases"),
        ("GET", "/api/v1/agents"),
        ("GET", "/api/v1/policy"),
        ("GET", "/api/v1/customers/export?email=ana@example.com"),
    ):
        response = await client.request(method, path, headers=headers)
        assert response.status_code == 403, path
