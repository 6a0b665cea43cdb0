"""Signed deep links: every link a customer follows (in an email, on a label's QR code, on the
case page) is `RETURNS_PUBLIC_URL/portal/r/{token}`, which signs them in and opens the case
(or, for an "email me a link" request, the order).

A token is a signed claim of (store, case number or order, expiry); no table holds it. It is
signed with the service's secret under its own purpose, so a link is never a session token
and a session token never a link. Case links live 30 days: they are printed on labels and
sent in emails a customer acts on days later (a return window is usually 30 days). A link
asked for on the lookup page lives one hour: it only stands in for typing the order number
and email. An expired link leads to the lookup page, which can send a fresh one."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal

import msgspec

from returns_service.clock import Clock
from returns_service.db.tables import ReturnCase, ShopOrder
from returns_service.services.platform.auth import b64, sign, unb64
from returns_service.services.platform.runtime import Runtime

LINK_PREFIX = "rsl1."
CASE_LINK_TTL = timedelta(days=30)
ORDER_LINK_TTL = timedelta(hours=1)


class _LinkClaim(msgspec.Struct, frozen=True):
    s: int  # store
    k: Literal["c", "o"]  # what it opens: a case (by number) or an order (by id)
    n: str
    e: int  # expiry, unix seconds


def _sign(secret: str, claim: _LinkClaim) -> str:
    payload = b64(msgspec.json.encode(claim))
    return f"{LINK_PREFIX}{payload}.{sign('link:' + secret, payload)}"


def case_link(store_id: int, number: str, rt: Runtime) -> str:
    """The address that signs the customer in and opens case `number`."""
    expires = int((rt.clock.now() + CASE_LINK_TTL).timestamp())
    token = _sign(rt.secret_key, _LinkClaim(s=store_id, k="c", n=number, e=expires))
    return f"{rt.public_url}/portal/r/{token}"


def order_link(store_id: int, order_id: int, rt: Runtime) -> str:
    """The address that signs the customer in to an order (the lookup page's emailed link)."""
    expires = int((rt.clock.now() + ORDER_LINK_TTL).timestamp())
    token = _sign(rt.secret_key, _LinkClaim(s=store_id, k="o", n=str(order_id), e=expires))
    return f"{rt.public_url}/portal/r/{token}"


@dataclass(frozen=True, slots=True)
class LinkTarget:
    """Who a valid link signs in, and the page it opens."""

    order_id: int
    customer_id: int
    path: str


async def follow(secret: str, store_id: int, token: str, clock: Clock) -> LinkTarget | None:
    """What a link opens, or None when it is forged, expired, from another store, its case
    or order is gone or its customer was redacted."""
    payload, _, signature = token.removeprefix(LINK_PREFIX).partition(".")
    if not token.startswith(LINK_PREFIX) or not _same(signature, secret, payload):
        return None
    try:
        claim = msgspec.json.decode(unb64(payload), type=_LinkClaim)
    except (msgspec.DecodeError, msgspec.ValidationError, ValueError):
        return None
    if claim.s != store_id or claim.e <= clock.now().timestamp():
        return None
    if claim.k == "c":
        case = await (
            ReturnCase.select(ReturnCase.order, ReturnCase.customer)
            .where(
                (ReturnCase.store == store_id)
                & (ReturnCase.number == claim.n)
                & ReturnCase.customer.redacted_at.is_null()
            )
            .first()
        )
        if case is None:
            return None
        return LinkTarget(case["order"], case["customer"], f"/portal/returns/{claim.n}")
    order = await (
        ShopOrder.select(ShopOrder.id, ShopOrder.customer)
        .where(
            (ShopOrder.store == store_id)
            & (ShopOrder.id == _int(claim.n))
            & ShopOrder.customer.redacted_at.is_null()
        )
        .first()
    )
    if order is None:
        return None
    return LinkTarget(order["id"], order["customer"], "/portal/order")


def _same(signature: str, secret: str, payload: str) -> bool:
    return hmac.compare_digest(signature.encode(), sign("link:" + secret, payload).encode())


def _int(text: str) -> int:
    return int(text) if text.isdigit() and len(text) < 19 else 0
