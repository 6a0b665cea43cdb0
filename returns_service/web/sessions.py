"""Who is looking at a page: the portal's session cookie (a signed customer session) and the
staff pages' cookies (the scan station's, the agent console's and the dashboard's: a staff
token each, of the roles the page admits). A middleware on each page controller turns the
cookie into `request.user` (a Caller, or None when the cookie is missing, expired, forged,
another role's or from another store); the `signed_in` guard sends a visitor without one to
the sign-in page, with the same 303 the pages have always answered."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, ClassVar

from litestar import Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.response import Redirect

from returns_service.api.dependencies import clock_of, settings_of, store_of
from returns_service.domain.access import Caller, Role
from returns_service.services.platform.auth import authenticate_portal, authenticate_staff

PORTAL_COOKIE = "rs_portal"
STATION_COOKIE = "rs_station"
AGENT_COOKIE = "rs_agent"  # the agent console (/agent): an agent's or a lead's token
INSIGHTS_COOKIE = "rs_insights"  # the merchant's dashboard (/admin): a lead's or an admin's


class SignInRequired(Exception):
    """The page needs a session the visitor does not have."""

    def __init__(self, sign_in_page: str) -> None:
        super().__init__(sign_in_page)
        self.sign_in_page = sign_in_page


def to_sign_in(_: Request[Any, Any, Any], exc: SignInRequired) -> Response[Any]:
    return Redirect(exc.sign_in_page, status_code=303)


def signed_in(sign_in_page: str) -> Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]:
    """A guard: pages behind it need a session; without one, off to `sign_in_page`."""

    # async although it awaits nothing: Litestar runs a plain function guard in a worker thread
    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        if connection.user is None:
            raise SignInRequired(sign_in_page)

    return guard


class _CookieSession(AbstractAuthenticationMiddleware):
    """Never refuses: a page without a session decides itself (a guard, or the sign-in form)."""

    cookie: ClassVar[str]

    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        token = connection.cookies.get(self.cookie)
        caller = await self.verify(connection, token) if token else None
        return AuthenticationResult(user=caller, auth=token if caller else None)

    async def verify(self, connection: ASGIConnection, token: str) -> Caller | None:
        raise NotImplementedError


class PortalSession(_CookieSession):
    cookie = PORTAL_COOKIE

    async def verify(self, connection: ASGIConnection, token: str) -> Caller | None:
        secret = settings_of(connection).server.secret_key
        caller = await authenticate_portal(secret, token, clock_of(connection))
        if caller is None or caller.store_id != store_of(connection).id:
            return None
        return caller


class _StaffSession(_CookieSession):
    """A page session holding a staff token of one of `roles` (revoking the token ends it)."""

    roles: ClassVar[frozenset[Role]]

    async def verify(self, connection: ASGIConnection, token: str) -> Caller | None:
        caller = await authenticate_staff(token)
        if caller is None or caller.role not in self.roles:
            return None
        return caller if caller.store_id == store_of(connection).id else None


class StationSession(_StaffSession):
    cookie = STATION_COOKIE
    roles = frozenset({Role.WAREHOUSE})


class AgentSession(_StaffSession):
    cookie = AGENT_COOKIE
    roles = frozenset({Role.AGENT, Role.LEAD})


class InsightsSession(_StaffSession):
    cookie = INSIGHTS_COOKIE
    roles = frozenset({Role.LEAD, Role.ADMIN})


def is_secure(request: Request[Any, Any, Any]) -> bool:
    return request.url.scheme == "https" or settings_of(request).server.public_url.startswith(
        "https"
    )


def session_cookie(
    request: Request[Any, Any, Any], key: str, value: str, *, max_age: int, path: str
) -> Cookie:
    """A page session's cookie, with the attributes every one must carry (max_age 0 and an
    empty value end it)."""
    return Cookie(
        key=key,
        value=value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="lax",
        secure=is_secure(request),
    )
