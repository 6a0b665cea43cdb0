"""The simulator's pure model (domain/simulation.py): curves, the tail assumption, the mix
when a draft forbids a resolution, windows counted from the order."""

from __future__ import annotations

from datetime import date

import pytest

from returns_service.domain.money import Money
from returns_service.domain.policy import PolicyRule, ReturnPolicy, RuleWhen
from returns_service.domain.simulation import (
    LineGroup,
    Simulator,
    build_curve,
    build_history,
    rounded,
)

TODAY = date(2026, 9, 1)


def group(**overrides: object) -> LineGroup:
    values: dict[str, object] = {
        "category": "rings",
        "sku": "RING-8",
        "product_id": "ring",
        "final_sale": False,
        "delivered": date(2026, 6, 3),
        "placed": date(2026, 6, 1),
        "unit_price": 1000,
        "currency": "USD",
        "units": 10,
        "lines": 4,
    }
    values.update(overrides)
    return LineGroup(**values)  # type: ignore[arg-type]


def test_young_lines_do_not_dilute_a_days_rate() -> None:
    # 10 units delivered 100 days ago, 90 delivered 2 days ago: only the old ones could have
    # been returned on day 50; 2 of them were
    curve = build_curve({100: 10, 2: 90}, {0: 5, 50: 2})
    assert curve.daily[0] == pytest.approx(5 / 100)
    assert curve.daily[50] == pytest.approx(2 / 10)
    assert curve.covered_days == 50
    assert curve.tail_rate == pytest.approx(0.2 / 14)  # days 37..50
    assert curve.share(50) == pytest.approx(0.05 + 0.2)
    assert curve.share(52) == pytest.approx(0.25 + 0.2 / 14 * (0.5 ** (1 / 30) + 0.5 ** (2 / 30)))


def test_days_the_window_was_open_are_observed_even_without_returns() -> None:
    # a 30-day store whose last return came on day 3: days 4..30 saw none, so no tail
    curve = build_curve({100: 10}, {3: 4}, observed=30)
    assert curve.covered_days == 30 and curve.tail_rate == 0.0
    assert curve.share(90) == pytest.approx(0.4)
    # but no further than the oldest delivery: 10 days old units observed 10 days
    assert build_curve({10: 10}, {3: 4}, observed=30).covered_days == 10


def test_no_returns_no_curve() -> None:
    curve = build_curve({10: 5}, {})
    assert curve.covered_days == -1 and curve.share(365) == 0.0


def test_a_forbidden_resolution_moves_to_the_allowed_ones() -> None:
    no_refunds = ReturnPolicy(  # 30 days: days 0..30 of the 100-day-old units are observed
        rules=(
            PolicyRule(
                when=RuleWhen(category=("rings",)),
                allowed_resolutions=("exchange", "store_credit"),
            ),
        )
    )
    history = build_history(
        [("rings", 100, 10)],
        [("rings", 3, 4)],
        [
            ("rings", "too_small", "refund", 2),
            ("rings", "too_small", "exchange", 1),
            ("rings", "changed_mind", "store_credit", 1),
        ],
        no_refunds,
    )
    side = Simulator(no_refunds, history, TODAY)
    side.add(group())
    figures = side.figures
    expected = 10 * 0.4  # 4 of 10 returned on day 3
    assert figures.expected_returns == pytest.approx(expected)
    assert figures.refunds == {}
    # refunds' half goes to exchange and store credit in their 1:1 proportion
    assert figures.exposure == {"USD": pytest.approx(expected * 0.5 * 1000)}
    assert figures.credits == {"USD": pytest.approx(expected * 0.5 * 1000)}


def test_a_window_from_the_order_day_counts_the_days_before_delivery() -> None:
    history = build_history(
        [("rings", 100, 10)], [("rings", 1, 1), ("rings", 3, 1)], [], ReturnPolicy(window_days=3)
    )
    from_order = ReturnPolicy(window_days=2, window_starts="order")
    side = Simulator(from_order, history, TODAY)
    side.add(group())  # placed 2 days before delivery: no day left after it but day 0
    assert side.figures.expected_returns == pytest.approx(0.0)
    side = Simulator(ReturnPolicy(window_days=2), history, TODAY)
    side.add(group())
    assert side.figures.expected_returns == pytest.approx(10 * 0.1)


def test_money_is_never_added_across_currencies() -> None:
    assert rounded({"USD": 1234.5, "EUR": 99999.4, "NOK": 0.2}) == [
        Money(99999, "EUR"),
        Money(1234, "USD"),
    ]
