"""What "ship the replacement now" would do, before it is done: which SKU leaves, whether it
is an advance exchange with the date the original is due back, and what is charged if the
original never comes (the replacement's value, as `exchanges.ship_waiting` records it). The
console's confirmation states it; `exchanges.ship_now` stays the judge."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from returns_service.db.scope import readable
from returns_service.db.tables import ReturnCase
from returns_service.domain.access import Caller
from returns_service.domain.cases import CaseStatus
from returns_service.domain.errors import Conflict, NotFound
from returns_service.domain.money import Money
from returns_service.services.fulfilment import queries
from returns_service.services.fulfilment.exchanges import BEFORE_RECEIPT, SHIPPABLE
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store.policy import get_policy
from returns_service.services.store.stores import get_store


@dataclass(frozen=True, slots=True)
class PlannedShipment:
    sku: str
    quantity: int
    value: Money  # charged if an advance replacement's original never comes back
    return_by: date | None  # None: the original is back already (not an advance exchange)


async def preview_ship_now(caller: Caller, number: str, rt: Runtime) -> list[PlannedShipment]:
    rows = await ReturnCase.select(ReturnCase.id, ReturnCase.status, ReturnCase.store).where(
        readable(caller, ReturnCase) & (ReturnCase.number == number)
    )
    if not rows:
        raise NotFound(f"there is no case {number}")
    status = CaseStatus(rows[0]["status"])
    if status not in SHIPPABLE:
        raise Conflict(f"a {status.value} case ships no replacement")
    items = await queries.unshipped_exchange_items(rows[0]["id"])
    if not items:
        raise Conflict("no replacement is waiting to ship on this case")
    return_by = None
    if status in BEFORE_RECEIPT:
        policy = await get_policy(rows[0]["store"])
        tz = (await get_store(rows[0]["store"])).tz
        return_by = (
            rt.clock.now().astimezone(tz) + timedelta(days=policy.advance_exchange_return_days)
        ).date()
    return [
        PlannedShipment(
            i["exchange_sku"],
            i["quantity"],
            Money(int(i["price_amount"] or 0) * i["quantity"], i["currency"] or "USD"),
            return_by,
        )
        for i in items
    ]
