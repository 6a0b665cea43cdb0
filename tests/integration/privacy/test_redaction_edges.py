"""The corners of a redaction: a photo storage that is down loses nothing (the redaction stands,
the file goes once the storage is back), and a rejection's reason, the concierge's words to the
customer, goes with the rest of the conversation."""

from __future__ import annotations

from returns_service.adapters.storage import PhotoStorage, PhotoStorageUnavailable
from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseEvent, CasePhoto, Customer, PhotoDeletion, ReturnCase
from returns_service.domain.access import Role
from returns_service.services.privacy.retention import delete_photo_files
from returns_service.settings import Settings
from tests.integration.helpers import (
    WATCH_POLICY,
    Client,
    add_agent,
    line_ids,
    open_return,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)
from tests.integration.privacy.seed import EMAIL, runtime, seed_customer


class FlakyStorage:
    """The app's own storage, with deletions refused while `down` (an S3 outage)."""

    def __init__(self, inner: PhotoStorage) -> None:
        self.inner = inner
        self.down = True

    async def put(self, key: str, data: bytes) -> None:
        await self.inner.put(key, data)

    async def get(self, key: str) -> bytes | None:
        return await self.inner.get(key)

    async def delete(self, key: str) -> None:
        if self.down:
            raise PhotoStorageUnavailable("the bucket cannot be reached")
        await self.inner.delete(key)


async def test_a_photo_storage_that_is_down_never_loses_the_redaction(
    client: Client, clock: FrozenClock, settings: Settings
) -> None:
    seeded = await seed_customer(client, clock)
    [stored] = await CasePhoto.select(CasePhoto.storage_key)
    path = settings.database.data_dir / "photos" / stored["storage_key"]
    response = await client.post(
        "/api/v1/customers/redact", json={"email": EMAIL}, headers=seeded["admin"]
    )
    assert response.status_code == 200, response.text
    storage = FlakyStorage(runtime(client).photos)

    assert await delete_photo_files(clock, storage) == 0
    [waiting] = await PhotoDeletion.select()
    assert waiting["attempts"] == 1 and "cannot be reached" in waiting["last_error"]
    assert path.is_file()  # still there, and still owed
    assert await Customer.count().where(Customer.redacted_at.is_not_null()) == 1
    assert await CasePhoto.count() == 0

    clock.advance(seconds=30)  # not due again yet (a minute after the first failure)
    storage.down = False
    assert await delete_photo_files(clock, storage) == 0 and path.is_file()
    clock.advance(seconds=31)
    assert await delete_photo_files(clock, storage) == 1
    assert not path.exists() and await PhotoDeletion.count() == 0


async def test_a_rejections_reason_is_redacted_with_the_conversation(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    policy = {**WATCH_POLICY, "auto_approve": False}
    assert (await client.put("/api/v1/policy", json=policy, headers=admin)).is_success
    _, agent = await add_agent(client, admin, "Ioana")
    ana = await portal_headers(client)
    lines = await line_ids(client, ana)
    number = (await open_return(client, ana, refund_item(lines["RING-8-BLK"])))["number"]
    reason = "Worn for months, sorry: we cannot take it back"
    rejected = await client.post(
        f"/api/v1/cases/{number}/reject", json={"reason": reason}, headers=agent
    )
    assert rejected.status_code == 200, rejected.text

    response = await client.post("/api/v1/customers/redact", json={"email": EMAIL}, headers=admin)
    assert response.json() == {"customers": 1, "cases": 1}
    case = await ReturnCase.select().where(ReturnCase.number == number).first()
    assert case is not None
    assert case["status"] == "rejected" and case["reject_reason"] == "[redacted]"
    event = await CaseEvent.select().where(CaseEvent.to_status == "rejected").first()
    assert event is not None and event["params"] and "Worn" not in str(event["params"])
    view = await client.get(f"/api/v1/cases/{number}", headers=agent)
    assert view.status_code == 200 and "Worn" not in view.text
