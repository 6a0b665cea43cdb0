"""The warehouse scan station page: sign the device in once with a station token; the
scanner types the barcode and presses Enter; conditions and destinations are chosen with the
arrow keys. The same services as the warehouse API."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from returns_service.domain.access import Caller, Role
from returns_service.domain.errors import DomainError
from returns_service.domain.settlement import Condition, Disposition
from returns_service.services.fulfilment import warehouse
from returns_service.services.platform.auth import authenticate_staff
from returns_service.services.platform.runtime import Runtime
from returns_service.web.i18n import Translator
from returns_service.web.pages import PUBLIC, STATION_COOKIE, form_int, is_secure, render_page
from returns_service.web.sessions import SignInRequired, StationSession, signed_in, to_sign_in

# a station without its cookie (or with a revoked token) is back at the sign-in form
SIGNED_IN = [signed_in("/warehouse/station")]


def _station_page(
    request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any
) -> Template:
    return render_page(
        request,
        template,
        Translator("en"),
        status_code,
        conditions=[c.value for c in Condition],
        dispositions=[d.value for d in Disposition],
        **context,
    )


class StationPages(Controller):
    path = "/warehouse/station"
    opt = PUBLIC
    include_in_schema = False
    middleware = [StationSession]
    exception_handlers = {SignInRequired: to_sign_in}

    @get("/")
    async def home(self, request: Request[Any, Any, Any]) -> Template:
        if request.user is None:
            return _station_page(request, "station/login.html")
        return _station_page(request, "station/scan.html")

    @post("/login")
    async def login(self, request: Request[Any, Any, Any]) -> Response[Any]:
        token = str((await request.form()).get("token", "")).strip()
        caller = await authenticate_staff(token) if token else None
        if caller is None or caller.role is not Role.WAREHOUSE:
            return _station_page(
                request, "station/login.html", error="That is not a station token."
            )
        return Redirect(
            "/warehouse/station",
            status_code=303,
            cookies=[
                Cookie(
                    key=STATION_COOKIE,
                    value=token,
                    max_age=31_536_000,
                    path="/warehouse",
                    httponly=True,
                    samesite="lax",
                    secure=is_secure(request),
                )
            ],
        )

    @post("/scan", guards=SIGNED_IN)
    async def scan(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        runtime: NamedDependency[Runtime],
    ) -> Response[Any]:
        barcode = str((await request.form()).get("barcode", ""))
        try:
            result = await warehouse.scan(caller, barcode, runtime)
        except DomainError as error:
            return _station_page(request, "station/scan.html", error=error.detail)
        return _station_page(request, "station/scan.html", result=result)

    @post("/cases/{number:str}/inspection", guards=SIGNED_IN)
    async def inspection(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        runtime: NamedDependency[Runtime],
        number: FromPath[str],
    ) -> Response[Any]:
        form = await request.form()
        items = [
            {
                "line_id": form_int(key.removeprefix("qty_")),
                "quantity": form_int(value),
                "condition": form.get(f"condition_{key.removeprefix('qty_')}"),
                "disposition": form.get(f"disposition_{key.removeprefix('qty_')}"),
            }
            for key, value in form.items()
            if key.startswith("qty_")
        ]
        try:
            inspection = msgspec.convert({"items": items}, warehouse.Inspection)
            view = await warehouse.inspect(caller, number, inspection, runtime)
        except (DomainError, msgspec.ValidationError) as error:
            detail = error.detail if isinstance(error, DomainError) else str(error)
            return _station_page(request, "station/scan.html", error=detail)
        return _station_page(
            request,
            "station/scan.html",
            notice=f"Recorded: {view.number} is {view.status}. Scan the next parcel.",
        )
