"""Evidence photos in S3-compatible storage, against moto's S3 server on a local port (it
speaks the S3 HTTP API, so boto3 is exercised down to the wire): the round trip, a missing
key, the prefix, private objects, an outage answered as a problem, and an upload through the
portal API with the bucket configured."""

from __future__ import annotations

import asyncio
import dataclasses
import io
import uuid
from collections.abc import Iterator

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError
from moto.server import ThreadedMotoServer
from PIL import Image

from returns_service.adapters.s3_storage import S3PhotoStorage, s3_client
from returns_service.adapters.storage import DiskPhotoStorage, PhotoStorageUnavailable
from returns_service.clock import FrozenClock
from returns_service.db.tables import CasePhoto
from returns_service.domain.access import Role
from returns_service.services.cases.photos import MAX_PHOTOS_PER_CASE
from returns_service.services.platform.runtime import runtime_from_settings
from returns_service.settings import PhotoSettings, Settings
from returns_service.web.sessions import PORTAL_COOKIE
from tests.conftest import NOW
from tests.integration.cases.test_photos import camera_jpeg
from tests.integration.helpers import (
    Client,
    line_ids,
    open_return,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)

KEY = f"1/{'a' * 32}.jpg"


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def bucket(endpoint: str) -> str:
    """A fresh bucket per test, so one test's objects never show in another's."""
    name = f"photos-{uuid.uuid4().hex[:12]}"
    s3_client(endpoint, "us-east-1", "test", "test").create_bucket(Bucket=name)
    return name


@pytest.fixture
def photo_settings(endpoint: str, bucket: str) -> PhotoSettings:
    return PhotoSettings(
        s3_bucket=bucket,
        s3_endpoint_url=endpoint,
        s3_access_key_id="test",
        s3_secret_access_key="test",
        s3_prefix="evidence/",
    )


@pytest.fixture
def settings(database_url: str, photo_settings: PhotoSettings) -> Settings:
    """The service configured for S3 (the app fixture builds the runtime from these)."""
    return dataclasses.replace(Settings.from_env(), photos=photo_settings)


def _objects(photos: PhotoSettings) -> list[str]:
    client = s3_client(photos.s3_endpoint_url, photos.s3_region, "test", "test")
    listing = client.list_objects_v2(Bucket=photos.s3_bucket)
    return sorted(item["Key"] for item in listing.get("Contents", []))


def _storage(photos: PhotoSettings) -> S3PhotoStorage:
    storage = runtime_from_settings(Settings(photos=photos), FrozenClock(NOW)).photos
    assert isinstance(storage, S3PhotoStorage)  # a bucket set: S3 is used
    return storage


async def test_a_photo_goes_in_comes_back_and_is_removed(photo_settings: PhotoSettings) -> None:
    storage = _storage(photo_settings)
    await storage.put(KEY, b"jpeg bytes")
    assert await storage.get(KEY) == b"jpeg bytes"
    # under the prefix, with the key the service made, and private
    assert _objects(photo_settings) == [f"evidence/{KEY}"]
    client = storage.client
    head = client.head_object(Bucket=photo_settings.s3_bucket, Key=f"evidence/{KEY}")
    assert head["ContentType"] == "image/jpeg"
    grants = client.get_object_acl(Bucket=photo_settings.s3_bucket, Key=f"evidence/{KEY}")
    assert all("URI" not in grant["Grantee"] for grant in grants["Grants"])  # no AllUsers
    anonymous = boto3.session.Session().client(
        "s3",
        endpoint_url=photo_settings.s3_endpoint_url,
        config=Config(region_name="us-east-1", signature_version=UNSIGNED),
    )
    with pytest.raises(ClientError, match="403"):  # moto, like S3, refuses a private object
        anonymous.get_object(Bucket=photo_settings.s3_bucket, Key=f"evidence/{KEY}")
    await storage.delete(KEY)
    assert await storage.get(KEY) is None
    assert _objects(photo_settings) == []


async def test_a_missing_key_reads_as_none_and_deletes_quietly(
    photo_settings: PhotoSettings,
) -> None:
    storage = _storage(photo_settings)
    assert await storage.get(KEY) is None
    await storage.delete(KEY)  # nothing there: no error
    assert _objects(photo_settings) == []


async def test_the_prefix_keeps_photos_apart_in_a_shared_bucket(
    photo_settings: PhotoSettings,
) -> None:
    mine, theirs = (
        _storage(photo_settings),
        _storage(dataclasses.replace(photo_settings, s3_prefix="other-shop/")),
    )
    await mine.put(KEY, b"mine")
    assert await theirs.get(KEY) is None
    await theirs.put(KEY, b"theirs")
    assert await mine.get(KEY) == b"mine"
    assert _objects(photo_settings) == [f"evidence/{KEY}", f"other-shop/{KEY}"]


