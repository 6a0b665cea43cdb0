"""Saves: the customer asked for a refund and agrees (on the phone, by email) to take store
credit or an exchange instead, and the concierge changes what items of the case get.

Allowed while no money moved for the item and its replacement has not left, and before the
inspection settles it. The same checks and arithmetic as opening the case: the policy's rules
decide fees and bonus credit again over the case's items as they now are
(`rules_applied.decide`), an exchange holds a unit of its replacement and prices the difference
(`opening._reserve_exchange_unit`), and an exchange given up puts its held unit back. Under
the case's lock, so two changes of one case at once happen one after the other. What the
customer first asked for stays in `case_item.requested_resolution` (the insights' saves)."""

from __future__ import annotations

from typing import Any

import msgspec

from returns_service.db import locks
from returns_service.db.engine import DB
from returns_service.db.tables import CaseItem, Payment, ReturnCase, Shipment
from returns_service.domain.access import Caller
from returns_service.domain.cases import CaseStatus, RequestedItem, Resolution
from returns_service.domain.emails import EmailTemplate
from returns_service.domain.errors import Conflict, InvalidRequest
from returns_service.domain.money import Money
from returns_service.domain.rules import CaseOutcome
from returns_service.services.cases import rules_applied, timeline
from returns_service.services.cases.opening import _reserve_exchange_unit, difference_amounts
from returns_service.services.cases.records import (
    LockedCase,
    actor_for,
    email_customer,
    lock_case,
)
from returns_service.services.cases.schemas import Decision, ResolutionChangeIn
from returns_service.services.money.refunds import fee_total
from returns_service.services.money.shown import AmountLine, shown_amounts
from returns_service.services.platform import jobs
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store.eligibility import EvaluatedOrder, evaluate_order

# before the inspection settles the items: afterwards money moves or the replacement ships
CHANGEABLE = frozenset(
    {CaseStatus.REQUESTED, CaseStatus.APPROVED, CaseStatus.IN_TRANSIT, CaseStatus.RECEIVED}
)


class ResolutionSettled(Conflict):
    code = "resolution-settled"
    title = "What this item gets can no longer change"


async def change_resolution(
    caller: Caller, number: str, request: ResolutionChangeIn, rt: Runtime
) -> None:
    """An agent owning the case (or a lead) changes what items of it get."""
    async with jobs.after_commit(rt), DB.transaction():
        case = await lock_case(caller, number)  # an agent reaches only their own cases
        if case.status not in CHANGEABLE:
            raise ResolutionSettled(
                f"a {case.status.value} case keeps what its items get: change it before "
                "the inspection is recorded"
            )
        items = await _items(case)
        by_line = {int(i["line"]): i for i in items}
        changes = _checked(request, by_line)
        for change in changes:
            await _nothing_moved(case, by_line[change.line_id])
        order = await evaluate_order(Caller.system(case.store_id), case.order_id, rt.clock)
        requested = _as_requested(items, changes)
        outcome = rules_applied.decide(order, requested)
        for n, change in enumerate(changes):
            await _apply(case, order, by_line[change.line_id], requested[n], n, outcome)
        # a settled item keeps the fees and bonus it was paid with
        unsettled = [int(i["line"]) for i in items if not i["settled"]]
        await _keep_rules(case.id, outcome, unsettled)
        actor = await actor_for(caller)
        for change in changes:
            item = by_line[change.line_id]
            line = order.line(change.line_id)
            assert line is not None  # an item's line is on its order
            await timeline.record(
                store_id=case.store_id,
                case_id=case.id,
                actor=actor,
                kind="resolution_changed",
                params={
                    "line": line.view.title,
                    "sku": line.view.sku,
                    "from": item["resolution"],
                    "to": change.resolution.value,
                },
                detail=request.comment or "",
                at=rt.clock.now(),
            )
        await email_customer(
            case, EmailTemplate.RESOLUTION_CHANGED, rt, amounts=await _amounts(case.id)
        )


async def _items(case: LockedCase) -> list[dict[str, Any]]:
    return await (
        CaseItem.select(
            CaseItem.id,
            CaseItem.line,
            CaseItem.quantity,
            CaseItem.reason,
            CaseItem.resolution,
            CaseItem.exchange_sku,
            CaseItem.exchange_reserved,
            CaseItem.settled,
        )
        .where(CaseItem.case == case.id)
        .order_by(CaseItem.id)
    )


def _checked(
    request: ResolutionChangeIn, by_line: dict[int, dict[str, Any]]
) -> list[RequestedItem]:
    """The changes as the items they make (quantity and reason stay), refused as a whole when
    one is wrong."""
    seen: set[int] = set()
    changes = []
    for n, change in enumerate(request.items):
        field = f"items[{n}]"
        item = by_line.get(change.line_id)
        if item is None:
            raise InvalidRequest(
                f"line {change.line_id} is not returned in this case", field=f"{field}.line_id"
            )
        if change.line_id in seen:
            raise InvalidRequest("a line is changed once a request", field=f"{field}.line_id")
        seen.add(change.line_id)
        exchange = change.resolution is Resolution.EXCHANGE
        if exchange and not change.exchange_sku:
            raise InvalidRequest("an exchange names its replacement", field=f"{field}.exchange_sku")
        if not exchange and change.exchange_sku:
            raise InvalidRequest(
                "only an exchange names a replacement", field=f"{field}.exchange_sku"
            )
        if change.resolution.value == item["resolution"] and (
            not exchange or change.exchange_sku == item["exchange_sku"]
        ):
            raise InvalidRequest(
                f"the item already gets {item['resolution']}", field=f"{field}.resolution"
            )
        changes.append(
            RequestedItem(
                line_id=change.line_id,
                quantity=int(item["quantity"]),
                reason=str(item["reason"]),
                resolution=change.resolution,
                exchange_sku=change.exchange_sku,
            )
        )
    return changes


