"""The policy simulator over a small history whose every figure is worked out by hand here
(docs/simulator.md states the model): 14 units delivered on 2026-06-03, 90 days before today
(2026-09-01); three returns opened through the portal 5, 10 and 20 days after delivery."""

from __future__ import annotations

from typing import Any

from returns_service.clock import FrozenClock
from returns_service.domain.access import Role
from tests.integration.helpers import (
    Client,
    exchange_item,
    line_ids,
    open_return,
    order_doc,
    portal_headers,
    ring_product,
    staff_headers,
    watch_product,
)

DELIVERED = "2026-06-03T15:00:00Z"
FEE_RULE = {
    "when": {"reason": ["changed_mind"], "resolution": ["refund"]},
    "fee": {"percent": 10, "label": "restocking"},
}
PUBLISHED: dict[str, Any] = {
    "window_days": 30,
    "rules": [FEE_RULE],
    "bonus_credit": {"store_credit_percent": 10},
    "advance_exchange": "on_first_scan",
}
DRAFT: dict[str, Any] = {
    **PUBLISHED,
    "rules": [FEE_RULE, {"when": {"category": ["watches"]}, "window_days": 90}],
}


def watch_line(shop_line_id: str, quantity: int) -> dict[str, Any]:
    return {
        "shop_line_id": shop_line_id,
        "sku": "WATCH-41-BLK",
        "product_id": "watch",
        "quantity": quantity,
        "unit_price": {"amount": 39500, "currency": "USD"},
        "delivered_at": DELIVERED,
    }


async def seed_history(client: Client, clock: FrozenClock) -> dict[str, str]:
    """Orders 2001 and 2002 (5 watches each), 2003 (4 rings); the returns: a watch refunded
    for a change of mind on day 5, a ring exchanged for another size on day 10, a watch
    credited as defective on day 20. Returns the admin's headers."""
    admin = await staff_headers(client, Role.ADMIN, clock)
    for key, product in (("ring", ring_product()), ("watch", watch_product())):
        await client.put(f"/api/v1/catalog/products/{key}", json=product, headers=admin)
    assert (await client.put("/api/v1/policy", json=PUBLISHED, headers=admin)).status_code == 200
    ring = {
        "shop_line_id": "1",
        "sku": "RING-8-BLK",
        "product_id": "ring",
        "quantity": 4,
        "unit_price": {"amount": 2500, "currency": "USD"},
        "delivered_at": DELIVERED,
    }
    for number, email, lines in (
        ("2001", "a@example.com", [watch_line("1", 5)]),
        ("2002", "b@example.com", [watch_line("1", 5)]),
        ("2003", "c@example.com", [ring]),
    ):
        doc = order_doc(number, email, lines=lines)
        assert (await client.post("/api/v1/orders", json=doc, headers=admin)).status_code == 201
    clock.advance(days=-90 + 5)  # 2026-06-08, day 5 after delivery
    customer = await portal_headers(client, "2001", "a@example.com")
    line = (await line_ids(client, customer))["WATCH-41-BLK"]
    await open_return(
        client,
        customer,
        {"line_id": line, "quantity": 1, "reason": "changed_mind", "resolution": "refund"},
    )
    clock.advance(days=5)  # day 10
    customer = await portal_headers(client, "2003", "c@example.com")
    line = (await line_ids(client, customer))["RING-8-BLK"]
    await open_return(client, customer, exchange_item(line))
    clock.advance(days=10)  # day 20
    customer = await portal_headers(client, "2002", "b@example.com")
    line = (await line_ids(client, customer))["WATCH-41-BLK"]
    await open_return(
        client,
        customer,
        {"line_id": line, "quantity": 1, "reason": "defective", "resolution": "store_credit"},
    )
    clock.advance(days=70)  # today: 2026-09-01
    return admin


def tail(days: int) -> float:
    """Σ 0.5^(k/30), k = 1..days: the assumed rate after the observed days, halving every 30."""
    return sum(0.5 ** (k / 30) for k in range(1, days + 1))


# The curves, by hand. The published policy gives both categories 30 days and every unit was
# delivered 90 days ago, so history covers days 0..30 of both. Watches: 10 units at risk on
# every day; 1 returned on day 5 and 1 on day 20: r(5) = r(20) = 0.1. Beyond day 30 the rate
# is the mean over days 17..30 (the last 14), 0.1 / 14, halving every 30 days. Rings: 4 units,
# 1 returned on day 10, r(10) = 0.25, nothing after: no tail.
WATCH_30 = 0.2
WATCH_90 = 0.2 + 0.1 / 14 * tail(90 - 30)
RING_30 = 0.25
# Money per returned unit. Watches (395.00) are refunded for a change of mind (10 % restocking
# fee: 39.50) or credited as defective (+10 % bonus credit), half each; rings are exchanged,
# an advance replacement (on_first_scan) worth 25.00 shipped before the original is back.
WATCH_REFUND = 0.5 * (39500 - 3950)
WATCH_CREDIT = 0.5 * (39500 + 3950)
WATCH_FEE = 0.5 * 3950
RING_EXPOSURE = 2500


def usd(value: float) -> list[dict[str, Any]]:
    return [{"amount": round(value), "currency": "USD"}]


