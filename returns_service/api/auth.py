"""Who is calling: bearer tokens (staff, stations, portal sessions) and role guards."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from returns_service.api.dependencies import clock_of, settings_of
from returns_service.domain.access import Caller, Role
from returns_service.domain.errors import Forbidden, NotAuthenticated
from returns_service.services.platform.auth import (
    PORTAL_TOKEN_PREFIX,
    authenticate_portal,
    authenticate_staff,
)

# Routes with opt={"public": True} skip authentication (health, portal sign-in, webhooks).
PUBLIC = {"public": True}


class BearerAuthMiddleware(AbstractAuthenticationMiddleware):
    async def authenticate_request(self, connection: ASGIConnection) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise NotAuthenticated("Send `Authorization: Bearer <token>`.")
        if token.startswith(PORTAL_TOKEN_PREFIX):
            secret = settings_of(connection).server.secret_key
            caller = await authenticate_portal(secret, token, clock_of(connection))
        else:
            caller = await authenticate_staff(token)
        if caller is None:
            raise NotAuthenticated("The token is unknown, revoked or expired.")
        return AuthenticationResult(user=caller, auth=token)


def allow(*roles: Role) -> Callable[[ASGIConnection, BaseRouteHandler], Awaitable[None]]:
    """A guard admitting only callers of these roles; any other role gets 403."""
    allowed = frozenset(roles)
    if Role.SYSTEM in allowed:  # the service itself never calls its own API
        raise ValueError("no route admits the system role")

    # async although it awaits nothing: Litestar runs a plain function guard in a worker
    # thread, a thread hop on every request
    async def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        caller: Caller = connection.user
        if caller.role not in allowed:
            raise Forbidden(f"This needs the role {' or '.join(sorted(allowed))}.")

    return guard
