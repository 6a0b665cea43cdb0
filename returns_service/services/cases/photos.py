"""Evidence photos on a case: the customer's (a defect, a wrong item) and, through the same
`add_photo`, the warehouse station's. A photo is accepted by what its bytes are (JPEG, PNG or
WebP), never by its name or declared type, and re-encoded so no EXIF/GPS or other metadata
of the original is kept; the original bytes are never stored."""

from __future__ import annotations

import contextlib
import io
import uuid
import warnings
from dataclasses import dataclass
from typing import Literal

from PIL import Image, ImageOps, UnidentifiedImageError

from returns_service.adapters.storage import PhotoStorage, PhotoStorageUnavailable
from returns_service.clock import Clock
from returns_service.db.engine import DB
from returns_service.db.scope import readable
from returns_service.db.tables import CasePhoto, ReturnCase
from returns_service.domain.access import Caller, Role
from returns_service.domain.errors import Conflict, InvalidRequest, NotFound
from returns_service.services.cases.records import lock_case
from returns_service.services.cases.schemas import PhotoView

Source = Literal["customer", "warehouse"]
MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 12 MP phone photo fits three times; a decompression bomb does not
MAX_PHOTOS_PER_CASE = 20
# what the bytes start with -> (Pillow's format, the type served, the file extension)
_SIGNATURES: tuple[tuple[bytes, str, str, str], ...] = (
    (b"\xff\xd8\xff", "JPEG", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "PNG", "image/png", "png"),
)
_FOR_STATUSES_CLOSED = ("closed", "cancelled", "rejected", "expired")


@dataclass(frozen=True, slots=True)
class CleanImage:
    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class PhotoFile:
    data: bytes
    content_type: str


def sniff(data: bytes) -> tuple[str, str, str] | None:
    """(format, content type, extension) by the file's first bytes; None for anything else."""
    for magic, image_format, content_type, extension in _SIGNATURES:
        if data.startswith(magic):
            return image_format, content_type, extension
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "WEBP", "image/webp", "webp"
    return None


def clean_image(data: bytes, max_bytes: int = MAX_PHOTO_BYTES) -> CleanImage:
    """The photo re-encoded in its own format, turned upright, with no metadata at all."""
    if not data:
        raise InvalidRequest("the photo is empty", field="photo")
    if len(data) > max_bytes:
        raise InvalidRequest(f"a photo may be at most {max_bytes} bytes", field="photo")
    found = sniff(data)
    if found is None:
        raise InvalidRequest("a photo must be a JPEG, PNG or WebP image", field="photo")
    image_format, content_type, extension = found
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[image_format]) as image:
                if image.width * image.height > MAX_PIXELS:
                    raise InvalidRequest("the photo has too many pixels", field="photo")
                image.load()
                upright = ImageOps.exif_transpose(image)
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
    ) as error:
        raise InvalidRequest("the photo could not be read as an image", field="photo") from error
    if image_format == "JPEG" and upright.mode not in ("RGB", "L"):
        upright = upright.convert("RGB")
    elif image_format != "JPEG" and upright.mode not in ("RGB", "RGBA", "L", "LA"):
        upright = upright.convert("RGBA")
    out = io.BytesIO()
    # only the pixels are written: no exif, icc_profile, pnginfo or xmp is passed on
    if image_format == "PNG":
        upright.save(out, format="PNG", optimize=True)
    else:
        upright.save(out, format=image_format, quality=90)
    return CleanImage(out.getvalue(), content_type, extension, upright.width, upright.height)


def photo_url(caller: Caller, number: str, photo_id: int) -> str:
    """Where this caller fetches the photo: customers through the portal, stations through
    the warehouse API, the rest of the staff through the case API."""
    if caller.role is Role.WAREHOUSE:
        return f"/api/v1/warehouse/cases/{number}/photos/{photo_id}"
    if caller.is_staff():
        return f"/api/v1/cases/{number}/photos/{photo_id}"
    return f"/api/v1/portal/returns/{number}/photos/{photo_id}"


async def add_photo(
    caller: Caller,
    number: str,
    data: bytes,
    content_type: str,
    source: Source,
    storage: PhotoStorage,
    clock: Clock,
    max_bytes: int = MAX_PHOTO_BYTES,
) -> PhotoView:
    """Keep one photo for a case the caller may read. `content_type` is what the client
    declared; it is not trusted (the bytes decide), only kept out of the way."""
    del content_type  # by content sniffing only, never by what the client calls it
    image = clean_image(data, max_bytes)
    key = f"{caller.store_id}/{uuid.uuid4().hex}.{image.extension}"
    # the file first: a row never points at nothing; a failed transaction removes the file
    await storage.put(key, image.data)
    try:
        async with DB.transaction():
            case = await lock_case(caller, number)
            if case.status in _FOR_STATUSES_CLOSED:
                raise Conflict(f"case {number} is {case.status}: it takes no more photos")
            count = await CasePhoto.count().where(CasePhoto.case == case.id)
            if count >= MAX_PHOTOS_PER_CASE:
                raise Conflict(f"a case holds at most {MAX_PHOTOS_PER_CASE} photos")
            rows = await CasePhoto.insert(
                CasePhoto(
                    store=caller.store_id,
                    case=case.id,
                    at=clock.now(),
                    source=source,
                    storage_key=key,
                    content_type=image.content_type,
                    size_bytes=len(image.data),
                    width=image.width,
                    height=image.height,
                )
            ).returning(CasePhoto.id)
    except BaseException:
        # the refusal (409, 404 ...) is what the client must hear, even when the storage
        # cannot take the file back just now: an orphaned object is harmless, a wrong answer not
        with contextlib.suppress(PhotoStorageUnavailable):
            await storage.delete(key)
        raise
    photo_id = rows[0]["id"]
    return PhotoView(
        id=photo_id, url=photo_url(caller, number, photo_id), source=source, at=clock.now()
    )


async def list_photos(caller: Caller, number: str) -> list[PhotoView]:
    """The case's photos, oldest first, with the caller's own URL for each; a case the
    caller may not read is not found (not an empty list, which would say it exists)."""
    if not await ReturnCase.exists().where(
        readable(caller, ReturnCase) & (ReturnCase.number == number)
    ):
        raise NotFound(f"case {number} not found")
    rows = await (
        CasePhoto.select(CasePhoto.id, CasePhoto.source, CasePhoto.at)
        .where(readable(caller, CasePhoto) & (CasePhoto.case.number == number))
        .order_by(CasePhoto.id)
    )
    return [
        PhotoView(
            id=r["id"], url=photo_url(caller, number, r["id"]), source=r["source"], at=r["at"]
        )
        for r in rows
    ]


async def photo_file(
    caller: Caller, number: str, photo_id: int, storage: PhotoStorage
) -> PhotoFile:
    """The photo's bytes, for those who can read the case; anything else is the same 404."""
    row = await (
        CasePhoto.select(CasePhoto.storage_key, CasePhoto.content_type)
        .where(
            readable(caller, CasePhoto)
            & (CasePhoto.id == photo_id)
            & (CasePhoto.case.number == number)
        )
        .first()
    )
    data = await storage.get(row["storage_key"]) if row else None
    if row is None or data is None:
        raise NotFound(f"case {number} has no photo {photo_id}")
    return PhotoFile(data, row["content_type"])
