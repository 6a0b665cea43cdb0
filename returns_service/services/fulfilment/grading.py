"""Grading a received parcel: the checks an inspection must pass, and the plan of what it
settles (domain/inspection.py decides per item; refunds.plan_money_items says how much). The
inspection (warehouse.inspect) carries the plan out; the preview only shows it, so the
station shows exactly what recording will do."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from returns_service.db.engine import DB
from returns_service.db.tables import CaseItem, OrderLine, Variant
from returns_service.domain.access import Caller
from returns_service.domain.cases import CaseStatus, check_transition
from returns_service.domain.errors import InvalidRequest
from returns_service.domain.inspection import Effect, effect_of
from returns_service.domain.money import Money
from returns_service.services.cases.records import LockedCase, lock_case
from returns_service.services.fulfilment.schemas import (
    InspectedItem,
    Inspection,
    InspectionEffect,
    InspectionPreview,
)
from returns_service.services.money import refunds
from returns_service.translation import Translator

# The station speaks English (its pages are not translated); the API gives the same sentence.
_EN = Translator("en")


@dataclass(frozen=True, slots=True)
class Planned:
    graded: InspectedItem
    item_id: int
    effect: Effect
    amount: Money | None  # refund or store credit
    exchange_sku: str | None  # the replacement released
    resolution: str  # what the customer asked for: refund | store_credit | exchange


async def graded_items(case: LockedCase, inspection: Inspection) -> dict[int, Mapping[str, Any]]:
    """The case's items by line, once every one is graded exactly once, whole; the case must
    be received (nothing is graded before the parcel is in)."""
    number = case.number
    rows = await CaseItem.select().where(CaseItem.case == case.id)
    items: dict[int, Mapping[str, Any]] = {int(r["line"]): r for r in rows}
    seen: set[int] = set()
    for n, graded in enumerate(inspection.items):
        item = items.get(graded.line_id)
        if item is None:
            raise InvalidRequest(
                f"line {graded.line_id} is not part of {number}", field=f"items[{n}].line_id"
            )
        if graded.line_id in seen:
            raise InvalidRequest("each line is graded once", field=f"items[{n}].line_id")
        seen.add(graded.line_id)
        if graded.quantity != item["quantity"]:
            # what settles is the whole item: a unit that did not come is graded "missing"
            # (the whole item then goes to the concierge, who may refund in part)
            raise InvalidRequest(
                f"{number} expects {item['quantity']} of line {graded.line_id}: grade them "
                "all (as missing if they did not arrive)",
                field=f"items[{n}].quantity",
            )
    if missing := sorted(set(items) - seen):
        raise InvalidRequest(
            f"grade every item of {number}; missing lines: {', '.join(map(str, missing))}",
            field="items",
        )
    check_transition(case.status, CaseStatus.INSPECTED)  # e.g. not received yet
    return items


async def plan(
    case: LockedCase, items: Mapping[int, Mapping[str, Any]], inspection: Inspection
) -> list[Planned]:
    """What recording `inspection` settles, item by item, in the order it was graded."""
    effects = {
        g.line_id: effect_of(
            g.condition, str(items[g.line_id]["resolution"]), bool(items[g.line_id]["settled"])
        )
        for g in inspection.items
    }
    money_items = [
        int(items[line]["id"])
        for line, effect in effects.items()
        if effect in (Effect.REFUND, Effect.STORE_CREDIT)
    ]
    amounts: dict[int, Money] = {}
    if money_items:
        money = await refunds.plan_money_items(case, only_items=money_items)
        amounts = {line: Money(part, money.currency) for line, part in money.parts}
    return [
        Planned(
            graded=g,
            item_id=int(items[g.line_id]["id"]),
            resolution=str(items[g.line_id]["resolution"]),
            effect=effects[g.line_id],
            amount=amounts.get(g.line_id, _zero(items[g.line_id]))
            if effects[g.line_id] in (Effect.REFUND, Effect.STORE_CREDIT)
            else None,
            exchange_sku=items[g.line_id]["exchange_sku"]
            if effects[g.line_id] is Effect.REPLACEMENT
            else None,
        )
        for g in inspection.items
    ]


def _zero(item: Mapping[str, Any]) -> Money:
    return Money(0, str(item["currency"]))


def _sentence(planned: Planned) -> str:
    if planned.effect is Effect.REFUND and planned.amount:
        return f"refunds {_EN.money(planned.amount)} now"
    if planned.effect is Effect.STORE_CREDIT and planned.amount:
        return f"gives {_EN.money(planned.amount)} of store credit now"
    if planned.effect is Effect.REPLACEMENT:
        return f"ships the replacement {planned.exchange_sku} now"
    if planned.effect is Effect.CONCIERGE:
        return "goes to the concierge to decide (no money moves now)"
    return "nothing more: already settled"


async def preview(caller: Caller, number: str, inspection: Inspection) -> InspectionPreview:
    """What `warehouse.inspect` would do with this inspection now; changes nothing. It takes
    the same locks as the inspection so it reads what the inspection would read."""
    async with DB.transaction():
        case = await lock_case(caller, number)
        items = await graded_items(case, inspection)
        planned = await plan(case, items, inspection)
        skus = await _skus(case.store_id, [p.graded.line_id for p in planned])
    effects = [
        InspectionEffect(
            line_id=p.graded.line_id,
            sku=skus[p.graded.line_id][0],
            title=skus[p.graded.line_id][1],
            quantity=p.graded.quantity,
            condition=p.graded.condition,
            disposition=p.graded.disposition,
            effect=p.effect.value,
            amount=p.amount,
            exchange_sku=p.exchange_sku,
            text=_sentence(p),
        )
        for p in planned
    ]
    return InspectionPreview(number=number, effects=effects)


async def _skus(store_id: int, line_ids: list[int]) -> dict[int, tuple[str, str]]:
    """Each line's SKU and the product title the customer bought (the SKU when gone)."""
    rows = await OrderLine.select(OrderLine.id, OrderLine.sku).where(OrderLine.id.is_in(line_ids))
    skus = {int(r["id"]): str(r["sku"]) for r in rows}
    titles = {
        str(r["sku"]): str(r["product.title"])
        for r in await Variant.select(Variant.sku, Variant.product.title).where(
            (Variant.store == store_id) & Variant.sku.is_in(list(skus.values()) or [""])
        )
    }
    return {line: (sku, titles.get(sku) or sku) for line, sku in skus.items()}
