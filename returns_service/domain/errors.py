"""The domain's failures. Each is one kind of problem; the API maps kinds to HTTP once."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every expected failure. `code` is stable and becomes the problem `type`."""

    code = "domain-error"
    title = "The request could not be completed"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class NotFound(DomainError):
    code = "not-found"
    title = "Not found"


class NotAuthenticated(DomainError):
    code = "not-authenticated"
    title = "Authentication required"


class Forbidden(DomainError):
    code = "forbidden"
    title = "Not allowed"


class InvalidRequest(DomainError):
    """Well-formed input that breaks a business rule (wrong currency, unknown SKU...)."""

    code = "invalid-request"
    title = "The request breaks a rule"


class Conflict(DomainError):
    code = "conflict"
    title = "Conflict with the current state"


class TooManyAttempts(DomainError):
    code = "too-many-attempts"
    title = "Too many attempts"

    def __init__(self, detail: str, retry_after_seconds: int) -> None:
        super().__init__(detail)
        self.retry_after_seconds = max(1, retry_after_seconds)


class Malformed(DomainError):
    """Input that cannot be read as what it claims to be (bytes posted as an email that are
    none): a 400, as every domain error not mapped to another status."""

    code = "malformed"
    title = "The request is malformed"
