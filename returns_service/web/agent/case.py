"""The console's case page: the case as agents see it (the API's own view), the customer 360
beside it, the conversation with its reply and note forms, and the actions, each behind a
confirmation page. Every form works without JavaScript; `static/agent-case.js` only adds
the macro preview in place and keyboard shortcuts."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, SkipValidation
from litestar.response import Redirect, Template

from returns_service.api.agents.attachments import attachment_response
from returns_service.api.idempotency import Idempotency
from returns_service.api.photos import photo_response
from returns_service.api.problems import status_for_exception
from returns_service.clock import Clock
from returns_service.domain.access import Caller
from returns_service.domain.errors import DomainError, InvalidRequest
from returns_service.services.cases import agents, conversation, photos, views
from returns_service.services.cases.attachments import attachment_file
from returns_service.services.cases.customer360 import case_surroundings
from returns_service.services.cases.schemas import MESSAGE_MAX_LENGTH, AgentCaseView
from returns_service.services.fulfilment import labels
from returns_service.services.platform.idempotency import IdempotencyKeyInUse, fingerprint
from returns_service.services.platform.runtime import Runtime
from returns_service.web.agent import case_actions
from returns_service.web.agent.common import SIGNED_IN, agent_page
from returns_service.web.i18n import Translator
from returns_service.web.pages import PUBLIC
from returns_service.web.sessions import AgentSession, SignInRequired, to_sign_in

CASES_PATH = "/agent/cases"
NOTE_MAX_LENGTH = 10_000  # as the API's NoteIn


def conversation_entries(view: AgentCaseView) -> list[tuple[str, Any]]:
    """Messages and internal notes in one thread, newest last: ("message" | "note", entry)."""
    entries: list[tuple[str, Any]] = [("message", m) for m in view.messages]
    entries += [("note", n) for n in view.notes]
    return sorted(entries, key=lambda e: (e[1].at, e[0] == "note", e[1].id))


async def case_page(
    request: Request[Any, Any, Any],
    caller: Caller,
    number: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    reply: str = "",
    macro_id: int | None = None,
    note: str = "",
    given: case_actions.ActionInput | None = None,
) -> Template:
    view = await views.agent_case_view(caller, number)  # another's case: the API's 404
    lead = caller.role.value == "lead"
    return await agent_page(
        request,
        "agent/case.html",
        status_code,
        case=view,
        around=await case_surroundings(caller, number),
        entries=conversation_entries(view),
        macros=await conversation.list_macros(caller),
        team=[a for a in await agents.list_agents(caller) if a.id != (view.agent and view.agent.id)]
        if lead
        else [],
        actions=case_actions.offered(view, caller),
        error=error,
        reply=reply,
        macro_id=macro_id,
        note=note,
        given=given or case_actions.ActionInput(),
        done=request.query_params.get("done", ""),
    )


async def _refused(
    request: Request[Any, Any, Any],
    caller: Caller,
    number: str,
    refusal: DomainError,
    **kept: Any,
) -> Template:
    """A refused form: the case page again with the service's words, under its status (409
    the case's state, 422 the input); 404 and 403 stay the API's problem answers."""
    status = status_for_exception(refusal)
    if status in (403, 404):
        raise refusal
    return await case_page(
        request, caller, number, status_code=status, error=refusal.detail, **kept
    )


class AgentCasePages(Controller):
    path = CASES_PATH
    opt = PUBLIC
    include_in_schema = False
    middleware = [AgentSession]
    guards = SIGNED_IN
    exception_handlers = {SignInRequired: to_sign_in}

    @get("/{number:str}")
    async def case(self, request: Request[Any, Any, Any], number: FromPath[str]) -> Template:
        return await case_page(request, request.user, number)

    @get("/{number:str}/conversation")
    async def conversation_fragment(
        self, request: Request[Any, Any, Any], number: FromPath[str]
    ) -> Template:
        """The conversation alone, as HTML, for the live updates to swap in."""
        view = await views.agent_case_view(request.user, number)
        return await agent_page(
            request, "agent/conversation.html", case=view, entries=conversation_entries(view)
        )

    @post("/{number:str}/messages")
    async def reply(
        self,
        request: Request[Any, Any, Any],
        number: FromPath[str],
        runtime: NamedDependency[Runtime],
    ) -> Response[Any]:
        body = str((await request.form()).get("body") or "").strip()
        try:
            if not body:
                raise InvalidRequest("write the reply first", field="body")
            if len(body) > MESSAGE_MAX_LENGTH:
                raise InvalidRequest(
                    f"the reply is longer than {MESSAGE_MAX_LENGTH} characters", field="body"
                )
            await conversation.agent_replies(request.user, number, body, None, runtime)
        except DomainError as refused:
            return await _refused(request, request.user, number, refused, reply=body)
        return Redirect(f"{CASES_PATH}/{number}?done=reply#conversation", status_code=303)

    @post("/{number:str}/notes")
    async def note(
        self,
        request: Request[Any, Any, Any],
        number: FromPath[str],
        runtime: NamedDependency[Runtime],
    ) -> Response[Any]:
        body = str((await request.form()).get("body") or "").strip()
        try:
            if not body:
                raise InvalidRequest("write the note first", field="body")
            if len(body) > NOTE_MAX_LENGTH:
                raise InvalidRequest(
                    f"the note is longer than {NOTE_MAX_LENGTH} characters", field="body"
                )
            await conversation.add_note(request.user, number, body, runtime)
        except DomainError as refused:
            return await _refused(request, request.user, number, refused, note=body)
        return Redirect(f"{CASES_PATH}/{number}?done=note#conversation", status_code=303)

    @post("/{number:str}/macro-preview")
    async def macro_preview(
        self,
        request: Request[Any, Any, Any],
        number: FromPath[str],
        runtime: NamedDependency[Runtime],
    ) -> Response[Any]:
        """The macro filled for this case: JSON `{body}` for the page's script, or (without
        JavaScript) the case page with the text in the reply box, to edit and send."""
        form = await request.form()
        wants_json = "application/json" in request.headers.get("accept", "")
        try:
            macro_id = int(str(form.get("macro_id") or ""))
        except ValueError:
            refusal = InvalidRequest("pick a macro", field="macro_id")
            if wants_json:
                raise refusal from None
            return await _refused(request, request.user, number, refusal)
        try:
            text = await conversation.preview_macro(request.user, number, macro_id, runtime)
        except DomainError as refused:
            if wants_json:
                raise
            return await _refused(request, request.user, number, refused)
        if wants_json:
            return Response({"body": text}, status_code=200, media_type="application/json")
        return await case_page(request, request.user, number, reply=text, macro_id=macro_id)

    @post("/{number:str}/{action:str}")
    async def ask(
        self,
        request: Request[Any, Any, Any],
        number: FromPath[str],
        action: FromPath[str],
        runtime: NamedDependency[Runtime],
    ) -> Template:
        """The first step of an action: what it will do, and the button that does it."""
        caller: Caller = request.user
        if action not in case_actions.ACTIONS:
            raise InvalidRequest(f"there is no action {action!r}", field="action")
        view = await views.agent_case_view(caller, number)
        try:
            given = case_actions.read_input(action, await request.form(), caller)
            confirmation = await case_actions.confirm(
                action, given, caller, view, runtime, Translator("en")
            )
        except DomainError as refused:
            kept = _typed(await request.form())
            return await _refused(request, caller, number, refused, given=kept)
        return await agent_page(
            request,
            "agent/confirm.html",
            case=view,
            confirmation=confirmation,
            given=given,
            idempotency_key=uuid.uuid4().hex,
        )

    @post("/{number:str}/{action:str}/confirm")
    async def perform(
        self,
        request: Request[Any, Any, Any],
        number: FromPath[str],
        action: FromPath[str],
        runtime: NamedDependency[Runtime],
        clock: NamedDependency[SkipValidation[Clock]],
    ) -> Response[Any]:
        """The confirmed action, done once per confirmation page (its hidden key): a second
        click, or the same form posted twice, finds it done and goes back to the case."""
        caller: Caller = request.user
        if action not in case_actions.ACTIONS:
            raise InvalidRequest(f"there is no action {action!r}", field="action")
        form = await request.form()
        done = Redirect(f"{CASES_PATH}/{number}?done={action}", status_code=303)
        try:
            given = case_actions.read_input(action, form, caller)
            # a refund's amount is read in the case's currency
            currency = (
                (await views.agent_case_view(caller, number)).amounts.currency
                if action == "refund"
                else ""
            )
            key = str(form.get("idempotency_key") or "")[:200] or uuid.uuid4().hex
            once = Idempotency(
                caller=caller,
                key=f"console:{key}",
                fingerprint=fingerprint(
                    "POST", request.url.path, msgspec.json.encode(given, order="sorted")
                ),
                status_code=303,
                clock=clock,
            )

            async def work() -> str:
                await case_actions.perform(action, given, caller, number, currency, runtime)
                return action

            await once.run(work, str.encode)
        except IdempotencyKeyInUse:
            return done  # the first click is doing it; the case page shows it when it is done
        except DomainError as refused:
            return await _refused(request, caller, number, refused, given=_typed(form))
        return done

    @get("/{number:str}/label.pdf")
    async def label_pdf(
        self, request: Request[Any, Any, Any], number: FromPath[str]
    ) -> Response[Any]:
        label = await labels.label_file(request.user, number, "pdf")
        return Response(
            label.content,
            media_type=label.media_type,
            headers={"Content-Disposition": f'inline; filename="{label.filename}"'},
        )

    @get("/{number:str}/label-qr.png")
    async def label_qr(
        self, request: Request[Any, Any, Any], number: FromPath[str]
    ) -> Response[Any]:
        return Response(await labels.qr_code(request.user, number), media_type="image/png")

    @get("/{number:str}/photos/{photo_id:int}")
    async def photo(
        self,
        request: Request[Any, Any, Any],
        number: FromPath[str],
        photo_id: FromPath[int],
        runtime: NamedDependency[Runtime],
    ) -> Response[bytes]:
        """The agents' photo route, for the console's cookie (the API's wants a bearer)."""
        return photo_response(
            await photos.photo_file(request.user, number, photo_id, runtime.photos)
        )

    @get("/{number:str}/attachments/{attachment_id:int}")
    async def attachment(
        self,
        request: Request[Any, Any, Any],
        number: FromPath[str],
        attachment_id: FromPath[int],
        runtime: NamedDependency[Runtime],
    ) -> Response[bytes]:
        """A file from the customer's emailed reply, for the console's cookie (a download)."""
        return attachment_response(
            await attachment_file(request.user, number, attachment_id, runtime.photos)
        )


def _typed(form: Any) -> case_actions.ActionInput:
    """What the agent typed, kept in the re-rendered forms after a refusal (unchecked)."""
    try:
        agent_id = int(str(form.get("agent_id") or 0))
    except ValueError:
        agent_id = 0
    return case_actions.ActionInput(
        comment=str(form.get("comment") or "")[: case_actions.REASON_MAX],
        reason=str(form.get("reason") or "")[: case_actions.REASON_MAX],
        amount=str(form.get("amount") or "")[:40],
        agent_id=agent_id,
    )
