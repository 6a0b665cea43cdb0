"""Links that work: every email and label QR carries a signed deep link at RETURNS_PUBLIC_URL
that signs the customer in and opens their return; "email me a link" sends one that opens the
order, says the same whether or not the order exists, and cannot flood a customer's inbox."""

from __future__ import annotations

import asyncio
import re

import msgspec
import pytest

from returns_service.clock import FrozenClock
from returns_service.db.tables import Label, OutboxMessage, PortalLinkRequest
from returns_service.domain.access import Role
from returns_service.web.sessions import PORTAL_COOKIE
from tests.integration.helpers import (
    Client,
    line_ids,
    open_return,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)

LINK = re.compile(r"https?://\S+/portal/r/[A-Za-z0-9_.\-]+")


async def mails(template: str) -> list[OutboxMessage]:
    return await OutboxMessage.objects().where(OutboxMessage.template == template)


def path_of(link: str, client: Client) -> str:
    public_url = client.app.state.settings.server.public_url  # type: ignore[attr-defined]
    assert link.startswith(f"{public_url}/portal/r/")
    return link.removeprefix(public_url)


async def ask_for_link(client: Client, number: str = "1001", email: str = "ana@example.com"):  # type: ignore[no-untyped-def]
    return await client.post("/api/v1/portal/links", json={"order_number": number, "email": email})


@pytest.fixture
async def shop(client: Client, clock: FrozenClock) -> None:
    await seed_store(client, await staff_headers(client, Role.ADMIN, clock))


async def test_email_me_a_link_answers_the_same_and_mails_only_the_right_pair(
    client: Client, shop: None
) -> None:
    right = await ask_for_link(client, email=" Ana@Example.com ")
    wrong_email = await ask_for_link(client, email="eve@example.com")
    no_order = await ask_for_link(client, number="9999")
    assert right.status_code == wrong_email.status_code == no_order.status_code == 202
    assert right.json() == wrong_email.json() == no_order.json()
    sent = await mails("sign_in_link")
    assert [m.recipient for m in sent] == ["ana@example.com"]
    assert "1001" in sent[0].body and LINK.search(sent[0].html)


async def test_the_emailed_link_signs_in_and_opens_the_order(client: Client, shop: None) -> None:
    await ask_for_link(client)
    link = LINK.search((await mails("sign_in_link"))[0].body)
    assert link is not None
    opened = await client.get(path_of(link.group(), client))
    assert (opened.status_code, opened.headers["location"]) == (303, "/portal/order")
    assert opened.headers["cache-control"] == "no-store"
    assert PORTAL_COOKIE in opened.cookies
    order = await client.get("/portal/order")
    assert order.status_code == 200 and "1001" in order.text


async def test_an_order_link_expires_after_an_hour(
    client: Client, shop: None, clock: FrozenClock
) -> None:
    await ask_for_link(client)
    link = LINK.search((await mails("sign_in_link"))[0].body)
    assert link is not None
    clock.advance(minutes=61)
    page = await client.get(path_of(link.group(), client), params={"lang": "ro"})
    assert page.status_code == 200
    assert "Acest link a expirat" in page.text  # the lookup page, in the reader's language
    assert PORTAL_COOKIE not in page.cookies
    assert (await client.get("/portal/order")).status_code == 303


@pytest.mark.parametrize(
    "token",
    ["nothing", "rsl1.", "rsl1.e30.AAAA", "rsl1." + "A" * 3000, "rsp1.e30.x", "rsl1.%00.%ff"],
)
async def test_a_forged_link_opens_the_lookup_page_with_a_message(
    client: Client, shop: None, token: str
) -> None:
    page = await client.get(f"/portal/r/{token}")
    assert page.status_code == 200
    assert "This link has expired or is not valid" in page.text
    assert PORTAL_COOKIE not in page.cookies


async def test_a_tampered_case_link_opens_nothing(client: Client, shop: None) -> None:
    customer = await portal_headers(client)
    await open_return(
        client, customer, refund_item((await line_ids(client, customer))["RING-8-BLK"])
    )
    link = LINK.search((await mails("case_approved"))[0].body)
    assert link is not None
    token = path_of(link.group(), client).removeprefix("/portal/r/rsl1.")
    payload, _, signature = token.partition(".")
    forged = f"/portal/r/rsl1.{payload}.{signature[::-1]}"
    assert "This link has expired" in (await client.get(forged)).text


async def test_every_case_email_and_the_label_open_the_case(client: Client, shop: None) -> None:
    customer = await portal_headers(client)
    case = await open_return(
        client, customer, refund_item((await line_ids(client, customer))["RING-8-BLK"])
    )
    client.cookies.clear()
    emails = await OutboxMessage.objects().where(OutboxMessage.case.is_not_null())
    assert emails
    for message in emails:
        links = LINK.findall(message.body)
        assert links, message.body  # not the bare /portal lookup any more
        opened = await client.get(path_of(links[0], client))
        assert opened.headers["location"] == f"/portal/returns/{case['number']}"
        page = await client.get(f"/portal/returns/{case['number']}")
        assert page.status_code == 200 and case["number"] in page.text
        client.cookies.clear()
    label = await Label.select(Label.request).first()
    assert label is not None
    qr = msgspec.json.decode(label["request"])["portal_url"]
    assert path_of(qr, client).startswith("/portal/r/")
    assert (await client.get(path_of(qr, client))).headers["location"] == (
        f"/portal/returns/{case['number']}"
    )


async def test_links_are_limited_per_order_without_telling_anyone(
    client: Client, shop: None
) -> None:
    answers = [await ask_for_link(client) for _ in range(5)]
    assert {a.status_code for a in answers} == {202}
    assert len(await mails("sign_in_link")) == 3  # PER_ORDER an hour


async def test_links_are_limited_per_client(client: Client, shop: None) -> None:
    for n in range(10):
        assert (await ask_for_link(client, number=f"nope-{n}")).status_code == 202
    refused = await ask_for_link(client)
    assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert await mails("sign_in_link") == []
    assert await PortalLinkRequest.count() == 10  # the refused one is not even counted


async def test_simultaneous_requests_send_no_more_than_the_allowance(
    client: Client, shop: None
) -> None:
    answers = await asyncio.gather(*(ask_for_link(client) for _ in range(8)))
    assert sorted(a.status_code for a in answers) == [202] * 8
    assert len(await mails("sign_in_link")) == 3


@pytest.mark.parametrize(
    "body",
    [{}, {"order_number": "1001"}, {"order_number": "", "email": "a@b.c"}, [], "x"],
)
async def test_a_malformed_link_request_is_a_problem(
    client: Client, shop: None, body: object
) -> None:
    response = await client.post("/api/v1/portal/links", json=body)
    assert response.status_code == 400
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await PortalLinkRequest.count() == 0
