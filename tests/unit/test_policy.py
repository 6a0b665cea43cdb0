"""Return windows at their edges. Pure domain: no database, no clock but the one passed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from returns_service.domain.policy import (
    IneligibleReason,
    LineFacts,
    PolicyRule,
    ReturnPolicy,
    RuleMatch,
    evaluate_line,
)

UTC_TZ = ZoneInfo("UTC")
DELIVERED = datetime(2026, 8, 5, 15, 0, tzinfo=UTC)
PLACED = datetime(2026, 8, 1, 10, 0, tzinfo=UTC)

POLICY = ReturnPolicy(
    window_days=30,
    rules=(
        PolicyRule(match=RuleMatch(category="watches"), window_days=90),
        PolicyRule(match=RuleMatch(sku="GIFT-CARD"), returnable=False),
    ),
)


def line(
    *,
    sku: str = "RING-8-BLK",
    category: str | None = "rings",
    product_id: str | None = "ring",
    quantity: int = 1,
    final_sale: bool = False,
    delivered_at: datetime | None = DELIVERED,
) -> LineFacts:
    return LineFacts(
        sku=sku,
        product_id=product_id,
        category=category,
        quantity=quantity,
        final_sale=final_sale,
        placed_at=PLACED,
        delivered_at=delivered_at,
    )


def watch(**kwargs: object) -> LineFacts:
    return line(sku="WATCH-41-BLK", category="watches", product_id="watch", **kwargs)  # type: ignore[arg-type]


def at_day(n: int, hour: int = 12) -> datetime:
    """Noon (by default) on the n-th day after the delivery day."""
    return datetime(2026, 8, 5, hour, 0, tzinfo=UTC) + timedelta(days=n)


@pytest.mark.parametrize(
    ("facts", "now", "returnable", "reason"),
    [
        (line(), at_day(0), 1, None),
        (line(), at_day(30, hour=23), 1, None),  # the 30th day is still inside
        (line(), at_day(31, hour=0), 0, IneligibleReason.WINDOW_CLOSED),
        (watch(), at_day(30), 1, None),
        (watch(), at_day(90, hour=23), 1, None),  # a 90-day watch on its last day
        (watch(), at_day(91, hour=0), 0, IneligibleReason.WINDOW_CLOSED),
        (line(final_sale=True), at_day(1), 0, IneligibleReason.FINAL_SALE),
        (
            line(sku="GIFT-CARD", category="gift-cards"),
            at_day(1),
            0,
            IneligibleReason.NOT_RETURNABLE,
        ),
        (line(delivered_at=None), at_day(1), 0, IneligibleReason.NOT_DELIVERED),
    ],
    ids=[
        "ring on delivery day",
        "ring on day 30",
        "ring on day 31",
        "watch on day 30",
        "watch on day 90",
        "watch on day 91",
        "final sale",
        "gift card excluded by rule",
        "not delivered",
    ],
)
def test_window_edges(
    facts: LineFacts, now: datetime, returnable: int, reason: IneligibleReason | None
) -> None:
    result = evaluate_line(POLICY, facts, already_covered=0, now=now, tz=UTC_TZ)
    assert result.returnable_quantity == returnable
    assert result.ineligible_reason == reason


def test_return_by_is_delivery_day_plus_window() -> None:
    ring = evaluate_line(POLICY, line(), already_covered=0, now=at_day(1), tz=UTC_TZ)
    watch_result = evaluate_line(POLICY, watch(), already_covered=0, now=at_day(1), tz=UTC_TZ)
    assert str(ring.return_by) == "2026-09-04"  # 5 Aug + 30
    assert str(watch_result.return_by) == "2026-11-03"  # 5 Aug + 90


def test_window_is_counted_in_the_store_time_zone() -> None:
    # Delivered at 23:30 on 4 Aug in Los Angeles, which is already 5 Aug in UTC.
    delivered = datetime(2026, 8, 5, 6, 30, tzinfo=UTC)
    la = ZoneInfo("America/Los_Angeles")
    facts = line(delivered_at=delivered)
    in_la = evaluate_line(POLICY, facts, already_covered=0, now=delivered, tz=la)
    in_utc = evaluate_line(POLICY, facts, already_covered=0, now=delivered, tz=UTC_TZ)
    assert str(in_la.return_by) == "2026-09-03"
    assert str(in_utc.return_by) == "2026-09-04"
    # 23:59 on 3 Sep in Los Angeles is inside; one minute later (midnight) is outside.
    last_minute = datetime(2026, 9, 4, 6, 59, tzinfo=UTC)
    assert (
        evaluate_line(POLICY, facts, already_covered=0, now=last_minute, tz=la).returnable_quantity
        == 1
    )
    midnight = datetime(2026, 9, 4, 7, 0, tzinfo=UTC)
    closed = evaluate_line(POLICY, facts, already_covered=0, now=midnight, tz=la)
    assert closed.ineligible_reason is IneligibleReason.WINDOW_CLOSED


@pytest.mark.parametrize(
    ("quantity", "covered", "returnable", "reason"),
    [
        (2, 0, 2, None),
        (2, 1, 1, None),
        (2, 2, 0, IneligibleReason.ALREADY_RETURNED),
        (1, 1, 0, IneligibleReason.ALREADY_RETURNED),
    ],
)
def test_returnable_quantity_subtracts_earlier_cases(
    quantity: int, covered: int, returnable: int, reason: IneligibleReason | None
) -> None:
    result = evaluate_line(
        POLICY, line(quantity=quantity), already_covered=covered, now=at_day(3), tz=UTC_TZ
    )
    assert (result.returnable_quantity, result.ineligible_reason) == (returnable, reason)


def test_window_can_start_at_the_order_date() -> None:
    policy = ReturnPolicy(window_days=30, window_starts="order")
    result = evaluate_line(policy, line(), already_covered=0, now=at_day(1), tz=UTC_TZ)
    assert str(result.return_by) == "2026-08-31"  # 1 Aug + 30


def test_last_matching_rule_wins() -> None:
    policy = ReturnPolicy(
        window_days=30,
        rules=(
            PolicyRule(match=RuleMatch(category="watches"), window_days=90),
            PolicyRule(match=RuleMatch(sku="WATCH-41-BLK"), window_days=14),
        ),
    )
    result = evaluate_line(policy, watch(), already_covered=0, now=at_day(1), tz=UTC_TZ)
    assert result.window_days == 14


def test_final_sale_can_be_made_returnable() -> None:
    policy = ReturnPolicy(final_sale_returnable=True)
    result = evaluate_line(
        policy, line(final_sale=True), already_covered=0, now=at_day(1), tz=UTC_TZ
    )
    assert result.returnable_quantity == 1


def test_an_empty_rule_match_matches_nothing() -> None:
    policy = ReturnPolicy(rules=(PolicyRule(match=RuleMatch(), returnable=False),))
    result = evaluate_line(policy, line(), already_covered=0, now=at_day(1), tz=UTC_TZ)
    assert result.returnable_quantity == 1
