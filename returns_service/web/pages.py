"""The portal and the scan station as web pages: forms posted to the service, rendered on the
server, no JavaScript needed. Each handler is a few lines around the same services the JSON
API uses; sessions are cookies (HttpOnly, SameSite=Lax, Secure over HTTPS) and every form
carries a CSRF token."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, SkipValidation
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router

from returns_service.adapters.carriers import qr_svg
from returns_service.api.dependencies import store_of
from returns_service.api.idempotency import Idempotency
from returns_service.clock import Clock
from returns_service.domain.access import Caller
from returns_service.domain.cases import CANCELLABLE_STATUSES, ReturnRequest
from returns_service.domain.catalog import shown_on_pages
from returns_service.domain.errors import DomainError, TooManyAttempts
from returns_service.services.cases import (
    conversation,
    decisions,
    lists,
    opening,
    photos,
    views,
)
from returns_service.services.fulfilment import labels, self_ship
from returns_service.services.platform.auth import revoke_portal_session
from returns_service.services.platform.idempotency import fingerprint
from returns_service.services.platform.links import case_link
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store import portal
from returns_service.services.store.catalog import translated_titles
from returns_service.services.store.policy import get_policy
from returns_service.services.store.stores import StoreInfo
from returns_service.settings import Settings
from returns_service.web import portal_returns as returns_form
from returns_service.web.i18n import LANGUAGES, Translator, pick_language, timeline_text
from returns_service.web.portal_returns import form_int
from returns_service.web.sessions import (
    PORTAL_COOKIE,
    STATION_COOKIE,
    PortalSession,
    SignInRequired,
    is_secure,
    session_cookie,
    signed_in,
    to_sign_in,
)

WEB_DIR = Path(__file__).parent
# where the station page finds its cookie and form helper
__all__ = ["PORTAL_COOKIE", "STATION_COOKIE", "form_int"]
LANG_COOKIE = "rs_lang"
PUBLIC = {"public": True}  # pages authenticate by cookie, not by bearer token

static_files = create_static_files_router(
    path="/static", directories=[WEB_DIR / "static"], opt=PUBLIC
)


def page_translator(
    request: Request[Any, Any, Any], customer_language: str | None = None
) -> Translator:
    return Translator(
        pick_language(
            request.query_params.get("lang"),
            request.cookies.get(LANG_COOKIE),
            customer_language,
            accept_language=request.headers.get("accept-language", ""),
        )
    )


def render_page(  # form errors re-render with 200: the message is in the page, not the status
    request: Request[Any, Any, Any],
    template: str,
    t: Translator,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
    **context: Any,
) -> Template:
    cookies = []
    if request.query_params.get("lang") in LANGUAGES:
        cookies.append(
            Cookie(
                key=LANG_COOKIE,
                value=t.language,
                max_age=31_536_000,
                samesite="lax",
                secure=is_secure(request),
                httponly=True,
            )
        )
    return Template(
        template_name=template,
        context={
            "t": t,
            "languages": LANGUAGES,
            "store_name": store_of(request).name,
            "event_text": timeline_text,
            **context,
        },
        status_code=status_code,
        cookies=cookies,
        headers=headers,
    )


async def customer_translator(
    request: Request[Any, Any, Any], caller: NamedDependency[Caller]
) -> Translator:
    """The signed-in customer's language; a language the shopper picked on the switcher (now
    or before signing in) wins and becomes their stored one, emails included."""
    stored = await portal.customer_language(caller)
    picked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    if picked in LANGUAGES and picked != stored:
        await portal.remember_language(caller, picked)
        stored = picked
    return page_translator(request, stored)


class PortalSignInPages(Controller):
    """Finding the order: open to anyone."""

    path = "/portal"
    opt = PUBLIC
    include_in_schema = False

    @get("/")
    async def find(self, request: Request[Any, Any, Any]) -> Template:
        return render_page(request, "portal/find.html", page_translator(request))

    @post("/")
    async def sign_in(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        store: NamedDependency[StoreInfo],
        clock: NamedDependency[SkipValidation[Clock]],
    ) -> Response[Any]:
        form = await request.form()
        t = page_translator(request)
        try:
            session = await portal.open_session(
                store.id,
                str(form.get("order_number", "")),
                str(form.get("email", "")),
                client=request.client.host if request.client else "unknown",
                secret=settings.server.secret_key,
                ttl_minutes=settings.portal.session_ttl_minutes,
                limits=portal.LookupLimits(
                    settings.portal.lookup_failures_allowed,
                    settings.portal.lookup_failure_window_seconds,
                ),
                clock=clock,
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
        except DomainError:
            return render_page(
                request,
                "portal/find.html",
                t,
                200,
                error=t("find.not_found"),
                order_number=form.get("order_number", ""),
            )
        max_age = int((session.expires_at - clock.now()).total_seconds())
        return Redirect(
            "/portal/order",
            status_code=303,
            cookies=[
                session_cookie(
                    request, PORTAL_COOKIE, session.token, max_age=max_age, path="/portal"
                )
            ],
        )

    @post("/sign-out")
    async def sign_out(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        clock: NamedDependency[SkipValidation[Clock]],
    ) -> Redirect:
        # the session ends on the server too: a copy of the cookie no longer works
        token = request.cookies.get(PORTAL_COOKIE)
        if token:
            await revoke_portal_session(settings.server.secret_key, token, clock)
        return Redirect(
            "/portal",
            status_code=303,
            cookies=[session_cookie(request, PORTAL_COOKIE, "", max_age=0, path="/portal")],
        )


class SignedInPortal(Controller):
    """What every page of a signed-in customer shares: the portal session cookie (or back to
    finding the order), texts in the customer's language. Pages subclass it."""

    path = "/portal"
    opt = PUBLIC
    include_in_schema = False
    middleware = [PortalSession]
    guards = [signed_in("/portal")]
    exception_handlers = {SignInRequired: to_sign_in}
    dependencies = {"t": Provide(customer_translator)}


