"""Managing webhook endpoints (admin): the secret shown once, the address and event types
checked, pausing, removing; and a name that resolves to an inside address is refused at
delivery too. These run with the service's default settings: private addresses refused."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import pytest
from standardwebhooks import Webhook

from returns_service.adapters import webhooks
from returns_service.clock import FrozenClock
from returns_service.db.tables import WebhookEndpoint
from returns_service.domain.access import Role
from returns_service.settings import Settings
from tests.integration.events.receiver import Receiver
from tests.integration.helpers import Client, staff_headers

PATH = "/api/v1/webhook-endpoints"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings.from_env()  # RETURNS_WEBHOOK_ALLOW_PRIVATE unset: refused


@pytest.fixture
async def admin(client: Client, clock: FrozenClock) -> dict[str, str]:
    return await staff_headers(client, Role.ADMIN, clock)


def problem_fields(response: Any) -> list[str]:
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    return [e["field"] for e in body.get("errors", [])] or [body.get("field", "")]


async def test_the_secret_is_shown_once_and_never_listed(
    client: Client, admin: dict[str, str]
) -> None:
    created = await client.post(
        PATH,
        json={"url": "https://erp.example.com/hooks", "events": ["refund.issued", "case.opened"]},
        headers=admin,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert len(base64.b64decode(body["secret"].removeprefix("whsec_"))) == 32
    Webhook(body["secret"])  # the form the libraries read
    assert body["events"] == ["case.opened", "refund.issued"]  # the contract's order
    assert (body["status"], body["paused"], body["description"]) == ("active", False, "")
    listed = await client.get(PATH, headers=admin)
    one = await client.get(f"{PATH}/{body['id']}", headers=admin)
    assert listed.status_code == one.status_code == 200
    assert "secret" not in listed.json()["items"][0] and "secret" not in one.json()
    assert body["secret"] not in listed.text + one.text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hooks",
        "https://127.0.0.1/hooks",
        "https://10.1.2.3/hooks",
        "https://192.168.0.10/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://localhost/hooks",
        "https://0.0.0.0/hooks",
        "https://224.0.0.1/hooks",
        "http://erp.example.com/hooks",  # plain http to a public host
        "ftp://erp.example.com/hooks",
        "https://user:pw@erp.example.com/hooks",
        "https://erp.example.com:port/hooks",
        "https://[::1/hooks",
    ],
)
async def test_an_inside_or_unsafe_address_is_refused_and_nothing_is_made(
    client: Client, admin: dict[str, str], url: str
) -> None:
    response = await client.post(PATH, json={"url": url, "events": ["case.opened"]}, headers=admin)
    assert response.status_code == 422, response.text
    assert problem_fields(response) == ["url"]
    assert await WebhookEndpoint.count() == 0


async def test_an_unknown_event_type_is_named_by_its_index(
    client: Client, admin: dict[str, str]
) -> None:
    response = await client.post(
        PATH,
        json={"url": "https://erp.example.com/h", "events": ["case.opened", "case.exploded"]},
        headers=admin,
    )
    assert response.status_code == 422
    assert problem_fields(response) == ["events[1]"]
    assert "case.exploded" in response.json()["detail"]
    empty = await client.post(
        PATH, json={"url": "https://erp.example.com/h", "events": []}, headers=admin
    )
    assert empty.status_code == 422 and problem_fields(empty) == ["events"]
    assert await WebhookEndpoint.count() == 0


async def test_an_endpoint_is_changed_paused_resumed_and_removed(
    client: Client, admin: dict[str, str]
) -> None:
    created = (
        await client.post(
            PATH,
            json={"url": "https://erp.example.com/a", "events": ["case.opened"]},
            headers=admin,
        )
    ).json()
    url = f"{PATH}/{created['id']}"
    paused = await client.patch(
        url, json={"paused": True, "events": ["case.closed"], "description": "ERP"}, headers=admin
    )
    assert paused.status_code == 200, paused.text
    assert (paused.json()["status"], paused.json()["paused_reason"]) == ("paused", "by_admin")
    assert (paused.json()["events"], paused.json()["description"]) == (["case.closed"], "ERP")
    refused = await client.patch(url, json={"url": "https://10.0.0.1/x"}, headers=admin)
    assert refused.status_code == 422 and problem_fields(refused) == ["url"]
    assert (await client.get(url, headers=admin)).json()["url"] == "https://erp.example.com/a"
    resumed = await client.patch(url, json={"paused": False}, headers=admin)
    assert (resumed.json()["status"], resumed.json()["paused_reason"]) == ("active", None)
    assert (await client.delete(url, headers=admin)).status_code == 204
    for response in (
        await client.get(url, headers=admin),
        await client.delete(url, headers=admin),
        await client.patch(url, json={"paused": True}, headers=admin),
        await client.get(f"{url}/deliveries", headers=admin),
    ):
        assert response.status_code == 404


async def test_only_an_admin_manages_endpoints(client: Client, clock: FrozenClock) -> None:
    for role in (Role.AGENT, Role.LEAD, Role.WAREHOUSE):
        headers = await staff_headers(client, role, clock)
        assert (await client.get(PATH, headers=headers)).status_code == 403
    assert (await client.get(PATH)).status_code == 401


async def test_a_bad_cursor_is_a_problem_not_an_error(
    client: Client, admin: dict[str, str]
) -> None:
    created = (
        await client.post(
            PATH,
            json={"url": "https://erp.example.com/a", "events": ["case.opened"]},
            headers=admin,
        )
    ).json()
    response = await client.get(
        f"{PATH}/{created['id']}/deliveries", params={"cursor": "garbage!"}, headers=admin
    )
    assert response.status_code == 422 and problem_fields(response) == ["cursor"]


async def test_a_name_resolving_to_an_inside_address_is_refused_at_delivery(
    receiver: Receiver, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DNS rebinding: the name passed the check when the endpoint was made; at delivery it
    resolves to loopback (a stand-in resolver answers as a rebinding DNS server would)."""
    port = receiver.url.split(":")[2].split("/")[0]

    async def rebinding(host: str, port: int) -> list[str]:
        return ["127.0.0.1"]

    monkeypatch.setattr(webhooks, "_resolve", rebinding)
    receiver.secret = webhooks.new_secret()
    sent = dict(
        url=f"http://hooks.erp.example:{port}/hooks/returns",
        secret=receiver.secret,
        event_id="msg_1",
        payload='{"type":"case.opened"}',
        at=clock.now(),
    )
    refused = await webhooks.send(**sent, allow_private=False)  # type: ignore[arg-type]
    assert refused.delivered is False and refused.status_code is None
    assert "private address (127.0.0.1)" in (refused.error or "")
    assert receiver.received == []
    # allowed, the request goes to the address resolved, under the endpoint's host name
    taken = await webhooks.send(**sent, allow_private=True)  # type: ignore[arg-type]
    assert (taken.delivered, taken.status_code) == (True, 204)
    assert [r.webhook_id for r in receiver.received] == ["msg_1"]


async def test_a_receiver_answering_without_end_is_read_no_further_than_a_few_kb(
    clock: FrozenClock,
) -> None:
    """The answer's body is not the service's business: a receiver that streams one forever
    neither holds the delivery until its timeout nor fills the worker's memory."""
    sent_bytes = 0

    async def endless(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal sent_bytes
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"x" * 1024
        try:
            while sent_bytes < 50_000_000:
                writer.write(b"400\r\n" + chunk + b"\r\n")
                sent_bytes += len(chunk)
                await writer.drain()
        except (ConnectionError, OSError):
            pass  # the service hung up, as it should
        finally:
            writer.close()

    server = await asyncio.start_server(endless, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        outcome = await webhooks.send(
            url=f"http://127.0.0.1:{port}/h",
            secret=webhooks.new_secret(),
            event_id="msg_2",
            payload="{}",
            at=clock.now(),
            allow_private=True,
            timeout_seconds=3,
        )
    finally:
        server.close()
        await server.wait_closed()
    assert (outcome.delivered, outcome.status_code) == (True, 200)
    assert sent_bytes < 50_000_000  # it stopped reading long before the end
