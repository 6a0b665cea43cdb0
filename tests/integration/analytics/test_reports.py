"""Every analytics figure over a known August (history.py), checked exactly, as JSON and as
CSV. The expected numbers are worked out by hand from the history's table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from returns_service.clock import FrozenClock
from tests.integration.analytics.history import History, build
from tests.integration.helpers import Client

AUGUST = "from=2026-08-01&to=2026-08-31"


def usd(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "USD"}


def eur(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "EUR"}


def row(key: str, delivered: int, returned: int, rate: float | None, refunded: int = 0,
        credited: int = 0, kept: int = 0, currency: str = "USD") -> dict[str, Any]:  # fmt: skip
    money = {"amount": 0, "currency": currency}
    return {
        "key": key,
        "currency": currency,
        "units_delivered": delivered,
        "units_returned": returned,
        "return_rate": rate,
        "refunded": {**money, "amount": refunded},
        "credited": {**money, "amount": credited},
        "kept": {**money, "amount": kept},
    }


@pytest.fixture
async def history(client: Client, clock: FrozenClock, tmp_path: Path) -> History:
    return await build(client, clock, tmp_path)


async def get(client: Client, h: History, path: str, csv: bool = False) -> Any:
    headers = {**h.lead, "Accept": "text/csv"} if csv else h.lead
    answer = await client.get(f"/api/v1/analytics/{path}", headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.text if csv else answer.json()


async def test_return_rates_by_sku_country_reason_and_category(
    client: Client, history: History
) -> None:
    by_sku = await get(client, history, f"returns?{AUGUST}&group_by=sku")
    assert (by_sku["from"], by_sku["to"], by_sku["group_by"]) == ("2026-08-01", "2026-08-31", "sku")
    assert by_sku["items"] == [
        # 3002 x3 + 3005 x1 delivered; C2 (exchange, shipped), C3 (credit 25.00), C8
        # (advance exchange, shipped): 3 of 4; kept = 25.00 credit + two exchanges of 25.00
        row("RING-7-BLK", 4, 3, 0.75, credited=2500, kept=7500),
        row("RING-8-BLK", 1, 1, 1.0, refunded=2300, currency="EUR"),  # C9, in euros
        # 3001 x2 + 3005 x1; C1 refunded 2 x 25.00, C7's advance replacement left: 3 of 3
        row("RING-8-BLK", 3, 3, 1.0, refunded=5000, kept=2500),
        # 4 delivered at 23:30 on the 31st count; the 5 delivered half an hour later do not,
        # nor the undelivered one
        row("RING-9-BLK", 4, 0, 0.0),
        # C4 rejected, C5 closed with the watch kept: neither is a return
        row("WATCH-41-BLK", 2, 0, 0.0),
    ]  # RING-10 (C6, keep-it) was delivered in July: outside this cohort

    by_reason = await get(client, history, f"returns?{AUGUST}&group_by=reason")
    # the denominator is every unit delivered in that currency: 13 USD, 1 EUR
    assert by_reason["items"] == [
        row("changed_mind", 1, 1, 1.0, refunded=2300, currency="EUR"),
        row("changed_mind", 13, 1, 0.0769, credited=2500, kept=2500),  # C3
        row("too_large", 13, 2, 0.1538, kept=5000),  # C2, C8
        row("too_small", 13, 3, 0.2308, refunded=5000, kept=2500),  # C1 x2, C7
    ]
    by_resolution = await get(client, history, f"returns?{AUGUST}&group_by=resolution")
    assert by_resolution["items"] == [
        row("exchange", 13, 3, 0.2308, kept=7500),
        row("refund", 1, 1, 1.0, refunded=2300, currency="EUR"),
        row("refund", 13, 2, 0.1538, refunded=5000),
        row("store_credit", 13, 1, 0.0769, credited=2500, kept=2500),
    ]
    by_country = await get(client, history, f"returns?{AUGUST}&group_by=country")
    assert by_country["items"] == [
        row("NO", 1, 1, 1.0, refunded=2300, currency="EUR"),
        row("RO", 3, 2, 0.6667, credited=2500, kept=5000),
        row("US", 10, 4, 0.4, refunded=5000, kept=5000),
    ]
    by_product = await get(client, history, f"returns?{AUGUST}&group_by=product")
    assert [(r["key"], r["currency"], r["units_returned"]) for r in by_product["items"]] == [
        ("ring", "EUR", 1),
        ("ring", "USD", 6),
        ("watch", "USD", 0),
    ]
    rings = await get(client, history, f"returns?{AUGUST}&group_by=category&category=rings")
    assert rings["category"] == "rings"
    assert rings["items"] == [
        row("rings", 1, 1, 1.0, refunded=2300, currency="EUR"),
        row("rings", 11, 6, 0.5455, refunded=5000, credited=2500, kept=10000),
    ]
    # July alone: C6's keep-it is its one return
    july = await get(client, history, "returns?from=2026-07-01&to=2026-07-31&group_by=sku")
    assert july["items"] == [row("RING-10-BLK", 1, 1, 1.0, refunded=1500)]


async def test_returns_as_csv_are_the_same_rows(client: Client, history: History) -> None:
    text = await get(client, history, f"returns?{AUGUST}&group_by=country", csv=True)
    assert text == (
        "key,currency,units_delivered,units_returned,return_rate,refunded_amount,"
        "refunded_currency,credited_amount,credited_currency,kept_amount,kept_currency\r\n"
        "NO,EUR,1,1,1.0,2300,EUR,0,EUR,0,EUR\r\n"
        "RO,USD,3,2,0.6667,0,USD,2500,USD,5000,USD\r\n"
        "US,USD,10,4,0.4,5000,USD,0,USD,5000,USD\r\n"
    )


async def test_outcomes_of_the_cases_opened_in_august(client: Client, history: History) -> None:
    report = await get(client, history, f"outcomes?{AUGUST}")
    assert report["cases"] == 9 and report["expired_cases"] == 0
    # C4 (rejected) and C5 (closed, kept) are no returns; C6 is the keep-it
    assert report["resolution_mix"] == [
        {"resolution": "exchange", "cases": 3, "units": 3},  # C2, C7, C8
        {"resolution": "refund", "cases": 3, "units": 4},  # C1 x2, C6, C9
        {"resolution": "store_credit", "cases": 1, "units": 1},  # C3
    ]
    assert report["keep_it"] == {"resolution": "keep_it", "cases": 1, "units": 1}
    zero_eur = {
        "currency": "EUR",
        **{k: eur(0) for k in ("credited", "bonus_credit", "exchanged", "kept", "fees")},
        **{k: eur(0) for k in ("label_costs", "advance_exposure", "overdue_value")},
        **{k: eur(0) for k in ("losses_charged", "losses_failed")},
        **dict.fromkeys(("advance_open", "overdue_originals"), 0),
        **dict.fromkeys(("losses_charged_count", "losses_failed_count"), 0),
    }
    assert report["money"] == [
        {**zero_eur, "refunded": eur(2300)},  # C9
        {
            "currency": "USD",
            "refunded": usd(6500),  # C1 50.00 + C6 15.00 (keep-it)
            "credited": usd(2500),  # C3
            "bonus_credit": usd(0),
            "exchanged": usd(7500),  # C2, C7, C8 at 25.00 each
            "kept": usd(10000),
            "fees": usd(0),
            "label_costs": usd(2235),  # C1, C7, C8 at 7.45; C5's was voided when it closed
            "advance_exposure": usd(2500),  # C8's replacement, its original not due yet
            "advance_open": 1,
            "overdue_originals": 1,  # C7: due 09-02, charged on 09-03
            "overdue_value": usd(2500),
            "losses_charged": usd(2500),
            "losses_charged_count": 1,
            "losses_failed": usd(0),
            "losses_failed_count": 0,
        },
    ]
    # hours to resolution: C6 0, C1 48, C3 48, C9 48, C2 72. percentile_cont: p50 the middle
    # value; p90 at 0.9 x 4 = 3.6 -> 48 + 0.6 x (72 - 48) = 62.4
    assert report["time_to_resolution_hours"] == {"count": 5, "p50": 48.0, "p90": 62.4}
    # a person answered C4 after 2 h and C5 after 6 h (automatic approvals do not count):
    # p50 = 4, p90 = 2 + 0.9 x 4 = 5.6
    assert report["first_response_hours"] == {"count": 2, "p50": 4.0, "p90": 5.6}
    assert report["ratings"] == {
        "count": 2,
        "mean": 4.5,
        "distribution": {"1": 0, "2": 0, "3": 0, "4": 1, "5": 1},
    }
    # too small: C1 x2 + C7; too large: C2 + C8 (C3 changed their mind): the ring runs small
    assert report["fit"] == [
        {"product": "ring", "title": "Active silicone ring", "too_small": 3, "too_large": 2,
         "runs": "small"},
    ]  # fmt: skip


async def test_outcomes_as_csv_are_the_figures_one_a_row(client: Client, history: History) -> None:
    text = await get(client, history, f"outcomes?{AUGUST}", csv=True)
    lines = text.split("\r\n")
    assert lines[0] == "figure,key,count,value,money_amount,money_currency"
    for expected in (
        "cases,,9,,,",
        "resolution_units,refund,4,,,",
        "resolution_cases,keep_it,1,,,",
        "refunded,EUR,,,2300,EUR",
        "kept,USD,,,10000,USD",
        "label_costs,USD,,,2235,USD",
        "overdue_originals,USD,1,,2500,USD",
        "losses_charged,USD,1,,2500,USD",
        "time_to_resolution_hours,p90,,62.4,,",
        "first_response_hours,p50,,4.0,,",
        "ratings,mean,,4.5,,",
        "ratings,4,1,,,",
        "fit_too_small,ring,3,,,",
    ):
        assert expected in lines
    json_rows = (await get(client, history, f"outcomes?{AUGUST}"))["items"]
    assert len(lines) == 1 + len(json_rows) + 1  # a header, the rows, the final CRLF


async def test_outcomes_for_one_category(client: Client, history: History) -> None:
    watches = await get(client, history, f"outcomes?{AUGUST}&category=watches")
    # C4 and C5 hold watches: neither became a return, no money moved, the label was voided
    assert watches["cases"] == 2 and watches["category"] == "watches"
    assert watches["resolution_mix"] == [] and watches["money"] == []
    assert watches["time_to_resolution_hours"] == {"count": 0, "p50": None, "p90": None}
    assert watches["first_response_hours"] == {"count": 2, "p50": 4.0, "p90": 5.6}
    assert watches["ratings"]["count"] == 0 and watches["ratings"]["mean"] is None
    assert watches["fit"] == []


async def test_concierges(client: Client, history: History) -> None:
    report = await get(client, history, f"agents?{AUGUST}")
    assert report["items"] == [
        {
            "agent_id": history.lea_id,
            "name": "Lea",  # a lead without room for cases
            "cases_assigned": 0,
            "first_responses": 0,
            "first_response_p50_hours": None,
            "saves": 0,
            "ratings_count": 0,
            "rating_mean": None,
        },
        {
            "agent_id": history.sam_id,
            "name": "Sam",
            "cases_assigned": 9,
            "first_responses": 2,
            "first_response_p50_hours": 4.0,
            # C5: asked for a refund, closed with the watch kept; C3: asked for a refund,
            # took store credit
            "saves": 2,
            "ratings_count": 2,
            "rating_mean": 4.5,
        },
    ]
    text = await get(client, history, f"agents?{AUGUST}", csv=True)
    assert text == (
        "agent_id,name,cases_assigned,first_responses,first_response_p50_hours,saves,"
        "ratings_count,rating_mean\r\n"
        f"{history.lea_id},Lea,0,0,,0,0,\r\n"
        f"{history.sam_id},Sam,9,2,4.0,2,2,4.5\r\n"
    )
    # September: nothing was opened
    september = await get(client, history, "agents?from=2026-09-01&to=2026-09-30")
    assert [r["cases_assigned"] for r in september["items"]] == [0, 0]
