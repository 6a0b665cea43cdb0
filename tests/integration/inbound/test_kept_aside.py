"""What is not a customer's reply to their case is kept, never a message by itself: what does
not verify is held for a lead (who may accept it into a case), bounces and auto-replies are
recorded, the same email twice is one, and a caller without the secret keeps nothing."""

from __future__ import annotations

import asyncio

import httpx

from returns_service.app import create_app
from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseAttachment, CaseMessage, InboundEmail, PhotoDeletion
from returns_service.domain.access import Role
from returns_service.settings import Settings
from tests.integration.helpers import (
    Client,
    portal_headers,
    staff_headers,
)
from tests.integration.inbound.mail import (
    BEARER,
    INBOUND_DOMAIN,
    PDF,
    case_with_an_email,
    customer_messages,
    delivery_report,
    post_email,
    reply,
)


async def test_what_does_not_verify_is_held_and_a_lead_accepts_it_into_the_case(
    client: Client, clock: FrozenClock
) -> None:
    number, reply_to, lead = await case_with_an_email(client, clock)
    local, _, domain = reply_to.partition("@")
    forged = f"{local[:-1]}{'a' if local[-1] != 'a' else 'b'}@{domain}"
    unknown = f"r-r-zzzzzz-{local[-10:]}@{domain}"
    answers = [
        await post_email(client, reply(forged, text="forged")),
        await post_email(client, reply(reply_to, sender="Eve <eve@example.net>", text="not Ana")),
        await post_email(client, reply(unknown, text="no such case")),
        await post_email(client, reply(f"returns@{domain}", text="not a reply address")),
    ]
    assert [a.status_code for a in answers] == [202] * 4
    assert [a.json()["status"] for a in answers] == ["held"] * 4
    assert await customer_messages(client, number, lead) == []  # none reached the case

    page = await client.get("/api/v1/inbound/held?limit=3", headers=lead)
    assert page.status_code == 200, page.text
    first = page.json()
    assert len(first["items"]) == 3 and first["next_cursor"]
    rest = await client.get(
        f"/api/v1/inbound/held?limit=3&cursor={first['next_cursor']}", headers=lead
    )
    held = {item["body"]: item for item in first["items"] + rest.json()["items"]}
    assert set(held) == {"forged", "not Ana", "no such case", "not a reply address"}
    assert "does not verify" in held["forged"]["reason"]
    assert "not the customer" in held["not Ana"]["reason"]
    assert held["not Ana"]["from"] == "eve@example.net"
    assert "does not exist" in held["no such case"]["reason"]

    agent_id_headers = await staff_headers(client, Role.AGENT, clock)
    refused = await client.get("/api/v1/inbound/held", headers=agent_id_headers)
    assert refused.status_code == 403

    url = f"/api/v1/inbound/held/{held['forged']['id']}/accept"
    accepted = await client.post(url, json={"case_number": number}, headers=lead)
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "accepted"
    again = await client.post(url, json={"case_number": number}, headers=lead)
    assert again.status_code == 200 and again.json() == accepted.json()
    assert [m["body"] for m in await customer_messages(client, number, lead)] == ["forged"]
    case = (await client.get(f"/api/v1/cases/{number}", headers=lead)).json()
    assert "email_accepted" in [e["kind"] for e in case["timeline"]]

    discard = f"/api/v1/inbound/held/{held['not Ana']['id']}/discard"
    first_discard = await client.post(discard, headers=lead)
    assert first_discard.status_code == 200 and first_discard.json()["status"] == "discarded"
    assert (await client.post(discard, headers=lead)).json() == first_discard.json()
    late = await client.post(
        discard.replace("discard", "accept"), json={"case_number": number}, headers=lead
    )
    assert late.status_code == 409
    remaining = (await client.get("/api/v1/inbound/held", headers=lead)).json()["items"]
    assert {item["body"] for item in remaining} == {"no such case", "not a reply address"}


async def test_bounces_and_auto_replies_never_become_messages(
    client: Client, clock: FrozenClock
) -> None:
    number, reply_to, lead = await case_with_an_email(client, clock)
    bounce = await post_email(client, delivery_report(reply_to))
    assert bounce.status_code == 202 and bounce.json() == {
        "status": "bounce",
        "case_number": number,
        "id": bounce.json()["id"],
    }
    out_of_office = [
        reply(reply_to, text="I am away", headers={"Auto-Submitted": "auto-replied"}),
        reply(reply_to, text="Away", headers={"X-Autoreply": "yes"}),
        reply(reply_to, text="Away", headers={"Precedence": "bulk"}),
    ]
    for raw in out_of_office:
        answer = await post_email(client, raw)
        assert answer.json()["status"] == "auto_reply", answer.text
    assert await customer_messages(client, number, lead) == []
    case = (await client.get(f"/api/v1/cases/{number}", headers=lead)).json()
    bounced = [e for e in case["timeline"] if e["kind"] == "email_bounced"]
    assert len(bounced) == 1 and "ana@example.com" in bounced[0]["text"]
    customer = await portal_headers(client)
    portal = (await client.get(f"/api/v1/portal/returns/{number}", headers=customer)).json()
    assert "email_bounced" not in [e["kind"] for e in portal["timeline"]]  # staff only


