"""A parcel whose label cannot be read: the station looks its case up by the order number,
the customer's email or name. Only cases whose parcel may be on its way (approved, in
transit) are found: those are the ones a parcel on the bench can belong to."""

from __future__ import annotations

import base64
import binascii

import msgspec

from returns_service.domain.access import Caller
from returns_service.domain.cases import CaseStatus
from returns_service.domain.errors import InvalidRequest
from returns_service.domain.text import prefix_range as _prefix_range
from returns_service.services.fulfilment import queries
from returns_service.services.fulfilment.schemas import ParcelLine, ParcelMatch, ParcelSearchPage

PAGE_SIZE = 20
MIN_QUERY = 3
MAX_QUERY = 320  # an email address's longest
OPEN = [CaseStatus.APPROVED.value, CaseStatus.IN_TRANSIT.value]
_LAST = 2**63 - 1  # before the first page: every case id is smaller


def _cursor(case_id: int) -> str:
    return base64.urlsafe_b64encode(str(case_id).encode()).decode().rstrip("=")


def _after(cursor: str | None) -> int:
    if not cursor:
        return _LAST
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = int(raw.decode("ascii"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        value = 0
    if not 0 < value <= _LAST:
        raise InvalidRequest("the cursor is not one this service gave out", field="cursor")
    return value


async def search(caller: Caller, q: str, cursor: str | None = None) -> ParcelSearchPage:
    text = " ".join(q.split())  # a name typed with stray spaces is the same name
    if len(text) < MIN_QUERY:
        raise InvalidRequest(
            f"type at least {MIN_QUERY} characters: an order number, an email or a name",
            field="q",
        )
    if len(text) > MAX_QUERY:
        raise InvalidRequest(f"at most {MAX_QUERY} characters", field="q")
    lowered = text.lower()
    first, _, rest = lowered.partition(" ")
    # "ana pop": first name "ana", last name starting "pop"; a one-word query never matches
    # this branch (an empty first name and range match no one with a name)
    full_name = (first, *_prefix_range(rest)) if rest else ("", "", "")
    statement = queries.parcel_search_statement(
        caller,
        order_number=text,
        email=lowered,
        name=_prefix_range(lowered),
        full_name=full_name,
        statuses=OPEN,
        before_id=_after(cursor),
        limit=PAGE_SIZE + 1,
    )
    rows = await queries.parcel_search(statement)
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    items = [
        ParcelMatch(
            number=r["number"],
            status=r["status"],
            order_number=r["order_number"],
            customer_name=" ".join(filter(None, (r["first_name"], r["last_name"]))),
            created_at=r["created_at"],
            items=msgspec.json.decode(r["items"] or "[]", type=list[ParcelLine]),
        )
        for r in rows
    ]
    return ParcelSearchPage(items, _cursor(rows[-1]["id"]) if more else None)
