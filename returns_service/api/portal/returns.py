"""The customer's returns (role `customer`): open one, follow it, talk to the concierge."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from returns_service.api.auth import allow
from returns_service.api.idempotency import Idempotency
from returns_service.api.params import CaseNumber
from returns_service.api.photos import PHOTO_BODY_LIMIT, PhotoBody, photo_response
from returns_service.domain.access import Caller, Role
from returns_service.domain.cases import ReturnRequest
from returns_service.services.cases import (
    contact,
    conversation,
    decisions,
    lists,
    opening,
    photos,
    views,
)
from returns_service.services.cases.schemas import (
    CasePage,
    CaseView,
    ContactIn,
    MessageIn,
    MessageView,
    PhotoView,
)
from returns_service.services.fulfilment import aftercare, labels, self_ship
from returns_service.services.fulfilment.schemas import OwnTracking, Rating
from returns_service.services.money import amounts
from returns_service.services.money.schemas import Preview
from returns_service.services.platform.runtime import Runtime

Limit = Annotated[int, QueryParameter(ge=1, le=100)]


class PortalReturnsController(Controller):
    path = "/api/v1/portal/returns"
    tags = ["portal"]
    guards = [allow(Role.CUSTOMER)]

    @post("/", summary="Open a return for lines of the order", status_code=201)
    async def open_return(
        self,
        caller: NamedDependency[Caller],
        data: JSONBody[ReturnRequest],
        runtime: NamedDependency[Runtime],
        idempotency: NamedDependency[Idempotency],
    ) -> Response[CaseView]:
        async def work() -> CaseView:
            number = await opening.open_case(caller, data, runtime)
            return await views.case_view(caller, number)

        return await idempotency.respond(work)

    @post(
        "/preview",
        summary="What a return would get (each line, fees, bonus credit, totals, the price "
        "difference of exchanges); changes nothing",
        status_code=200,
    )
    async def preview_return(
        self,
        caller: NamedDependency[Caller],
        data: JSONBody[ReturnRequest],
        runtime: NamedDependency[Runtime],
    ) -> Preview:
        return await amounts.preview(caller, data, runtime)

    @get("/", summary="This customer's returns")
    async def list_returns(
        self,
        caller: NamedDependency[Caller],
        cursor: FromQuery[str | None] = None,
        limit: Limit = 50,
    ) -> CasePage:
        return await lists.case_page(caller, assignee="any", cursor=cursor, limit=limit)

    @get("/{number:str}", summary="A return as the customer sees it")
    async def get_return(self, caller: NamedDependency[Caller], number: CaseNumber) -> CaseView:
        return await views.case_view(caller, number)

    @get(
        "/{number:str}/messages",
        summary="The conversation with the concierge: the latest messages, oldest first; "
        'older ones from the Link header\'s rel="next" (?cursor=)',
    )
    async def get_messages(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Limit = 50,
    ) -> Response[list[MessageView]]:
        # the array stays the body (clients read it); the next page is a standard Link
        page = await views.message_page(caller, number, cursor, limit)
        headers = {}
        if page.next_cursor:
            url = f"/api/v1/portal/returns/{number}/messages?cursor={page.next_cursor}"
            headers["Link"] = f'<{url}&limit={limit}>; rel="next"'
        return Response(page.items, headers=headers)

    @post("/{number:str}/messages", summary="Write to the concierge", status_code=201)
    async def post_message(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        data: JSONBody[MessageIn],
        runtime: NamedDependency[Runtime],
    ) -> list[MessageView]:
        await conversation.customer_writes(caller, number, data.body, runtime)
        return await views.messages(caller, number)

    @post(
        "/{number:str}/cancel",
        summary="Cancel, while the parcel is not yet on its way",
        status_code=200,
    )
    async def cancel(
        self, caller: NamedDependency[Caller], number: CaseNumber, runtime: NamedDependency[Runtime]
    ) -> CaseView:
        await decisions.cancel(caller, number, runtime)
        return await views.case_view(caller, number)

    @post(
        "/{number:str}/tracking",
        summary="The customer's own tracking number, for a parcel sent without our label",
        status_code=201,
    )
    async def own_tracking(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        data: JSONBody[OwnTracking],
        runtime: NamedDependency[Runtime],
    ) -> CaseView:
        await self_ship.add_tracking(caller, number, data, runtime)
        return await views.case_view(caller, number)

    @get(
        "/{number:str}/label.pdf",
        summary="The prepaid return label (PDF); 404 if none",
        media_type="application/pdf",
    )
    async def label_pdf(
        self, caller: NamedDependency[Caller], number: CaseNumber
    ) -> Response[bytes]:
        label = await labels.label_file(caller, number, "pdf")
        return Response(
            label.content,
            media_type=label.media_type,
            headers={"Content-Disposition": f'inline; filename="{label.filename}"'},
        )

    @get(
        "/{number:str}/label-qr.png",
        summary="The label's QR code for label-free drop-off (PNG); 404 if it has none",
        media_type="image/png",
    )
    async def label_qr(
        self, caller: NamedDependency[Caller], number: CaseNumber
    ) -> Response[bytes]:
        return Response(await labels.qr_code(caller, number), media_type="image/png")

    @post(
        "/{number:str}/rating", summary="Did it fit? A 1-5 rating of the exchange", status_code=201
    )
    async def rate(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        data: JSONBody[Rating],
        runtime: NamedDependency[Runtime],
    ) -> CaseView:
        await aftercare.rate(caller, number, data, runtime)
        return await views.case_view(caller, number)

    @post(
        "/{number:str}/photos",
        summary="An evidence photo (JPEG, PNG or WebP; metadata removed)",
        status_code=201,
        request_max_body_size=PHOTO_BODY_LIMIT,
    )
    async def add_photo(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        data: PhotoBody,
        runtime: NamedDependency[Runtime],
    ) -> PhotoView:
        content = await data.photo.read()
        return await photos.add_photo(
            caller,
            number,
            content,
            data.photo.content_type,
            "customer",
            runtime.photos,
            runtime.clock,
        )

    @get(
        "/{number:str}/photos/{photo_id:int}",
        summary="One of the case's photos",
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


class PortalContactController(Controller):
    path = "/api/v1/portal/contact"
    tags = ["portal"]
    guards = [allow(Role.CUSTOMER)]

    @post(
        "/",
        summary="Write to us about an item whose return window closed (a concierge decides)",
        status_code=201,
    )
    async def write_to_store(
        self,
        caller: NamedDependency[Caller],
        data: JSONBody[ContactIn],
        runtime: NamedDependency[Runtime],
    ) -> CaseView:
        number = await contact.write_to_store(caller, data.body, data.line_id, runtime)
        return await views.case_view(caller, number)
