"""Where evidence photos are kept: behind a small Protocol, so the services never notice which
one a deployment uses: on disk under the data directory (the default), or S3-compatible object
storage (`s3_storage.py`, when `RETURNS_PHOTOS_S3_BUCKET` is set)."""

from __future__ import annotations

import asyncio
import os
import re
import tempfile
from pathlib import Path
from typing import Protocol

# keys are made by the service ("<store>/<uuid>.<ext>"; `.bin` for files that came with a
# customer's email); anything else is refused so a key can never climb out of the storage root
_KEY = re.compile(r"^[0-9]{1,18}/[0-9a-f]{32}\.(jpg|png|webp|bin)$")


def checked_key(key: str) -> str:
    """`key` when the service could have made it; ValueError otherwise."""
    if not _KEY.match(key):
        raise ValueError(f"not a photo key: {key!r}")
    return key


class PhotoStorageUnavailable(Exception):
    """The storage could not be reached or refused the call; nothing was kept or removed."""


class PhotoStorage(Protocol):
    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes | None: ...

    async def delete(self, key: str) -> None: ...


class DiskPhotoStorage:
    """Files under `root`, written to a temporary name and renamed: a reader never sees half a
    photo, and a crash leaves no partial file under a real key."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / checked_key(key)

    # file I/O in a worker thread: a 10 MB write must not stall the event loop
    async def put(self, key: str, data: bytes) -> None:
        await asyncio.to_thread(self._write, self._path(key), data)

    async def get(self, key: str) -> bytes | None:
        return await asyncio.to_thread(self._read, self._path(key))

    async def delete(self, key: str) -> None:
        await asyncio.to_thread(self._path(key).unlink, missing_ok=True)

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".upload-")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    @staticmethod
    def _read(path: Path) -> bytes | None:
        try:
            return path.read_bytes()
        except FileNotFoundError:
            return None
