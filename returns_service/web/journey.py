"""The portal pages around a return that are not the return form itself: following a signed
link from an email or a label, asking for one on the lookup page, saying how a self-sent
parcel travels, confirming a cancellation, and writing to the store about a line whose
return window has closed. Each works without JavaScript."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, SkipValidation
from litestar.response import Redirect, Template

from returns_service.clock import Clock
from returns_service.domain.access import Caller
from returns_service.domain.errors import DomainError, InvalidRequest, TooManyAttempts
from returns_service.services.cases import contact
from returns_service.services.fulfilment import self_ship
from returns_service.services.fulfilment.schemas import OwnTracking
from returns_service.services.platform import links
from returns_service.services.platform.auth import portal_session_expiry, sign_portal_session
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store import sign_in_links
from returns_service.services.store.stores import StoreInfo
from returns_service.settings import Settings
from returns_service.web.i18n import Translator
from returns_service.web.pages import (
    PUBLIC,
    SignedInPortal,
    case_page,
    form_int,
    order_page,
    page_translator,
    render_page,
)
from returns_service.web.sessions import PORTAL_COOKIE, session_cookie


def _client(request: Request[Any, Any, Any]) -> str:
    return request.client.host if request.client else "unknown"


class PortalLinkPages(Controller):
    """Open to anyone: the link is the credential."""

    path = "/portal"
    opt = PUBLIC
    include_in_schema = False

    @get("/r/{token:str}")
    async def follow(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        store: NamedDependency[StoreInfo],
        clock: NamedDependency[SkipValidation[Clock]],
        token: FromPath[str],
    ) -> Response[Any]:
        target = await links.follow(settings.server.secret_key, store.id, token[:2000], clock)
        if target is None:
            t = page_translator(request)
            return render_page(request, "portal/find.html", t, error=t("find.link_expired"))
        expires_at = portal_session_expiry(clock, settings.portal.session_ttl_minutes)
        session = sign_portal_session(
            settings.server.secret_key, store.id, target.order_id, target.customer_id, expires_at
        )
        return Redirect(
            target.path,
            status_code=303,
            # the token is in this address: keep it out of caches and other sites' logs
            headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
            cookies=[
                session_cookie(
                    request,
                    PORTAL_COOKIE,
                    session,
                    max_age=int((expires_at - clock.now()).total_seconds()),
                    path="/portal",
                )
            ],
        )

    @post("/link")
    async def email_me_a_link(
        self,
        request: Request[Any, Any, Any],
        store: NamedDependency[StoreInfo],
        runtime: NamedDependency[Runtime],
    ) -> Template:
        form = await request.form()
        t = page_translator(request)
        order_number = str(form.get("order_number", ""))[:64]
        email = str(form.get("email", ""))[:320]
        try:
            await sign_in_links.email_sign_in_link(
                store.id, order_number, email, _client(request), runtime
            )
        except TooManyAttempts as error:
            return render_page(
                request,
                "portal/find.html",
                t,
                429,
                {"Retry-After": str(error.retry_after_seconds)},
                error=t("find.too_many"),
            )
        return render_page(
            request,
            "portal/find.html",
            t,
            notice=t("find.link_sent"),
            order_number=order_number,
            email=email,
        )


class PortalCaseSteps(SignedInPortal):
    """The signed-in customer's steps on a return: their own tracking number, cancelling, writing
    to us."""

    @post("/returns/{number:str}/tracking")
    async def tracking(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        t: NamedDependency[Translator],
        runtime: NamedDependency[Runtime],
        number: FromPath[str],
    ) -> Response[Any]:
        form = await request.form()
        data = OwnTracking(
            str(form.get("carrier", ""))[:32], str(form.get("tracking_number", ""))[:80]
        )
        try:
            await self_ship.add_tracking(caller, number, data, runtime)
        except InvalidRequest:
            return await case_page(
                request, caller, t, runtime, number, error=t("case.tracking_invalid")
            )
        except DomainError as error:
            return await case_page(request, caller, t, runtime, number, error=error.detail)
        return Redirect(f"/portal/returns/{number}#how-to-send", status_code=303)

    @post("/contact")
    async def write_to_store(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        t: NamedDependency[Translator],
        clock: NamedDependency[SkipValidation[Clock]],
        runtime: NamedDependency[Runtime],
    ) -> Response[Any]:
        form = await request.form()
        line_id = form_int(form.get("line_id")) or None
        body = str(form.get(f"contact_{line_id}") or form.get("body") or "").strip()[:4000]
        try:
            number = await contact.write_to_store(caller, body, line_id, runtime)
        except DomainError as error:
            return await order_page(
                request, caller, t, clock, error=t("error.generic", detail=error.detail)
            )
        return Redirect(f"/portal/returns/{number}", status_code=303)
