"""A case as the use cases hold it: locked for the transaction, with what its emails and
timeline need; and the small steps several use cases share."""

from __future__ import annotations

from dataclasses import dataclass

from returns_service.db import locks, sql
from returns_service.db.tables import Agent, CaseItem, Customer
from returns_service.domain.access import Caller, Role
from returns_service.domain.cases import SYSTEM, Actor, CaseStatus
from returns_service.domain.emails import EmailTemplate
from returns_service.domain.errors import NotFound
from returns_service.services.platform.outbox import enqueue_email
from returns_service.services.platform.runtime import Runtime


@dataclass(slots=True)
class LockedCase:
    """A case locked for this transaction, with what its emails need."""

    id: int
    store_id: int
    number: str
    status: CaseStatus
    agent_id: int | None
    agent_name: str | None
    customer_id: int
    order_id: int
    customer_email: str
    first_name: str
    language: str
    outside_policy: bool
    store_name: str


async def lock_case(caller: Caller, number: str) -> LockedCase:
    """Lock a case the caller may read; anything else is the same 404."""
    # Lock first, read after, in two statements: a statement that waited for the lock sees
    # the case's new row but the other tables as they were before it waited (the agent's
    # name of a case just assigned would be missing).
    case_id = await locks.lock_case(caller, number)
    if case_id is None:
        raise NotFound(f"there is no case {number}")
    row = await sql.fetchrow(
        """
        SELECT c.id, c.store, c.number, c.status, c.agent, c.customer, c."order", c.language,
               c.outside_policy, COALESCE(NULLIF(a.display_name, ''), a.name) AS agent_name,
               cu.email, cu.first_name, s.name AS store_name
          FROM return_case c
          JOIN customer cu ON cu.id = c.customer
          JOIN store s ON s.id = c.store
          LEFT JOIN agent a ON a.id = c.agent
         WHERE c.id = $1
        """,
        case_id,
    )
    assert row is not None  # locked in this transaction: it cannot have gone
    return LockedCase(
        id=row["id"],
        store_id=row["store"],
        number=row["number"],
        status=CaseStatus(row["status"]),
        agent_id=row["agent"],
        agent_name=row["agent_name"],
        customer_id=row["customer"],
        order_id=row["order"],
        customer_email=row["email"],
        first_name=row["first_name"],
        language=row["language"],
        outside_policy=row["outside_policy"],
        store_name=row["store_name"],
    )


async def email_customer(
    case: LockedCase, template: EmailTemplate, rt: Runtime, **fields: str
) -> None:
    await enqueue_email(
        store_id=case.store_id,
        case_id=case.id,
        template=template,
        recipient=case.customer_email,
        language=case.language,
        clock=rt.clock,
        first_name=case.first_name,
        case_number=case.number,
        agent=case.agent_name or f"The {case.store_name} team",
        store=case.store_name,
        link=rt.case_link(case.number),
        **fields,
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