class PortalPages(SignedInPortal):
    """The customer's own pages: the order, the review step, a return."""

    @get("/order")
    async def order(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        t: NamedDependency[Translator],
        clock: NamedDependency[SkipValidation[Clock]],
    ) -> Response[Any]:
        return await order_page(request, caller, t, clock)

    @post("/return/review")
    async def review(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        t: NamedDependency[Translator],
        clock: NamedDependency[SkipValidation[Clock]],
        runtime: NamedDependency[Runtime],
    ) -> Response[Any]:
        form = await request.form()
        order = await portal.order_view(caller, clock, t.language)
        chosen, error = await returns_form.picked_lines(caller, order, form, t)
        if error or not chosen:
            return await order_page(
                request, caller, t, clock, error=error or t("order.pick_one"), form=form
            )
        await returns_form.offer_bonus(caller, chosen, runtime)
        return _review_page(
            request, t, order.currency, chosen, uuid.uuid4().hex, comment=form.get("comment")
        )

    @post("/returns")
    async def create(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        t: NamedDependency[Translator],
        clock: NamedDependency[SkipValidation[Clock]],
        runtime: NamedDependency[Runtime],
    ) -> Response[Any]:
        form = await request.form()
        order = await portal.order_view(caller, clock, t.language)
        chosen, error = await returns_form.picked_lines(caller, order, form, t)
        if error or not chosen:
            return await order_page(
                request, caller, t, clock, error=error or t("order.pick_one"), form=form
            )
        # the review page's hidden key: a double-clicked "send" opens one case, not two
        key = str(form.get("idempotency_key") or uuid.uuid4().hex)[:255]
        items, error = returns_form.requested_items(chosen, t)
        if error:
            await returns_form.offer_bonus(caller, chosen, runtime)
            return _review_page(request, t, order.currency, chosen, key, error)
        comment = str(form.get("comment", "")).strip()[:4000] or None
        request_doc = ReturnRequest(items=items, comment=comment)
        once = Idempotency(
            caller=caller,
            key=f"page:{key}",
            fingerprint=fingerprint("POST", "/portal/returns", msgspec.json.encode(request_doc)),
            status_code=201,
            clock=clock,
        )

        async def work() -> str:
            return await opening.open_case(caller, request_doc, runtime)

        try:
            stored = await once.run(work, str.encode)
        except DomainError as refused:
            return await order_page(
                request, caller, t, clock, error=t("error.generic", detail=refused.detail)
            )
        return Redirect(f"/portal/returns/{stored.body.decode()}?created=1", status_code=303)

    @get("/returns/{number:str}")
    async def case(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        t: NamedDependency[Translator],
        runtime: NamedDependency[Runtime],
        number: FromPath[str],
    ) -> Response[Any]:
        return await case_page(request, caller, t, runtime, number)

    @post("/returns/{number:str}/messages")
    async def message(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        t: NamedDependency[Translator],
        runtime: NamedDependency[Runtime],
        number: FromPath[str],
    ) -> Response[Any]:
        body = str((await request.form()).get("body", "")).strip()
        if body:
            try:
                await conversation.customer_writes(caller, number, body[:10_000], runtime)
            except DomainError as error:
                return await case_page(request, caller, t, runtime, number, error=error.detail)
        return Redirect(f"/portal/returns/{number}#messages", status_code=303)

    @get("/returns/{number:str}/cancel")
    async def confirm_cancel(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        t: NamedDependency[Translator],
        number: FromPath[str],
    ) -> Template:
        """The second step of cancelling: what it means, and the button that does it."""
        view = await views.case_view(caller, number, t.language)  # 404 for another's case
        return render_page(request, "portal/cancel.html", t, case=view)

    @post("/returns/{number:str}/cancel")
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        caller: NamedDependency[Caller],
        t: NamedDependency[Translator],
        runtime: NamedDependency[Runtime],
        number: FromPath[str],
    ) -> Response[Any]:
        if (await request.form()).get("confirm") != "yes":  # the button that says what it does
            return Redirect(f"/portal/returns/{number}/cancel", status_code=303)
        try:
            await decisions.cancel(caller, number, runtime)
        except DomainError as error:
            return await case_page(request, caller, t, runtime, number, error=error.detail)
        return Redirect(f"/portal/returns/{number}", status_code=303)

    @get("/returns/{number:str}/label.pdf")
    async def label(self, caller: NamedDependency[Caller], number: FromPath[str]) -> Response[Any]:
        label = await labels.label_file(caller, number, "pdf")
        return Response(
            label.content,
            media_type=label.media_type,
            headers={"Content-Disposition": f'inline; filename="{label.filename}"'},
        )

    @get("/returns/{number:str}/label-qr.png")
    async def label_qr(
        self, caller: NamedDependency[Caller], number: FromPath[str]
    ) -> Response[Any]:
        # the provider's drop-off code, served from here: the page's CSP loads no other host
        return Response(await labels.qr_code(caller, number), media_type="image/png")


