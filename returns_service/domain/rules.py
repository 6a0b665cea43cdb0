"""The rules engine: what the policy's rules decide for a return, and why.

Pure functions over facts (domain/policy.py `LineFacts`); the caller loads the facts and
passes the time in. Semantics (issue 14):

- the last matching rule wins per field (window, returnable, keep-it, review, allowed
  resolutions, bonus credit, advance exchange, return-shipping fee);
- fees add up: every matching rule's `fee` is taken from what its line gets back. Fees apply
  to refund and store-credit lines; an exchange line pays a fee only when the rule names
  `exchange` in `when.resolution` (the fee is then added to what the customer pays);
- the return-shipping fee is per case, once: the last rule (by index) that matched any line,
  taken from refunds first, then credit; a keep-it case ships nothing and pays none;
- keep-it beats the label: when every line of a case is kept, nothing is sent back and no
  label is bought;
- require-review, the block list and serial-returner rules send a case to a person; they
  never refuse it.

At eligibility time (the portal's list of returnable lines) the reason and resolution are not
known, so conditions on them do not hold; that is why a rule testing them may not set
`window_days`, `returnable` or `allowed_resolutions` (checked when the policy is saved).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec

from returns_service.domain.errors import InvalidRequest
from returns_service.domain.money import Money
from returns_service.domain.policy import (
    BonusCredit,
    LineFacts,
    PolicyRule,
    ReturnPolicy,
    matched_on,
)

MONEY_BACK = frozenset({"refund", "store_credit"})


class RuleDecision(msgspec.Struct, frozen=True):
    """One rule that decided something about a case: its index in the policy's `rules` (None
    for the block list), the facts it matched on, and the actions it took."""

    index: int | None
    matched_on: dict[str, Any]
    effect: dict[str, Any]
    line_id: int | None = None
    text: str = ""  # the same as a sentence, rendered for the reader when the case is read


@dataclass(frozen=True, slots=True)
class LineOutcome:
    window_days: int
    returnable: bool
    allowed_resolutions: tuple[str, ...] | None
    fees: tuple[tuple[str, int], ...]  # (label, minor units) taken from this line
    keep_it: bool
    require_review: bool
    bonus: int  # extra store credit, minor units
    advance_exchange: str | None  # a rule's override of the policy's mode
    return_shipping_fee: tuple[int, Money] | None  # (rule index, fee)
    rules: tuple[RuleDecision, ...]

    @property
    def fee_total(self) -> int:
        return sum(amount for _, amount in self.fees)


def _percent_of(value: int, percent: int) -> int:
    return (value * percent + 50) // 100  # half up, in minor units


def _effect(rule: PolicyRule) -> dict[str, Any]:
    actions = msgspec.json.decode(msgspec.json.encode(rule))  # as JSON has it: lists
    return {k: v for k, v in actions.items() if k not in ("match", "when")}


def _bonus(bonus: BonusCredit, resolution: str | None, value: int, currency: str) -> int:
    if resolution == "store_credit":
        percent, fixed = bonus.store_credit_percent, bonus.store_credit_fixed
    elif resolution == "exchange":
        percent, fixed = bonus.exchange_percent, bonus.exchange_fixed
    else:
        return 0
    extra = fixed.amount if fixed is not None and fixed.currency == currency else 0
    return _percent_of(value, percent) + extra


def _fee_applies(rule: PolicyRule, resolution: str | None) -> bool:
    if resolution in MONEY_BACK:
        return True
    named = rule.when.resolution if rule.when is not None else None
    return resolution == "exchange" and named is not None and "exchange" in named


def decide_line(policy: ReturnPolicy, line: LineFacts, line_id: int | None = None) -> LineOutcome:
    """Every rule in order over one line: the last match wins per field, fees add up."""
    window_days, returnable = policy.window_days, True
    allowed: tuple[str, ...] | None = None
    keep_it = review = False
    bonus_rule: BonusCredit | None = None
    advance: str | None = None
    shipping: tuple[int, Money] | None = None
    value = line.unit_price.amount * line.quantity if line.unit_price else 0
    currency = line.unit_price.currency if line.unit_price else ""
    fees: list[tuple[str, int]] = []
    decided: list[RuleDecision] = []
    for index, rule in enumerate(policy.rules):
        facts = matched_on(rule, line)
        if facts is None:
            continue
        decided.append(RuleDecision(index, _jsonable(facts), _effect(rule), line_id))
        if rule.window_days is not None:
            window_days = rule.window_days
        if rule.returnable is not None:
            returnable = rule.returnable
        if rule.allowed_resolutions is not None:
            allowed = rule.allowed_resolutions
        if rule.keep_it is not None:
            keep_it = rule.keep_it
        if rule.require_review is not None:
            review = rule.require_review
        if rule.bonus_credit is not None:
            bonus_rule = rule.bonus_credit
        if rule.advance_exchange is not None:
            advance = rule.advance_exchange
        if rule.return_shipping_fee is not None:
            shipping = (index, rule.return_shipping_fee)
        if rule.fee is not None and _fee_applies(rule, line.resolution):
            fee = rule.fee
            if fee.percent is not None:
                fees.append((fee.label, _percent_of(value, fee.percent)))
            elif fee.amount is not None and fee.amount.currency == currency:
                fees.append((fee.label, fee.amount.amount * line.quantity))
    if line.resolution in MONEY_BACK:  # a line never gives back less than nothing
        fees = _capped(fees, value)
    bonus = _bonus(bonus_rule or policy.bonus_credit, line.resolution, value, currency)
    return LineOutcome(
        window_days,
        returnable,
        allowed,
        tuple(fees),
        keep_it,
        review,
        bonus,
        advance,
        shipping,
        tuple(decided),
    )


def _capped(fees: list[tuple[str, int]], limit: int) -> list[tuple[str, int]]:
    capped = []
    for label, amount in fees:
        take = min(amount, limit)
        limit -= take
        capped.append((label, take))
    return capped


def _jsonable(facts: dict[str, object]) -> dict[str, Any]:
    return {k: msgspec.json.decode(msgspec.json.encode(v)) for k, v in facts.items()}


@dataclass(frozen=True, slots=True)
class CaseLine:
    line_id: int
    facts: LineFacts


@dataclass(slots=True)
class CaseOutcome:
    lines: dict[int, LineOutcome]
    line_fees: dict[int, int]  # every fee taken from the line, its share of shipping included
    fees: list[tuple[str, int]]  # by kind, in the order they first appear
    keep_it: bool
    review: list[str] = field(default_factory=list)  # why a person decides ("rule 3", ...)
    rules: list[RuleDecision] = field(default_factory=list)
    advance_exchange: str | None = None


SHIPPING_FEE = "return_shipping"


def decide_case(
    policy: ReturnPolicy,
    lines: Sequence[CaseLine],
    *,
    email: str,
    address: str,
) -> CaseOutcome:
    """The rules over every line of a case, then the case-wide parts: the return-shipping
    fee once, keep-it only when every line is kept, review for rules and the block list."""
    outcomes = {c.line_id: decide_line(policy, c.facts, c.line_id) for c in lines}
    line_fees = {line_id: o.fee_total for line_id, o in outcomes.items()}
    fees: dict[str, int] = {}
    for o in outcomes.values():
        for label, amount in o.fees:
            fees[label] = fees.get(label, 0) + amount
    keep_it = bool(outcomes) and all(o.keep_it for o in outcomes.values())
    shipping = max(
        (o.return_shipping_fee for o in outcomes.values() if o.return_shipping_fee),
        key=lambda found: found[0],
        default=None,
    )
    if shipping is not None and not keep_it:
        left = shipping[1].amount
        # refunds first, then credit: each line gives at most what it still gets back
        order = sorted(lines, key=lambda c: (c.facts.resolution != "refund", c.line_id))
        for c in order:
            if c.facts.resolution not in MONEY_BACK or c.facts.unit_price is None:
                continue
            if c.facts.unit_price.currency != shipping[1].currency:
                continue
            room = c.facts.unit_price.amount * c.facts.quantity - line_fees[c.line_id]
            take = min(room, left)
            line_fees[c.line_id] += take
            left -= take
        charged = shipping[1].amount - left
        if charged:
            fees[SHIPPING_FEE] = fees.get(SHIPPING_FEE, 0) + charged
    outcome = CaseOutcome(
        outcomes,
        line_fees,
        [(kind, amount) for kind, amount in fees.items() if amount],
        keep_it,
    )
    for o in outcomes.values():
        outcome.rules.extend(o.rules)
        if o.require_review:
            outcome.review.extend(
                f"rule {r.index}" for r in o.rules if r.effect.get("require_review")
            )
        if o.advance_exchange is not None:
            outcome.advance_exchange = o.advance_exchange
    outcome.review = list(dict.fromkeys(outcome.review))
    blocked = blocked_by(policy, email=email, address=address)
    if blocked is not None:
        outcome.rules.append(
            RuleDecision(
                None, {"blocklist": blocked[0], blocked[0]: blocked[1]}, {"require_review": True}
            )
        )
        outcome.review.append(f"blocklist ({blocked[0]})")
    return outcome


def _normal(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", " ", text.lower()).strip()


def blocked_by(policy: ReturnPolicy, *, email: str, address: str) -> tuple[str, str] | None:
    """("email" | "address", the entry) when the block list names this customer."""
    email = email.strip().lower()
    for entry in policy.blocklist.emails:
        wanted = entry.strip().lower()
        if wanted and (email == wanted or (wanted.startswith("@") and email.endswith(wanted))):
            return "email", entry
    haystack = f" {_normal(address)} "
    for entry in policy.blocklist.addresses:
        parts = [_normal(p) for p in entry.split(",") if _normal(p)]
        if parts and all(f" {p} " in haystack for p in parts):
            return "address", entry
    return None


# ---------------------------------------------------------------------------------------------
# Checking a policy before it is saved: what the types cannot say


_BEFORE_CHOICE = ("window_days", "returnable", "allowed_resolutions")


def policy_errors(policy: ReturnPolicy) -> list[tuple[str, str]]:
    """(field, message) for every part of the policy the engine could not apply as written."""
    errors: list[tuple[str, str]] = []
    for i, rule in enumerate(policy.rules):
        at = f"rules[{i}]"
        actions = _effect(rule)
        if rule.match is None and rule.when is None:
            errors.append((f"{at}.when", "a rule needs `when` (or the older `match`)"))
        if rule.fee is not None and (rule.fee.percent is None) == (rule.fee.amount is None):
            errors.append((f"{at}.fee", "a fee has either `percent` or `amount`"))
        if rule.when is not None:
            tested = msgspec.to_builtins(rule.when)
            if not tested:
                errors.append((f"{at}.when", "an empty `when` would apply to every line"))
            if not actions:
                errors.append((at, "the rule has no action"))
            for n, code in enumerate(rule.when.reason or ()):
                if not policy.accepts_reason(code):
                    errors.append(
                        (
                            f"{at}.when.reason[{n}]",
                            f"{code} is neither a built-in reason nor one of the policy's reasons",
                        )
                    )
            for chosen in ("reason", "resolution"):
                if chosen not in tested:
                    continue
                for action in _BEFORE_CHOICE:
                    if getattr(rule, action) is not None:
                        errors.append(
                            (
                                f"{at}.when.{chosen}",
                                f"`{action}` is decided before the customer picks a {chosen}, "
                                f"so it cannot depend on one",
                            )
                        )
    seen: set[str] = set()
    for i, reason in enumerate(policy.reasons):
        if reason.code in seen:
            errors.append((f"reasons[{i}].code", f"{reason.code} is listed twice"))
        seen.add(reason.code)
    return errors


class InvalidPolicy(InvalidRequest):
    code = "invalid-policy"
    title = "The policy cannot be applied as written"


def check_policy(policy: ReturnPolicy) -> None:
    errors = policy_errors(policy)
    if errors:
        raise InvalidPolicy(
            "; ".join(f"{f}: {m}" for f, m in errors),
            field=errors[0][0],
            errors=[{"field": f, "message": m} for f, m in errors],
        )
