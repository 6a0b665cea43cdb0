"""The warehouse scan station page: sign the device in once with a station token; the
scanner types the barcode and presses Enter. Nothing is pre-selected: number keys (or the
mouse) choose each item's condition and destination; the station then shows what recording
will do (grading.preview) and records only on a second, explicit confirmation. A parcel
without a readable label is looked up by order number, email or name. English only.
The same services as the warehouse API."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from returns_service.domain.access import Caller, Role
from returns_service.domain.errors import DomainError
from returns_service.domain.settlement import Condition, Disposition
from returns_service.services.cases.views import case_view
from returns_service.services.fulfilment import grading, warehouse
from returns_service.services.fulfilment import search as parcels
from returns_service.services.fulfilment.schemas import ExpectedItem
from returns_service.services.platform.auth import authenticate_staff
from returns_service.services.platform.runtime import Runtime
from returns_service.web.i18n import Translator
from returns_service.web.pages import PUBLIC, STATION_COOKIE, form_int, render_page
from returns_service.web.sessions import (
    SignInRequired,
    StationSession,
    session_cookie,
    signed_in,
    to_sign_in,
)

# a station without its cookie (or with a revoked token) is back at the sign-in form
SIGNED_IN = [signed_in("/warehouse/station")]


async def _station_page(
    request: Request[Any, Any, Any], template: str, status_code: int = 200, **context: Any
) -> Template:
    caller = request.user
    name = await warehouse.station_name(caller) if isinstance(caller, Caller) else None
    return render_page(
        request,
        template,
        Translator("en"),
        status_code,
        conditions=[c.value for c in Condition],
        dispositions=[d.value for d in Disposition],
        station_name=name,
        **context,
    )


def _choices(form: Any) -> tuple[list[dict[str, Any]], dict[int, dict[str, str]]]:
    """The graded items as posted, and each line's choices so far (to show them again)."""
    items, chosen = [], {}
    for key, value in form.items():
        if not key.startswith("qty_"):
            continue
        line = key.removeprefix("qty_")
        condition, disposition = form.get(f"condition_{line}"), form.get(f"disposition_{line}")
        items.append(
            {
                "line_id": form_int(line),
                "quantity": form_int(value),
                "condition": condition,
                "disposition": disposition,
            }
        )
        chosen[form_int(line)] = {"condition": condition or "", "disposition": disposition or ""}
    return items, chosen


def _missing(items: list[dict[str, Any]]) -> dict[int, list[str]]:
    """Per line, what is still to choose: a clear message beside the question, not a 400."""
    missing: dict[int, list[str]] = {}
    for item in items:
        for field, valid in (("condition", Condition), ("disposition", Disposition)):
            if item[field] not in {v.value for v in valid}:
                missing.setdefault(item["line_id"], []).append(field)
    return missing


async def _expected(caller: Caller, number: str) -> list[ExpectedItem]:
    view = await case_view(caller, number)
    return [
        ExpectedItem(i.line_id, i.sku, i.title, i.quantity, i.reason, i.resolution)
        for i in view.items
    ]


class StationPages(Controller):
    path = "/warehouse/station"
    opt = PUBLIC
    include_in_schema = False
    middleware = [StationSession]
    exception_handlers = {SignInRequired: to_sign_in}

    @get("/")
    async def home(self, request: Request[Any, Any, Any]) -> Template:
        if request.user is None:
            return await _station_page(request, "station/login.html")
        return await _station_page(request, "station/scan.html")

    @post("/login")
    async def login(self, request: Request[Any, Any, Any]) -> Response[Any]:
        token = str((await request.form()).get("token", "")).strip()
        caller = await authenticate_staff(token) if token else None
        if caller is None or caller.role is not Role.WAREHOUSE:
            return await _station_page(
                request, "station/login.html", error="That is not a station token."
            )
        return Redirect(
            "/warehouse/station",
            status_code=303,
            cookies=[
                session_cookie(
                    request, STATION_COOKIE, token, max_age=31_536_000, path="/warehouse"
                )
            ],
        )

    @post("/logout")
    async def logout(self, request: Request[Any, Any, Any]) -> Response[Any]:
        # the device forgets its session; the station's token stays valid for its next sign-in
        return Redirect(
            "/warehouse/station",
            status_code=303,
            cookies=[session_cookie(request, STATION_COOKIE, "", max_age=0, path="/warehouse")],
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
            return await _station_page(request, "station/scan.html", error=error.detail)
        return await _station_page(request, "station/scan.html", result=result, chosen={})

    @get("/search", guards=SIGNED_IN)
    async def search(
        self, request: Request[Any, Any, Any], caller: NamedDependency[Caller]
    ) -> Response[Any]:
        q = request.query_params.get("q", "")
        cursor = request.query_params.get("cursor")
        try:
            page = await parcels.search(caller, q[:320], cursor[:64] if cursor else None)
        except DomainError as error:
            return await _station_page(request, "station/scan.html", q=q, search_error=error.detail)
        return await _station_page(request, "station/scan.html", q=q, found=page)

    @post("/cases/{number:str}/preview", guards=SIGNED_IN)
    async def preview(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        number: FromPath[str],
    ) -> Response[Any]:
        items, chosen = _choices(await request.form())
        try:
            if missing := _missing(items):
                return await _station_page(
                    request,
                    "station/scan.html",
                    grading=number,
                    expected=await _expected(caller, number),
                    chosen=chosen,
                    missing=missing,
                    error="Choose a condition and a destination for every item.",
                )
            inspection = msgspec.convert({"items": items}, warehouse.Inspection)
            preview = await grading.preview(caller, number, inspection)
        except (DomainError, msgspec.ValidationError) as error:
            detail = error.detail if isinstance(error, DomainError) else str(error)
            return await _station_page(request, "station/scan.html", error=detail)
        return await _station_page(request, "station/scan.html", preview=preview, chosen=chosen)

    @post("/cases/{number:str}/inspection", guards=SIGNED_IN)
    async def inspection(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        runtime: NamedDependency[Runtime],
        number: FromPath[str],
    ) -> Response[Any]:
        form = await request.form()
        items, chosen = _choices(form)
        try:
            if form.get("action") != "record" or _missing(items):
                # "Change", or a post that skipped the preview: back to the choices, nothing
                # recorded (recording needs the explicit confirmation on the preview)
                return await _station_page(
                    request,
                    "station/scan.html",
                    grading=number,
                    expected=await _expected(caller, number),
                    chosen=chosen,
                    missing=_missing(items),
                )
            inspection = msgspec.convert({"items": items}, warehouse.Inspection)
            view = await warehouse.inspect(caller, number, inspection, runtime)
        except (DomainError, msgspec.ValidationError) as error:
            detail = error.detail if isinstance(error, DomainError) else str(error)
            return await _station_page(request, "station/scan.html", error=detail)
        return await _station_page(
            request,
            "station/scan.html",
            notice=f"Recorded: {view.number} is {view.status}. Scan the next parcel.",
        )
