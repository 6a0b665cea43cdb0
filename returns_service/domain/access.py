"""Who is calling: the roles of API.md, and what a caller may read (its scope)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated

import msgspec

from returns_service.domain.text import ONE_LINE


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    LEAD = "lead"
    WAREHOUSE = "warehouse"
    ADMIN = "admin"
    # A helpdesk's sidebar (Gorgias, Zendesk, Front) reading a customer's cases beside a
    # ticket: it reads the store's cases and is admitted by that one route only
    HELPDESK = "helpdesk"
    # The service acting on its own (the worker's jobs, a carrier's webhook, handing cases
    # over): it reads the whole store. Never issued: no token or session carries it (tokens
    # are made only for STAFF_TOKEN_ROLES, which the api_token table also checks, and a
    # portal session is always a customer's).
    SYSTEM = "system"


# An agent's name and display name: customers read them in emails, one line each
StaffName = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=ONE_LINE)]

STAFF_TOKEN_ROLES = frozenset({Role.ADMIN, Role.AGENT, Role.LEAD, Role.WAREHOUSE, Role.HELPDESK})

# No row has this id: a scope narrowed to it reads nothing.
NOBODY = -1


@dataclass(frozen=True, slots=True)
class Scope:
    """What a caller may read, as values the rows must carry: always their store's rows;
    with `customer_id`, only that customer's (their record, orders, cases and what hangs off
    them, the events meant for them); with `case_agent_id`, only the cases that agent owns and
    what hangs off those (other tables stay readable store-wide). `db/scope.py` turns this
    into the conditions of both the query builder and plain SQL."""

    store_id: int
    customer_id: int | None = None
    case_agent_id: int | None = None


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated caller, or the service itself (`Caller.system`). Every read is scoped
    by `store_id`; customers further by their customer (and the order they signed in with),
    agents by the cases they own."""

    role: Role
    store_id: int
    token_id: int | None = None
    agent_id: int | None = None
    station_id: int | None = None
    customer_id: int | None = None
    order_id: int | None = None

    @classmethod
    def system(cls, store_id: int) -> Caller:
        """The service acting for the whole store (see Role.SYSTEM)."""
        return cls(Role.SYSTEM, store_id)

    def is_staff(self) -> bool:
        return self.role is not Role.CUSTOMER

    def scope(self) -> Scope:
        if self.role is Role.CUSTOMER:
            # a session without a customer reads nothing
            customer = self.customer_id if self.customer_id is not None else NOBODY
            return Scope(self.store_id, customer_id=customer)
        if self.role is Role.AGENT:
            # an agent (not a lead) reads the cases they own; a bare agent-role token owns none
            # ("agent IS NULL" would mean the waiting cases)
            agent = self.agent_id if self.agent_id is not None else NOBODY
            return Scope(self.store_id, case_agent_id=agent)
        return Scope(self.store_id)  # leads, the warehouse, admins and the system: the store
