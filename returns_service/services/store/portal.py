"""The customer's side: finding their order, and what of it can go back until when."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import msgspec

from returns_service.clock import Clock
from returns_service.db import locks
from returns_service.db.engine import DB
from returns_service.db.scope import readable
from returns_service.db.tables import (
    Customer,
    OrderLine,
    Product,
    ReturnCase,
    ShopOrder,
    Variant,
)
from returns_service.domain.access import Caller, Role
from returns_service.domain.errors import NotFound, TooManyAttempts
from returns_service.domain.exchanges import Candidate, Picker, next_size, picker
from returns_service.domain.money import Money
from returns_service.domain.orders import normalize_email
from returns_service.services.platform.auth import portal_session_expiry, sign_portal_session
from returns_service.services.store import queries
from returns_service.services.store.catalog import translated_titles
from returns_service.services.store.eligibility import evaluate_order
from returns_service.services.store.schemas import ExchangeOption, OrderView

# The same words whether the order number is unknown or the email does not match it, so a
# caller cannot learn which order numbers exist.
LOOKUP_FAILED = "We could not find an order with this order number and email address."

# The longest a lookup is refused after too many failures (API.md: "a mistyped email never
# locks out the right one for more than a minute"); after it, each further failure refuses
# the next minute again: one guess a minute per client and per order number.
LOCKOUT = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class PortalSession:
    token: str
    expires_at: datetime
    order: OrderView


@dataclass(frozen=True, slots=True)
class LookupLimits:
    failures_allowed: int
    window_seconds: int


async def open_session(
    store_id: int,
    order_number: str,
    email: str,
    client: str,
    *,
    secret: str,
    ttl_minutes: int,
    limits: LookupLimits,
    clock: Clock,
) -> PortalSession:
    """Sign a customer in with order number + email. Failures are counted per client and
    per order number: rotating client addresses does not get more guesses at one order, and
    one client does not get more guesses across many. A lockout lasts at most
    LOCKOUT_SECONDS from the failure that caused it, so someone else's wrong guesses (or the
    customer's own typos) never keep the right pair out for long."""
    now = clock.now()
    window = timedelta(seconds=limits.window_seconds)
    counters = (f"client:{client}", f"order:{order_number.strip()}")
    async with DB.transaction():
        # one lookup per counter at a time, so parallel guesses cannot slip past the limit;
        # always the client's first, then the order's (db/locks.py)
        for key in counters:
            await locks.lock_lookup_client(f"lookup:{store_id}:{key}")
        locked_until = await queries.lookup_locked_until(store_id, counters, now)
        if locked_until is not None:
            raise TooManyAttempts(
                "Too many order lookups failed. Please wait a minute and try again, or ask "
                "for a sign-in link by email.",
                retry_after_seconds=math.ceil((locked_until - now).total_seconds()),
            )
        found = await (
            ShopOrder.select(ShopOrder.id, ShopOrder.customer)
            .where(
                (ShopOrder.store == store_id)
                & (ShopOrder.number == order_number.strip())
                & (ShopOrder.customer.email == normalize_email(email))
            )
            .first()
            .run()
        )
        if found is None:
            for key in counters:
                await queries.count_lookup_failure(
                    store_id, key, now, window, limits.failures_allowed, LOCKOUT
                )
    if found is None:
        raise NotFound(LOOKUP_FAILED)
    caller = Caller(
        role=Role.CUSTOMER,
        store_id=store_id,
        customer_id=found["customer"],
        order_id=found["id"],
    )
    expires_at = portal_session_expiry(clock, ttl_minutes)
    token = sign_portal_session(secret, store_id, found["id"], found["customer"], expires_at)
    return PortalSession(token=token, expires_at=expires_at, order=await order_view(caller, clock))


async def order_view(caller: Caller, clock: Clock, language: str | None = None) -> OrderView:
    """The order the customer signed in with, each line with what can still go back; titles
    in `language` where the catalogue has them."""
    if caller.order_id is None:
        raise NotFound("order not found")
    order = await evaluate_order(caller, caller.order_id, clock)
    delivered = [line.view.delivered_at for line in order.lines if line.view.delivered_at]
    lines = [line.view for line in order.lines]
    if language:
        titles = await translated_titles(caller.store_id, [v.sku for v in lines], language)
        lines = [
            msgspec.structs.replace(
                v,
                title=titles[v.sku].product or v.title,
                variant=titles[v.sku].variant or v.variant,
            )
            if v.sku in titles
            else v
            for v in lines
        ]
    return OrderView(
        number=order.number,
        placed_at=order.placed_at,
        delivered_at=max(delivered) if delivered else None,
        currency=order.currency,
        lines=lines,
    )


