"""The conversation of a case: messages between customer and concierge, internal notes, and
the canned replies (macros) agents answer with."""

from __future__ import annotations

import asyncpg

from returns_service.db.engine import DB
from returns_service.db.scope import readable
from returns_service.db.tables import CaseMessage, CaseNote, Macro, ReturnCase
from returns_service.domain.access import Caller, Role
from returns_service.domain.emails import EmailTemplate
from returns_service.domain.errors import Conflict, Forbidden, InvalidRequest, NotFound
from returns_service.domain.macros import check_macro, render
from returns_service.services.cases import queries
from returns_service.services.cases.records import LockedCase, actor_for, email_customer, lock_case
from returns_service.services.cases.schemas import (
    MESSAGE_MAX_LENGTH,
    MacroIn,
    MacroPatch,
    MacroView,
)
from returns_service.services.events import outbound
from returns_service.services.platform import live
from returns_service.services.platform.links import case_link
from returns_service.services.platform.runtime import Runtime


async def customer_writes(caller: Caller, number: str, body: str, rt: Runtime) -> None:
    if caller.role is not Role.CUSTOMER:
        raise Forbidden("only the customer writes here")
    async with DB.transaction():
        case = await lock_case(caller, number)
        await write_customer_message(case, body, rt)


async def write_customer_message(case: LockedCase, body: str, rt: Runtime) -> int:
    """The customer's message on a locked case: the case now waits for its concierge, and
    `message.created` is announced. The portal and an emailed reply (services/inbound) both
    write through here. Returns the message's id."""
    written = await CaseMessage.insert(
        CaseMessage(
            store=case.store_id,
            case=case.id,
            at=rt.clock.now(),
            author_kind="customer",
            body=body.strip(),
        )
    )
    await ReturnCase.update(
        {ReturnCase.awaiting_reply: True, ReturnCase.updated_at: rt.clock.now()}
    ).where(ReturnCase.id == case.id)
    message_id: int = written[0]["id"]
    await outbound.announce_message(
        store_id=case.store_id, case_id=case.id, message_id=message_id, at=rt.clock.now()
    )
    # a message writes no timeline event: the console hears of it here (on commit)
    await live.notify(case.store_id, case.id, "message")
    return message_id


async def agent_replies(
    caller: Caller, number: str, body: str | None, macro_id: int | None, rt: Runtime
) -> None:
    """A reply to the customer, typed or from a macro (placeholders filled), emailed to them."""
    if (body is None) == (macro_id is None):
        raise InvalidRequest("send either a body or a macro_id", field="body")
    async with DB.transaction():
        case = await lock_case(caller, number)
        if macro_id is not None:
            macro = await Macro.select(Macro.body).where(
                (Macro.store == caller.store_id) & (Macro.id == macro_id)
            )
            if not macro:
                raise InvalidRequest(f"there is no macro {macro_id}", field="macro_id")
            body = render(macro[0]["body"], await _placeholder_values(case, rt))
        assert body is not None
        text = body.strip()
        if not text:
            raise InvalidRequest("the message is empty", field="body")
        if len(text) > MESSAGE_MAX_LENGTH:  # a macro's placeholders can make it longer
            raise InvalidRequest(
                f"the message is longer than {MESSAGE_MAX_LENGTH} characters", field="body"
            )
        written = await CaseMessage.insert(
            CaseMessage(
                store=case.store_id,
                case=case.id,
                at=rt.clock.now(),
                author_kind="agent",
                agent=caller.agent_id,
                body=text,
            )
        )
        await ReturnCase.update(
            {ReturnCase.awaiting_reply: False, ReturnCase.updated_at: rt.clock.now()}
        ).where(ReturnCase.id == case.id)
        await queries.record_first_response(case.id, caller.agent_id, rt.clock.now())
        await outbound.announce_message(
            store_id=case.store_id, case_id=case.id, message_id=written[0]["id"], at=rt.clock.now()
        )
        await live.notify(case.store_id, case.id, "reply")
        if caller.agent_id is not None and caller.agent_id != case.agent_id:
            # a colleague answered: sign the email with their name
            case.agent_name = (await actor_for(caller)).name
        await email_customer(case, EmailTemplate.CONCIERGE_MESSAGE, rt, message=text)


