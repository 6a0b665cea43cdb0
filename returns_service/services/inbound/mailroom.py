"""The mailroom: every email that reaches the service, over SMTP or the HTTP route, comes in
here as raw MIME and is filed in one transaction.

It is kept as it came (`inbound_email`, raw bytes included; the same Message-ID twice is one
email). A reply to a case's signed address from the case's customer becomes their message
on the case, quoted history and signature taken off, attachments kept. Anything that does
not verify is held for a lead, never dropped. Bounces and auto-replies are recorded and
never become messages; a bounce of a case's email tells its concierge on the timeline."""

from __future__ import annotations

import contextlib
import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from returns_service.adapters.storage import PhotoStorageUnavailable
from returns_service.db.engine import DB
from returns_service.domain import reply_address
from returns_service.domain.access import Caller
from returns_service.domain.cases import SYSTEM
from returns_service.domain.errors import Conflict, Malformed
from returns_service.domain.inbound_mail import (
    Attachment,
    MailKind,
    NotAnEmail,
    ReceivedMail,
    parse_mail,
)
from returns_service.domain.mail_text import latest_reply
from returns_service.services.cases import conversation, timeline
from returns_service.services.cases.records import lock_case
from returns_service.services.cases.schemas import MESSAGE_MAX_LENGTH
from returns_service.services.inbound import queries
from returns_service.services.inbound.queries import AddressedCase
from returns_service.services.inbound.schemas import InboundReceipt
from returns_service.services.platform.runtime import Runtime

log = logging.getLogger(__name__)

MAX_EMAIL_BYTES = 25 * 1024 * 1024  # what common mail systems send at most
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10


@dataclass(frozen=True, slots=True)
class Filed:
    """What became of an email; `problem` says why it is malformed (it was kept all the
    same, for a lead), '' when it is not."""

    receipt: InboundReceipt
    problem: str = ""


@dataclass(frozen=True, slots=True)
class _Decision:
    status: str
    reason: str
    case: AddressedCase | None
    body: str = ""


async def receive(raw: bytes, rt: Runtime, envelope_recipients: Sequence[str] = ()) -> Filed:
    """File one email. Malformed when the bytes are not an email at all, or too large
    (nothing is kept)."""
    if len(raw) > MAX_EMAIL_BYTES:
        raise Malformed(f"an email may be at most {MAX_EMAIL_BYTES} bytes")
    try:
        mail = parse_mail(raw, tuple(envelope_recipients))
    except NotAnEmail as error:
        raise Malformed(str(error)) from error
    decision = await _decide(mail, rt)
    store_id = decision.case.store_id if decision.case else await queries.first_store_id()
    if store_id is None:
        raise Conflict("the service has no store yet")
    already = await queries.stored_email(store_id, mail.message_id)
    if already is not None:
        return Filed(InboundReceipt("duplicate", already.case_number, already.id))
    files, notes = _files(mail.attachments) if decision.status in ("accepted", "held") else ([], [])
    reason = "; ".join([decision.reason, *notes]) if decision.reason else "; ".join(notes)
    keys = [f"{store_id}/{uuid.uuid4().hex}.bin" for _ in files]
    for key, attachment in zip(keys, files, strict=True):
        await rt.photos.put(key, attachment.data)  # the file first: a row never points at nothing
    try:
        email_id = await _file(mail, raw, decision, reason, store_id, files, keys, rt)
    except BaseException:
        await _forget(rt, keys)
        raise
    if email_id is None:  # the same email arrived at the same moment: the other one keeps it
        await _forget(rt, keys)
        already = await queries.stored_email(store_id, mail.message_id)
        return Filed(
            InboundReceipt(
                "duplicate",
                already.case_number if already else None,
                already.id if already else None,
            )
        )
    case_number = decision.case.number if decision.case else None
    return Filed(InboundReceipt(decision.status, case_number, email_id), mail.problem)  # type: ignore[arg-type]


