"""Inbound email over HTTP: where a mail provider (or our own MX) posts customers' replies as
raw MIME, and the emails kept aside for leads."""

from __future__ import annotations

import base64
import binascii
import hmac
from typing import Annotated, Any

from litestar import Controller, Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.exceptions import HTTPException
from litestar.params import FromPath, JSONBody, QueryParameter

from returns_service.adapters import inbound_providers
from returns_service.adapters.inbound_providers import PostedEmail
from returns_service.api.auth import PUBLIC, allow
from returns_service.domain.access import Caller, Role
from returns_service.domain.errors import Malformed, NotAuthenticated, NotFound
from returns_service.services.inbound import held, mailroom
from returns_service.services.inbound.schemas import (
    AcceptHeldIn,
    HeldEmailPage,
    HeldEmailView,
    InboundReceipt,
)
from returns_service.services.platform.runtime import Runtime
from returns_service.settings import Settings

# the email plus a little: larger bodies are a 413 before anything is read
EMAIL_BODY_LIMIT = mailroom.MAX_EMAIL_BYTES + 64 * 1024


def _check_secret(request: Request[Any, Any, Any], secret: str) -> None:
    """The route's own check (it is public to the staff-token middleware): the configured
    secret as a bearer token, or as the password of HTTP Basic (providers that can only put
    credentials in the URL), compared in constant time."""
    if not secret:
        raise NotFound("inbound email is not configured")
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    given = credentials.strip()
    if scheme.lower() == "basic":
        try:
            given = base64.b64decode(given, validate=True).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            given = ""
    elif scheme.lower() != "bearer":
        given = ""
    if not given or not hmac.compare_digest(given.encode(), secret.encode()):
        raise NotAuthenticated("Send `Authorization: Bearer <RETURNS_INBOUND_SECRET>`.")


async def _posted_email(request: Request[Any, Any, Any]) -> PostedEmail:
    """The raw email: the body itself (message/rfc822), or inside a provider's post."""
    content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    if content_type == "message/rfc822":
        return PostedEmail(await request.body())
    found: PostedEmail | None = None
    if content_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        form = await request.form()
        fields: dict[str, Any] = {}
        for key in form:
            value = form.get(key)
            if isinstance(value, UploadFile):  # a provider may send the message as a file part
                value = (await value.read()).decode("utf-8", "surrogateescape")
            fields[key] = value
        found = inbound_providers.from_form(fields)
    elif content_type == "application/json":
        found = inbound_providers.from_json(await request.body())
    else:
        raise HTTPException(status_code=415, detail="Send the email as message/rfc822.")
    if found is None:
        raise Malformed("the post holds no raw email (email, body-mime or RawEmail)")
    return found


class InboundEmailController(Controller):
    path = "/api/v1/inbound"
    tags = ["inbound email"]

    # `/email/mime`: the same route, for Mailgun, which posts the raw message only to a URL
    # that ends in "mime"
    @post(
        ["/email", "/email/mime"],
        opt=PUBLIC,
        status_code=202,
        request_max_body_size=EMAIL_BODY_LIMIT,
        summary="A customer's email as raw MIME (message/rfc822; or SendGrid's, Mailgun's or "
        "Postmark's raw post), authorised by RETURNS_INBOUND_SECRET",
    )
    async def receive_email(
        self,
        request: Request[Any, Any, Any],
        settings: NamedDependency[Settings],
        runtime: NamedDependency[Runtime],
    ) -> InboundReceipt:
        _check_secret(request, settings.inbound.secret)
        posted = await _posted_email(request)
        filed = await mailroom.receive(posted.raw, runtime, posted.recipients)
        if filed.problem:
            raise Malformed(
                f"{filed.problem}; the email was kept for a lead (id {filed.receipt.id})",
                id=filed.receipt.id,
                status_kept=filed.receipt.status,
            )
        return filed.receipt


class InboundHeldController(Controller):
    path = "/api/v1/inbound/held"
    tags = ["inbound email"]
    guards = [allow(Role.LEAD, Role.ADMIN)]

    @get("/", summary="Emails kept aside for a lead (newest first)")
    async def list_held(
        self,
        caller: NamedDependency[Caller],
        cursor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=100)] = 50,
    ) -> HeldEmailPage:
        return await held.held_page(caller, cursor, limit)

    @post("/{email_id:int}/accept", status_code=200, summary="Make it the case's customer message")
    async def accept(
        self,
        caller: NamedDependency[Caller],
        email_id: FromPath[int],
        data: JSONBody[AcceptHeldIn],
        runtime: NamedDependency[Runtime],
    ) -> HeldEmailView:
        return await held.accept(caller, email_id, data.case_number, runtime)

    @post("/{email_id:int}/discard", status_code=200, summary="Set it aside for good")
    async def discard(
        self,
        caller: NamedDependency[Caller],
        email_id: FromPath[int],
        runtime: NamedDependency[Runtime],
    ) -> HeldEmailView:
        return await held.discard(caller, email_id, runtime)
