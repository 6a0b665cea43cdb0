"""Customers' email replies: a reply to the Reply-To of a real email the service sent lands on
the case as the customer's message, over the HTTP route and over the worker's SMTP server;
what does not verify is held for a lead (and can be accepted into a case); bounces and
auto-replies never become messages; the same email twice is one message."""

from __future__ import annotations

import asyncio
import base64
import socket
from typing import Any

import aiosmtplib
import httpx
import pytest
from litestar import Litestar

from returns_service.app import create_app
from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseAttachment, CaseMessage, InboundEmail, PhotoDeletion
from returns_service.domain.access import Role
from returns_service.services.platform.runtime import Runtime
from returns_service.services.platform.worker import WorkerConfig, run_forever, run_once
from returns_service.settings import Settings
from tests.integration.helpers import (
    Client,
    line_ids,
    open_return,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)
from tests.integration.inbound.mail import (
    BEARER,
    GMAIL_QUOTE,
    INBOUND_DOMAIN,
    INBOUND_SECRET,
    RecordingMailer,
    delivery_report,
    reply,
    with_inbound,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def settings(database_url: str) -> Settings:
    return with_inbound(Settings.from_env())


async def _case_with_an_email(client: Client, clock: FrozenClock) -> tuple[str, str, Any]:
    """A case opened by Ana, the worker's emails about it sent: (number, the Reply-To of the
    email she got, the lead's headers)."""
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    case = await open_return(client, customer, refund_item(lines["RING-8-BLK"]))
    mailer = RecordingMailer()
    runtime: Runtime = client.app.state.runtime  # type: ignore[attr-defined]
    await run_once(runtime, WorkerConfig(mailer=mailer, sender="returns@store.example"))
    assert mailer.sent, "the worker sent no email about the case"
    assert all(case["number"] in m.as_string() for m in mailer.sent)
    reply_to = str(mailer.sent[0]["Reply-To"])
    assert {str(m["Reply-To"]) for m in mailer.sent} == {reply_to}  # one address per case
    assert reply_to.startswith(f"r-{case['number'].lower()}-")
    assert reply_to.endswith(f"@{INBOUND_DOMAIN}")
    return case["number"], reply_to, await staff_headers(client, Role.LEAD, clock)


async def _post(client: Client, raw: bytes, headers: dict[str, str] = BEARER) -> httpx.Response:
    return await client.post("/api/v1/inbound/email", content=raw, headers=headers)


async def _messages(client: Client, number: str, lead: dict[str, str]) -> list[dict[str, Any]]:
    case = (await client.get(f"/api/v1/cases/{number}", headers=lead)).json()
    return [m for m in case["messages"] if m["author"] == "customer"]


async def test_a_reply_over_http_lands_on_the_case_without_its_quote_and_with_its_files(
    client: Client, clock: FrozenClock
) -> None:
    number, reply_to, lead = await _case_with_an_email(client, clock)
    raw = reply(
        reply_to,
        quote=GMAIL_QUOTE.format(reply_to=reply_to, number=number),
        attachments=(
            ("receipt.pdf", "application/pdf", PDF),
            ("page.html", "text/html", b"<script>alert(1)</script>"),
        ),
    )
    response = await _post(client, raw)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "accepted"
    assert response.json()["case_number"] == number

    (message,) = await _messages(client, number, lead)
    assert message["body"] == "The strap is too short, can I have the 9 instead?"
    assert [a["filename"] for a in message["attachments"]] == ["receipt.pdf", "page.html"]
    pdf, html = message["attachments"]
    assert pdf["size"] == len(PDF) and pdf["content_type"] == "application/pdf"

    download = await client.get(pdf["url"], headers=lead)
    assert download.status_code == 200 and download.content == PDF
    assert download.headers["content-disposition"].startswith("attachment;")
    assert download.headers["x-content-type-options"] == "nosniff"
    script = await client.get(html["url"], headers=lead)
    assert script.headers["content-type"].startswith("application/octet-stream")
    assert script.headers["content-disposition"].startswith("attachment;")
    # the customer's portal shows the message, not the staff download links
    customer = await portal_headers(client)
    portal = await client.get(f"/api/v1/portal/returns/{number}/messages", headers=customer)
    assert [m["attachments"] for m in portal.json() if m["author"] == "customer"] == [[]]

    stored = await InboundEmail.select(InboundEmail.status, InboundEmail.raw_mime)
    assert [(r["status"], r["raw_mime"]) for r in stored] == [("accepted", raw)]
    case = (await client.get(f"/api/v1/cases/{number}", headers=lead)).json()
    assert case["status"] in ("approved", "requested")


async def test_a_reply_over_the_workers_smtp_server_lands_on_the_case(
    app: Litestar, client: Client, clock: FrozenClock
) -> None:
    number, reply_to, lead = await _case_with_an_email(client, clock)
    with socket.socket() as probe:  # a free port for the worker's server
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    paused, stop = asyncio.Event(), asyncio.Event()

    async def sleep(_: float) -> None:  # the worker's pause: it waits here until the test ends
        paused.set()
        await stop.wait()
        raise asyncio.CancelledError

    config = WorkerConfig(
        mailer=RecordingMailer(), sender="returns@store.example", inbound_smtp=f"127.0.0.1:{port}"
    )
    worker = asyncio.create_task(run_forever(app.state.runtime, config, sleep=sleep))
    await paused.wait()  # one pass done: the server has been listening since before it
    try:
        raw = reply(
            reply_to,
            quote=GMAIL_QUOTE.format(reply_to=reply_to, number=number),
            attachments=(("photo.pdf", "application/pdf", PDF),),
        )
        errors, answer = await aiosmtplib.send(
            raw, sender="ana@example.com", recipients=[reply_to], hostname="127.0.0.1", port=port
        )
        assert errors == {} and answer.startswith("2.0.0")
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused):  # never an open relay
            await aiosmtplib.send(
                raw,
                sender="x@example.com",
                recipients=["a@elsewhere.example"],
                hostname="127.0.0.1",
                port=port,
            )
    finally:
        stop.set()
        with pytest.raises(asyncio.CancelledError):
            await worker
    (message,) = await _messages(client, number, lead)
    assert message["body"] == "The strap is too short, can I have the 9 instead?"
    (attachment,) = message["attachments"]
    download = await client.get(attachment["url"], headers=lead)
    assert download.content == PDF
    with pytest.raises(OSError):  # the worker's end closed the server
        await asyncio.open_connection("127.0.0.1", port)


