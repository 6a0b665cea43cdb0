"""Evidence photos over HTTP, shared by every audience that uploads or reads them (the portal
today, the warehouse station next): the multipart body, the body limit, and how a photo is
served (its own type, never sniffed by the browser, never cached by a shared cache)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Response
from litestar.datastructures import UploadFile
from litestar.enums import RequestEncodingType
from litestar.params import Body

from returns_service.services.cases.photos import MAX_PHOTO_BYTES, PhotoFile

# the photo plus the multipart envelope; larger bodies are a 413 before anything is read
PHOTO_BODY_LIMIT = MAX_PHOTO_BYTES + 64 * 1024


@dataclass
class PhotoUpload:
    photo: UploadFile


PhotoBody = Annotated[PhotoUpload, Body(media_type=RequestEncodingType.MULTI_PART)]


def photo_response(photo: PhotoFile) -> Response[bytes]:
    return Response(
        photo.data,
        media_type=photo.content_type,
        headers={
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, max-age=3600",
            "Content-Disposition": "inline",
            # an image opened on its own runs nothing
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )
