"""Why a case is what it is, in words, rendered when the case is read in the reader's
language, like timeline texts: each rule the policy applied as a sentence an agent reads
("rule 3: restocking fee 10 %, because reason changed_mind and resolution refund"), and each
item's reason (the merchant's label for their own code, the catalogue's for a built-in one).

Condition names and codes (`reason changed_mind`) stay as the policy document writes them:
they are what the merchant typed and what the agent finds in the policy."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import msgspec

from returns_service.domain.money import Money
from returns_service.domain.policy import BUILT_IN_REASONS, label_in
from returns_service.domain.rules import RuleDecision
from returns_service.services.cases.schemas import CaseItemView, Decision
from returns_service.translation import Translator


def _money(value: Any) -> Money | None:
    if isinstance(value, Mapping) and set(value) == {"amount", "currency"}:
        return Money(int(value["amount"]), str(value["currency"]))
    return None


def _fact(t: Translator, value: Any) -> str:
    money = _money(value)
    if money is not None:
        return t.money(money)
    if isinstance(value, list | tuple):
        return ", ".join(_fact(t, v) for v in value)
    return str(value)


def _joined(t: Translator, parts: list[str]) -> str:
    """ "a, b and c" in the reader's words."""
    if len(parts) <= 1:
        return "".join(parts)
    return t("decision.and", first=", ".join(parts[:-1]), last=parts[-1])


def _fee(t: Translator, fee: Mapping[str, Any]) -> str:
    label = str(fee.get("label") or "fee")
    words = t(f"fee.{label}")  # the catalogue's words for the labels it knows ("Restocking fee")
    name = words[:1].lower() + words[1:] if words else label  # mid-sentence
    if fee.get("percent") is not None:
        return f"{name} {int(fee['percent'])} %"
    amount = _money(fee.get("amount"))
    return t("decision.fee_amount", fee=name, amount=amount or "")


def _bonus(t: Translator, bonus: Mapping[str, Any]) -> str:
    parts = []
    for resolution in ("store_credit", "exchange"):
        percent = int(bonus.get(f"{resolution}_percent") or 0)
        fixed = _money(bonus.get(f"{resolution}_fixed"))
        if percent or fixed:
            value = f"{percent} %" + (f" + {t.money(fixed)}" if fixed else "")
            parts.append(t(f"decision.bonus_{resolution}", value=value))
    return t("decision.bonus", what=_joined(t, parts) or "0 %")


def _effect(t: Translator, name: str, value: Any) -> str:
    if name == "fee" and isinstance(value, Mapping):
        return _fee(t, value)
    if name == "bonus_credit" and isinstance(value, Mapping):
        return _bonus(t, value)
    if name == "window_days":
        return t("decision.window_days", days=int(value))
    if name == "return_shipping_fee":
        return t("decision.return_shipping_fee", amount=_money(value) or str(value))
    if name == "allowed_resolutions":
        return t("decision.allowed_resolutions", resolutions=_fact(t, value))
    if name == "advance_exchange":
        return t("decision.advance_exchange", mode=str(value))
    if name in ("returnable", "keep_it", "require_review") and isinstance(value, bool):
        return t(f"decision.{name}.{'yes' if value else 'no'}")
    return f"{name} {_fact(t, value)}"  # an action this code does not know yet: as stored


def explain(t: Translator, rule: RuleDecision) -> str:
    """One decided rule as a sentence: which rule (or the block list), what it did, why."""
    effects = _joined(t, [_effect(t, name, value) for name, value in rule.effect.items()])
    facts = [f"{name} {_fact(t, value)}" for name, value in rule.matched_on.items()]
    if rule.index is None:  # the block list: what matched is the entry itself
        entry = str(rule.matched_on.get("blocklist", ""))
        facts = [f"{entry} {_fact(t, rule.matched_on.get(entry, ''))}".strip()]
        return t("decision.blocklist", effects=effects, facts=_joined(t, facts))
    # the index as in `rules[n]` of the policy document, `index` and `review` ("rule 3")
    return t("decision.rule", n=rule.index, effects=effects, facts=_joined(t, facts))


def explained(decision: Decision, t: Translator) -> Decision:
    """The stored decision with each rule's `text` for this reader."""
    rules = [msgspec.structs.replace(r, text=explain(t, r)) for r in decision.rules]
    return msgspec.structs.replace(decision, rules=rules)


class _ItemReason(msgspec.Struct, frozen=True):
    reason: str
    reason_labels: dict[str, str] = {}


def reason_words(code: str, merchant_labels: dict[str, str], t: Translator) -> str:
    """A reason as a person reads it: the merchant's label (kept on the item when the case
    was opened) for the merchant's own code, the catalogue's words for a built-in one."""
    if merchant_labels or code not in BUILT_IN_REASONS:
        return label_in(merchant_labels, t.language, code)
    return t(f"reason.{code}") or code


def labelled(items_json: str, items: list[CaseItemView], t: Translator) -> list[CaseItemView]:
    """The items of a case read (their JSON, as `queries` gives it) with `reason_label`."""
    reasons = msgspec.json.decode(items_json, type=list[_ItemReason])
    return [
        msgspec.structs.replace(item, reason_label=reason_words(r.reason, r.reason_labels, t))
        for item, r in zip(items, reasons, strict=True)
    ]
