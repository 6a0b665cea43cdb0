"""Who is calling: the roles of API.md and what a caller is scoped to."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CUSTOMER = "customer"
    AGENT = "agent"
    LEAD = "lead"
    WAREHOUSE = "warehouse"
    ADMIN = "admin"


STAFF_TOKEN_ROLES = frozenset({Role.ADMIN, Role.AGENT, Role.LEAD, Role.WAREHOUSE})


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated caller. Every read is scoped by `store_id`; customers further by
    their customer (and the order they signed in with), agents by the cases they own."""

    role: Role
    store_id: int
    token_id: int | None = None
    agent_id: int | None = None
    station_id: int | None = None
    customer_id: int | None = None
    order_id: int | None = None

    def is_staff(self) -> bool:
        return self.role is not Role.CUSTOMER
