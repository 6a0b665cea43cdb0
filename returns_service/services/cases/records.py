"""A case as the use cases hold it: locked for the transaction, with what its emails and
timeline need; and the small steps several use cases share."""

from __future__ import annotations

from typing import cast

from returns_service.db import locks
from returns_service.db.tables import Agent, CaseItem, Customer, Payment, Shipment
from returns_service.domain.access import Caller, Role
from returns_service.domain.cases import SYSTEM, Actor
from returns_service.domain.emails import (
    EmailItem,
    EmailTemplate,
    Facts,
    Message,
    ProviderLabelFacts,
)
from returns_service.domain.errors import NotFound
from returns_service.domain.money import Money
from returns_service.emails.html import Brand
from returns_service.services.cases import queries
from returns_service.services.cases.queries import LockedCase
from returns_service.services.platform.links import case_link
from returns_service.services.platform.outbox import enqueue_email
from returns_service.services.platform.runtime import Runtime

__all__ = [
    "LockedCase",
    "actor_for",
    "email_customer",
    "lock_case",
    "money_moved",
    "release_reservations",
]


async def lock_case(caller: Caller, number: str) -> LockedCase:
    """Lock a case the caller may read; anything else is the same 404."""
    # Lock first, read after, in two statements: a statement that waited for the lock sees
    # the case's new row but the other tables as they were before it waited (the agent's
    # name of a case just assigned would be missing).
    case_id = await locks.lock_case(caller, number)
    if case_id is None:
        raise NotFound(f"there is no case {number}")
    return await queries.locked_case(case_id)


async def email_customer(
    case: LockedCase,
    template: EmailTemplate,
    rt: Runtime,
    **fields: object,
) -> None:
    """Queue a branded email to the case's customer. The field `amounts` is the money it is
    about: (("refund" | "store_credit" | "charge", Money), ...)."""
    amounts = cast(tuple[tuple[str, Money], ...], fields.pop("amounts", ()))
    await enqueue_email(
        store_id=case.store_id,
        case_id=case.id,
        template=template,
        recipient=case.customer_email,
        language=case.language,
        clock=rt.clock,
        brand=Brand(case.store_name, rt.brand_colour, rt.brand_logo_url),
        facts=await email_facts(case, rt, amounts),
        first_name=case.first_name,
        case_number=case.number,
        agent=case.agent_name or Message("email.team", {"store": case.store_name}),
        store=case.store_name,
        link=case_link(case.store_id, case.number, rt),
        **fields,
    )


async def email_facts(
    case: LockedCase, rt: Runtime, amounts: tuple[tuple[str, Money], ...] = ()
) -> Facts:
    """The items, the label to print and the date an advance exchange's original is due."""
    facts = await queries.email_facts(case.id)
    return Facts(
        items=tuple(
            EmailItem(title, variant, quantity) for title, variant, quantity in facts.items
        ),
        amounts=amounts,
        label_url=(
            f"{rt.public_url}/portal/returns/{case.number}/label.pdf" if facts.has_label else ""
        ),
        deadline=facts.deadline,
        provider_label=(
            ProviderLabelFacts(
                *facts.provider_label[:3],
                qr_code_url=(
                    f"{rt.public_url}/portal/returns/{case.number}/label-qr.png"
                    if facts.provider_label[3]
                    else ""
                ),
            )
            if facts.provider_label
            else None
        ),
    )


async def actor_for(caller: Caller) -> Actor:
    """The caller as the timeline names them."""
    if caller.role is Role.SYSTEM:
        return SYSTEM
    if caller.role is Role.CUSTOMER:
        row = await Customer.select(Customer.first_name).where(Customer.id == caller.customer_id)
        return Actor("customer", caller.customer_id, row[0]["first_name"] if row else "customer")
    if caller.agent_id is not None:
        agent = await (
            Agent.select(Agent.name, Agent.display_name).where(Agent.id == caller.agent_id).first()
        )
        name = (agent["display_name"] or agent["name"]) if agent else "agent"
        return Actor("agent", caller.agent_id, name)
    if caller.role is Role.WAREHOUSE:
        return Actor("warehouse", caller.station_id, "warehouse")
    return Actor("agent", None, caller.role.value)


async def release_reservations(case_id: int) -> None:
    """Put units held for exchanges back on the shelf (the case ended before shipping)."""
    items = await CaseItem.select(
        CaseItem.id, CaseItem.store, CaseItem.exchange_sku, CaseItem.quantity
    ).where(
        (CaseItem.case == case_id) & (CaseItem.exchange_reserved == True)  # noqa: E712
    )
    for item in items:
        await locks.put_back_stock(item["store"], item["exchange_sku"], item["quantity"])
        await CaseItem.update({CaseItem.exchange_reserved: False}).where(CaseItem.id == item["id"])


async def money_moved(case_id: int) -> str | None:
    """Why the case can no longer be undone, or None: money went to (or came from) the
    customer, or a replacement left. Ending such a case would let the customer keep both."""
    if await Shipment.exists().where(Shipment.case == case_id):
        return "the replacement has already been sent"
    if await Payment.exists().where((Payment.case == case_id) & (Payment.status != "failed")):
        return "money has already been refunded, credited or charged"
    return None
