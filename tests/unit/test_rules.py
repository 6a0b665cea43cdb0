"""The rules engine, table by table: every condition, every action, their combinations and
the order rules apply in. Pure domain: facts in, outcome out."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, get_args
from zoneinfo import ZoneInfo

import msgspec
import pytest

from returns_service.domain.cases import Reason, Resolution
from returns_service.domain.errors import InvalidRequest
from returns_service.domain.money import Money
from returns_service.domain.policy import (
    LineFacts,
    ReasonCode,
    ResolutionCode,
    ReturnPolicy,
    evaluate_line,
    matched_on,
)
from returns_service.domain.rules import (
    CaseLine,
    check_policy,
    decide_case,
    decide_line,
    policy_errors,
)

USD = "USD"
DELIVERED = datetime(2026, 8, 5, 15, 0, tzinfo=UTC)


def facts(**overrides: Any) -> LineFacts:
    base: dict[str, Any] = {
        "sku": "RING-8-BLK",
        "product_id": "ring",
        "category": "rings",
        "quantity": 2,
        "final_sale": False,
        "placed_at": DELIVERED,
        "delivered_at": DELIVERED,
        "unit_price": Money(2500, USD),
        "reason": "changed_mind",
        "resolution": "refund",
        "country": "US",
        "customer_tags": ("vip",),
        "order_total": Money(5000, USD),
        "days_since_delivery": 10,
        "customer_returns_last_365_days": 2,
        "customer_refunded_last_365_days": Money(4000, USD),
    }
    base.update(overrides)
    return LineFacts(**base)


def policy(*rules: dict[str, Any], **fields: Any) -> ReturnPolicy:
    return msgspec.convert({"rules": list(rules), **fields}, ReturnPolicy)


def usd(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": USD}


REVIEW = {"require_review": True}

# (condition, a value that matches the facts above, one that does not)
CONDITIONS = [
    ("reason", ["changed_mind", "defective"], ["defective"]),
    ("resolution", ["refund"], ["exchange"]),
    ("category", ["rings"], ["watches"]),
    ("sku", ["RING-8-BLK"], ["RING-9-BLK"]),
    ("product_id", ["ring"], ["watch"]),
    ("country", ["US", "CA"], ["NO"]),
    ("customer_tags", ["wholesale", "vip"], ["wholesale"]),
    ("order_total_at_least", usd(5000), usd(5001)),
    ("unit_price_below", usd(2501), usd(2500)),
    ("days_since_delivery_at_least", 10, 11),
    ("customer_returns_last_365_days_at_least", 2, 3),
    ("customer_refunded_last_365_days_at_least", usd(4000), usd(4001)),
]


@pytest.mark.parametrize(("condition", "matching", "other"), CONDITIONS)
def test_each_condition_matches_its_fact_and_only_it(
    condition: str, matching: Any, other: Any
) -> None:
    rule = policy({"when": {condition: matching}, **REVIEW}).rules[0]
    assert matched_on(rule, facts()) is not None
    refused = policy({"when": {condition: other}, **REVIEW}).rules[0]
    assert matched_on(refused, facts()) is None


@pytest.mark.parametrize(
    ("condition", "value"),
    [
        ("reason", ["changed_mind"]),
        ("resolution", ["refund"]),
        ("days_since_delivery_at_least", 0),
        ("customer_returns_last_365_days_at_least", 0),
        ("order_total_at_least", usd(0)),
    ],
)
def test_a_condition_on_an_unknown_fact_does_not_hold(condition: str, value: Any) -> None:
    rule = policy({"when": {condition: value}, **REVIEW}).rules[0]
    unknown = facts(
        reason=None,
        resolution=None,
        days_since_delivery=None,
        customer_returns_last_365_days=None,
        order_total=None,
    )
    assert matched_on(rule, unknown) is None


def test_money_conditions_in_another_currency_do_not_hold() -> None:
    rule = policy({"when": {"unit_price_below": {"amount": 99999, "currency": "EUR"}}, **REVIEW})
    assert matched_on(rule.rules[0], facts()) is None


def test_all_conditions_of_a_rule_must_hold_and_are_named_in_matched_on() -> None:
    both = policy({"when": {"reason": ["changed_mind"], "country": ["US"]}, **REVIEW}).rules[0]
    assert matched_on(both, facts()) == {"reason": "changed_mind", "country": "US"}
    assert matched_on(both, facts(country="NO")) is None


def test_a_rule_without_when_or_match_matches_nothing() -> None:
    bare = policy({"keep_it": True})  # refused when saved; harmless if it ever loads
    assert matched_on(bare.rules[0], facts()) is None


def test_the_older_match_form_still_works_alone_and_with_when() -> None:
    old = policy({"match": {"category": "rings"}, "window_days": 90})
    assert decide_line(old, facts()).window_days == 90
    assert decide_line(old, facts(category="watches")).window_days == 30
    mixed = policy({"match": {"category": "rings"}, "when": {"country": ["NO"]}, "keep_it": True})
    assert not decide_line(mixed, facts()).keep_it
    assert decide_line(mixed, facts(country="NO")).keep_it


# --- actions -----------------------------------------------------------------------------

ACTIONS: list[tuple[dict[str, Any], str, Any]] = [
    ({"window_days": 90}, "window_days", 90),
    ({"returnable": False}, "returnable", False),
    ({"keep_it": True}, "keep_it", True),
    ({"require_review": True}, "require_review", True),
    ({"allowed_resolutions": ["store_credit"]}, "allowed_resolutions", ("store_credit",)),
    ({"advance_exchange": "on_request"}, "advance_exchange", "on_request"),
    ({"fee": {"percent": 10, "label": "restocking"}}, "fees", (("restocking", 500),)),
    ({"fee": {"amount": usd(150), "label": "handling"}}, "fees", (("handling", 300),)),
    ({"bonus_credit": {"store_credit_percent": 10}}, "bonus", 0),  # a refund gets no bonus
    ({"return_shipping_fee": usd(500)}, "return_shipping_fee", (0, Money(500, USD))),
]


@pytest.mark.parametrize(("action", "attribute", "expected"), ACTIONS)
def test_each_action_sets_its_outcome_and_is_explained(
    action: dict[str, Any], attribute: str, expected: Any
) -> None:
    outcome = decide_line(policy({"when": {"category": ["rings"]}, **action}), facts(), 7)
    assert getattr(outcome, attribute) == expected
    assert [(r.index, r.matched_on, r.effect, r.line_id) for r in outcome.rules] == [
        (0, {"category": "rings"}, action, 7)
    ]


def test_without_rules_the_policy_defaults_apply() -> None:
    outcome = decide_line(ReturnPolicy(window_days=45), facts())
    assert (outcome.window_days, outcome.returnable, outcome.fees, outcome.rules) == (
        45,
        True,
        (),
        (),
    )
    assert not outcome.keep_it and not outcome.require_review


@pytest.mark.parametrize(
    ("resolution", "bonus"),
    [("refund", 0), ("store_credit", 500 + 100), ("exchange", 250 + 200)],
)
def test_bonus_credit_by_resolution_percent_plus_fixed(resolution: str, bonus: int) -> None:
    levels = {
        "store_credit_percent": 10,
        "exchange_percent": 5,
        "store_credit_fixed": usd(100),
        "exchange_fixed": usd(200),
    }
    assert decide_line(policy(bonus_credit=levels), facts(resolution=resolution)).bonus == bonus


def test_a_rules_bonus_replaces_the_policys_bonus() -> None:
    p = policy(
        {"when": {"customer_tags": ["vip"]}, "bonus_credit": {"store_credit_percent": 20}},
        bonus_credit={"store_credit_percent": 10},
    )
    assert decide_line(p, facts(resolution="store_credit")).bonus == 1000
    assert decide_line(p, facts(resolution="store_credit", customer_tags=())).bonus == 500


@pytest.mark.parametrize(
    ("resolution", "when_resolution", "fees"),
    [
        ("refund", None, (("restocking", 500),)),
        ("store_credit", None, (("restocking", 500),)),
        ("exchange", None, ()),  # never from exchanges ...
        ("exchange", ["exchange"], (("restocking", 500),)),  # ... unless the rule says so
    ],
)
def test_fees_are_taken_from_refunds_never_from_exchanges_unless_named(
    resolution: str, when_resolution: list[str] | None, fees: tuple[Any, ...]
) -> None:
    when: dict[str, Any] = {"category": ["rings"]}
    if when_resolution:
        when["resolution"] = when_resolution
    p = policy({"when": when, "fee": {"percent": 10, "label": "restocking"}})
    assert decide_line(p, facts(resolution=resolution)).fees == fees


# --- order and combinations ----------------------------------------------------------------


def test_the_last_matching_rule_wins_per_field_and_fees_add_up() -> None:
    p = policy(
        {"when": {"category": ["rings"]}, "window_days": 60, "require_review": True},
        {"when": {"country": ["US"]}, "window_days": 90, "fee": {"percent": 10, "label": "a"}},
        {"when": {"country": ["NO"]}, "window_days": 14},  # does not match: changes nothing
        {"when": {"reason": ["changed_mind"]}, "require_review": False, "fee": {"percent": 4}},
    )
    outcome = decide_line(p, facts())
    assert outcome.window_days == 90
    assert outcome.require_review is False
    assert outcome.fees == (("a", 500), ("fee", 200))
    assert [r.index for r in outcome.rules] == [0, 1, 3]


def test_fees_never_take_more_than_the_line_is_worth() -> None:
    p = policy(
        {"when": {"category": ["rings"]}, "fee": {"percent": 80, "label": "a"}},
        {"when": {"category": ["rings"]}, "fee": {"amount": usd(2000), "label": "b"}},
    )
    assert decide_line(p, facts()).fees == (("a", 4000), ("b", 1000))


def test_percent_fees_round_half_up_in_minor_units() -> None:
    p = policy({"when": {"category": ["rings"]}, "fee": {"percent": 15}})
    assert decide_line(p, facts(unit_price=Money(333, USD), quantity=1)).fee_total == 50


def case(
    p: ReturnPolicy, *lines: LineFacts, email: str = "ana@example.com", address: str = ""
) -> Any:
    return decide_case(
        p, [CaseLine(n + 1, f) for n, f in enumerate(lines)], email=email, address=address
    )


def test_keep_it_beats_the_label_only_when_every_line_is_kept() -> None:
    p = policy({"when": {"unit_price_below": usd(1500)}, "keep_it": True})
    cheap = facts(unit_price=Money(900, USD))
    assert case(p, cheap, cheap).keep_it
    assert not case(p, cheap, facts()).keep_it
    assert not case(p).keep_it  # no lines, nothing kept


def test_the_return_shipping_fee_is_taken_once_from_refunds_first() -> None:
    p = policy(
        {"when": {"country": ["US"]}, "return_shipping_fee": usd(300)},
        {"when": {"resolution": ["refund"]}, "return_shipping_fee": usd(700)},
    )
    credit = facts(resolution="store_credit")
    refund = facts(resolution="refund", unit_price=Money(200, USD), quantity=1)
    outcome = case(p, credit, refund)
    # the last matching rule's fee (700), from the refund line (200) then the credit line
    assert outcome.fees == [("return_shipping", 700)]
    assert outcome.line_fees == {1: 500, 2: 200}


def test_a_kept_case_pays_no_return_shipping() -> None:
    p = policy(
        {"when": {"country": ["US"]}, "return_shipping_fee": usd(300)},
        {"when": {"category": ["rings"]}, "keep_it": True},
    )
    outcome = case(p, facts())
    assert outcome.keep_it and outcome.fees == [] and outcome.line_fees == {1: 0}


def test_exchanges_alone_pay_no_return_shipping() -> None:
    p = policy({"when": {"country": ["US"]}, "return_shipping_fee": usd(300)})
    assert case(p, facts(resolution="exchange")).fees == []


def test_review_names_the_rules_that_asked_for_it() -> None:
    p = policy(
        {"when": {"customer_returns_last_365_days_at_least": 2}, "require_review": True},
        {"when": {"category": ["rings"]}, "fee": {"percent": 10}},
    )
    outcome = case(p, facts())
    assert outcome.review == ["rule 0"]
    assert [r.index for r in outcome.rules] == [0, 1]


@pytest.mark.parametrize(
    ("blocklist", "email", "address", "blocked"),
    [
        ({"emails": ["ANA@example.com"]}, "ana@example.com", "", "email"),
        ({"emails": ["@example.com"]}, "bob@example.com", "", "email"),
        ({"emails": ["@example.com"]}, "bob@example.org", "", None),
        (
            {"addresses": ["1 Main St, 92701"]},
            "x@y.z",
            "1 main st., Santa Ana CA 92701 US",
            "address",
        ),
        ({"addresses": ["1 Main St, 92701"]}, "x@y.z", "11 Main St, Santa Ana 92701", None),
        ({}, "ana@example.com", "1 Main St", None),
    ],
)
def test_the_block_list_sends_to_review_and_says_why(
    blocklist: dict[str, Any], email: str, address: str, blocked: str | None
) -> None:
    outcome = case(policy(blocklist=blocklist), facts(), email=email, address=address)
    if blocked is None:
        assert outcome.review == [] and outcome.rules == []
        return
    assert outcome.review == [f"blocklist ({blocked})"]
    (decision,) = outcome.rules
    assert decision.index is None and decision.matched_on["blocklist"] == blocked
    assert decision.effect == {"require_review": True}


def test_a_rules_advance_exchange_overrides_the_policy() -> None:
    p = policy({"when": {"customer_tags": ["vip"]}, "advance_exchange": "on_request"})
    assert case(p, facts(resolution="exchange")).advance_exchange == "on_request"
    assert case(p, facts(customer_tags=())).advance_exchange is None


# --- checking a policy ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"rules": [{"when": {}, "keep_it": True}]}, "rules[0].when"),
        ({"rules": [{"match": {"sku": "A"}}, {"when": {"reason": ["other"]}}]}, "rules[1]"),
        (
            {"rules": [{"match": {"sku": "A"}}, {"when": {"reason": ["other"]}, "window_days": 9}]},
            "rules[1].when.reason",
        ),
        (
            {"rules": [{"when": {"resolution": ["refund"]}, "returnable": False}]},
            "rules[0].when.resolution",
        ),
        ({"reasons": [{"code": "other"}, {"code": "other"}]}, "reasons[1].code"),
        ({"rules": [{"window_days": 9}]}, "rules[0].when"),
        (
            {"rules": [{"when": {"sku": ["A"]}, "fee": {"percent": 5, "amount": usd(1)}}]},
            "rules[0].fee",
        ),
        ({"rules": [{"when": {"sku": ["A"]}, "fee": {"label": "x"}}]}, "rules[0].fee"),
    ],
)
def test_policies_the_engine_cannot_apply_are_refused_naming_the_field(
    document: dict[str, Any], field: str
) -> None:
    p = msgspec.convert(document, ReturnPolicy)
    assert policy_errors(p)[0][0] == field
    with pytest.raises(InvalidRequest) as refused:
        check_policy(p)
    assert refused.value.extra["field"] == field


@pytest.mark.parametrize(
    ("document", "where"),
    [
        ({"rules": [{"when": {"reason": ["Bored!"]}, "keep_it": True}]}, "$.rules[0].when.reason"),
        ({"rules": [{"when": {"sku": "A"}, "keep_it": True}]}, "$.rules[0].when.sku"),
        ({"rules": [{"when": {"sku": ["A"]}, "fee": {"percent": 101}}]}, "$.rules[0].fee.percent"),
        ({"rules": [{"when": {"sku": ["A"]}, "shrug": True}]}, "$.rules[0]"),
    ],
)
def test_malformed_rules_are_refused_by_type_with_their_path(
    document: dict[str, Any], where: str
) -> None:
    with pytest.raises(msgspec.ValidationError) as refused:
        msgspec.convert(document, ReturnPolicy)
    assert where in str(refused.value)


def test_an_existing_policy_loads_unchanged_and_gets_the_new_defaults() -> None:
    old = {
        "window_days": 30,
        "rules": [{"match": {"category": "watches"}, "window_days": 90}],
        "auto_approve": True,
    }
    p = msgspec.convert(old, ReturnPolicy)
    assert policy_errors(p) == []
    assert (p.label_service, p.first_response_hours, p.reasons) == ("cheapest", 24, ())
    assert msgspec.to_builtins(p.rules[0]) == old["rules"][0]


def test_a_rule_may_name_the_merchants_own_reasons_and_no_others() -> None:
    document = {
        "reasons": [{"code": "gift_duplicate", "labels": {"en": "Got it twice"}}],
        "rules": [
            {"when": {"reason": ["gift_duplicate", "too_small"]}, "keep_it": True},
            {"when": {"reason": ["bored"]}, "keep_it": True},
        ],
    }
    p = msgspec.convert(document, ReturnPolicy)
    assert policy_errors(p) == [
        (
            "rules[1].when.reason[0]",
            "bored is neither a built-in reason nor one of the policy's reasons",
        )
    ]
    assert p.accepts_reason("gift_duplicate") and p.accepts_reason("defective")
    assert not p.accepts_reason("bored")
    assert p.merchant_reason_labels("gift_duplicate") == {"en": "Got it twice"}
    assert p.merchant_reason_labels("too_small") == {}


def test_the_policys_codes_are_the_built_in_ones() -> None:
    assert set(get_args(ReasonCode)) == {r.value for r in Reason}
    assert set(get_args(ResolutionCode)) == {r.value for r in Resolution}


def test_eligibility_applies_when_rules_on_what_is_known_before_the_choice() -> None:
    p = policy(
        {"when": {"country": ["NO"]}, "window_days": 60},
        {"when": {"customer_tags": ["vip"], "category": ["rings"]}, "returnable": False},
    )
    now = datetime(2026, 9, 20, 12, tzinfo=UTC)  # 46 days after delivery
    norway = facts(country="NO", customer_tags=(), reason=None, resolution=None)
    seen = evaluate_line(p, norway, already_covered=0, now=now, tz=ZoneInfo("UTC"))
    assert (seen.window_days, seen.returnable_quantity) == (60, 2)
    vip = facts(reason=None, resolution=None)
    seen = evaluate_line(p, vip, already_covered=0, now=now, tz=ZoneInfo("UTC"))
    assert seen.ineligible_reason is not None and seen.ineligible_reason.value == "not_returnable"