@pytest.mark.parametrize("key", ["../etc/passwd", "1/../../x.jpg", f"1/{'a' * 32}.svg", ""])
async def test_a_key_the_service_never_makes_is_refused_before_any_call(
    photo_settings: PhotoSettings, key: str
) -> None:
    storage = _storage(photo_settings)
    for call in (storage.put(key, b"x"), storage.get(key), storage.delete(key)):
        with pytest.raises(ValueError, match="not a photo key"):
            await call
    assert _objects(photo_settings) == []


async def test_storage_that_cannot_be_reached_is_reported_as_unavailable() -> None:
    # a port nobody listens on, and no retries, so the test does not wait for back-off
    client = boto3.session.Session().client(
        "s3",
        endpoint_url="http://127.0.0.1:9",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(region_name="us-east-1", retries={"max_attempts": 1}, connect_timeout=1),
    )
    storage = S3PhotoStorage("photos", "photos/", client)
    for call in (storage.put(KEY, b"x"), storage.get(KEY), storage.delete(KEY)):
        with pytest.raises(PhotoStorageUnavailable):
            await call


def test_without_a_bucket_photos_stay_on_disk() -> None:
    settings = Settings(photos=PhotoSettings(s3_endpoint_url="http://127.0.0.1:9"))
    storage = runtime_from_settings(settings, FrozenClock(NOW)).photos
    assert isinstance(storage, DiskPhotoStorage)


async def _case(client: Client, clock: FrozenClock) -> tuple[str, dict[str, str]]:
    await seed_store(client, await staff_headers(client, Role.ADMIN, clock))
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    case = await open_return(client, customer, refund_item(lines["RING-8-BLK"], reason="defective"))
    return case["number"], customer


async def test_a_portal_upload_lands_in_the_bucket_and_is_served_by_the_service(
    client: Client, clock: FrozenClock, photo_settings: PhotoSettings
) -> None:
    number, customer = await _case(client, clock)
    response = await client.post(
        f"/api/v1/portal/returns/{number}/photos",
        files={"photo": ("IMG_0001.JPG", camera_jpeg(), "image/jpeg")},
        headers=customer,
    )
    assert response.status_code == 201, response.text
    kept = _objects(photo_settings)
    assert len(kept) == 1 and kept[0].startswith("evidence/")
    shown = await client.get(response.json()["url"], headers=customer)
    assert shown.status_code == 200 and shown.headers["content-type"] == "image/jpeg"
    image = Image.open(io.BytesIO(shown.content))
    assert image.size == (64, 48) and b"SecretCam" not in shown.content  # cleaned, as on disk
    stored = await CasePhoto.select(CasePhoto.storage_key).first()
    assert stored is not None and kept == [f"evidence/{stored['storage_key']}"]


async def test_uploads_at_the_same_time_leave_one_object_per_kept_photo(
    client: Client, clock: FrozenClock, photo_settings: PhotoSettings
) -> None:
    number, customer = await _case(client, clock)
    photo = camera_jpeg()

    async def upload() -> int:
        response = await client.post(
            f"/api/v1/portal/returns/{number}/photos",
            files={"photo": ("a.jpg", photo, "image/jpeg")},
            headers=customer,
        )
        return response.status_code

    statuses = await asyncio.gather(*(upload() for _ in range(MAX_PHOTOS_PER_CASE + 3)))
    assert sorted(statuses) == [201] * MAX_PHOTOS_PER_CASE + [409] * 3
    # every refused upload removed its object again
    assert len(_objects(photo_settings)) == MAX_PHOTOS_PER_CASE == await CasePhoto.count()


async def test_an_upload_while_the_storage_fails_is_a_problem_and_keeps_nothing(
    client: Client, clock: FrozenClock, photo_settings: PhotoSettings
) -> None:
    number, customer = await _case(client, clock)
    # the bucket disappears (a wrong name, a revoked key): S3 refuses every call
    s3_client(photo_settings.s3_endpoint_url, "us-east-1", "test", "test").delete_bucket(
        Bucket=photo_settings.s3_bucket
    )
    response = await client.post(
        f"/api/v1/portal/returns/{number}/photos",
        files={"photo": ("a.jpg", camera_jpeg(), "image/jpeg")},
        headers=customer,
    )
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["type"].endswith("storage-unavailable")
    assert response.headers["retry-after"] == "5"
    assert await CasePhoto.count() == 0


async def test_the_case_page_says_so_when_the_storage_fails(
    client: Client, clock: FrozenClock, photo_settings: PhotoSettings
) -> None:
    number, customer = await _case(client, clock)
    token = customer["Authorization"].removeprefix("Bearer ")
    client.cookies.set(PORTAL_COOKIE, token, path="/portal")
    client.headers["x-csrftoken"] = (await client.get("/portal")).cookies["csrftoken"]
    s3_client(photo_settings.s3_endpoint_url, "us-east-1", "test", "test").delete_bucket(
        Bucket=photo_settings.s3_bucket
    )
    response = await client.post(
        f"/portal/returns/{number}/photos?lang=nb",
        files={"photo": ("a.jpg", camera_jpeg(), "image/jpeg")},
    )
    assert response.status_code == 200, response.text
    assert "Vi kunne ikke lagre bildet ditt akkurat nå." in response.text
    assert await CasePhoto.count() == 0
