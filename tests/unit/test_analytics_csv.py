"""A report's CSV: RFC 4180 quoting, Money as two columns, and no cell a spreadsheet would
run as a formula."""

from __future__ import annotations

import csv
import io
from datetime import date

from returns_service.domain.money import Money
from returns_service.services.analytics.csv import to_csv
from returns_service.services.analytics.schemas import (
    AgentRow,
    AgentsReport,
    ReturnsReport,
    ReturnsRow,
)


def test_text_that_starts_a_formula_is_defused_and_quoting_follows_rfc_4180() -> None:
    names = ['=HYPERLINK("http://x")', "+1", "-2", "@SUM(A1)", 'Ana, "the" best', "Ion\nPop"]
    report = AgentsReport(
        start=date(2026, 8, 1),
        end=date(2026, 8, 31),
        items=[
            AgentRow(agent_id=i, name=name, cases_assigned=1, first_responses=0,
                     first_response_p50_hours=None, saves=0, ratings_count=0, rating_mean=None)
            for i, name in enumerate(names)
        ],
    )  # fmt: skip
    text = to_csv(report)
    assert text.endswith("\r\n") and "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert [r[1] for r in rows[1:]] == [
        '\'=HYPERLINK("http://x")',
        "'+1",
        "'-2",
        "'@SUM(A1)",
        'Ana, "the" best',
        "Ion\nPop",
    ]
    assert '"Ana, ""the"" best"' in text  # quoted, quotes doubled
    assert rows[1][4] == ""  # no first response: an empty cell


def test_money_is_two_columns_and_a_negative_number_stays_a_number() -> None:
    report = ReturnsReport(
        start=date(2026, 8, 1),
        end=date(2026, 8, 31),
        group_by="sku",
        category=None,
        items=[
            ReturnsRow(key="-RING", currency="JPY", units_delivered=3, units_returned=1,
                       return_rate=0.3333, refunded=Money(1200, "JPY"), credited=Money(0, "JPY"),
                       kept=Money(0, "JPY"))
        ],
    )  # fmt: skip
    assert to_csv(report).split("\r\n")[1] == "'-RING,JPY,3,1,0.3333,1200,JPY,0,JPY,0,JPY"
