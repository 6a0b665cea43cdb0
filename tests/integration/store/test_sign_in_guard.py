"""Guessing order/email pairs: failures count per client and per order number, forwarded
addresses count only from trusted proxies, a lockout never keeps the right pair out for more
than a minute, and signing out ends the session on the server."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from returns_service.clock import FrozenClock
from returns_service.domain.access import Role
from returns_service.settings import Settings
from tests.integration.helpers import Client, portal_headers, seed_store, staff_headers

WRONG = {"order_number": "1001", "email": "eve@example.com"}
RIGHT = {"order_number": "1001", "email": "ana@example.com"}


@pytest.fixture
def settings(database_url: str) -> Settings:
    # the test client's peer is 127.0.0.1: here it stands for the shop's reverse proxy
    base = Settings.from_env()
    return dataclasses.replace(
        base, server=dataclasses.replace(base.server, trusted_proxies=("127.0.0.1",))
    )


async def _seeded(client: Client, clock: FrozenClock) -> None:
    await seed_store(client, await staff_headers(client, Role.ADMIN, clock))


async def test_many_guesses_at_once_from_rotating_addresses_are_all_counted(
    client: Client, clock: FrozenClock
) -> None:
    await _seeded(client, clock)
    guesses = await asyncio.gather(
        *(
            client.post(
                "/api/v1/portal/sessions",
                json=WRONG,
                headers={"X-Forwarded-For": f"198.51.100.{n}"},
            )
            for n in range(30)
        )
    )
    statuses = sorted(response.status_code for response in guesses)
    # five are answered (and counted against order 1001), the rest wait
    assert statuses == [404] * 5 + [429] * 25
    # a 31st address with the right email for this order waits too, at most a minute
    locked = await client.post(
        "/api/v1/portal/sessions", json=RIGHT, headers={"X-Forwarded-For": "203.0.113.7"}
    )
    assert locked.status_code == 429
    assert 0 < int(locked.headers["retry-after"]) <= 60
    clock.advance(seconds=60)
    signed_in = await client.post(
        "/api/v1/portal/sessions", json=RIGHT, headers={"X-Forwarded-For": "203.0.113.7"}
    )
    assert signed_in.status_code == 201


async def test_one_client_guessing_many_orders_is_counted_as_one(
    client: Client, clock: FrozenClock
) -> None:
    await _seeded(client, clock)
    headers = {"X-Forwarded-For": "198.51.100.1"}
    for number in range(2000, 2005):
        guess = {"order_number": str(number), "email": "ana@example.com"}
        response = await client.post("/api/v1/portal/sessions", json=guess, headers=headers)
        assert response.status_code == 404
    response = await client.post("/api/v1/portal/sessions", json=RIGHT, headers=headers)
    assert response.status_code == 429
    # someone else, behind the same proxy, signs in: the lockout was the guesser's
    other = await client.post(
        "/api/v1/portal/sessions", json=RIGHT, headers={"X-Forwarded-For": "203.0.113.7"}
    )
    assert other.status_code == 201


async def test_an_address_prepended_by_the_client_is_not_believed(
    client: Client, clock: FrozenClock
) -> None:
    await _seeded(client, clock)
    for n in range(5):
        # the proxy appends the real peer; the client wrote the first address itself
        spoofed = {"X-Forwarded-For": f"192.0.2.{n}, 198.51.100.1"}
        guess = {"order_number": str(3000 + n), "email": "ana@example.com"}
        response = await client.post("/api/v1/portal/sessions", json=guess, headers=spoofed)
        assert response.status_code == 404
    spoofed = {"X-Forwarded-For": "192.0.2.99, 198.51.100.1"}
    response = await client.post("/api/v1/portal/sessions", json=RIGHT, headers=spoofed)
    assert response.status_code == 429


async def test_signing_out_through_the_api_ends_the_token(
    client: Client, clock: FrozenClock
) -> None:
    await _seeded(client, clock)
    headers = await portal_headers(client)
    other_device = await portal_headers(client)
    assert (await client.get("/api/v1/portal/order", headers=headers)).status_code == 200
    response = await client.delete("/api/v1/portal/sessions/current", headers=headers)
    assert response.status_code == 204
    refused = await client.get("/api/v1/portal/order", headers=headers)
    assert refused.status_code == 401
    assert refused.json()["type"] == "/problems/not-authenticated"
    # signing out again with the same token is refused like any dead token
    again = await client.delete("/api/v1/portal/sessions/current", headers=headers)
    assert again.status_code == 401
    # the customer's other session is theirs to end
    assert (await client.get("/api/v1/portal/order", headers=other_device)).status_code == 200
