"""Issue 16's "Done when": on the demo store's history, a simulation of 30 -> 90 days for
watches returns the watch lines delivered 31-90 days ago as the lines that change, and
publishing the draft changes the portal's answer for them."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import msgspec

from returns_service.clock import FrozenClock
from returns_service.db import sql
from returns_service.db.tables import CaseItem, ReturnCase
from returns_service.demo import DEMO_POLICY, load_demo
from returns_service.domain.access import Role
from returns_service.domain.policy import PolicyRule, RuleMatch
from tests.integration.helpers import Client, portal_headers, staff_headers


def watches_at(days: int) -> dict[str, object]:
    rules = tuple(
        PolicyRule(match=RuleMatch(category="watches"), window_days=days)
        if rule.match is not None and rule.match.category == "watches"
        else rule
        for rule in DEMO_POLICY.rules
    )
    return msgspec.to_builtins(msgspec.structs.replace(DEMO_POLICY, rules=rules))


async def test_thirty_to_ninety_days_for_watches_on_the_demo_store(
    client: Client, clock: FrozenClock
) -> None:
    store_id = client.app.state.store.id  # type: ignore[attr-defined]
    assert (await load_demo(store_id, clock)).loaded
    assert await ReturnCase.count() > 15  # the history's returns, and today's few
    lead = await staff_headers(client, Role.LEAD, clock)
    today = clock.now().date()
    response = await client.post(
        "/api/v1/policy/simulations",
        json={
            "policy": watches_at(90),
            "from": (today - timedelta(days=90)).isoformat(),
            "to": today.isoformat(),
        },
        headers=lead,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["published_version"] == 1

    # the watch lines delivered 31 to 90 days ago, no more, no fewer
    band = await sql.fetch(
        """SELECT l.id, l.delivered_at, o.number, c.email FROM order_line l
             JOIN shop_order o ON o.id = l."order" JOIN customer c ON c.id = o.customer
            WHERE l.sku LIKE 'WATCH-%' AND NOT l.final_sale
              AND l.delivered_at::date BETWEEN $1 AND $2""",
        today - timedelta(days=90),
        today - timedelta(days=31),
    )
    assert len(band) >= 5
    # they become eligible; the watches delivered in the last 30 days change too, eligible
    # under both, for 90 days instead of 30; nothing else changes
    opened = [c for c in body["changes"] if not c["published"]["eligible"]]
    longer = [c for c in body["changes"] if c["published"]["eligible"]]
    assert sorted(c["line_id"] for c in opened) == sorted(r["id"] for r in band)
    assert len(body["changes"]) == body["changed_lines"] < 50
    assert {c["sku"][:6] for c in body["changes"]} == {"WATCH-"}
    delivered = {r["id"]: r["delivered_at"].date() for r in band}
    for change in body["changes"]:
        on = date.fromisoformat(change["delivered_on"])
        assert today - timedelta(days=90) <= on <= today
        assert change["published"]["eligible"] is (on >= today - timedelta(days=30))
        assert change["published"]["return_by"] == (on + timedelta(days=30)).isoformat()
        assert change["draft"]["eligible"] is True
        assert change["draft"]["return_by"] == (on + timedelta(days=90)).isoformat()
        assert [(r["policy"], r["index"]) for r in change["rules"]] == [
            ("published", 0),
            ("draft", 0),
        ]
    assert longer  # the demo has recent watches too

    # the history has watch returns, so the longer window expects more of them
    assert body["draft"]["eligible_lines"] == body["published"]["eligible_lines"] > 0
    assert body["draft"]["expected_returns"] > body["published"]["expected_returns"] > 0
    curves = {c["category"]: c for c in body["assumptions"]["curves"]}
    assert curves["watches"]["returned_units"] > 0 and curves["watches"]["covered_days"] <= 30

    # publish the draft: the portal now offers those lines until delivery + 90 days
    covered = {r["line"] for r in await CaseItem.select(CaseItem.line)}
    assert not covered & set(delivered)  # the history left them untouched
    before = await portal_line(client, band[0])
    assert before["ineligible_reason"] == "window_closed"
    put = await client.put("/api/v1/policy", json=watches_at(90), headers=lead)
    assert put.status_code == 200, put.text
    for row in band:
        line = await portal_line(client, row)
        assert line["ineligible_reason"] is None
        assert line["return_by"] == (delivered[row["id"]] + timedelta(days=90)).isoformat()


async def portal_line(client: Client, row: Any) -> dict[str, Any]:
    """The line as its customer's portal shows it."""
    headers = await portal_headers(client, row["number"], row["email"])
    order = (await client.get("/api/v1/portal/order", headers=headers)).json()
    return next(line for line in order["lines"] if line["id"] == row["id"])
