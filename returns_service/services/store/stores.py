"""The store this deployment serves (one per deployment in v1; every row carries its id)."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from returns_service.clock import Clock
from returns_service.db.tables import Store

DEFAULT_STORE_SLUG = "default"


@dataclass(frozen=True, slots=True)
class StoreInfo:
    id: int
    name: str
    timezone: str

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


# A store's row never changes once made (nothing updates it), so each process reads it once.
_known: dict[int, StoreInfo] = {}


async def ensure_default_store(name: str, timezone: str, clock: Clock) -> StoreInfo:
    """Create the default store on first start; later starts find it (and keep its name)."""
    ZoneInfo(timezone)  # fail early on a mistyped RETURNS_STORE_TIMEZONE
    await (
        Store.insert(
            Store(slug=DEFAULT_STORE_SLUG, name=name, timezone=timezone, created_at=clock.now())
        )
        .on_conflict(target=Store.slug, action="DO NOTHING")
        .run()
    )
    row = await Store.select().where(Store.slug == DEFAULT_STORE_SLUG).first().run()
    assert row is not None
    _known[row["id"]] = StoreInfo(id=row["id"], name=row["name"], timezone=row["timezone"])
    return _known[row["id"]]


async def get_store(store_id: int) -> StoreInfo:
    if (known := _known.get(store_id)) is not None:
        return known
    row = await Store.select().where(Store.id == store_id).first().run()
    if row is None:
        raise LookupError(f"store {store_id} does not exist")
    _known[store_id] = StoreInfo(id=row["id"], name=row["name"], timezone=row["timezone"])
    return _known[store_id]
