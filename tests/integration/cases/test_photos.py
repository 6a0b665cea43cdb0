"""Evidence photos: accepted by what the bytes are, stored without the camera's metadata
(GPS included), shown only to the customer and the store's staff, refused without a trace
when they are not an image or too large."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from PIL import Image

from returns_service.adapters.storage import PhotoStorageUnavailable
from returns_service.clock import FrozenClock
from returns_service.db.tables import CasePhoto
from returns_service.domain.access import Caller, Role
from returns_service.domain.errors import NotFound
from returns_service.services.cases.photos import MAX_PHOTO_BYTES, MAX_PHOTOS_PER_CASE, add_photo
from returns_service.settings import Settings
from tests.integration.helpers import (
    Client,
    line_ids,
    open_return,
    order_doc,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)


def camera_jpeg() -> bytes:
    """A phone photo: EXIF with the camera's make and where it was taken."""
    image = Image.new("RGB", (64, 48), (200, 30, 30))
    exif = Image.Exif()
    exif[0x010F] = "SecretCam"  # Make
    exif[0x0110] = "Model X"  # Model
    exif[0x8825] = {1: "N", 2: (44.0, 25.0, 12.0), 3: "E", 4: (26.0, 6.0, 1.0)}  # GPS
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif.tobytes())
    return out.getvalue()


async def _case(client: Client, clock: FrozenClock) -> tuple[str, dict[str, str]]:
    await seed_store(client, await staff_headers(client, Role.ADMIN, clock))
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    case = await open_return(client, customer, refund_item(lines["RING-8-BLK"], reason="defective"))
    return case["number"], customer


def _photo_files(settings: Settings) -> list[Path]:
    return [p for p in (settings.database.data_dir / "photos").rglob("*") if p.is_file()]


