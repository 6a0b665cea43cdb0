"""Evidence photos in S3-compatible object storage (AWS S3, MinIO, Cloudflare R2, ...).

boto3 rather than aiobotocore: boto3 is the client AWS itself maintains, its client objects
are thread-safe, and aiobotocore pins exact botocore versions, which fights every other
package that needs botocore. Each call therefore runs in a worker thread, so a slow upload
never stalls the event loop. Objects are written without an ACL (private, whatever the
bucket's default allows): the service serves photos itself, to the people allowed to see
them, and the pages' CSP only allows images from the service's own address."""

from __future__ import annotations

import asyncio
from typing import Any

from returns_service.adapters.storage import PhotoStorageUnavailable, checked_key

_CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
# what S3 and its look-alikes answer for a key that holds nothing
_MISSING = {"NoSuchKey", "404", "NotFound"}


def s3_client(
    endpoint_url: str = "",
    region: str = "us-east-1",
    access_key_id: str = "",
    secret_access_key: str = "",
) -> Any:
    try:
        import boto3
        from botocore.config import Config
    except ImportError:
        raise ValueError("RETURNS_PHOTOS_S3_BUCKET needs boto3: pip install -e '.[s3]'") from None

    config = Config(
        region_name=region,
        connect_timeout=5,
        read_timeout=30,
        retries={"max_attempts": 3, "mode": "standard"},
        # other providers (and MinIO) do not all accept the checksums botocore >= 1.36 adds
        # to every upload by default; S3 itself still checks the body's MD5/length
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
        # a custom endpoint (MinIO, R2, a local stand-in) is reached by path: bucket names as
        # host names need DNS set up for them, which such endpoints often lack
        s3={"addressing_style": "path" if endpoint_url else "auto"},
    )
    # no keys given: boto3's own chain (AWS_* variables, an instance or task role) decides
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint_url or None,
        aws_access_key_id=access_key_id or None,
        aws_secret_access_key=secret_access_key or None,
        config=config,
    )


class S3PhotoStorage:
    """Photos as objects `<prefix><key>` in one bucket."""

    def __init__(self, bucket: str, prefix: str = "photos/", client: Any = None) -> None:
        self.bucket = bucket
        self.prefix = prefix
        self.client = s3_client() if client is None else client

    def _object(self, key: str) -> str:
        return self.prefix + checked_key(key)

    async def put(self, key: str, data: bytes) -> None:
        name = self._object(key)
        content_type = _CONTENT_TYPES[key.rsplit(".", 1)[1]]
        await self._call(
            self.client.put_object,
            Bucket=self.bucket,
            Key=name,
            Body=data,
            ContentType=content_type,
        )

    async def get(self, key: str) -> bytes | None:
        return await self._call(self._read, self._object(key))

    async def delete(self, key: str) -> None:
        # S3 answers a delete of a missing key with success too
        await self._call(self.client.delete_object, Bucket=self.bucket, Key=self._object(key))

    def _read(self, name: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=name)
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") in _MISSING:
                return None
            raise
        with answer["Body"] as body:
            data: bytes = body.read()
        return data

    @staticmethod
    async def _call(method: Any, *args: Any, **kwargs: Any) -> Any:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return await asyncio.to_thread(method, *args, **kwargs)
        except (BotoCoreError, ClientError) as error:
            # the API answers a problem for this, not a 500 with the provider's text
            raise PhotoStorageUnavailable(str(error)) from error
