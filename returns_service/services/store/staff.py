"""The people and devices that work returns: agents (with a token each) and warehouse stations."""

from __future__ import annotations

import asyncpg

from returns_service.clock import Clock
from returns_service.db.engine import DB
from returns_service.db.tables import Agent, Station
from returns_service.domain.access import Caller, Role
from returns_service.domain.errors import Conflict
from returns_service.domain.orders import normalize_email
from returns_service.services.platform.auth import create_staff_token
from returns_service.services.store.schemas import CreatedWithToken, NewAgent, NewStation


async def create_agent(caller: Caller, new: NewAgent, clock: Clock) -> CreatedWithToken:
    """An agent or lead, and the bearer token they will use (returned this once)."""
    try:
        async with DB.transaction():
            rows = await Agent.insert(
                Agent(
                    store=caller.store_id,
                    name=new.name,
                    display_name=(new.display_name or new.name).strip(),
                    email=normalize_email(new.email),
                    role=new.role,
                    languages=list(dict.fromkeys(new.languages)),
                    capacity=new.capacity,
                    available=True,
                    created_at=clock.now(),
                )
            ).run()
            agent_id = rows[0]["id"]
            token = await create_staff_token(
                caller.store_id, Role(new.role), clock, name=new.name, agent_id=agent_id
            )
    except asyncpg.UniqueViolationError as error:
        raise Conflict(f"an agent with the email {new.email} already exists") from error
    return CreatedWithToken(id=agent_id, token=token.token)


async def create_station(caller: Caller, new: NewStation, clock: Clock) -> CreatedWithToken:
    """A warehouse scan station, and its `warehouse` token (returned this once)."""
    try:
        async with DB.transaction():
            rows = await Station.insert(
                Station(store=caller.store_id, name=new.name, created_at=clock.now())
            ).run()
            station_id = rows[0]["id"]
            token = await create_staff_token(
                caller.store_id, Role.WAREHOUSE, clock, name=new.name, station_id=station_id
            )
    except asyncpg.UniqueViolationError as error:
        raise Conflict(f"a station named {new.name!r} already exists") from error
    return CreatedWithToken(id=station_id, token=token.token)
