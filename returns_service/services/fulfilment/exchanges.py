"""Replacements for exchanges, and advance exchanges: the new size may leave before the
original is back (on request, on the first carrier scan, or only on receipt: the policy's
choice), as long as the customer's open advance exposure stays within the policy's limit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from returns_service.db import locks
from returns_service.db.engine import DB
from returns_service.db.tables import CaseItem, Shipment
from returns_service.domain.access import Caller
from returns_service.domain.cases import Actor, CaseStatus
from returns_service.domain.emails import EmailTemplate, Message
from returns_service.domain.errors import Conflict
from returns_service.domain.exchanges import exposure_allows, ships_now
from returns_service.domain.money import Money
from returns_service.domain.policy import ReturnPolicy
from returns_service.domain.tracking import OUTBOUND_PREFIX, new_tracking_number
from returns_service.services.cases import timeline
from returns_service.services.cases.records import LockedCase, actor_for, email_customer, lock_case
from returns_service.services.cases.rules_applied import decision_of
from returns_service.services.fulfilment import queries
from returns_service.services.money import differences, refunds
from returns_service.services.money.settlement import resolve_if_settled
from returns_service.services.platform import jobs
from returns_service.services.platform.runtime import Runtime
from returns_service.services.shop import writeback
from returns_service.services.store.policy import get_policy
from returns_service.services.store.stores import get_store

# Statuses in which the original has not reached the warehouse yet: a shipment is "advance".
BEFORE_RECEIPT = frozenset({CaseStatus.REQUESTED, CaseStatus.APPROVED, CaseStatus.IN_TRANSIT})
SHIPPABLE = frozenset(
    {CaseStatus.APPROVED, CaseStatus.IN_TRANSIT, CaseStatus.RECEIVED, CaseStatus.INSPECTED}
)


async def open_exposure(store_id: int, customer_id: int) -> int:
    """Value of advance replacements out whose originals have not arrived (and not charged)."""
    return await queries.open_exposure(store_id, customer_id)


@dataclass(frozen=True, slots=True)
class ShipOutcome:
    shipped: int
    held: list[str]  # why a replacement could not leave (for the agent)


async def on_event(
    case: LockedCase, event: str, policy: ReturnPolicy, rt: Runtime, actor: Actor
) -> ShipOutcome:
    """Ship waiting replacements if the policy's advance mode says this event (`approved`,
    `in_transit`) is the moment; a policy rule may have chosen another mode for this case."""
    mode = (await decision_of(case.id)).advance_exchange or policy.advance_exchange
    if not ships_now(mode, event):
        return ShipOutcome(0, [])
    return await ship_waiting(case, policy, rt, actor, reason=f"policy {mode}")


async def ship_now(caller: Caller, number: str, rt: Runtime) -> None:
    """An agent ships the replacement now (an advance exchange if the original is not back)."""
    async with jobs.after_commit(rt), DB.transaction():
        case = await lock_case(caller, number)
        if case.status not in SHIPPABLE:
            raise Conflict(f"a {case.status.value} case ships no replacement")
        policy = await get_policy(case.store_id)
        outcome = await ship_waiting(
            case, policy, rt, await actor_for(caller), reason="shipped by the agent"
        )
        if not outcome.shipped:
            raise Conflict(
                "; ".join(outcome.held) or "no replacement is waiting to ship on this case"
            )
        await resolve_if_settled(case, rt, await actor_for(caller))


async def ship_waiting(
    case: LockedCase,
    policy: ReturnPolicy,
    rt: Runtime,
    actor: Actor,
    *,
    reason: str,
    only_items: list[int] | None = None,
) -> ShipOutcome:
    """Ship the exchange items of a locked case that have no replacement yet (all of them,
    or `only_items`). What cannot ship is recorded for the agent and returned in `held`."""
    items = await queries.unshipped_exchange_items(case.id)
    if only_items is not None:
        items = [i for i in items if i["id"] in only_items]
    shipped = 0
    held: list[str] = []
    now = rt.clock.now()
    advance = case.status in BEFORE_RECEIPT
    for item in items:
        value = Money(int(item["price_amount"] or 0) * item["quantity"], item["currency"] or "USD")
        if advance:
            # one customer's advance shipments are decided one at a time
            await locks.lock_customer(case.customer_id)
            unreturned = await queries.unreturned_advance(case.customer_id, case.id)
            if unreturned is not None:
                # an original that never came back: no more advance shipments (issue 14)
                why = (
                    f"no advance exchange: the original of the advance replacement on "
                    f"{unreturned} never came back; it ships on receipt"
                )
                held.append(why)
                await timeline.record(
                    store_id=case.store_id,
                    case_id=case.id,
                    actor=actor,
                    kind="advance_refused",
                    params={"case_number": unreturned},
                    detail=why,
                    at=now,
                    customer_visible=False,
                )
                continue
            limit = policy.advance_exchange_max_open
            exposure = await open_exposure(case.store_id, case.customer_id)
            if value.currency != limit.currency or not exposure_allows(
                exposure, value.amount, limit.amount
            ):
                why = (
                    f"advance exchange held: open exposure {exposure} + {value.amount} "
                    f"{value.currency} would exceed the limit of {limit.amount} "
                    f"{limit.currency}; it ships on receipt"
                )
                held.append(why)
                await timeline.record(
                    store_id=case.store_id,
                    case_id=case.id,
                    actor=actor,
                    kind="exchange_waits",
                    detail=why,
                    at=now,
                )
                continue
        if not item["exchange_reserved"]:
            # the unit was released (or never held): take it now, or tell the agent
            if not await locks.take_stock(case.store_id, item["exchange_sku"], item["quantity"]):
                held.append(f"{item['exchange_sku']} is out of stock")
                await timeline.record(
                    store_id=case.store_id,
                    case_id=case.id,
                    actor=actor,
                    kind="exchange_out_of_stock",
                    detail=f"{item['exchange_sku']} out of stock: offer another size or a refund",
                    at=now,
                    customer_visible=True,
                )
                continue
        if item["price_difference"] > 0 and not await differences.charge(
            case,
            item["id"],
            Money(item["price_difference"], item["paid_currency"]),
            item["exchange_sku"],
            rt,
            actor,
        ):
            # the unit taken above stays held for this item until the charge goes through
            await CaseItem.update({CaseItem.exchange_reserved: True}).where(
                CaseItem.id == item["id"]
            )
            why = f"{item['exchange_sku']} waits: the price difference could not be charged"
            held.append(why)
            await timeline.record(
                store_id=case.store_id,
                case_id=case.id,
                actor=actor,
                kind="exchange_waits",
                detail=why,
                at=now,
            )
            continue
        tracking = new_tracking_number(OUTBOUND_PREFIX)
        deadline = None
        if advance:
            tz = (await get_store(case.store_id)).tz
            deadline = (
                now.astimezone(tz) + timedelta(days=policy.advance_exchange_return_days)
            ).date()
        shipped_rows = await Shipment.insert(
            Shipment(
                store=case.store_id,
                case=case.id,
                item=item["id"],
                customer=case.customer_id,
                sku=item["exchange_sku"],
                quantity=item["quantity"],
                value_amount=value.amount,
                currency=value.currency,
                tracking_number=tracking,
                advance=advance,
                shipped_at=now,
                return_deadline=deadline,
            )
        )
        await CaseItem.update({CaseItem.exchange_reserved: False, CaseItem.settled: True}).where(
            CaseItem.id == item["id"]
        )
        if item["bonus_amount"]:  # a policy rule's bonus for choosing the exchange
            bonus = Money(int(item["bonus_amount"]), item["paid_currency"])
            await refunds.credit_bonus(case, item["id"], bonus, rt)
        await writeback.on_replacement(  # the replacement as the shop's order, after commit
            case, shipped_rows[0]["id"], item["exchange_sku"], item["quantity"], rt
        )
        extra = (
            Message("email.send_original_by", {"date": deadline})
            if deadline
            else Message("email.original_thanks")
        )
        await timeline.record(
            store_id=case.store_id,
            case_id=case.id,
            actor=actor,
            kind="replacement_shipped",
            params={"sku": item["exchange_sku"], "tracking": tracking, "return_by": deadline},
            detail=f"{'advance' if advance else 'after receipt'}; {reason}",
            at=now,
        )
        await email_customer(
            case,
            EmailTemplate.REPLACEMENT_SHIPPED,
            rt,
            detail=Message(
                "email.replacement_detail", {"sku": item["exchange_sku"], "tracking": tracking}
            ),
            extra=extra,
        )
        shipped += 1
    return ShipOutcome(shipped, held)
