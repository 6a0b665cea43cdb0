"""Emails kept aside (held) for a lead: the list, and the lead's decision on each one:
accept it into a case (it becomes the customer's message there) or discard it. Both
decisions are idempotent: made twice, the second changes nothing and answers the same."""

from __future__ import annotations

import msgspec

from returns_service.db.engine import DB
from returns_service.domain.access import Caller
from returns_service.domain.cursors import decode_id_cursor, encode_id_cursor
from returns_service.domain.errors import Conflict, InvalidRequest, NotFound
from returns_service.services.cases import conversation, timeline
from returns_service.services.cases.records import actor_for, lock_case
from returns_service.services.inbound import queries
from returns_service.services.inbound.schemas import HeldEmailPage, HeldEmailView
from returns_service.services.platform.runtime import Runtime


def _view(row: dict[str, object]) -> HeldEmailView:
    row = dict(row)
    row["from"] = row.pop("from_address")
    row["to"] = row.pop("to_address")
    row["attachments"] = msgspec.json.decode(str(row["attachments"]))
    return msgspec.convert(row, HeldEmailView)


async def held_page(caller: Caller, cursor: str | None, limit: int) -> HeldEmailPage:
    """Held emails, newest first."""
    before = decode_id_cursor("h", cursor) if cursor else None
    rows = await queries.held_page(caller.store_id, before, limit)
    items = [_view(r) for r in rows[:limit]]
    more = len(rows) > limit
    return HeldEmailPage(items, encode_id_cursor("h", items[-1].id) if more and items else None)


async def _current(caller: Caller, email_id: int) -> HeldEmailView:
    row = await queries.one_email(caller.store_id, email_id)
    if row is None:
        raise NotFound(f"there is no held email {email_id}")
    return _view(row)


async def accept(caller: Caller, email_id: int, case_number: str, rt: Runtime) -> HeldEmailView:
    """The held email becomes the customer's message on `case_number` (a staff timeline
    event says a lead let it in). Accepting it again into the same case changes nothing."""
    async with DB.transaction():
        held = await queries.lock_email(caller.store_id, email_id)
        if held is None:
            raise NotFound(f"there is no held email {email_id}")
        if held.status == "accepted" and held.case_number == case_number:
            pass  # already done: the same answer again
        elif held.status != "held":
            raise Conflict(f"email {email_id} is {held.status}, not held")
        else:
            try:
                case = await lock_case(Caller.system(caller.store_id), case_number)
            except NotFound as error:
                raise InvalidRequest(
                    f"there is no case {case_number}", field="case_number"
                ) from error
            message_id = await conversation.write_customer_message(case, held.body, rt)
            await queries.file_on_case(
                email_id,
                status="accepted",
                case_id=case.id,
                message_id=message_id,
                at=rt.clock.now(),
                agent_id=caller.agent_id,
            )
            await timeline.record(
                store_id=case.store_id,
                case_id=case.id,
                actor=await actor_for(caller),
                kind="email_accepted",
                at=rt.clock.now(),
                params={"sender": held.from_address},
                customer_visible=False,
            )
    return await _current(caller, email_id)


async def discard(caller: Caller, email_id: int, rt: Runtime) -> HeldEmailView:
    """The held email is set aside for good (it stays kept, raw bytes and all)."""
    async with DB.transaction():
        held = await queries.lock_email(caller.store_id, email_id)
        if held is None:
            raise NotFound(f"there is no held email {email_id}")
        if held.status == "held":
            await queries.discard(email_id, rt.clock.now(), caller.agent_id)
        elif held.status != "discarded":
            raise Conflict(f"email {email_id} is {held.status}, not held")
    return await _current(caller, email_id)
