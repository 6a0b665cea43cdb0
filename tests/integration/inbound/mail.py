"""Emails as customers' mail programs and mail systems send them, and the steps the inbound
tests share."""

from __future__ import annotations

import dataclasses
from email.message import EmailMessage
from email.utils import make_msgid
from typing import Any

import httpx

from returns_service.adapters.mail import Mailer, OutgoingEmail, to_mime
from returns_service.clock import FrozenClock
from returns_service.domain.access import Role
from returns_service.services.platform.runtime import Runtime
from returns_service.services.platform.worker import WorkerConfig, run_once
from returns_service.settings import InboundSettings, Settings
from tests.integration.helpers import (
    Client,
    line_ids,
    open_return,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)

INBOUND_DOMAIN = "reply.shop.test"
INBOUND_SECRET = "inbound-test-secret"
BEARER = {"Authorization": f"Bearer {INBOUND_SECRET}", "Content-Type": "message/rfc822"}


def with_inbound(settings: Settings, smtp: str = "") -> Settings:
    return dataclasses.replace(
        settings, inbound=InboundSettings(domain=INBOUND_DOMAIN, smtp=smtp, secret=INBOUND_SECRET)
    )


class RecordingMailer(Mailer):
    """Keeps every email as the bytes an SMTP server would get."""

    def __init__(self) -> None:
        self.sent: list[EmailMessage] = []

    async def send(self, email: OutgoingEmail) -> None:
        self.sent.append(to_mime(email))


GMAIL_QUOTE = (
    "On Tue, 1 Sep 2026 at 14:00, Demo Store <{reply_to}> wrote:\n"
    "> Hello Ana,\n"
    "> Your return {number} is approved.\n"
    "> Print the label.\n"
)


def reply(
    reply_to: str,
    *,
    sender: str = "Ana Pop <Ana@Example.com>",
    text: str = "The strap is too short, can I have the 9 instead?",
    quote: str = "",
    attachments: tuple[tuple[str, str, bytes], ...] = (),
    message_id: str | None = None,
    headers: dict[str, str] | None = None,
    html: str | None = None,
) -> bytes:
    """A customer's reply, written the way Gmail writes one."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = reply_to
    message["Subject"] = "Re: Your return"
    message["Message-ID"] = message_id or make_msgid(domain="mail.example.com")
    for name, value in (headers or {}).items():
        message[name] = value
    if html is not None:
        message.set_content(html, subtype="html")
    else:
        message.set_content(f"{text}\n\n{quote}" if quote else text)
    for filename, content_type, data in attachments:
        maintype, subtype = content_type.split("/", 1)
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return message.as_bytes()


def delivery_report(original_reply_to: str, recipient: str = "ana@example.com") -> bytes:
    """A bounce as Postfix writes one (RFC 3464): the report and the failed email's headers."""
    boundary = "==bounce=="
    return (
        "Return-Path: <>\r\n"
        "From: MAILER-DAEMON@mx.example.com (Mail Delivery System)\r\n"
        f"To: {original_reply_to}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {make_msgid(domain='mx.example.com')}\r\n"
        "MIME-Version: 1.0\r\n"
        f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"\r\n'
        "\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/plain\r\n\r\n"
        "I'm sorry to have to inform you that your message could not be delivered.\r\n"
        f"--{boundary}\r\n"
        "Content-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.example.com\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\n"
        "Action: failed\r\n"
        "Status: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        f"--{boundary}\r\n"
        "Content-Type: text/rfc822-headers\r\n\r\n"
        "From: Demo Store <returns@store.example>\r\n"
        f"To: {recipient}\r\n"
        f"Reply-To: {original_reply_to}\r\n"
        "Subject: Your return is approved\r\n"
        f"--{boundary}--\r\n"
    ).encode()


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


async def case_with_an_email(client: Client, clock: FrozenClock) -> tuple[str, str, Any]:
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


async def post_email(
    client: Client, raw: bytes, headers: dict[str, str] = BEARER
) -> httpx.Response:
    return await client.post("/api/v1/inbound/email", content=raw, headers=headers)


async def customer_messages(
    client: Client, number: str, lead: dict[str, str]
) -> list[dict[str, Any]]:
    case = (await client.get(f"/api/v1/cases/{number}", headers=lead)).json()
    return [m for m in case["messages"] if m["author"] == "customer"]
