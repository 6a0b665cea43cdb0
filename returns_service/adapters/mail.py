"""Sending email. By default into a local mail-drop folder (one .eml per message) so a new user
can read what customers would get; SMTP when configured."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from pathlib import Path
from typing import Protocol

from returns_service.settings import MailSettings


@dataclass(frozen=True, slots=True)
class OutgoingEmail:
    event_id: str  # stable across retries: the Message-ID and the mail-drop file name
    sender: str
    sender_name: str
    recipient: str
    subject: str
    body: str  # the text/plain part
    language: str
    created_at_rfc2822: str
    html: str = ""  # the text/html alternative; '' sends the text part alone
    reply_to: str = ""  # the case's signed reply address; '' (no case): no Reply-To


def header_value(value: str) -> str:
    """A header value with no line break: CR/LF in a name or subject would either let text
    inject headers or make every retry of the message fail, so they become spaces here, at
    the last layer before the wire, whatever the layers above let through."""
    return re.sub(r"[\r\n]+", " ", value).strip()


class Mailer(Protocol):
    async def send(self, email: OutgoingEmail) -> None: ...


def to_mime(email: OutgoingEmail) -> EmailMessage:
    message = EmailMessage()
    message["Message-ID"] = f"<{email.event_id}@returns-concierge>"
    message["Date"] = email.created_at_rfc2822
    message["From"] = formataddr((header_value(email.sender_name), header_value(email.sender)))
    message["To"] = header_value(email.recipient)
    message["Subject"] = header_value(email.subject)
    if email.reply_to:
        message["Reply-To"] = header_value(email.reply_to)
    message["X-Event-Id"] = email.event_id
    # multipart/alternative: text first, HTML last (clients show the last part they can)
    message.set_content(email.body)
    if email.html:
        message.add_alternative(email.html, subtype="html")
    message["Content-Language"] = header_value(email.language)  # set_content resets Content-*
    return message


class MailDropMailer:
    """Writes `<event_id>.eml` atomically; a message already there is not written again, so a
    retried delivery of the same event never makes a second file."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    async def send(self, email: OutgoingEmail) -> None:
        await asyncio.to_thread(self._write, email)

    def _write(self, email: OutgoingEmail) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        target = self.folder / f"{email.event_id}.eml"
        if target.exists():
            return
        fd, temporary = tempfile.mkstemp(dir=self.folder, suffix=".part")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(to_mime(email).as_bytes())
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, target)
        finally:
            if os.path.exists(temporary):
                os.unlink(temporary)


class SmtpMailer:
    def __init__(self, settings: MailSettings) -> None:
        self.settings = settings

    async def send(self, email: OutgoingEmail) -> None:
        import aiosmtplib

        s = self.settings
        await aiosmtplib.send(
            to_mime(email),
            hostname=s.smtp_host,
            port=s.smtp_port,
            username=s.smtp_username or None,
            password=s.smtp_password or None,
            use_tls=s.smtp_tls == "tls",
            start_tls=True if s.smtp_tls == "starttls" else None,
            timeout=30,
        )


def mailer_from_settings(settings: MailSettings) -> Mailer:
    if settings.smtp_host:
        return SmtpMailer(settings)
    return MailDropMailer(settings.drop_dir)