async def test_what_does_not_verify_is_held_and_a_lead_accepts_it_into_the_case(
    client: Client, clock: FrozenClock
) -> None:
    number, reply_to, lead = await _case_with_an_email(client, clock)
    local, _, domain = reply_to.partition("@")
    forged = f"{local[:-1]}{'a' if local[-1] != 'a' else 'b'}@{domain}"
    unknown = f"r-r-zzzzzz-{local[-10:]}@{domain}"
    answers = [
        await _post(client, reply(forged, text="forged")),
        await _post(client, reply(reply_to, sender="Eve <eve@example.net>", text="not Ana")),
        await _post(client, reply(unknown, text="no such case")),
        await _post(client, reply(f"returns@{domain}", text="not a reply address")),
    ]
    assert [a.status_code for a in answers] == [202] * 4
    assert [a.json()["status"] for a in answers] == ["held"] * 4
    assert await _messages(client, number, lead) == []  # none reached the case

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
    assert [m["body"] for m in await _messages(client, number, lead)] == ["forged"]
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
    number, reply_to, lead = await _case_with_an_email(client, clock)
    bounce = await _post(client, delivery_report(reply_to))
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
        answer = await _post(client, raw)
        assert answer.json()["status"] == "auto_reply", answer.text
    assert await _messages(client, number, lead) == []
    case = (await client.get(f"/api/v1/cases/{number}", headers=lead)).json()
    bounced = [e for e in case["timeline"] if e["kind"] == "email_bounced"]
    assert len(bounced) == 1 and "ana@example.com" in bounced[0]["text"]
    customer = await portal_headers(client)
    portal = (await client.get(f"/api/v1/portal/returns/{number}", headers=customer)).json()
    assert "email_bounced" not in [e["kind"] for e in portal["timeline"]]  # staff only