async def _decide(mail: ReceivedMail, rt: Runtime) -> _Decision:
    case, unverified = await _addressed_case(mail, rt)
    if mail.kind is MailKind.BOUNCE:
        return _Decision("bounce", mail.bounce_reason or "the email could not be delivered", case)
    if mail.kind is MailKind.AUTO_REPLY:
        return _Decision("auto_reply", "an automatic reply (out of office)", case)
    body = latest_reply(mail.text)[:MESSAGE_MAX_LENGTH]  # what a lead reads, held or not
    if mail.problem:
        return _Decision("held", mail.problem, case, body)
    if case is None:
        return _Decision("held", unverified, None, body)
    if mail.sender != case.customer_email.strip().lower():
        reason = f"the sender {mail.sender} is not the customer of case {case.number}"
        return _Decision("held", reason, case, body)
    if not body and not mail.attachments:
        return _Decision("held", "the reply has no text of its own", case, body)
    return _Decision("accepted", "", case, body)


async def _addressed_case(mail: ReceivedMail, rt: Runtime) -> tuple[AddressedCase | None, str]:
    """The case whose signed reply address the email was sent to (a bounce: the address the
    failed email carried), or why there is none."""
    domain = rt.inbound_domain
    addresses = (
        [*mail.bounced_addresses, *mail.recipients]
        if mail.kind is MailKind.BOUNCE
        else list(mail.recipients)
    )
    named = [found for a in addresses if (found := reply_address.parse(a, domain)) is not None]
    if not named:
        return None, f"it was not sent to a case's reply address at {domain}"
    for address in named:
        for case in await queries.cases_numbered(address.case_number):
            if reply_address.verifies(rt.secret_key, case.store_id, address):
                return case, ""
    number = named[0].case_number
    if not await queries.cases_numbered(number):
        return None, f"the reply address names case {number}, which does not exist"
    return None, f"the signature of the reply address of case {number} does not verify"


def _files(attachments: Sequence[Attachment]) -> tuple[list[Attachment], list[str]]:
    """The attachments kept as files, and notes on those left in the raw email only."""
    kept: list[Attachment] = []
    notes: list[str] = []
    for attachment in attachments:
        if len(attachment.data) > MAX_ATTACHMENT_BYTES:
            notes.append(f"{attachment.filename} is over {MAX_ATTACHMENT_BYTES} bytes")
        elif len(kept) >= MAX_ATTACHMENTS:
            notes.append(f"{attachment.filename}: more than {MAX_ATTACHMENTS} attachments")
        else:
            kept.append(attachment)
    return kept, [f"{note} (kept in the raw email only)" for note in notes]


async def _file(
    mail: ReceivedMail,
    raw: bytes,
    decision: _Decision,
    reason: str,
    store_id: int,
    files: list[Attachment],
    keys: list[str],
    rt: Runtime,
) -> int | None:
    now = rt.clock.now()
    case = decision.case
    async with DB.transaction():
        email_id = await queries.insert_email(
            store_id=store_id,
            received_at=now,
            message_id=mail.message_id,
            from_address=mail.sender,
            to_address=", ".join(mail.recipients)[:2000],
            subject=mail.subject,
            status=decision.status,
            reason=reason,
            case_id=case.id if case else None,
            body=decision.body,
            raw=raw,
        )
        if email_id is None:
            return None
        for key, attachment in zip(keys, files, strict=True):
            await queries.insert_attachment(
                store_id=store_id,
                inbound_email_id=email_id,
                filename=attachment.filename,
                content_type=attachment.content_type[:127],
                size_bytes=len(attachment.data),
                storage_key=key,
            )
        if case is not None and decision.status == "accepted":
            locked = await lock_case(Caller.system(case.store_id), case.number)
            message_id = await conversation.write_customer_message(locked, decision.body, rt)
            await queries.file_on_case(
                email_id, status="accepted", case_id=case.id, message_id=message_id
            )
        elif case is not None and decision.status == "bounce":
            await lock_case(Caller.system(case.store_id), case.number)
            await timeline.record(
                store_id=case.store_id,
                case_id=case.id,
                actor=SYSTEM,
                kind="email_bounced",
                at=now,
                params={"email": case.customer_email, "reason": reason[:300]},
                customer_visible=False,
            )
    return email_id


async def _forget(rt: Runtime, keys: list[str]) -> None:
    for key in keys:
        # an orphaned file is harmless; the answer to the sender must not depend on it
        with contextlib.suppress(PhotoStorageUnavailable):
            await rt.photos.delete(key)
