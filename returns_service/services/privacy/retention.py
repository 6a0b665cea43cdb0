"""The worker's privacy jobs: redact cases final for longer than RETURNS_REDACT_AFTER_DAYS, and
delete the photo files that redactions removed (after their commit, retried until the storage
takes the deletion: a storage that is down never undoes or blocks a redaction)."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

from returns_service.adapters.storage import PhotoStorage
from returns_service.clock import Clock
from returns_service.db.engine import DB
from returns_service.domain.privacy import redaction_cutoff
from returns_service.services.privacy import queries
from returns_service.services.privacy.redaction import redact_case

log = logging.getLogger(__name__)

CASES_PER_PASS = 200  # a backlog (the setting just turned on) is worked off over passes
PHOTOS_PER_PASS = 100


@dataclass(frozen=True, slots=True)
class PrivacyReport:
    cases_redacted: int
    photos_deleted: int


def backoff(attempts: int) -> timedelta:
    """1 min, 2 min, 4 min ... capped at one hour: a deletion is retried for as long as it takes."""
    return timedelta(seconds=min(60 * 2 ** max(attempts - 1, 0), 3600))


async def run_privacy_jobs(
    clock: Clock, photos: PhotoStorage, redact_after_days: int
) -> PrivacyReport:
    cases = await redact_expired_cases(clock, redact_after_days)
    deleted = await delete_photo_files(clock, photos)
    return PrivacyReport(cases, deleted)


async def redact_expired_cases(clock: Clock, redact_after_days: int) -> int:
    cutoff = redaction_cutoff(clock.now(), redact_after_days)
    if cutoff is None:
        return 0
    redacted = 0
    for case_id in await queries.cases_to_expire(cutoff, CASES_PER_PASS):
        redacted += await redact_case(case_id, clock.now())
    return redacted


async def delete_photo_files(clock: Clock, photos: PhotoStorage) -> int:
    """Each due deletion in its own transaction: the row stays until the file is gone."""
    deleted = 0
    for _ in range(PHOTOS_PER_PASS):
        async with DB.transaction():
            row = await queries.claim_photo_deletion(clock.now())
            if row is None:
                break
            try:
                await photos.delete(row["storage_key"])
            except Exception as error:  # any failure of the storage: try again later
                attempts = row["attempts"] + 1
                log.warning(
                    "deleting photo %s failed (attempt %d): %s", row["storage_key"], attempts, error
                )
                await queries.photo_deletion_failed(
                    row["id"],
                    attempts,
                    clock.now() + backoff(attempts),
                    f"{type(error).__name__}: {error}"[:2000],
                )
                continue
            await queries.photo_deleted(row["id"])
            deleted += 1
    return deleted
