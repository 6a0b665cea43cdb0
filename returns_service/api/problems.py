"""Every error leaves as an RFC 9457 problem (application/problem+json). Mapped here, once."""

from __future__ import annotations

import logging
import re
from typing import Any

import asyncpg
from litestar import Request, Response
from litestar.exceptions import ClientException, HTTPException, ValidationException
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from returns_service.adapters.storage import PhotoStorageUnavailable
from returns_service.domain import errors

log = logging.getLogger("returns_service.errors")

PROBLEM_MEDIA_TYPE = "application/problem+json"

STATUS_BY_ERROR: dict[type[errors.DomainError], int] = {
    errors.NotFound: 404,
    errors.NotAuthenticated: 401,
    errors.Forbidden: 403,
    errors.InvalidRequest: 422,
    errors.Conflict: 409,
    errors.TooManyAttempts: 429,
}

_TITLES = {
    400: "The request is malformed",
    401: "Authentication required",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    409: "Conflict with the current state",
    413: "The request body is too large",
    415: "Unsupported media type",
    422: "The request breaks a rule",
    429: "Too many requests",
    500: "Internal error",
    503: "Service unavailable",
}

_AT_PATH = re.compile(r"^(?P<message>.*?)(?: - at `(?P<path>[^`]*)`)?$", re.S)


def problem(
    status: int,
    *,
    code: str,
    title: str | None = None,
    detail: str,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response[dict[str, Any]]:
    body: dict[str, Any] = {
        "type": f"/problems/{code}",
        "title": title or _TITLES.get(status, "Error"),
        "status": status,
        "detail": detail,
    }
    body.update(extra)
    return Response(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _status_for(error: errors.DomainError) -> int:
    for kind in type(error).__mro__:
        if kind in STATUS_BY_ERROR:
            return STATUS_BY_ERROR[kind]
    return 400


def status_for_exception(exc: Exception) -> int:
    if isinstance(exc, errors.DomainError):
        return _status_for(exc)
    if isinstance(exc, HTTPException):
        return exc.status_code
    return 500


def domain_error_handler(_: Request[Any, Any, Any], exc: errors.DomainError) -> Response[Any]:
    headers = None
    if isinstance(exc, errors.TooManyAttempts):
        headers = {"Retry-After": str(exc.retry_after_seconds)}
    return problem(
        _status_for(exc),
        code=exc.code,
        title=exc.title,
        detail=exc.detail,
        headers=headers,
        **exc.extra,
    )


def _field_errors(extra: Any) -> list[dict[str, str]]:
    """Litestar/msgspec messages like "Expected `int`, got `str` - at `$.lines[0].quantity`"
    become {"field": "lines[0].quantity", "message": "Expected `int`, got `str`"}."""
    found = []
    for item in extra if isinstance(extra, list) else []:
        if not isinstance(item, dict):
            continue
        match = _AT_PATH.match(str(item.get("message", "")))
        message = match.group("message") if match else str(item.get("message", ""))
        path = (match.group("path") if match else None) or ""
        path = path.removeprefix("$").removeprefix(".")
        field = path or str(item.get("key") or "")
        source = getattr(item.get("source"), "value", item.get("source"))
        if source and source != "body":
            field = f"{source}:{item.get('key')}" if item.get("key") else field
        found.append({"field": field or "body", "message": message})
    return found


def validation_error_handler(
    request: Request[Any, Any, Any], exc: ValidationException
) -> Response[Any]:
    fields = _field_errors(exc.extra)
    return problem(
        400,
        code="validation-failed",
        title="The request has invalid fields",
        detail="; ".join(f"{f['field']}: {f['message']}" for f in fields) or str(exc.detail),
        errors=fields,
    )


def http_error_handler(_: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    status = exc.status_code
    if type(exc) is ClientException and status == 400:
        # Litestar raises a bare ClientException when the body cannot be decoded at all
        return problem(
            400, code="malformed-body", detail=f"The request body is not valid JSON ({exc.detail})."
        )
    detail = exc.detail if status < 500 else "The service could not complete the request."
    code = {401: "not-authenticated", 403: "forbidden", 404: "not-found"}.get(
        status, f"http-{status}"
    )
    return problem(status, code=code, detail=detail, headers=exc.headers)


def database_busy_handler(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """PostgreSQL broke a deadlock or a serialization conflict by aborting this transaction:
    nothing was committed, and the same request can simply be sent again."""
    log.warning("transaction aborted by the database: %s", exc)
    return problem(
        503,
        code="try-again",
        title="Please try again",
        detail="Another change to the same records happened at the same moment; nothing was "
        "saved. Send the request again.",
        headers={"Retry-After": "1"},
    )


def unstorable_value_handler(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """A value PostgreSQL cannot store (a NUL character in text, a number out of range)."""
    return problem(
        422,
        code="unstorable-value",
        detail="A value in the request cannot be stored (for example a NUL character in text).",
    )


def database_unavailable_handler(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.error("database unavailable: %s", exc)
    return problem(
        503,
        code="database-unavailable",
        title="Service unavailable",
        detail="The database cannot be reached right now; nothing was saved. Try again shortly.",
        headers={"Retry-After": "5"},
    )


def storage_unavailable_handler(_: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """The photo storage (S3 or its like) failed: the photo was not kept (or not read); the
    same request can be sent again once it is back."""
    log.error("photo storage unavailable: %s", exc)
    return problem(
        503,
        code="storage-unavailable",
        title="Service unavailable",
        detail="The photo storage cannot be reached right now; nothing was saved. Try again "
        "shortly.",
        headers={"Retry-After": "5"},
    )


def interface_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """asyncpg's InterfaceError: a connection that died under us (503), or a real bug (500)."""
    if "closed" in str(exc):
        return database_unavailable_handler(request, exc)
    return internal_error_handler(request, exc)


def internal_error_handler(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        code="internal-error",
        detail="The service could not complete the request. It has been logged.",
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    errors.DomainError: domain_error_handler,
    PhotoStorageUnavailable: storage_unavailable_handler,
    asyncpg.exceptions.DataError: unstorable_value_handler,
    asyncpg.exceptions.DeadlockDetectedError: database_busy_handler,
    asyncpg.exceptions.SerializationError: database_busy_handler,
    asyncpg.exceptions.LockNotAvailableError: database_busy_handler,
    OSError: database_unavailable_handler,  # connection refused / reset while PostgreSQL restarts
    asyncpg.exceptions.ConnectionDoesNotExistError: database_unavailable_handler,
    asyncpg.exceptions.CannotConnectNowError: database_unavailable_handler,
    asyncpg.exceptions.AdminShutdownError: database_unavailable_handler,
    asyncpg.exceptions.InterfaceError: interface_error_handler,
    ValidationException: validation_error_handler,
    HTTPException: http_error_handler,
    Exception: internal_error_handler,
}
