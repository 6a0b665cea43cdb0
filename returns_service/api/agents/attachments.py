"""Files that came with a customer's emailed reply, for the staff who can read the case.
Always a download: whatever the sender called it, nothing is rendered from our origin."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath

from returns_service.api.auth import allow
from returns_service.api.params import CaseNumber
from returns_service.domain.access import Caller, Role
from returns_service.services.cases.attachments import AttachmentFile, attachment_file
from returns_service.services.platform.runtime import Runtime


class CaseAttachmentsController(Controller):
    path = "/api/v1/cases"
    tags = ["cases"]
    guards = [allow(Role.AGENT, Role.LEAD)]

    @get(
        "/{number:str}/attachments/{attachment_id:int}",
        summary="A file that came with the customer's emailed reply (a download)",
        media_type="application/octet-stream",
    )
    async def get_attachment(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        attachment_id: FromPath[int],
        runtime: NamedDependency[Runtime],
    ) -> Response[bytes]:
        return attachment_response(
            await attachment_file(caller, number, attachment_id, runtime.photos)
        )


def attachment_response(found: AttachmentFile) -> Response[bytes]:
    """The file as a download under its own name, never rendered (the console serves it too)."""
    ascii_name = found.filename.encode("ascii", "replace").decode().replace("?", "_")
    return Response(
        found.data,
        media_type=found.content_type,
        headers={
            "Content-Disposition": f'attachment; filename="{ascii_name}"; '
            f"filename*=UTF-8''{quote(found.filename)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
