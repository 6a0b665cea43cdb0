"""A customer's returns for a helpdesk's sidebar (Gorgias, Zendesk, Front): asked by the
email of a ticket's requester, answered with who they are to the store and their newest
cases, each linking to the agents' console. docs/helpdesk.md shows each helpdesk's setup."""

from __future__ import annotations

import msgspec

from returns_service.clock import Clock
from returns_service.domain.access import Caller
from returns_service.domain.cases import CaseStatus, first_response_overdue
from returns_service.domain.money import Money
from returns_service.domain.orders import normalize_email
from returns_service.domain.tracking import public_tracking_url
from returns_service.services.cases import queries
from returns_service.services.cases.schemas import (
    HelpdeskCase,
    HelpdeskCustomer,
    HelpdeskItem,
    HelpdeskLabel,
    HelpdeskView,
)
from returns_service.services.cases.views import agent_ref
from returns_service.translation import Translator

CASES_SHOWN = 20  # a sidebar is narrow: the newest ones, with the count of all

_Items = list[HelpdeskItem]


async def customer_cases(caller: Caller, email: str, clock: Clock, public_url: str) -> HelpdeskView:
    """The customer with this email and their newest cases the caller may read (an agent:
    the cases they own). An unknown email is an empty answer, not an error: a helpdesk asks
    about every ticket's sender, most of whom never returned anything."""
    customer = await queries.customer_by_email(caller.store_id, normalize_email(email))
    if customer is None:
        return HelpdeskView(customer=None, cases=[])
    now = clock.now()
    english = Translator("en")
    rows = await queries.helpdesk_cases(caller, customer["id"], CASES_SHOWN)
    totals = await queries.customer_order_totals(caller.store_id, customer["id"])
    values = [Money(int(t["total"]), t["currency"]) for t in totals]
    cases = []
    for r in rows:
        status = CaseStatus(r["status"])
        label = msgspec.json.decode(r["label"]) if r["label"] else None
        refunded = msgspec.json.decode(r["refunded"]) if r["refunded"] else None
        cases.append(
            HelpdeskCase(
                number=r["number"],
                status=status,
                status_text=english(f"status.{status.value}"),
                order_number=r["order_number"],
                created_at=r["created_at"],
                items=msgspec.json.decode(r["items"] or "[]", type=_Items),
                label=HelpdeskLabel(label[0], label[1], public_tracking_url(label[0], label[1]))
                if label
                else None,
                refund_total=Money(int(refunded[1]), refunded[0]) if refunded else None,
                agent=agent_ref(r),
                first_response_due_at=r["first_response_due_at"],
                overdue=first_response_overdue(
                    status, r["first_response_due_at"], r["first_responded_at"], now
                ),
                console_url=f"{public_url.rstrip('/')}/agent/cases/{r['number']}",
            )
        )
    return HelpdeskView(
        customer=HelpdeskCustomer(
            email=customer["email"],
            name=f"{customer['first_name']} {customer['last_name']}".strip(),
            language=customer["language"],
            orders_count=sum(int(t["orders"]) for t in totals),
            cases_count=int(rows[0]["total"]) if rows else 0,
            lifetime_value=values[0] if values else Money(0, "USD"),
            lifetime_values=values,
        ),
        cases=cases,
    )
