"""Each action and fact of a decided rule as the sentence an agent reads (decision.rules[].text),
in English and in another language, from the catalogue."""

from __future__ import annotations

from typing import Any

import pytest

from returns_service.domain.rules import RuleDecision
from returns_service.services.cases.decision_text import explain
from returns_service.translation import Translator

USD5 = {"amount": 500, "currency": "USD"}


@pytest.mark.parametrize(
    ("index", "matched_on", "effect", "text"),
    [
        (
            3,
            {"reason": "changed_mind", "resolution": "refund"},
            {"fee": {"percent": 10, "label": "restocking"}},
            "rule 3: restocking fee 10 %, because reason changed_mind and resolution refund",
        ),
        (
            1,
            {"unit_price": {"amount": 1200, "currency": "USD"}},
            {"keep_it": True},
            "rule 1: keep it: nothing is sent back, because unit_price $12.00",
        ),
        (
            4,
            {"country": "NO"},
            {"return_shipping_fee": USD5},
            "rule 4: return shipping fee $5.00, because country NO",
        ),
        (
            0,
            {"category": "watches", "customer_tags": ["vip", "wholesale"]},
            {"window_days": 90, "allowed_resolutions": ["exchange", "store_credit"]},
            "rule 0: return window 90 days and only exchange, store_credit, "
            "because category watches and customer_tags vip, wholesale",
        ),
        (
            2,
            {"sku": "A", "resolution": "refund", "days_since_delivery": 20},
            {"fee": {"amount": USD5, "label": "handling"}},
            "rule 2: handling $5.00 per item, because sku A, resolution refund "
            "and days_since_delivery 20",
        ),
        (
            5,
            {"category": "rings"},
            {
                "bonus_credit": {
                    "store_credit_percent": 10,
                    "exchange_percent": 5,
                    "exchange_fixed": USD5,
                }
            },
            "rule 5: bonus credit 10 % for store credit and 5 % + $5.00 for an exchange, "
            "because category rings",
        ),
        (
            None,
            {"blocklist": "address", "address": "Strada Lunga 5, Cluj"},
            {"require_review": True},
            "block list: a person decides, because address Strada Lunga 5, Cluj",
        ),
    ],
)
def test_a_decided_rule_reads_as_a_sentence(
    index: int | None, matched_on: dict[str, Any], effect: dict[str, Any], text: str
) -> None:
    assert explain(Translator("en"), RuleDecision(index, matched_on, effect)) == text


def test_the_sentence_is_in_the_readers_language() -> None:
    rule = RuleDecision(
        3,
        {"reason": "changed_mind", "resolution": "refund"},
        {"fee": {"percent": 10, "label": "restocking"}},
    )
    assert explain(Translator("ro"), rule) == (
        "regula 3: taxă de repunere pe stoc 10 %, "
        "pentru că reason changed_mind și resolution refund"
    )