async def test_the_same_email_twice_even_at_the_same_moment_is_one_message(
    client: Client, clock: FrozenClock
) -> None:
    number, reply_to, lead = await _case_with_an_email(client, clock)
    raw = reply(
        reply_to,
        message_id="<same@mail.example.com>",
        attachments=(("a.pdf", "application/pdf", PDF),),
    )
    together = await asyncio.gather(_post(client, raw), _post(client, raw))
    assert sorted(a.json()["status"] for a in together) == ["accepted", "duplicate"]
    later = await _post(client, raw)
    assert later.status_code == 202 and later.json()["status"] == "duplicate"
    assert later.json()["case_number"] == number
    assert len(await _messages(client, number, lead)) == 1
    assert await InboundEmail.count() == 1
    assert await CaseAttachment.count() == 1  # the loser's file is not kept either


async def test_an_html_only_reply_is_read_as_text(client: Client, clock: FrozenClock) -> None:
    number, reply_to, lead = await _case_with_an_email(client, clock)
    html = (
        "<html><head><style>p{color:red}</style></head><body>"
        "<div>Size 9 please &amp; thanks.</div>"
        '<div class="gmail_quote">On Tue, 1 Sep 2026 at 14:00, Demo Store wrote:'
        "<blockquote>Your return is approved.</blockquote></div></body></html>"
    )
    assert (await _post(client, reply(reply_to, html=html))).json()["status"] == "accepted"
    (message,) = await _messages(client, number, lead)
    assert message["body"] == "Size 9 please & thanks."


async def test_the_route_refuses_without_the_secret_and_keeps_nothing(
    client: Client, clock: FrozenClock
) -> None:
    _, reply_to, _ = await _case_with_an_email(client, clock)
    raw = reply(reply_to)
    missing = await _post(client, raw, {"Content-Type": "message/rfc822"})
    wrong = await _post(client, raw, {**BEARER, "Authorization": "Bearer guess"})
    assert (missing.status_code, wrong.status_code) == (401, 401)
    assert missing.headers["content-type"].startswith("application/problem+json")
    as_text = await _post(client, raw, {**BEARER, "Content-Type": "text/plain"})
    assert as_text.status_code == 415
    not_mail = await _post(client, b"\x00\x01 this is no email")
    assert not_mail.status_code == 400 and not_mail.json()["status"] == 400
    assert await InboundEmail.count() == 0 and await CaseMessage.count() == 0


async def test_a_malformed_email_is_a_400_and_still_kept_for_a_lead(
    client: Client, clock: FrozenClock
) -> None:
    _, reply_to, lead = await _case_with_an_email(client, clock)
    raw = f"To: {reply_to}\r\nSubject: no sender\r\n\r\nhello\r\n".encode()
    answer = await _post(client, raw)
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


