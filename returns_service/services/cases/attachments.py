"""Files that came with a customer's emailed reply (written by services/inbound), as the
case's messages show them and as staff download them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from returns_service.adapters.storage import PhotoStorage
from returns_service.db.scope import readable
from returns_service.db.tables import CaseAttachment
from returns_service.domain.access import Caller
from returns_service.domain.errors import NotFound
from returns_service.services.cases.schemas import AttachmentView

# Types a browser may show in place without running anything; everything else is sent as
# bytes of no particular type (an HTML or script file is never rendered from our origin).
_SHOWN_AS_IS = frozenset(
    ("image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf", "text/plain")
)


@dataclass(frozen=True, slots=True)
class AttachmentFile:
    data: bytes
    content_type: str
    filename: str


def attachment_url(number: str, attachment_id: int) -> str:
    return f"/api/v1/cases/{number}/attachments/{attachment_id}"


async def attachments_of(
    caller: Caller, message_ids: Sequence[int]
) -> dict[int, list[AttachmentView]]:
    """The attachments of these messages, by message id; only staff see them here."""
    if not message_ids or not caller.is_staff():
        return {}
    rows = await (
        CaseAttachment.select(
            CaseAttachment.id,
            CaseAttachment.message,
            CaseAttachment.filename,
            CaseAttachment.content_type,
            CaseAttachment.size_bytes,
            CaseAttachment.case.number.as_alias("number"),
        )
        .where(readable(caller, CaseAttachment) & CaseAttachment.message.is_in(list(message_ids)))
        .order_by(CaseAttachment.id)
    )
    found: dict[int, list[AttachmentView]] = {}
    for r in rows:
        found.setdefault(r["message"], []).append(
            AttachmentView(
                id=r["id"],
                filename=r["filename"],
                content_type=r["content_type"],
                size=r["size_bytes"],
                url=attachment_url(r["number"], r["id"]),
            )
        )
    return found


async def attachment_file(
    caller: Caller, number: str, attachment_id: int, storage: PhotoStorage
) -> AttachmentFile:
    """The file's bytes, for staff who can read the case; anything else is the same 404."""
    row = await (
        CaseAttachment.select(
            CaseAttachment.storage_key, CaseAttachment.content_type, CaseAttachment.filename
        )
        .where(
            readable(caller, CaseAttachment)
            & (CaseAttachment.id == attachment_id)
            & (CaseAttachment.case.number == number)
            & CaseAttachment.message.is_not_null()
        )
        .first()
    )
    data = await storage.get(row["storage_key"]) if row and caller.is_staff() else None
    if row is None or data is None:
        raise NotFound(f"case {number} has no attachment {attachment_id}")
    content_type = row["content_type"]
    served = content_type if content_type in _SHOWN_AS_IS else "application/octet-stream"
    return AttachmentFile(data, served, row["filename"])
