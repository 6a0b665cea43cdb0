"""The daily rollup gives the plain definition's figures: the same reports read with every
past day rolled up, with some days dirty, and with nothing rolled up (all live) are equal,
and a change to a rolled-up day's history is seen at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import asyncpg

from returns_service.clock import FrozenClock
from returns_service.db.tables import (
    AnalyticsCaseDay,
    AnalyticsDay,
    AnalyticsDirtyCaseDay,
    AnalyticsDirtyDay,
    AnalyticsReturned,
    OrderLine,
)
from returns_service.domain.access import Role
from returns_service.services.analytics import rollup
from returns_service.services.platform.runtime import Runtime
from tests.integration.analytics.history import ORDERS, History, at, build, item
from tests.integration.helpers import (
    Client,
    open_return,
    portal_headers,
    seed_store,
    staff_headers,
)

OUTCOMES_AUGUST = "outcomes?from=2026-08-11&to=2026-08-25"

QUERIES = [
    f"returns?from={start}&to={end}&group_by={group_by}{extra}"
    for start, end in (("2026-07-01", "2026-09-03"), ("2026-08-05", "2026-08-31"))
    for group_by in ("sku", "product", "category", "reason", "resolution", "country")
    for extra in ("", "&category=rings")
] + [
    f"{report}?from={start}&to={end}{extra}"
    for start, end in (("2026-07-01", "2026-09-03"), ("2026-08-11", "2026-08-25"))
    for report, extra in (
        ("outcomes", ""),
        ("outcomes", "&category=rings"),
        ("outcomes", "&category=watches"),
        ("agents", ""),
    )
]


async def reports(client: Client, h: History) -> dict[str, Any]:
    found = {}
    for query in QUERIES:
        answer = await client.get(f"/api/v1/analytics/{query}", headers=h.lead)
        assert answer.status_code == 200, answer.text
        found[query] = answer.json()
    return found


async def live(client: Client, h: History) -> dict[str, Any]:
    """The plain definition: every day read from the live tables (no rollup at all)."""
    rolled = await AnalyticsDay.select(AnalyticsDay.store, AnalyticsDay.day, AnalyticsDay.rolled_at)
    cases = await AnalyticsCaseDay.select(exclude_secrets=False)
    await AnalyticsDay.delete(force=True)
    await AnalyticsCaseDay.delete(force=True)
    try:
        return await reports(client, h)
    finally:
        if rolled:
            await AnalyticsDay.insert(*[AnalyticsDay(**r) for r in rolled])
        if cases:
            await AnalyticsCaseDay.insert(
                *[AnalyticsCaseDay(**{k: v for k, v in r.items() if k != "id"}) for r in cases]
            )


async def test_rolled_up_dirty_and_live_days_give_the_same_figures(
    client: Client, clock: FrozenClock, tmp_path: Path
) -> None:
    h = await build(client, clock, tmp_path)  # its last worker pass (09-03) rolled a month
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    assert await rollup.roll_up(runtime) == 9  # the rest, up to yesterday (09-02)
    await rollup.roll_up_cases(runtime)
    case_days = {r["day"].isoformat() for r in await AnalyticsCaseDay.select(AnalyticsCaseDay.day)}
    assert {"2026-08-10", "2026-08-25", "2026-09-02"} <= case_days
    days = {r["day"].isoformat() for r in await AnalyticsDay.select(AnalyticsDay.day)}
    assert {"2026-07-25", "2026-08-05", "2026-08-31", "2026-09-01", "2026-09-02"} <= days
    assert "2026-09-03" not in days  # today is always live
    assert await AnalyticsReturned.count() > 0
    assert await AnalyticsDirtyDay.count() == 0
    rolled = await reports(client, h)
    assert rolled == await live(client, h)
    assert rolled[QUERIES[0]]["items"][0]["key"] == "RING-10-BLK"  # July's keep-it is in

    # history changes under the rollup: a return of a line delivered on 08-31 (3007), and
    # the shop reports a delivery a day later than it said (3006, 08-07 -> 08-08)
    customer = await portal_headers(client, "3007", "fi@example.com")
    order = (await client.get("/api/v1/portal/order", headers=customer)).json()
    [late_august] = [line["id"] for line in order["lines"] if line["quantity"] == 4]
    await open_return(client, customer, {**item(late_august, "too_small", "refund"), "quantity": 2})
    moved = ORDERS[5] | {
        "lines": [ORDERS[5]["lines"][0] | {"delivered_at": "2026-08-08T10:00:00Z"}]
    }
    answer = await client.post("/api/v1/orders", json=moved, headers=h.admin)
    assert answer.status_code in (200, 201), answer.text
    # and C8's original (opened 08-25) comes back: no longer advance exposure
    warehouse = await staff_headers(client, Role.WAREHOUSE, clock)
    scan = await client.post(
        "/api/v1/warehouse/scans", json={"barcode": h.cases["C8"]}, headers=warehouse
    )
    assert scan.status_code == 200, scan.text
    dirty_cases = await AnalyticsDirtyCaseDay.select(AnalyticsDirtyCaseDay.day)
    assert "2026-08-25" in {r["day"].isoformat() for r in dirty_cases}
    dirty = {r["day"].isoformat() for r in await AnalyticsDirtyDay.select(AnalyticsDirtyDay.day)}
    assert {"2026-08-31", "2026-08-07", "2026-08-08"} <= dirty
    changed = await reports(client, h)
    assert changed == await live(client, h)
    rings = changed["returns?from=2026-08-05&to=2026-08-31&group_by=sku"]["items"]
    assert [r["units_returned"] for r in rings if r["key"] == "RING-9-BLK"] == [2]
    [usd] = [m for m in changed[OUTCOMES_AUGUST]["money"] if m["currency"] == "USD"]
    assert usd["advance_exposure"]["amount"] == 0 and usd["advance_open"] == 0

    # the next worker pass rolls the dirty days up again: clean, and still the same
    clock.set(at(9, 3, 13))
    assert await rollup.roll_up(runtime) == len(dirty)
    assert await rollup.roll_up_cases(runtime) >= 1
    assert await AnalyticsDirtyDay.count() == 0
    # today's new case marked today, which is read live until it is past
    left = await AnalyticsDirtyCaseDay.select(AnalyticsDirtyCaseDay.day)
    assert {r["day"].isoformat() for r in left} == {"2026-09-03"}  # a mark per change
    assert await reports(client, h) == changed
    assert await rollup.roll_up(runtime) == 0  # nothing left to do
    assert await rollup.roll_up_cases(runtime) == 0


async def test_a_change_still_uncommitted_while_the_worker_rolls_its_day_keeps_the_day_dirty(
    client: Client, clock: FrozenClock, database_url: str
) -> None:
    """The worker clears a day's marks and reads it; a change to that day which committed
    only after the read must leave the day dirty (its own mark), whether or not the day was
    marked before (then `ON CONFLICT DO NOTHING` wrote no mark, and the day came out clean
    without the change)."""
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)  # order 1001, its lines delivered on 08-05
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    await rollup.roll_up(runtime)
    await OrderLine.update({OrderLine.quantity: OrderLine.quantity}).where(  # marks 08-05
        OrderLine.sku == "RING-8-BLK"
    )
    assert {
        r["day"].isoformat() for r in await AnalyticsDirtyDay.select(AnalyticsDirtyDay.day)
    } == {"2026-08-05"}
    other = await asyncpg.connect(database_url)
    try:
        change = other.transaction()
        await change.start()
        await other.execute(
            "UPDATE order_line SET quantity = quantity + 1 WHERE sku = 'RING-8-BLK'"
        )
        assert await rollup.roll_up(runtime) == 1  # reads 08-05 without the uncommitted change
        await change.commit()
    finally:
        await other.close()
    dirty = await AnalyticsDirtyDay.select(AnalyticsDirtyDay.day)
    assert {r["day"].isoformat() for r in dirty} == {"2026-08-05"}  # read live again