async def test_an_email_about_no_case_carries_no_reply_address(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    asked = await client.post(
        "/api/v1/portal/links", json={"order_number": "1001", "email": "ana@example.com"}
    )
    assert asked.status_code == 202
    mailer = RecordingMailer()
    await run_once(client.app.state.runtime, WorkerConfig(mailer=mailer, sender="r@s.example"))  # type: ignore[attr-defined]
    (sign_in,) = mailer.sent
    assert sign_in["To"] == "ana@example.com" and sign_in["Reply-To"] is None


async def test_redacting_the_customer_removes_what_their_emails_said(
    client: Client, clock: FrozenClock
) -> None:
    _, reply_to, _ = await _case_with_an_email(client, clock)
    filed = reply(reply_to, attachments=(("a.pdf", "application/pdf", PDF),))
    assert (await _post(client, filed)).json()["status"] == "accepted"
    stray = reply(f"returns@{INBOUND_DOMAIN}", text="my other order")  # held, no case
    assert (await _post(client, stray)).json()["status"] == "held"
    other = reply(f"returns@{INBOUND_DOMAIN}", sender="bo@example.org", text="Bo's words")
    assert (await _post(client, other)).json()["status"] == "held"

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


def _basic(password: str) -> str:
    return "Basic " + base64.b64encode(f"inbound:{password}".encode()).decode()


async def test_mail_providers_raw_posts_land_the_same_way(
    client: Client, clock: FrozenClock
) -> None:
    """Each provider's post as its reference describes it, the raw message inside:
    SendGrid Inbound Parse, "POST the raw, full MIME message" (multipart, `email`, `envelope`;
    https://www.twilio.com/docs/sendgrid/for-developers/parsing-email/setting-up-the-inbound-parse-webhook),
    Mailgun forward() to a URL ending in `mime` (`body-mime`, `recipient`;
    https://documentation.mailgun.com/docs/mailgun/user-manual/receive-forward-store/receive-http),
    Postmark's inbound webhook with raw content included (JSON `RawEmail`;
    https://postmarkapp.com/developer/webhooks/inbound-webhook). They put credentials in the
    URL, which arrive as HTTP Basic."""
    number, reply_to, lead = await _case_with_an_email(client, clock)
    auth = {"Authorization": _basic(INBOUND_SECRET)}
    url = "/api/v1/inbound/email"

    sendgrid_raw = reply(reply_to, text="From SendGrid").decode()
    sendgrid = await client.post(
        url,
        data={"email": sendgrid_raw, "envelope": f'{{"to":["{reply_to}"],"from":"ana@x"}}'},
        files={"attachment-info": ("info", b"{}")},  # makes it multipart, as SendGrid does
        headers=auth,
    )
    mailgun = await client.post(
        f"{url}/mime",
        data={
            "body-mime": reply(reply_to, text="From Mailgun").decode(),
            "recipient": reply_to,
            "timestamp": "1767225600",
            "token": "t" * 50,
            "signature": "0" * 64,
        },
        headers=auth,
    )
    postmark = await client.post(
        url,
        json={
            "From": "ana@example.com",
            "OriginalRecipient": reply_to,
            "MessageID": "22c74902-a0c1-4511-804f2-341342852c90",
            "RawEmail": reply(reply_to, text="From Postmark").decode(),
        },
        headers=auth,
    )
    answers = [sendgrid, mailgun, postmark]
    assert [a.status_code for a in answers] == [202, 202, 202], [a.text for a in answers]
    assert [a.json()["status"] for a in answers] == ["accepted"] * 3
    bodies = [m["body"] for m in await _messages(client, number, lead)]
    assert bodies == ["From SendGrid", "From Mailgun", "From Postmark"]

    wrong = await client.post(url, json={"RawEmail": "x"}, headers={"Authorization": _basic("no")})
    empty = await client.post(url, json={"From": "ana@example.com"}, headers=auth)
    assert (wrong.status_code, empty.status_code) == (401, 400)


async def test_a_taken_smtp_address_leaves_the_rest_of_the_worker_running(
    app: Litestar, clock: FrozenClock
) -> None:
    with socket.socket() as taken:  # another process already listens there
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        passes: list[float] = []

        async def sleep(seconds: float) -> None:
            passes.append(seconds)
            raise asyncio.CancelledError

        config = WorkerConfig(
            mailer=RecordingMailer(), sender="r@s.example", inbound_smtp=f"127.0.0.1:{port}"
        )
        with pytest.raises(asyncio.CancelledError):
            await run_forever(app.state.runtime, config, sleep=sleep)
    assert passes == [config.interval_seconds]  # a whole pass ran all the same


async def test_a_reply_to_a_case_that_has_ended_is_still_its_message(
    client: Client, clock: FrozenClock
) -> None:
    number, reply_to, lead = await _case_with_an_email(client, clock)
    customer = await portal_headers(client)
    cancelled = await client.post(f"/api/v1/portal/returns/{number}/cancel", headers=customer)
    assert cancelled.status_code == 200, cancelled.text
    answer = await _post(client, reply(reply_to, text="Sorry, I changed my mind again"))
    assert answer.json()["status"] == "accepted"
    case = (await client.get(f"/api/v1/cases/{number}", headers=lead)).json()
    assert case["status"] == "cancelled"  # not reopened; the concierge sees the message
    assert [m["body"] for m in case["messages"] if m["author"] == "customer"] == [
        "Sorry, I changed my mind again"
    ]