def figures(watch_share: float) -> dict[str, Any]:
    watches, rings = 10 * watch_share, 4 * RING_30
    return {
        "eligible_lines": 3,
        "expected_returns": round(watches + rings, 1),
        "refunds": usd(watches * WATCH_REFUND),
        "credits": usd(watches * WATCH_CREDIT),
        "fees": usd(watches * WATCH_FEE),
        "exposure": usd(rings * RING_EXPOSURE),
    }


async def simulate(client: Client, headers: dict[str, str], **body: Any) -> Any:
    return await client.post(
        "/api/v1/policy/simulations",
        json={"policy": DRAFT, "from": "2026-06-01", "to": "2026-06-30", **body},
        headers=headers,
    )


async def test_every_figure_of_a_known_history(client: Client, clock: FrozenClock) -> None:
    admin = await seed_history(client, clock)
    response = await simulate(client, admin)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["published_version"] == 1
    assert body["published"] == figures(WATCH_30)
    assert body["draft"] == figures(WATCH_90)
    # today the two watch lines (delivered 90 days ago) are closed under 30 days, open to
    # the last day under 90; the ring line is the same under both
    assert body["changed_lines"] == 2
    # newest delivery first, then by line
    assert [(c["order_number"], c["sku"]) for c in body["changes"]] == [
        ("2001", "WATCH-41-BLK"),
        ("2002", "WATCH-41-BLK"),
    ]
    change = body["changes"][0]
    assert change["delivered_on"] == "2026-06-03"
    assert change["published"] == {
        "eligible": False,
        "return_by": "2026-07-03",
        "window_days": 30,
        "fees": [],
        "keep_it": False,
        "review": False,
        "resolutions": ["refund", "store_credit", "exchange"],
    }
    assert change["draft"] == {
        **change["published"],
        "eligible": True,
        "return_by": "2026-09-01",
        "window_days": 90,
    }
    assert change["rules"] == [
        {
            "policy": "draft",
            "index": 1,
            "text": "rule 1: return window 90 days, because category watches",
            "effect": {"window_days": 90},
            "matched_on": {"category": "watches"},
        }
    ]
    assumptions = body["assumptions"]
    assert assumptions["history_from"] == "2025-09-01"
    assert assumptions["history_to"] == "2026-09-01"
    assert (assumptions["tail_days"], assumptions["half_life_days"]) == (14, 30)
    curves = {c["category"]: c for c in assumptions["curves"]}
    assert curves["watches"] == {
        "category": "watches",
        "delivered_units": 10,
        "returned_units": 2,
        "covered_days": 30,
        "share_30_days": round(WATCH_30, 4),
        "share_90_days": round(WATCH_90, 4),
        "share_365_days": round(0.2 + 0.1 / 14 * tail(365 - 30), 4),
        "tail_daily_rate": round(0.1 / 14, 6),
    }
    assert curves["rings"]["covered_days"] == 30 and curves["rings"]["returned_units"] == 1
    assert curves["rings"]["share_365_days"] == RING_30 and curves["rings"]["tail_daily_rate"] == 0
    assert curves["*"]["delivered_units"] == 14 and curves["*"]["returned_units"] == 3
    assert assumptions["notes"]


async def test_the_same_policy_changes_nothing(client: Client, clock: FrozenClock) -> None:
    admin = await seed_history(client, clock)
    body = (await simulate(client, admin, policy=PUBLISHED)).json()
    assert body["draft"] == body["published"] == figures(WATCH_30)
    assert body["changes"] == [] and body["changed_lines"] == 0


async def test_a_range_without_deliveries_has_nothing(client: Client, clock: FrozenClock) -> None:
    admin = await seed_history(client, clock)
    body = (await simulate(client, admin, **{"from": "2026-07-01", "to": "2026-08-31"})).json()
    empty = {
        "eligible_lines": 0,
        "expected_returns": 0.0,
        "refunds": [],
        "credits": [],
        "fees": [],
        "exposure": [],
    }
    assert body["published"] == body["draft"] == empty
    assert body["changes"] == []


async def test_bad_ranges_and_drafts_are_422_naming_the_field(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    backwards = await simulate(client, admin, **{"from": "2026-06-30", "to": "2026-06-01"})
    assert backwards.status_code == 422 and backwards.json()["field"] == "to"
    long = await simulate(client, admin, **{"from": "2025-01-01", "to": "2026-01-02"})
    assert long.status_code == 422 and long.json()["field"] == "to"
    leap = await simulate(client, admin, **{"from": "2024-01-01", "to": "2024-12-31"})
    assert leap.status_code == 200, leap.text  # 366 days, the most there is
    bad_rule = {"window_days": 30, "rules": [{"when": {"category": ["watches"]}, "fee": {}}]}
    invalid = await simulate(client, admin, policy=bad_rule)
    assert invalid.status_code == 422, invalid.text
    assert invalid.json()["field"] == "policy.rules[0].fee"
    put = await client.put("/api/v1/policy", json=bad_rule, headers=admin)
    assert put.status_code == 422 and put.json()["field"] == "rules[0].fee"  # the same check


async def test_a_lead_may_simulate_and_an_agent_may_not(client: Client, clock: FrozenClock) -> None:
    admin = await seed_history(client, clock)
    lead = await staff_headers(client, Role.LEAD, clock)
    agent = await staff_headers(client, Role.AGENT, clock)
    assert (await simulate(client, lead)).status_code == 200
    assert (await simulate(client, agent)).status_code == 403
    assert admin
