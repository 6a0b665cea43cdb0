"""Bearer tokens for staff and stations, and signed portal sessions for customers.

Staff tokens are random (192 bits), shown once, stored only as a SHA-256 hash, revocable.
Portal sessions are a signed, expiring claim of (store, order, customer) and need no row
while valid; signing out records the token's hash until its expiry (`revoked_session`), so
the claim ends everywhere at once. Revoking one token (rather than every session of the
customer from a moment on) leaves the customer's other devices and a freshly emailed
sign-in link working.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import msgspec

from returns_service.clock import Clock
from returns_service.db.tables import ApiToken
from returns_service.domain.access import STAFF_TOKEN_ROLES, Caller, Role
from returns_service.domain.errors import InvalidRequest, NotFound
from returns_service.services.platform import queries

STAFF_TOKEN_PREFIX = "rs_"
PORTAL_TOKEN_PREFIX = "rsp1."


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedToken:
    id: int
    token: str


async def create_staff_token(
    store_id: int,
    role: Role,
    clock: Clock,
    *,
    name: str = "",
    agent_id: int | None = None,
    station_id: int | None = None,
) -> IssuedToken:
    if role not in STAFF_TOKEN_ROLES:
        raise InvalidRequest(f"tokens cannot be made for the role {role.value}", field="role")
    token = STAFF_TOKEN_PREFIX + secrets.token_urlsafe(24)
    rows = await ApiToken.insert(
        ApiToken(
            store=store_id,
            token_hash=hash_token(token),
            role=role.value,
            name=name,
            agent=agent_id,
            station=station_id,
            created_at=clock.now(),
        )
    ).run()
    return IssuedToken(id=rows[0]["id"], token=token)


async def revoke_token(store_id: int, token_id: int, clock: Clock) -> None:
    rows = await (
        ApiToken.update({ApiToken.revoked_at: clock.now()})
        .where(
            (ApiToken.store == store_id) & (ApiToken.id == token_id) & ApiToken.revoked_at.is_null()
        )
        .returning(ApiToken.id)
        .run()
    )
    if not rows:
        raise NotFound(f"no active token with id {token_id}")


async def list_tokens(store_id: int) -> list[dict[str, object]]:
    return await (
        ApiToken.select(
            ApiToken.id, ApiToken.role, ApiToken.name, ApiToken.created_at, ApiToken.revoked_at
        )
        .where(ApiToken.store == store_id)
        .order_by(ApiToken.id)
        .run()
    )


async def authenticate_staff(token: str) -> Caller | None:
    if not token.startswith(STAFF_TOKEN_PREFIX):
        return None
    # every staff request starts here: one plain statement
    row = await queries.token_by_hash(hash_token(token))
    if row is None or row.role not in STAFF_TOKEN_ROLES:  # never Role.SYSTEM
        return None
    return Caller(
        role=Role(row.role),
        store_id=row.store_id,
        token_id=row.id,
        agent_id=row.agent_id,
        station_id=row.station_id,
    )


class _PortalClaim(msgspec.Struct, frozen=True):
    s: int  # store
    o: int  # order the customer signed in with
    c: int  # customer
    e: int  # expiry, unix seconds
    # this session among the customer's others (two sign-ins in one second differ), so
    # signing out ends this one alone
    n: str = ""


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: str, payload: str) -> str:
    return b64(hmac.new(secret.encode(), payload.encode(), hashlib.sha256).digest())


def sign_portal_session(
    secret: str, store_id: int, order_id: int, customer_id: int, expires_at: datetime
) -> str:
    claim = _PortalClaim(
        s=store_id,
        o=order_id,
        c=customer_id,
        e=int(expires_at.timestamp()),
        n=secrets.token_urlsafe(9),
    )
    payload = b64(msgspec.json.encode(claim))
    return f"{PORTAL_TOKEN_PREFIX}{payload}.{sign(secret, payload)}"


def verify_portal_session(secret: str, token: str, clock: Clock) -> Caller | None:
    if not token.startswith(PORTAL_TOKEN_PREFIX):
        return None
    payload, _, signature = token[len(PORTAL_TOKEN_PREFIX) :].partition(".")
    if not hmac.compare_digest(signature.encode(), sign(secret, payload).encode()):
        return None
    try:
        claim = msgspec.json.decode(unb64(payload), type=_PortalClaim)
    except (msgspec.DecodeError, ValueError):
        return None
    if claim.e <= clock.now().timestamp():
        return None
    return Caller(role=Role.CUSTOMER, store_id=claim.s, customer_id=claim.c, order_id=claim.o)


async def authenticate_portal(secret: str, token: str, clock: Clock) -> Caller | None:
    """The customer of a valid portal token that has not been signed out (nor its customer
    redacted)."""
    caller = verify_portal_session(secret, token, clock)
    if caller is None or await queries.session_revoked(
        caller.store_id, hash_token(token), caller.customer_id
    ):
        return None
    return caller


async def revoke_portal_session(secret: str, token: str, clock: Clock) -> bool:
    """Sign out: the token stops working now, wherever it is kept. False when it was not a
    valid session (nothing to end)."""
    caller = verify_portal_session(secret, token, clock)
    if caller is None:
        return False
    payload = token[len(PORTAL_TOKEN_PREFIX) :].partition(".")[0]
    claim = msgspec.json.decode(unb64(payload), type=_PortalClaim)
    expires_at = datetime.fromtimestamp(claim.e, tz=UTC)
    await queries.revoke_session(caller.store_id, hash_token(token), expires_at, clock.now())
    return True


def portal_session_expiry(clock: Clock, ttl_minutes: int) -> datetime:
    return clock.now() + timedelta(minutes=ttl_minutes)
