"""Who may read the analytics, and the date range they are read over."""

from __future__ import annotations

import pytest

from returns_service.clock import FrozenClock
from returns_service.domain.access import Role
from tests.integration.helpers import Client, add_agent, seed_store, staff_headers

ROUTES = ["/api/v1/analytics/returns", "/api/v1/analytics/outcomes", "/api/v1/analytics/agents"]


@pytest.mark.parametrize("path", ROUTES)
async def test_leads_and_admins_read_analytics_agents_and_strangers_do_not(
    client: Client, clock: FrozenClock, path: str
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    _, lead = await add_agent(client, admin, "Lea", role="lead")
    _, agent = await add_agent(client, admin, "Sam")
    warehouse = await staff_headers(client, Role.WAREHOUSE, clock)
    assert (await client.get(path, headers=admin)).status_code == 200
    answer = await client.get(path, headers=lead)
    assert answer.status_code == 200, answer.text
    # the default range: the last 30 days, today (2026-09-01 in UTC) included
    assert (answer.json()["from"], answer.json()["to"]) == ("2026-08-03", "2026-09-01")
    assert (await client.get(path, headers=agent)).status_code == 403
    assert (await client.get(path, headers=warehouse)).status_code == 403
    assert (await client.get(path)).status_code == 401


@pytest.mark.parametrize("path", ROUTES)
@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2026-08-10&to=2026-08-09", "to"),
        ("from=2025-08-01&to=2026-08-02", "to"),  # 367 days
        ("from=yesterday", "from"),
        ("from=2026-02-30", "from"),
        ("to=2026-8-1", "to"),
    ],
)
async def test_a_bad_range_is_a_422_naming_the_field(
    client: Client, clock: FrozenClock, path: str, query: str, field: str
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    answer = await client.get(f"{path}?{query}", headers=admin)
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert answer.json()["field"] == field


async def test_366_days_is_the_longest_range_and_group_by_is_checked(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    ok = await client.get("/api/v1/analytics/returns?from=2025-08-02&to=2026-08-02", headers=admin)
    assert ok.status_code == 200, ok.text
    bad = await client.get("/api/v1/analytics/returns?group_by=colour", headers=admin)
    assert bad.status_code == 422
    assert bad.json()["field"] == "group_by"


async def test_csv_is_served_with_a_file_name(client: Client, clock: FrozenClock) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    answer = await client.get(
        "/api/v1/analytics/returns?from=2026-08-01&to=2026-08-31&group_by=category",
        headers={**admin, "Accept": "text/csv"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert answer.headers["content-disposition"] == (
        'attachment; filename="returns-by-category-2026-08-01-2026-08-31.csv"'
    )
    assert answer.text == (
        "key,currency,units_delivered,units_returned,return_rate,refunded_amount,"
        "refunded_currency,credited_amount,credited_currency,kept_amount,kept_currency\r\n"
    )
