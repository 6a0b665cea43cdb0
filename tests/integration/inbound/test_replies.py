"""Customers' email replies land on the case: a reply to the Reply-To of a real email the
service sent becomes the customer's message, quoted history gone and files kept, whether it
comes over the HTTP route, a mail provider's post or the worker's SMTP server."""

from __future__ import annotations

import asyncio
import base64
import socket

import aiosmtplib
import pytest
from litestar import Litestar

from returns_service.clock import FrozenClock
from returns_service.db.tables import InboundEmail
from returns_service.domain.access import Role
from returns_service.services.platform.worker import WorkerConfig, run_forever, run_once
from returns_service.web.sessions import AGENT_COOKIE
from tests.integration.helpers import (
    Client,
    portal_headers,
    seed_store,
    staff_headers,
)
from tests.integration.inbound.mail import (
    GMAIL_QUOTE,
    INBOUND_SECRET,
    PDF,
    RecordingMailer,
    case_with_an_email,
    customer_messages,
    post_email,
    reply,
)


async def test_a_reply_over_http_lands_on_the_case_without_its_quote_and_with_its_files(
    client: Client, clock: FrozenClock
) -> None:
    number, reply_to, lead = await case_with_an_email(client, clock)
    raw = reply(
        reply_to,
        quote=GMAIL_QUOTE.format(reply_to=reply_to, number=number),
        attachments=(
            ("receipt.pdf", "application/pdf", PDF),
            ("page.html", "text/html", b"<script>alert(1)</script>"),
        ),
    )
    response = await post_email(client, raw)
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "accepted"
    assert response.json()["case_number"] == number

    (message,) = await customer_messages(client, number, lead)
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
    # the agent console lists the files and serves them to its cookie session, as downloads
    client.cookies.set(AGENT_COOKIE, lead["Authorization"][7:], path="/agent")
    page = await client.get(f"/agent/cases/{number}")
    link = f"/agent/cases/{number}/attachments/{pdf['id']}"
    assert page.status_code == 200 and f'href="{link}"' in page.text
    console = await client.get(link)
    assert console.status_code == 200 and console.content == PDF
    assert console.headers["content-disposition"].startswith("attachment;")
    client.cookies.delete(AGENT_COOKIE, path="/agent")
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
    number, reply_to, lead = await case_with_an_email(client, clock)
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
    (message,) = await customer_messages(client, number, lead)
    assert message["body"] == "The strap is too short, can I have the 9 instead?"
    (attachment,) = message["attachments"]
    download = await client.get(attachment["url"], headers=lead)
    assert download.content == PDF
    with pytest.raises(OSError):  # the worker's end closed the server
        await asyncio.open_connection("127.0.0.1", port)


async def test_an_html_only_reply_is_read_as_text(client: Client, clock: FrozenClock) -> None:
    number, reply_to, lead = await case_with_an_email(client, clock)
    html = (
        "<html><head><style>p{color:red}</style></head><body>"
        "<div>Size 9 please &amp; thanks.</div>"
        '<div class="gmail_quote">On Tue, 1 Sep 2026 at 14:00, Demo Store wrote:'
        "<blockquote>Your return is approved.</blockquote></div></body></html>"
    )
    assert (await post_email(client, reply(reply_to, html=html))).json()["status"] == "accepted"
    (message,) = await customer_messages(client, number, lead)
    assert message["body"] == "Size 9 please & thanks."


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
    number, reply_to, lead = await case_with_an_email(client, clock)
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
    bodies = [m["body"] for m in await customer_messages(client, number, lead)]
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
    number, reply_to, lead = await case_with_an_email(client, clock)
    customer = await portal_headers(client)
    cancelled = await client.post(f"/api/v1/portal/returns/{number}/cancel", headers=customer)
    assert cancelled.status_code == 200, cancelled.text
    answer = await post_email(client, reply(reply_to, text="Sorry, I changed my mind again"))
    assert answer.json()["status"] == "accepted"
    case = (await client.get(f"/api/v1/cases/{number}", headers=lead)).json()
    assert case["status"] == "cancelled"  # not reopened; the concierge sees the message
    assert [m["body"] for m in case["messages"] if m["author"] == "customer"] == [
        "Sorry, I changed my mind again"
    ]