async def test_the_same_email_twice_even_at_the_same_moment_is_one_message(
    client: Client, clock: FrozenClock
) -> None:
    number, reply_to, lead = await case_with_an_email(client, clock)
    raw = reply(
        reply_to,
        message_id="<same@mail.example.com>",
        attachments=(("a.pdf", "application/pdf", PDF),),
    )
    together = await asyncio.gather(post_email(client, raw), post_email(client, raw))
    assert sorted(a.json()["status"] for a in together) == ["accepted", "duplicate"]
    later = await post_email(client, raw)
    assert later.status_code == 202 and later.json()["status"] == "duplicate"
    assert later.json()["case_number"] == number
    assert len(await customer_messages(client, number, lead)) == 1
    assert await InboundEmail.count() == 1
    assert await CaseAttachment.count() == 1  # the loser's file is not kept either


async def test_the_route_refuses_without_the_secret_and_keeps_nothing(
    client: Client, clock: FrozenClock
) -> None:
    _, reply_to, _ = await case_with_an_email(client, clock)
    raw = reply(reply_to)
    missing = await post_email(client, raw, {"Content-Type": "message/rfc822"})
    wrong = await post_email(client, raw, {**BEARER, "Authorization": "Bearer guess"})
    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.headers["content-type"].startswith("application/problem+json")
    as_text = await post_email(client, raw, {**BEARER, "Content-Type": "text/plain"})
    assert as_text.status_code == 415
    not_mail = await post_email(client, b"\x00\x01 this is no email")
    assert not_mail.status_code == 400 and not_mail.json()["status"] == 400
    assert await InboundEmail.count() == 0 and await CaseMessage.count() == 0


async def test_a_malformed_email_is_a_400_and_still_kept_for_a_lead(
    client: Client, clock: FrozenClock
) -> None:
    _, reply_to, lead = await case_with_an_email(client, clock)
    raw = f"To: {reply_to}\r\nSubject: no sender\r\n\r\nhello\r\n".encode()
    answer = await post_email(client, raw)
    assert answer.status_code == 400
    assert "kept" in answer.json()["detail"]
    (held,) = (await client.get("/api/v1/inbound/held", headers=lead)).json()["items"]
    assert held["subject"] == "no sender" and "no From" in held["reason"]


async def test_without_a_secret_the_route_says_it_is_not_configured(
    settings: Settings, clock: FrozenClock
) -> None:
    plain = create_app(Settings.from_env(), clock)  # RETURNS_INBOUND_SECRET unset
    transport = httpx.ASGITransport(app=plain)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        answer = await http.post(
            "/api/v1/inbound/email", content=b"From: a@b.c\r\n\r\nx", headers=BEARER
        )
    assert answer.status_code == 404
    assert answer.json()["detail"] == "inbound email is not configured"


async def test_redacting_the_customer_removes_what_their_emails_said(
    client: Client, clock: FrozenClock
) -> None:
    _, reply_to, _ = await case_with_an_email(client, clock)
    filed = reply(reply_to, attachments=(("a.pdf", "application/pdf", PDF),))
    assert (await post_email(client, filed)).json()["status"] == "accepted"
    stray = reply(f"returns@{INBOUND_DOMAIN}", text="my other order")  # held, no case
    assert (await post_email(client, stray)).json()["status"] == "held"
    other = reply(f"returns@{INBOUND_DOMAIN}", sender="bo@example.org", text="Bo's words")
    assert (await post_email(client, other)).json()["status"] == "held"

    admin = await staff_headers(client, Role.ADMIN, clock)
    redacted = await client.post(
        "/api/v1/customers/redact", json={"email": "ana@example.com"}, headers=admin
    )
    assert redacted.status_code == 200, redacted.text
    rows = await InboundEmail.select(
        InboundEmail.from_address, InboundEmail.body, InboundEmail.raw_mime
    ).order_by(InboundEmail.id)
    assert [r["raw_mime"] for r in rows[:2]] == [b"", b""]
    assert "ana@example.com" not in str(rows[:2]) and "my other order" not in str(rows[:2])
    assert rows[2]["from_address"] == "bo@example.org" and rows[2]["raw_mime"] == other
    assert await CaseAttachment.count() == 0
    assert await PhotoDeletion.count() == 1  # the file goes after the commit