async def preview_macro(caller: Caller, number: str, macro_id: int, rt: Runtime) -> str:
    """A macro's text with its placeholders filled for this case, as `agent_replies` would
    send it; nothing is written or locked (the agent edits it, then sends the final text)."""
    case_id = await ReturnCase.select(ReturnCase.id).where(
        readable(caller, ReturnCase) & (ReturnCase.number == number)
    )
    if not case_id:
        raise NotFound(f"there is no case {number}")
    macro = await Macro.select(Macro.body).where(
        (Macro.store == caller.store_id) & (Macro.id == macro_id)
    )
    if not macro:
        raise InvalidRequest(f"there is no macro {macro_id}", field="macro_id")
    case = await queries.locked_case(case_id[0]["id"])  # read only: the same facts, no lock
    return render(macro[0]["body"], await _placeholder_values(case, rt))


async def _placeholder_values(case: LockedCase, rt: Runtime) -> dict[str, str]:
    rows = await ReturnCase.select(
        ReturnCase.status,
        ReturnCase.order.number.as_alias("order_number"),
        ReturnCase.customer.last_name.as_alias("last_name"),
    ).where(ReturnCase.id == case.id)
    row = rows[0]
    return {
        "customer.first_name": case.first_name,
        "customer.last_name": row["last_name"],
        "customer.email": case.customer_email,
        "case.number": case.number,
        "case.status": row["status"],
        "case.url": case_link(case.store_id, case.number, rt),
        "order.number": row["order_number"],
        "agent.display_name": case.agent_name or "",
        "store.name": case.store_name,
    }


async def add_note(caller: Caller, number: str, body: str, rt: Runtime) -> None:
    if caller.agent_id is None:
        raise Forbidden("notes are written by agents")
    async with DB.transaction():
        case = await lock_case(caller, number)
        await CaseNote.insert(
            CaseNote(
                store=case.store_id,
                case=case.id,
                at=rt.clock.now(),
                agent=caller.agent_id,
                body=body.strip(),
            )
        )


async def list_macros(caller: Caller) -> list[MacroView]:
    rows = (
        await Macro.select(Macro.id, Macro.name, Macro.body)
        .where(Macro.store == caller.store_id)
        .order_by(Macro.name)
    )
    return [MacroView(r["id"], r["name"], r["body"]) for r in rows]


async def create_macro(caller: Caller, data: MacroIn, rt: Runtime) -> MacroView:
    check_macro(data.body)
    try:
        rows = await Macro.insert(
            Macro(
                store=caller.store_id,
                name=data.name.strip(),
                body=data.body,
                created_by=caller.agent_id,
                created_at=rt.clock.now(),
                updated_at=rt.clock.now(),
            )
        )
    except asyncpg.UniqueViolationError as error:
        raise Conflict(f"a macro named {data.name!r} already exists") from error
    return MacroView(rows[0]["id"], data.name.strip(), data.body)


async def _check_may_change(caller: Caller, macro_id: int) -> None:
    """An agent changes only the macros they wrote; a lead or an admin any (a lead's reply
    rewritten by anyone reaches every customer it is sent to)."""
    rows = await Macro.select(Macro.created_by).where(
        (Macro.store == caller.store_id) & (Macro.id == macro_id)
    )
    if not rows:
        raise NotFound(f"there is no macro {macro_id}")
    if caller.role is Role.AGENT and (
        caller.agent_id is None or rows[0]["created_by"] != caller.agent_id
    ):
        raise Forbidden("an agent changes only their own macros; ask a lead")


async def update_macro(caller: Caller, macro_id: int, data: MacroPatch, rt: Runtime) -> MacroView:
    if data.body is not None:
        check_macro(data.body)
    await _check_may_change(caller, macro_id)
    values: dict[object, object] = {Macro.updated_at: rt.clock.now()}
    if data.name is not None:
        values[Macro.name] = data.name.strip()
    if data.body is not None:
        values[Macro.body] = data.body
    try:
        rows = await (
            Macro.update(values)  # type: ignore[arg-type]
            .where((Macro.store == caller.store_id) & (Macro.id == macro_id))
            .returning(Macro.id, Macro.name, Macro.body)
        )
    except asyncpg.UniqueViolationError as error:
        raise Conflict(f"a macro named {data.name!r} already exists") from error
    if not rows:
        raise NotFound(f"there is no macro {macro_id}")
    return MacroView(rows[0]["id"], rows[0]["name"], rows[0]["body"])


async def delete_macro(caller: Caller, macro_id: int) -> None:
    await _check_may_change(caller, macro_id)
    rows = await (
        Macro.delete()
        .where((Macro.store == caller.store_id) & (Macro.id == macro_id))
        .returning(Macro.id)
    )
    if not rows:
        raise NotFound(f"there is no macro {macro_id}")