async def exchange_options(caller: Caller, line_id: int) -> list[ExchangeOption]:
    """The other variants of the line's product, with whether each is in stock."""
    return (await _exchange_variants(caller, line_id))[1]


async def exchange_picker(
    caller: Caller,
    line_id: int,
    reason: str,
    language: str | None = None,
    *,
    same_price_as: Money | None = None,
) -> tuple[Picker, dict[str, str], list[ExchangeOption]]:
    """What the line could be exchanged for, as separate size and colour choices, with the
    options the customer has now (to resolve a choice back to a variant). `same_price_as`
    (policy `same_price_only`): only variants of that price are offered, so a choice is never
    offered and then refused on submit."""
    current, options = await _exchange_variants(caller, line_id, language)
    offered = [o for o in options if same_price_as is None or o.price == same_price_as]
    candidates = [Candidate(o.sku, o.options, o.in_stock) for o in offered]
    return picker(current, reason, candidates), current, options


async def _exchange_variants(
    caller: Caller, line_id: int, language: str | None = None
) -> tuple[dict[str, str], list[ExchangeOption]]:
    line = await (
        OrderLine.select(OrderLine.sku, OrderLine.product_key)
        .where(
            readable(caller, OrderLine)
            & (OrderLine.id == line_id)
            & (OrderLine.order == caller.order_id)
        )
        .first()
        .run()
    )
    if line is None:
        raise NotFound(f"order line {line_id} not found")
    own = await (
        Variant.select(Variant.product, Variant.options)
        .where((Variant.store == caller.store_id) & (Variant.sku == line["sku"]))
        .output(load_json=True)
        .first()
        .run()
    )
    product_id = own["product"] if own else None
    if product_id is None and line["product_key"]:
        product = await (
            Product.select(Product.id)
            .where(
                (Product.store == caller.store_id) & (Product.product_key == line["product_key"])
            )
            .first()
            .run()
        )
        product_id = product["id"] if product else None
    current = own["options"] if own else {}
    if product_id is None:
        return current, []
    variants = await (
        Variant.select()
        .where(
            (Variant.store == caller.store_id)
            & (Variant.product == product_id)
            & (Variant.sku != line["sku"])
        )
        .order_by(Variant.position)
        .output(load_json=True)
        .run()
    )
    candidates = [Candidate(v["sku"], v["options"], v["stock"] > 0) for v in variants]
    suggestions: dict[str, list[str]] = {}
    for reason in ("too_small", "too_large"):
        if found := next_size(current, reason, candidates):
            suggestions.setdefault(found.sku, []).append(reason)
    return current, [
        ExchangeOption(
            sku=v["sku"],
            title=((v["translations"] or {}).get(language or "", {}).get("title") or v["title"]),
            options=v["options"],
            price=Money(v["price_amount"], v["currency"]),
            in_stock=v["stock"] > 0,
            suggested_for=suggestions.get(v["sku"], []),
        )
        for v in variants
    ]


async def customer_language(caller: Caller) -> str | None:
    """The language the shop recorded for the signed-in customer (pages speak it first)."""
    rows = await Customer.select(Customer.language).where(
        readable(caller, Customer) & (Customer.id == caller.customer_id)
    )
    return rows[0]["language"] if rows else None


async def remember_language(caller: Caller, language: str) -> None:
    """The shopper picked `language` on the page: it becomes theirs, for the pages and for the
    emails of their returns (each case's emails are written in the case's language)."""
    async with DB.transaction():
        await Customer.update({Customer.language: language}).where(
            readable(caller, Customer)
            & (Customer.id == caller.customer_id)
            & (Customer.language != language)
        )
        await ReturnCase.update({ReturnCase.language: language}).where(
            readable(caller, ReturnCase) & (ReturnCase.language != language)
        )
