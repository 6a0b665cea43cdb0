"""The case API for agents and leads: the queue, the case with the customer beside it, and
the actions on it; canned replies; the team's availability."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, Response, delete, get, patch, post
from litestar.di import NamedDependency
from litestar.params import (
    FromPath,
    FromQuery,
    JSONBody,
    QueryParameter,
    SkipValidation,
)

from returns_service.api.auth import allow
from returns_service.api.idempotency import Idempotency
from returns_service.api.params import CaseNumber
from returns_service.api.photos import photo_response
from returns_service.clock import Clock
from returns_service.domain.access import Caller, Role
from returns_service.domain.cases import CaseStatus
from returns_service.domain.errors import InvalidRequest
from returns_service.services.cases import (
    agents,
    conversation,
    decisions,
    lists,
    photos,
    resolutions,
    search,
    views,
)
from returns_service.services.cases.schemas import (
    AgentCaseView,
    AgentPatch,
    AgentView,
    ApproveIn,
    CasePage,
    MacroIn,
    MacroPatch,
    MacroView,
    MessagePage,
    NoteIn,
    ReassignIn,
    RejectIn,
    ReplyIn,
    ResolutionChangeIn,
)
from returns_service.services.fulfilment import exchanges, labels
from returns_service.services.money import refunds
from returns_service.services.money.schemas import RefundIn
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store import staff
from returns_service.services.store.schemas import CreatedWithToken, NewAgent

Limit = Annotated[int, QueryParameter(ge=1, le=100)]


def _statuses(status: str | None) -> list[CaseStatus] | None:
    if not status:
        return None
    try:
        return [CaseStatus(s.strip()) for s in status.split(",") if s.strip()]
    except ValueError as error:
        raise InvalidRequest(
            f"status is one or more of: {', '.join(s.value for s in CaseStatus)}", field="status"
        ) from error


class CasesController(Controller):
    path = "/api/v1/cases"
    tags = ["cases"]
    guards = [allow(Role.AGENT, Role.LEAD)]

    @get("/", summary="The queue: an agent's own cases; a lead's, anyone's")
    async def queue(
        self,
        caller: NamedDependency[Caller],
        clock: NamedDependency[SkipValidation[Clock]],
        status: FromQuery[str | None] = None,
        assignee: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: Limit = 50,
        q: Annotated[str | None, QueryParameter(max_length=search.MAX_QUERY)] = None,
        sort: Annotated[
            Literal["created_at", "-created_at", "due_at"], QueryParameter()
        ] = "created_at",
        overdue: FromQuery[bool | None] = None,
    ) -> CasePage:
        default = "me" if caller.role is Role.AGENT else "any"
        return await lists.case_page(
            caller,
            statuses=_statuses(status),
            assignee=assignee or default,
            cursor=cursor,
            limit=limit,
            q=q,
            sort=sort,
            overdue=overdue,
            clock=clock,
        )

    @get("/{number:str}", summary="The case with the customer's orders, cases and messages")
    async def get_case(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        clock: NamedDependency[SkipValidation[Clock]],
        lang: Annotated[str | None, QueryParameter(max_length=35)] = None,
    ) -> AgentCaseView:
        # timeline texts are in English for agents unless `?lang=` names another of the
        # customers' languages (e.g. to quote one to the customer); anything else is English
        return await views.agent_case_view(caller, number, lang, clock=clock)

    @get("/{number:str}/messages", summary="The conversation, a page at a time (older: cursor)")
    async def get_messages(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
    ) -> MessagePage:
        return await views.message_page(caller, number, cursor, limit)

    @get(
        "/{number:str}/photos/{photo_id:int}",
        summary="One of the case's evidence photos",
        media_type="application/octet-stream",
    )
    async def get_photo(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        photo_id: FromPath[int],
        runtime: NamedDependency[Runtime],
    ) -> Response[bytes]:
        return photo_response(await photos.photo_file(caller, number, photo_id, runtime.photos))

    @post(
        "/{number:str}/messages", summary="Reply to the customer (text or macro)", status_code=201
    )
    async def reply(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        data: JSONBody[ReplyIn],
        runtime: NamedDependency[Runtime],
    ) -> AgentCaseView:
        await conversation.agent_replies(caller, number, data.body, data.macro_id, runtime)
        return await views.agent_case_view(caller, number, clock=runtime.clock)

    @post(
        "/{number:str}/notes",
        summary="An internal note, never shown to the customer",
        status_code=201,
    )
    async def note(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        data: JSONBody[NoteIn],
        runtime: NamedDependency[Runtime],
    ) -> AgentCaseView:
        await conversation.add_note(caller, number, data.body, runtime)
        return await views.agent_case_view(caller, number, clock=runtime.clock)

    @post(
        "/{number:str}/approve",
        summary="Approve (outside the policy: an exception)",
        status_code=200,
    )
    async def approve(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        runtime: NamedDependency[Runtime],
        idempotency: NamedDependency[Idempotency],
        data: JSONBody[ApproveIn | None] = None,
    ) -> Response[AgentCaseView]:
        async def work() -> AgentCaseView:
            # approving issues the label (and may ship an advance replacement)
            await decisions.approve(caller, number, data.comment if data else None, runtime)
            return await views.agent_case_view(caller, number, clock=runtime.clock)

        return await idempotency.respond(work)

    @post("/{number:str}/reject", summary="Reject with a reason", status_code=200)
    async def reject(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        data: JSONBody[RejectIn],
        runtime: NamedDependency[Runtime],
    ) -> AgentCaseView:
        await decisions.reject(caller, number, data.reason, runtime)
        return await views.agent_case_view(caller, number, clock=runtime.clock)

    @post("/{number:str}/close", summary="Close the case", status_code=200)
    async def close(
        self, caller: NamedDependency[Caller], number: CaseNumber, runtime: NamedDependency[Runtime]
    ) -> AgentCaseView:
        await decisions.close(caller, number, runtime)
        return await views.agent_case_view(caller, number, clock=runtime.clock)

    @post(
        "/{number:str}/reassign",
        summary="Hand the case to a colleague (leads)",
        status_code=200,
        guards=[allow(Role.LEAD)],
    )
    async def reassign(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        data: JSONBody[ReassignIn],
        runtime: NamedDependency[Runtime],
    ) -> AgentCaseView:
        await decisions.reassign(caller, number, data.agent_id, data.reason, runtime)
        return await views.agent_case_view(caller, number, clock=runtime.clock)

    @post("/{number:str}/label", summary="Issue or re-issue the prepaid label", status_code=201)
    async def label(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        runtime: NamedDependency[Runtime],
        idempotency: NamedDependency[Idempotency],
    ) -> Response[AgentCaseView]:
        async def work() -> AgentCaseView:
            await labels.reissue(caller, number, runtime)
            return await views.agent_case_view(caller, number, clock=runtime.clock)

        return await idempotency.respond(work)

    @get(
        "/{number:str}/label.pdf",
        summary="The label as PDF (office printers)",
        media_type="application/pdf",
    )
    async def label_pdf(
        self, caller: NamedDependency[Caller], number: CaseNumber
    ) -> Response[bytes]:
        label = await labels.label_file(caller, number, "pdf")
        return Response(label.content, media_type=label.media_type)

    @get(
        "/{number:str}/label.zpl",
        summary="The label as ZPL (thermal printers)",
        media_type="text/plain",
    )
    async def label_zpl(
        self, caller: NamedDependency[Caller], number: CaseNumber
    ) -> Response[bytes]:
        label = await labels.label_file(caller, number, "zpl")
        return Response(label.content, media_type=label.media_type)

    @post("/{number:str}/exchange/ship", summary="Ship the replacement now", status_code=200)
    async def ship_exchange(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        runtime: NamedDependency[Runtime],
        idempotency: NamedDependency[Idempotency],
    ) -> Response[AgentCaseView]:
        async def work() -> AgentCaseView:
            await exchanges.ship_now(caller, number, runtime)
            return await views.agent_case_view(caller, number, clock=runtime.clock)

        return await idempotency.respond(work)

    @post(
        "/{number:str}/refund",
        summary="Refund (default: what the policy computes)",
        status_code=200,
    )
    async def refund(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        runtime: NamedDependency[Runtime],
        idempotency: NamedDependency[Idempotency],
        data: JSONBody[RefundIn | None] = None,
    ) -> Response[AgentCaseView]:
        async def work() -> AgentCaseView:
            await refunds.refund_case(caller, number, data.amount if data else None, runtime)
            return await views.agent_case_view(caller, number, clock=runtime.clock)

        return await idempotency.respond(work)

    @post(
        "/{number:str}/resolution",
        summary="Change what items get, as the customer agreed (refund, credit, exchange)",
        status_code=200,
    )
    async def change_resolution(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        data: JSONBody[ResolutionChangeIn],
        runtime: NamedDependency[Runtime],
        idempotency: NamedDependency[Idempotency],
    ) -> Response[AgentCaseView]:
        async def work() -> AgentCaseView:
            await resolutions.change_resolution(caller, number, data, runtime)
            return await views.agent_case_view(caller, number)

        return await idempotency.respond(work)


class MacrosController(Controller):
    path = "/api/v1/macros"
    tags = ["cases"]
    guards = [allow(Role.AGENT, Role.LEAD, Role.ADMIN)]

    @get("/", summary="Canned replies")
    async def list_macros(self, caller: NamedDependency[Caller]) -> list[MacroView]:
        return await conversation.list_macros(caller)

    @post("/", summary="Add a canned reply (placeholders such as {{customer.first_name}})")
    async def create_macro(
        self,
        caller: NamedDependency[Caller],
        data: JSONBody[MacroIn],
        runtime: NamedDependency[Runtime],
    ) -> MacroView:
        return await conversation.create_macro(caller, data, runtime)

    @patch("/{macro_id:int}", summary="Change a canned reply")
    async def update_macro(
        self,
        caller: NamedDependency[Caller],
        macro_id: FromPath[int],
        data: JSONBody[MacroPatch],
        runtime: NamedDependency[Runtime],
    ) -> MacroView:
        return await conversation.update_macro(caller, macro_id, data, runtime)

    @delete("/{macro_id:int}", summary="Remove a canned reply", status_code=204)
    async def delete_macro(self, caller: NamedDependency[Caller], macro_id: FromPath[int]) -> None:
        await conversation.delete_macro(caller, macro_id)


class AgentsController(Controller):
    path = "/api/v1/agents"
    tags = ["cases"]
    guards = [allow(Role.AGENT, Role.LEAD, Role.ADMIN)]

    @post("/", guards=[allow(Role.ADMIN)], summary="Add an agent or lead; the token is shown once")
    async def create_agent(
        self,
        caller: NamedDependency[Caller],
        data: JSONBody[NewAgent],
        clock: NamedDependency[SkipValidation[Clock]],
    ) -> CreatedWithToken:
        return await staff.create_agent(caller, data, clock)

    @get("/", summary="The team: availability, capacity, open cases")
    async def list_agents(self, caller: NamedDependency[Caller]) -> list[AgentView]:
        return await agents.list_agents(caller)

    @patch("/{agent_id:int}", summary="Availability (own), or anything (leads and admins)")
    async def update_agent(
        self,
        caller: NamedDependency[Caller],
        agent_id: FromPath[int],
        data: JSONBody[AgentPatch],
        runtime: NamedDependency[Runtime],
    ) -> AgentView:
        return await agents.update_agent(caller, agent_id, data, runtime)
