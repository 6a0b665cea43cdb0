"""The policy's rules applied to a return being opened or previewed (domain/rules.py decides;
this loads the facts and keeps what was decided on the case): fees and bonus credit per item,
keep-it, review, the rules that decided it and why (`decision`), shown to agents."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from returns_service.db.tables import CaseItem, ReturnCase
from returns_service.domain.cases import SYSTEM, RequestedItem
from returns_service.domain.errors import InvalidRequest
from returns_service.domain.rules import CaseLine, CaseOutcome, decide_case
from returns_service.services.cases import timeline
from returns_service.services.cases.schemas import Decision
from returns_service.services.store.eligibility import EvaluatedOrder

_ADDRESS_FIELDS = ("line1", "line2", "city", "region", "postal_code", "country")


def decide(order: EvaluatedOrder, items: Sequence[RequestedItem]) -> CaseOutcome:
    """The rules over the requested items; refuses a reason the store does not take and a
    resolution a rule does not allow."""
    for n, item in enumerate(items):
        if not order.policy.accepts_reason(item.reason):
            raise InvalidRequest(
                f"{item.reason} is neither a built-in reason nor one this store offers",
                field=f"items[{n}].reason",
                offered=[code for code, _ in order.policy.reason_choices("en")],
            )
    lines = []
    for item in items:
        line = order.line(item.line_id)
        assert line is not None and line.facts is not None  # checked by the caller
        facts = msgspec.structs.replace(
            line.facts, reason=item.reason, resolution=item.resolution.value
        )
        lines.append(CaseLine(item.line_id, msgspec.structs.replace(facts, quantity=item.quantity)))
    address = ", ".join(str(order.shipping_address.get(f) or "") for f in _ADDRESS_FIELDS)
    outcome = decide_case(order.policy, lines, email=order.customer_email, address=address)
    for n, item in enumerate(items):
        allowed = outcome.lines[item.line_id].allowed_resolutions
        if allowed is not None and item.resolution.value not in allowed:
            raise InvalidRequest(
                f"this item can be returned for {', '.join(allowed)} only",
                field=f"items[{n}].resolution",
                allowed_resolutions=list(allowed),
            )
    return outcome


def item_fees(outcome: CaseOutcome, line_id: int) -> tuple[tuple[str, int], ...]:
    """The fees taken from one item: its rules' fees and its share of the return shipping."""
    own = outcome.lines[line_id].fees
    shipping = outcome.line_fees[line_id] - sum(amount for _, amount in own)
    return (*own, ("return_shipping", shipping)) if shipping else own


async def keep(case_id: int, store_id: int, outcome: CaseOutcome, at: Any) -> Decision:
    """Store the decision and the items' fees and bonus, in the case's transaction; a
    timeline event when the rules send the case to a person."""
    for line_id, line in outcome.lines.items():
        fees = item_fees(outcome, line_id)
        if not fees and not line.bonus:
            continue
        await CaseItem.update(
            {
                CaseItem.fees: msgspec.json.encode(
                    [{"kind": k, "amount": a} for k, a in fees]
                ).decode(),
                CaseItem.bonus_amount: line.bonus,
            }
        ).where((CaseItem.case == case_id) & (CaseItem.line == line_id))
    decision = Decision(outcome.rules, outcome.review, outcome.keep_it, outcome.advance_exchange)
    await ReturnCase.update({ReturnCase.decision: msgspec.json.encode(decision).decode()}).where(
        ReturnCase.id == case_id
    )
    if outcome.review:
        await timeline.record(
            store_id=store_id,
            case_id=case_id,
            actor=SYSTEM,
            kind="rules_review",
            params={"reasons": ", ".join(outcome.review)},
            at=at,
            customer_visible=False,  # the customer sees that a person decides, not why
        )
    return decision


async def decision_of(case_id: int) -> Decision:
    rows = await ReturnCase.select(ReturnCase.decision).where(ReturnCase.id == case_id)
    document = rows[0]["decision"] if rows else None
    return msgspec.json.decode(document or "{}", type=Decision)
