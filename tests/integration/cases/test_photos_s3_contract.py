"""The S3 photo storage against a real provider (AWS S3, MinIO, R2...), run only when one is
configured: RETURNS_TEST_S3_BUCKET (an existing bucket the key may write to), and optionally
RETURNS_TEST_S3_ENDPOINT_URL, RETURNS_TEST_S3_REGION, RETURNS_TEST_S3_ACCESS_KEY_ID and
RETURNS_TEST_S3_SECRET_ACCESS_KEY (unset: boto3's own credential chain). Moto, which the other
S3 tests use, accepts any request; this checks what only a real provider can: that it takes
our uploads as we send them, and that the objects are not readable without credentials.
Everything is written under a fresh prefix and removed again."""

from __future__ import annotations

import os
import uuid

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from returns_service.adapters.s3_storage import S3PhotoStorage, s3_client

BUCKET = os.environ.get("RETURNS_TEST_S3_BUCKET", "")
pytestmark = pytest.mark.skipif(
    not BUCKET,
    reason="no S3 provider configured: set RETURNS_TEST_S3_BUCKET (and RETURNS_TEST_S3_"
    "ENDPOINT_URL, _REGION, _ACCESS_KEY_ID, _SECRET_ACCESS_KEY) to run against a real one",
)
ENDPOINT = os.environ.get("RETURNS_TEST_S3_ENDPOINT_URL", "")
REGION = os.environ.get("RETURNS_TEST_S3_REGION", "us-east-1")
KEY = f"1/{uuid.uuid4().hex}.jpg"


def _storage() -> S3PhotoStorage:
    client = s3_client(
        ENDPOINT,
        REGION,
        os.environ.get("RETURNS_TEST_S3_ACCESS_KEY_ID", ""),
        os.environ.get("RETURNS_TEST_S3_SECRET_ACCESS_KEY", ""),
    )
    return S3PhotoStorage(BUCKET, f"returns-contract/{uuid.uuid4().hex}/", client)


async def test_a_real_provider_keeps_returns_and_removes_a_private_photo() -> None:
    storage = _storage()
    data = os.urandom(256 * 1024)
    try:
        assert await storage.get(KEY) is None
        await storage.put(KEY, data)
        assert await storage.get(KEY) == data
        # nobody without credentials can read it, whatever the bucket's defaults
        public = boto3.session.Session().client(
            "s3",
            endpoint_url=ENDPOINT or None,
            config=Config(
                region_name=REGION,
                signature_version=UNSIGNED,
                s3={"addressing_style": "path" if ENDPOINT else "auto"},  # as s3_client does
            ),
        )
        with pytest.raises(ClientError):
            public.get_object(Bucket=BUCKET, Key=storage.prefix + KEY)
    finally:
        await storage.delete(KEY)
    assert await storage.get(KEY) is None
    await storage.delete(KEY)  # a second delete of a key now missing is fine