async def _nothing_moved(case: LockedCase, item: dict[str, Any]) -> None:
    """No money went to (or came from) the customer for the item, and no replacement left:
    changing it then would pay twice or let the customer keep both."""
    moved = (
        item["settled"]
        or await Payment.exists().where(
            (Payment.case == case.id)
            & (Payment.status != "failed")  # an unknown outcome may have moved
            & (
                (Payment.line == item["line"])
                | Payment.idempotency_key.is_in(
                    [
                        f"difference:{case.store_id}:{item['id']}",
                        f"bonus:{case.store_id}:{case.id}:{item['id']}",
                    ]
                )
            )
        )
        or await Shipment.exists().where(Shipment.item == item["id"])
    )
    if moved:
        raise ResolutionSettled(
            f"money has already moved for line {item['line']}, or its replacement left"
        )


def _as_requested(items: list[dict[str, Any]], changes: list[RequestedItem]) -> list[RequestedItem]:
    """Every item of the case as it will be: the changed ones first, in the request's order
    (so a refusal names the request's `items[n]`), then the others as they are."""
    changed = {c.line_id for c in changes}
    unchanged = [
        RequestedItem(
            line_id=int(i["line"]),
            quantity=int(i["quantity"]),
            reason=str(i["reason"]),
            resolution=Resolution(i["resolution"]),
            exchange_sku=i["exchange_sku"],
        )
        for i in items
        if int(i["line"]) not in changed
    ]
    return [*changes, *unchanged]


async def _apply(
    case: LockedCase,
    order: EvaluatedOrder,
    item: dict[str, Any],
    change: RequestedItem,
    n: int,
    outcome: CaseOutcome,
) -> None:
    """One item's new resolution: its held replacement unit released, a new one held."""
    if item["exchange_reserved"] and item["exchange_sku"]:
        await locks.put_back_stock(case.store_id, item["exchange_sku"], int(item["quantity"]))
    reserved, difference = False, 0
    if change.resolution is Resolution.EXCHANGE:
        line = order.line(change.line_id)
        assert line is not None  # an item's line is on its order
        difference = await _reserve_exchange_unit(case.store_id, line, change, n, order.policy)
        reserved = True
        # as opening it: a fee a rule takes from an exchange is paid with the difference
        difference += outcome.lines[change.line_id].fee_total
    await CaseItem.update(
        {
            CaseItem.resolution: change.resolution.value,
            CaseItem.exchange_sku: change.exchange_sku,
            CaseItem.exchange_reserved: reserved,
            CaseItem.price_difference: difference,
        }
    ).where(CaseItem.id == item["id"])


async def _keep_rules(case_id: int, outcome: CaseOutcome, line_ids: list[int]) -> None:
    """Every item's fees and bonus credit as the rules now decide them, and the rules kept on
    the case. What the first decision sent to a person, kept or shipped ahead stays as it
    was: the case is past that point."""
    for line_id in line_ids:
        fees = rules_applied.item_fees(outcome, line_id)
        await CaseItem.update(
            {
                CaseItem.fees: msgspec.json.encode(
                    [{"kind": k, "amount": a} for k, a in fees]
                ).decode(),
                CaseItem.bonus_amount: outcome.lines[line_id].bonus,
            }
        ).where((CaseItem.case == case_id) & (CaseItem.line == line_id))
    before = await rules_applied.decision_of(case_id)
    decision = Decision(outcome.rules, before.review, before.keep_it, before.advance_exchange)
    await ReturnCase.update({ReturnCase.decision: msgspec.json.encode(decision).decode()}).where(
        ReturnCase.id == case_id
    )


async def _amounts(case_id: int) -> tuple[tuple[str, Money], ...]:
    """What the customer's email states: the refund and credit the case now comes to, then
    the price difference, fees and bonus as every email of the case states them."""
    rows = await CaseItem.select(
        CaseItem.line,
        CaseItem.resolution,
        CaseItem.unit_price_amount,
        CaseItem.quantity,
        CaseItem.price_difference,
        CaseItem.currency,
        CaseItem.fees,
        CaseItem.bonus_amount,
    ).where(CaseItem.case == case_id)
    currency = rows[0]["currency"]
    shown = shown_amounts(
        currency,
        [
            AmountLine(
                r["line"],
                r["resolution"],
                Money(r["unit_price_amount"], currency),
                r["quantity"],
                r["price_difference"],
                (("fees", fee_total(r["fees"])),),
                r["bonus_amount"],
            )
            for r in rows
        ],
    )
    totals = (("refund", shown.refund_total), ("store_credit", shown.credit_total))
    return (*((k, v) for k, v in totals if v.amount), *await difference_amounts(case_id))
