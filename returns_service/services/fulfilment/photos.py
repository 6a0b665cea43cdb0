"""Photos a station takes of a returned item, for the concierge who decides on it.

A minimal local store until the portal's photo storage (adapters/storage.py, built on
another branch) is merged: the two are to become one. An upload is believed only after
Pillow has decoded it as the format its first bytes claim (JPEG, PNG or WebP), and it is
re-encoded from its pixels, so no metadata (EXIF location, camera serials) is kept."""

from __future__ import annotations

import asyncio
import io
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from returns_service.db.engine import DB
from returns_service.db.tables import InspectionPhoto
from returns_service.domain.access import Caller
from returns_service.domain.errors import InvalidRequest, NotFound
from returns_service.services.cases.records import lock_case
from returns_service.services.cases.views import find_case
from returns_service.services.fulfilment.schemas import PhotoView
from returns_service.services.platform.runtime import Runtime

MAX_BYTES = 8 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a phone's largest photo is ~50 MB of pixels; a bomb far more
# the first bytes of each accepted format, what it is called, and how it is saved again
_FORMATS = {
    "JPEG": ("image/jpeg", "jpg"),
    "PNG": ("image/png", "png"),
    "WEBP": ("image/webp", "webp"),
}


class NotAPhoto(InvalidRequest):
    code = "not-a-photo"
    title = "Not a JPEG, PNG or WebP photo"


def sniff(data: bytes) -> str | None:
    """The format the bytes begin like, whatever the upload's name or type says."""
    if data.startswith(b"\xff\xd8\xff"):
        return "JPEG"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "PNG"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP"
    return None


def clean(data: bytes) -> tuple[bytes, str, str]:
    """The photo re-encoded from its pixels alone: (bytes, content type, file extension)."""
    if len(data) > MAX_BYTES:
        raise NotAPhoto(f"a photo may be at most {MAX_BYTES // (1024 * 1024)} MB", field="file")
    kind = sniff(data)
    if kind is None:
        raise NotAPhoto("the file is not a JPEG, PNG or WebP image", field="file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise NotAPhoto("the image has too many pixels", field="file")
                image.load()
                pixels = image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB")
    except NotAPhoto:
        raise
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombWarning) as error:
        raise NotAPhoto(
            f"the image cannot be read ({type(error).__name__})", field="file"
        ) from None
    if kind == "JPEG" and pixels.mode != "RGB":
        pixels = pixels.convert("RGB")
    out = io.BytesIO()
    # a new image from the pixels only: no EXIF, XMP, ICC or text chunks are carried over
    pixels.save(out, format=kind, **({"quality": 90} if kind != "PNG" else {}))
    content_type, extension = _FORMATS[kind]
    return out.getvalue(), content_type, extension


@dataclass(frozen=True, slots=True)
class DiskPhotos:
    """Photos as files under one directory, named by a key the database holds."""

    root: Path

    def put(self, key: str, data: bytes) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(path.suffix + ".part")
        partial.write_bytes(data)
        partial.replace(path)  # a reader never sees half a photo

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"{key!r} is outside the photo store")
        return path


def photo_url(number: str, photo_id: int) -> str:
    return f"/api/v1/warehouse/cases/{number}/photos/{photo_id}"


async def add_photo(
    caller: Caller, number: str, data: bytes, store: DiskPhotos, rt: Runtime
) -> PhotoView:
    """A station's photo of a case's parcel: checked and stripped before anything is kept;
    the file is written before the row, so a row never names a missing file (a file whose
    row was rolled back is an orphan on disk, never a broken link)."""
    photo, content_type, extension = await asyncio.to_thread(clean, data)
    async with DB.transaction():
        case = await lock_case(caller, number)
        key = f"{case.store_id}/{case.id}/{secrets.token_hex(12)}.{extension}"
        await asyncio.to_thread(store.put, key, photo)
        now = rt.clock.now()
        rows = await InspectionPhoto.insert(
            InspectionPhoto(
                store=case.store_id,
                case=case.id,
                station=caller.station_id,
                content_type=content_type,
                size=len(photo),
                storage_key=key,
                uploaded_at=now,
            )
        )
        photo_id = int(rows[0]["id"])
    # a photo changes nothing about the case's state: no timeline event (its list is the record)
    return PhotoView(photo_id, photo_url(number, photo_id), content_type, len(photo), now)


async def photos_of(caller: Caller, number: str) -> list[PhotoView]:
    """The case's photos, for staff who may read the case (an agent: only their own)."""
    found = await find_case(caller, number)
    if found is None:
        raise NotFound(f"there is no case {number}")
    rows = await (
        InspectionPhoto.select()
        .where((InspectionPhoto.case == found["id"]) & (InspectionPhoto.store == caller.store_id))
        .order_by(InspectionPhoto.id)
    )
    return [
        PhotoView(
            r["id"], photo_url(number, r["id"]), r["content_type"], r["size"], r["uploaded_at"]
        )
        for r in rows
    ]


async def photo_file(
    caller: Caller, number: str, photo_id: int, store: DiskPhotos
) -> tuple[bytes, str]:
    found = await find_case(caller, number)
    rows = (
        await InspectionPhoto.select().where(
            (InspectionPhoto.id == photo_id) & (InspectionPhoto.case == found["id"])
        )
        if found
        else []
    )
    if not rows:
        raise NotFound(f"{number} has no photo {photo_id}")
    data = await asyncio.to_thread(store.get, rows[0]["storage_key"])
    return data, str(rows[0]["content_type"])