async def test_a_customer_photo_is_kept_without_its_gps_and_camera_details(
    client: Client, clock: FrozenClock
) -> None:
    number, customer = await _case(client, clock)
    original = camera_jpeg()
    assert b"SecretCam" in original and Image.open(io.BytesIO(original)).getexif()
    response = await client.post(
        f"/api/v1/portal/returns/{number}/photos",
        files={"photo": ("IMG_0001.JPG", original, "image/jpeg")},
        headers=customer,
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["url"] == f"/api/v1/portal/returns/{number}/photos/{body['id']}"

    shown = await client.get(body["url"], headers=customer)
    assert shown.status_code == 200
    assert shown.headers["content-type"] == "image/jpeg"
    assert shown.headers["x-content-type-options"] == "nosniff"
    image = Image.open(io.BytesIO(shown.content))
    assert image.format == "JPEG" and image.size == (64, 48)
    assert not image.getexif() and b"SecretCam" not in shown.content
    assert b"Exif" not in shown.content

    # the store's staff see it in the case view, at their own address
    lead = await staff_headers(client, Role.LEAD, clock)
    view = (await client.get(f"/api/v1/cases/{number}", headers=lead)).json()
    assert [p["id"] for p in view["photos"]] == [body["id"]]
    staff_copy = await client.get(view["photos"][0]["url"], headers=lead)
    assert staff_copy.status_code == 200 and staff_copy.content == shown.content


async def test_a_file_that_only_calls_itself_a_jpeg_is_refused_and_nothing_is_kept(
    client: Client, clock: FrozenClock, settings: Settings
) -> None:
    number, customer = await _case(client, clock)
    before = _photo_files(settings)
    for name, content in (
        ("photo.jpg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64),  # the right start, no image after
        ("empty.webp", b""),
    ):
        response = await client.post(
            f"/api/v1/portal/returns/{number}/photos",
            files={"photo": (name, content, "image/jpeg")},
            headers=customer,
        )
        assert response.status_code == 422, (name, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert await CasePhoto.count() == 0
    assert _photo_files(settings) == before


async def test_a_photo_over_the_limit_is_refused_and_nothing_is_kept(
    client: Client, clock: FrozenClock
) -> None:
    number, customer = await _case(client, clock)
    photo = camera_jpeg()
    just_over = photo + b"\x00" * (MAX_PHOTO_BYTES + 1 - len(photo))
    response = await client.post(
        f"/api/v1/portal/returns/{number}/photos",
        files={"photo": ("big.jpg", just_over, "image/jpeg")},
        headers=customer,
    )
    assert response.status_code == 422 and "at most" in response.json()["detail"]
    # far over: the body limit answers before anything is read
    response = await client.post(
        f"/api/v1/portal/returns/{number}/photos",
        files={"photo": ("huge.jpg", photo + b"\x00" * 2 * MAX_PHOTO_BYTES, "image/jpeg")},
        headers=customer,
    )
    assert response.status_code == 413
    assert await CasePhoto.count() == 0


async def test_another_customer_can_neither_add_nor_see_a_photo(
    client: Client, clock: FrozenClock
) -> None:
    number, customer = await _case(client, clock)
    response = await client.post(
        f"/api/v1/portal/returns/{number}/photos",
        files={"photo": ("a.jpg", camera_jpeg(), "image/jpeg")},
        headers=customer,
    )
    url = response.json()["url"]
    admin = await staff_headers(client, Role.ADMIN, clock)
    other = order_doc(number="1002", email="eve@example.com")
    assert (await client.post("/api/v1/orders", json=other, headers=admin)).status_code == 201
    eve = await portal_headers(client, number="1002", email="eve@example.com")
    assert (await client.get(url, headers=eve)).status_code == 404
    refused = await client.post(
        f"/api/v1/portal/returns/{number}/photos",
        files={"photo": ("b.jpg", camera_jpeg(), "image/jpeg")},
        headers=eve,
    )
    assert refused.status_code == 404
    assert (await client.get(url)).status_code == 401
    assert await CasePhoto.count() == 1


async def test_uploads_at_the_same_time_never_pass_the_limit_or_leave_stray_files(
    client: Client, clock: FrozenClock, settings: Settings
) -> None:
    number, customer = await _case(client, clock)
    before = len(_photo_files(settings))
    photo = camera_jpeg()

    async def upload() -> int:
        response = await client.post(
            f"/api/v1/portal/returns/{number}/photos",
            files={"photo": ("a.jpg", photo, "image/jpeg")},
            headers=customer,
        )
        return response.status_code

    statuses = await asyncio.gather(*(upload() for _ in range(MAX_PHOTOS_PER_CASE + 4)))
    assert sorted(statuses) == [201] * MAX_PHOTOS_PER_CASE + [409] * 4
    assert await CasePhoto.count() == MAX_PHOTOS_PER_CASE
    # every refused upload removed its file: one file per kept photo
    assert len(_photo_files(settings)) - before == MAX_PHOTOS_PER_CASE


class _StorageThatCannotDelete:
    """Storage that takes files but is down when asked to remove one (an S3 outage between
    the upload and the clean-up)."""

    def __init__(self) -> None:
        self.kept: dict[str, bytes] = {}

    async def put(self, key: str, data: bytes) -> None:
        self.kept[key] = data

    async def get(self, key: str) -> bytes | None:
        return self.kept.get(key)

    async def delete(self, key: str) -> None:
        raise PhotoStorageUnavailable("the photo storage is down")


async def test_a_refused_photo_is_refused_even_when_its_file_cannot_be_removed(
    db: None, clock: FrozenClock
) -> None:
    storage = _StorageThatCannotDelete()
    caller = Caller(Role.CUSTOMER, 1, customer_id=1, order_id=1)
    with pytest.raises(NotFound):  # the refusal the client must hear, not the storage outage
        await add_photo(caller, "R-NOCASE", camera_jpeg(), "image/jpeg", "customer", storage, clock)
    assert len(storage.kept) == 1 and await CasePhoto.count() == 0
