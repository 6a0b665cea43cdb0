"""The warehouse (role `warehouse`): scanning parcels in, grading what is inside."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get, post
from litestar.di import NamedDependency
from litestar.params import JSONBody, PathParameter

from returns_service.api.auth import allow
from returns_service.api.idempotency import Idempotency
from returns_service.domain.access import Caller, Role
from returns_service.services.cases.schemas import CaseView
from returns_service.services.fulfilment import warehouse
from returns_service.services.fulfilment.schemas import (
    Inspection,
    ScanIn,
    ScanResult,
    UnexpectedParcelView,
)
from returns_service.services.platform.runtime import Runtime

CaseNumber = Annotated[str, PathParameter(min_length=1, max_length=16)]


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
        "/unexpected-parcels",
        summary="Parcels that matched no return, for a lead to sort out",
        guards=[allow(Role.WAREHOUSE, Role.LEAD)],
    )
    async def unexpected(self, caller: NamedDependency[Caller]) -> list[UnexpectedParcelView]:
        return await warehouse.unexpected_parcels(caller)