async def order_page(
    request: Request[Any, Any, Any],
    caller: Caller,
    t: Translator,
    clock: Clock,
    error: str | None = None,
    form: Any = None,
) -> Template:
    order = await portal.order_view(caller, clock, t.language)
    returns = await lists.order_returns(caller, caller.order_id) if caller.order_id else []
    return render_page(
        request,
        "portal/order.html",
        t,
        200,
        order=order,
        cases=returns,
        reasons=(await get_policy(caller.store_id)).reason_choices(t.language),
        error=error,
        picked=form or {},
    )


def _review_page(
    request: Request[Any, Any, Any],
    t: Translator,
    currency: str,
    chosen: list[returns_form.ReviewLine],
    idempotency_key: str,
    error: str | None = None,
    comment: Any = None,
) -> Template:
    return render_page(
        request,
        "portal/review.html",
        t,
        items=chosen,
        amounts=returns_form.shown_amounts(currency, chosen),
        unsigned=returns_form.unsigned,
        idempotency_key=idempotency_key,
        error=error,
        bonus=returns_form.picked_bonus(chosen),
        comment=str(comment or "")[:4000],
        on_page=shown_on_pages,
    )


async def case_page(
    request: Request[Any, Any, Any],
    caller: Caller,
    t: Translator,
    runtime: Runtime,
    number: str,
    error: str | None = None,
) -> Template:
    view = await views.case_view(caller, number, t.language)
    titles = await translated_titles(caller.store_id, [i.sku for i in view.items], t.language)
    if titles:  # the catalogue's title in the reader's language, where it has one
        items = [
            msgspec.structs.replace(i, title=titles[i.sku].product or i.title)
            if i.sku in titles
            else i
            for i in view.items
        ]
        view = msgspec.structs.replace(view, items=items)
    policy = await get_policy(caller.store_id)
    sending = await self_ship.sending_card(caller, view, runtime)
    steps = []
    if view.status == "requested":
        steps.append(t("case.next_requested"))
    elif view.status in ("approved", "in_transit") and not sending:  # the card says it all
        if view.label_purchase and not view.label:  # a provider's label is on its way
            steps.append(t("case.label_coming"))
        else:
            steps.append(t("case.next_label") if view.label else t("case.next_self"))
    if view.exchange and view.status not in ("cancelled", "rejected", "closed"):
        if view.exchange.status in ("shipped", "delivered"):
            steps.append(t("case.next_advance_now"))
        elif policy.advance_exchange == "on_first_scan":
            steps.append(t("case.next_advance_scan"))
        else:
            steps.append(t("case.next_after_receipt"))
    if view.status in ("approved", "in_transit", "received"):
        # store credit is not "the price you paid back": each says what it will get
        if any(i.resolution == "refund" for i in view.items):
            steps.append(t("case.next_refund"))
        if any(i.resolution == "store_credit" for i in view.items):
            steps.append(t("case.next_credit"))
    return render_page(
        request,
        "portal/case.html",
        t,
        200,
        case=view,
        messages=await views.messages(caller, number),
        next_steps=steps,
        created=request.query_params.get("created") == "1",
        photo_added=request.query_params.get("photo") == "1",
        error=error,
        # once a replacement has left, the return can no longer be cancelled
        cancellable=view.status in CANCELLABLE_STATUSES
        and not (view.exchange and view.exchange.status in ("shipped", "delivered")),
        qr_svg=qr_svg(case_link(caller.store_id, number, runtime)) if view.label else "",
        sending=sending,
        amounts=returns_form.case_amounts(view),
        photos=await photos.list_photos(caller, number),
        photo_wanted=any(i.reason in returns_form.PHOTO_REASONS for i in view.items),
    )
