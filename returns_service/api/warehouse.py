"""The warehouse (role `warehouse`): scanning parcels in, grading what is inside."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, JSONBody, PathParameter, QueryParameter

from returns_service.api.auth import allow
from returns_service.api.idempotency import Idempotency
from returns_service.api.params import CaseNumber
from returns_service.api.photos import PHOTO_BODY_LIMIT, photo_response
from returns_service.domain.access import Caller, Role
from returns_service.services.cases import photos
from returns_service.services.cases.schemas import CaseView, PhotoView
from returns_service.services.fulfilment import grading, warehouse
from returns_service.services.fulfilment import search as parcels
from returns_service.services.fulfilment.schemas import (
    Inspection,
    InspectionPreview,
    ParcelSearchPage,
    ScanIn,
    ScanResult,
    UnexpectedParcelView,
)
from returns_service.services.platform.runtime import Runtime


@dataclass
class PhotoUpload:
    """The multipart body: the image in the field `file` (other fields are ignored)."""

    file: UploadFile


class WarehouseController(Controller):
    path = "/api/v1/warehouse"
    tags = ["warehouse"]

    @post(
        "/scans",
        summary="Scan a parcel by tracking or case number",
        status_code=200,
        guards=[allow(Role.WAREHOUSE)],
    )
    async def scan(
        self,
        caller: NamedDependency[Caller],
        data: JSONBody[ScanIn],
        runtime: NamedDependency[Runtime],
    ) -> ScanResult:
        return await warehouse.scan(caller, data.barcode, runtime)

    @post(
        "/cases/{number:str}/inspection",
        summary="Grade each item: condition and disposition",
        status_code=200,
        guards=[allow(Role.WAREHOUSE)],
    )
    async def inspection(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        data: JSONBody[Inspection],
        runtime: NamedDependency[Runtime],
        idempotency: NamedDependency[Idempotency],
    ) -> Response[CaseView]:
        async def work() -> CaseView:
            return await warehouse.inspect(caller, number, data, runtime)

        return await idempotency.respond(work)

    @get(
        "/search",
        summary="Find the case of a parcel without a readable label: order number, "
        "customer email or name (open cases only, 20 a page)",
        guards=[allow(Role.WAREHOUSE)],
    )
    async def search(
        self,
        caller: NamedDependency[Caller],
        q: Annotated[str, QueryParameter(max_length=320)],
        cursor: Annotated[str | None, QueryParameter(max_length=64)] = None,
    ) -> ParcelSearchPage:
        return await parcels.search(caller, q, cursor)

    @post(
        "/cases/{number:str}/inspection/preview",
        summary="What recording this inspection would do (refund, credit, replacement); "
        "changes nothing",
        status_code=200,
        guards=[allow(Role.WAREHOUSE)],
    )
    async def inspection_preview(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        data: JSONBody[Inspection],
    ) -> InspectionPreview:
        return await grading.preview(caller, number, data)

    @post(
        "/cases/{number:str}/photos",
        summary="A photo of a returned item (multipart, field `file`: JPEG, PNG or WebP); "
        "its metadata is stripped",
        status_code=201,
        guards=[allow(Role.WAREHOUSE)],
        request_max_body_size=PHOTO_BODY_LIMIT,
    )
    async def add_photo(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        data: Annotated[PhotoUpload, Body(media_type=RequestEncodingType.MULTI_PART)],
        runtime: NamedDependency[Runtime],
    ) -> PhotoView:
        content = await data.file.read()
        return await photos.add_photo(
            caller,
            number,
            content,
            data.file.content_type,
            "warehouse",
            runtime.photos,
            runtime.clock,
        )

    @get(
        "/cases/{number:str}/photos",
        summary="The case's photos, the customer's and the warehouse's (staff who may read it)",
        guards=[allow(Role.WAREHOUSE, Role.AGENT, Role.LEAD, Role.ADMIN)],
    )
    async def list_photos(
        self, caller: NamedDependency[Caller], number: CaseNumber
    ) -> list[PhotoView]:
        return await photos.list_photos(caller, number)

    @get(
        "/cases/{number:str}/photos/{photo_id:int}",
        summary="One photo, as the image",
        guards=[allow(Role.WAREHOUSE, Role.AGENT, Role.LEAD, Role.ADMIN)],
        media_type="application/octet-stream",
    )
    async def photo(
        self,
        caller: NamedDependency[Caller],
        number: CaseNumber,
        photo_id: Annotated[int, PathParameter(ge=1, le=2**63 - 1)],
        runtime: NamedDependency[Runtime],
    ) -> Response[bytes]:
        return photo_response(await photos.photo_file(caller, number, photo_id, runtime.photos))

    @get(
        "/unexpected-parcels",
        summary="Parcels that matched no return, for a lead to sort out",
        guards=[allow(Role.WAREHOUSE, Role.LEAD)],
    )
    async def unexpected(self, caller: NamedDependency[Caller]) -> list[UnexpectedParcelView]:
        return await warehouse.unexpected_parcels(caller)
