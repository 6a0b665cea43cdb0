"""The actions an agent takes on a case from the console, in two steps: the form's inputs are
read and checked, a confirmation states the consequence in plain words with the exact
amounts, and only the confirmation's button performs it, through the same service functions
the agents' API calls (api/agents/controllers.py). Which buttons a case shows follows its
status; the services stay the judge."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from returns_service.domain.access import Caller, Role
from returns_service.domain.cases import OPEN_STATUSES, CaseStatus
from returns_service.domain.errors import Forbidden, InvalidRequest
from returns_service.domain.money import Money, minor_unit_exponent
from returns_service.domain.settlement import RefundTooHigh
from returns_service.services.cases import agents, decisions
from returns_service.services.cases.schemas import AgentCaseView
from returns_service.services.fulfilment import exchanges, labels
from returns_service.services.fulfilment.ship_preview import preview_ship_now
from returns_service.services.money import refunds
from returns_service.services.money.refund_preview import preview_refund
from returns_service.services.platform.runtime import Runtime
from returns_service.translation import Translator

ACTIONS = ("approve", "reject", "label", "ship", "refund", "close", "reassign")
REASON_MAX = 4000  # as the API's RejectIn and ReassignIn
MAX_AMOUNT = 10**12  # minor units, as the API's RefundIn

_SHIPPABLE_EXCHANGE = frozenset({"waiting", "reserved"})
_MONEY = frozenset(
    {CaseStatus.APPROVED, CaseStatus.IN_TRANSIT, CaseStatus.RECEIVED, CaseStatus.INSPECTED}
)
_CLOSABLE = frozenset(
    {
        CaseStatus.REQUESTED,
        CaseStatus.APPROVED,
        CaseStatus.RESOLVED,
        CaseStatus.REJECTED,
        CaseStatus.EXPIRED,
    }
)


class ActionInput(msgspec.Struct, frozen=True, omit_defaults=True):
    """What the agent typed for an action, checked; carried by the confirmation's hidden
    fields and fingerprinted with its idempotency key."""

    comment: str = ""
    reason: str = ""
    amount: str = ""  # as typed, in major units ("" for a refund: what the policy computes)
    agent_id: int = 0


def offered(view: AgentCaseView, caller: Caller) -> list[str]:
    """The actions that make sense for the case in its status, in the order shown."""
    status = view.status
    shown = []
    if status is CaseStatus.REQUESTED:
        shown += ["approve", "reject"]
    if status in (CaseStatus.APPROVED, CaseStatus.IN_TRANSIT):
        shown.append("label")
    if (
        status in exchanges.SHIPPABLE
        and view.exchange is not None
        and view.exchange.status in _SHIPPABLE_EXCHANGE
    ):
        shown.append("ship")
    if (status in _MONEY or status is CaseStatus.RESOLVED) and any(
        i.resolution in ("refund", "store_credit") for i in view.items
    ):
        shown.append("refund")
    if status in _CLOSABLE:
        shown.append("close")
    if caller.role is Role.LEAD and status in OPEN_STATUSES:
        shown.append("reassign")
    return shown


def _text(form: Mapping[str, Any], name: str) -> str:
    return str(form.get(name) or "").strip()


def read_input(action: str, form: Mapping[str, Any], caller: Caller) -> ActionInput:
    """The action's inputs from a posted form; a missing or malformed one is refused (422)
    before anything is shown or done."""
    if action == "reassign" and caller.role is not Role.LEAD:
        raise Forbidden("only a lead reassigns a case")
    comment, reason, amount = _text(form, "comment"), _text(form, "reason"), _text(form, "amount")
    if len(comment) > REASON_MAX or len(reason) > REASON_MAX:
        raise InvalidRequest(f"at most {REASON_MAX} characters", field="reason")
    if action in ("reject", "reassign") and not reason:
        raise InvalidRequest("say why: the reason is required", field="reason")
    agent_id = 0
    if action == "reassign":
        try:
            agent_id = int(_text(form, "agent_id"))
        except ValueError:
            raise InvalidRequest("pick the agent to hand it to", field="agent_id") from None
    return ActionInput(
        comment=comment if action == "approve" else "",
        reason=reason if action in ("reject", "reassign") else "",
        amount=amount if action == "refund" else "",
        agent_id=agent_id,
    )


def minor_units(text: str, currency: str) -> int | None:
    """An amount typed in major units ("12.50"), read with the currency's own digits (JPY has
    none, KWD three); "" is None (everything the policy computes)."""
    if not text:
        return None
    digits = minor_unit_exponent(currency)
    example = "1" if digits == 0 else "1." + "0" * digits
    wrong = InvalidRequest(
        f"{text!r} is not an amount in {currency} (write it like {example})", field="amount"
    )
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise wrong from None
    if not value.is_finite():
        raise wrong
    scaled = value.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise wrong
    if not 0 < scaled <= MAX_AMOUNT:
        raise InvalidRequest(f"the amount must be more than 0 {currency}", field="amount")
    return int(scaled)


@dataclass(frozen=True, slots=True)
class Confirmation:
    action: str
    consequences: list[str]  # plain sentences, with the exact amounts


async def confirm(
    action: str,
    given: ActionInput,
    caller: Caller,
    view: AgentCaseView,
    rt: Runtime,
    t: Translator,
) -> Confirmation:
    """What the action will do, in words; refused now when the service would refuse it."""
    number = view.number
    said: list[str] = []
    if action == "approve":
        key = (
            "agent.case.confirm.approve_exception"
            if view.outside_policy
            else "agent.case.confirm.approve"
        )
        said.append(t(key, number=number))
        if given.comment:
            said.append(t("agent.case.confirm.comment", comment=given.comment))
    elif action == "reject":
        said.append(t("agent.case.confirm.reject", number=number, reason=given.reason))
    elif action == "label":
        if view.label is not None:
            said.append(t("agent.case.confirm.label_replace", tracking=view.label.tracking_number))
        else:
            said.append(t("agent.case.confirm.label_new", number=number))
    elif action == "ship":
        for planned in await preview_ship_now(caller, number, rt):
            if planned.return_by is None:
                said.append(
                    t("agent.case.confirm.ship", sku=planned.sku, quantity=planned.quantity)
                )
            else:
                said.append(
                    t(
                        "agent.case.confirm.ship_advance",
                        sku=planned.sku,
                        quantity=planned.quantity,
                        date=planned.return_by,
                        amount=planned.value,
                    )
                )
    elif action == "refund":
        currency = view.amounts.currency
        try:
            preview = await preview_refund(caller, number, minor_units(given.amount, currency))
        except RefundTooHigh as too_high:  # the service's words count minor units
            most = Money(int(too_high.extra.get("refundable", 0)), currency)
            raise InvalidRequest(
                t("agent.case.refund_too_high", amount=most), field="amount"
            ) from None
        if preview.refund.amount:
            said.append(t("agent.case.confirm.refund", amount=preview.refund))
        if preview.credit.amount:
            said.append(t("agent.case.confirm.credit", amount=preview.credit))
    elif action == "close":
        said.append(t("agent.case.confirm.close", number=number))
    elif action == "reassign":
        team = {a.id: a for a in await agents.list_agents(caller)}
        target = team.get(given.agent_id)
        if target is None:
            raise InvalidRequest(f"there is no agent {given.agent_id}", field="agent_id")
        said.append(
            t(
                "agent.case.confirm.reassign",
                number=number,
                agent=target.display_name or target.name,
                reason=given.reason,
            )
        )
    return Confirmation(action, said)


async def perform(
    action: str, given: ActionInput, caller: Caller, number: str, currency: str, rt: Runtime
) -> None:
    """The action itself, by the same service call as the API's endpoint for it."""
    if action == "approve":
        await decisions.approve(caller, number, given.comment or None, rt)
    elif action == "reject":
        await decisions.reject(caller, number, given.reason, rt)
    elif action == "label":
        await labels.reissue(caller, number, rt)
    elif action == "ship":
        await exchanges.ship_now(caller, number, rt)
    elif action == "refund":
        await refunds.refund_case(caller, number, minor_units(given.amount, currency), rt)
    elif action == "close":
        await decisions.close(caller, number, rt)
    elif action == "reassign":
        await decisions.reassign(caller, number, given.agent_id, given.reason, rt)
