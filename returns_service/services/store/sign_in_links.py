""" "Email me a link" on the lookup page: the customer gets a link that signs them in to their
order, so a mistyped order number never stands between them and their return.

The answer is the same whether or not the order and email match (nobody learns which orders
exist). Requests are counted for an hour: per client (more than `PER_CLIENT` is a 429 for that
client) and per order (more than `PER_ORDER` emails are silently not sent, so the service
cannot be used to flood a customer's inbox, and the answer still says nothing). Kept apart
from the sign-in failure counting (portal.py): asking for a link is not a failed guess."""

from __future__ import annotations

from datetime import timedelta

from returns_service.db import locks
from returns_service.db.engine import DB
from returns_service.db.tables import PortalLinkRequest, ShopOrder
from returns_service.domain.emails import EmailTemplate, Message
from returns_service.domain.errors import TooManyAttempts
from returns_service.domain.orders import normalize_email
from returns_service.emails.html import Brand
from returns_service.services.platform.links import order_link
from returns_service.services.platform.outbox import enqueue_email
from returns_service.services.platform.runtime import Runtime
from returns_service.services.store.stores import get_store

WINDOW = timedelta(hours=1)
PER_CLIENT = 10
PER_ORDER = 3


async def email_sign_in_link(
    store_id: int, order_number: str, email: str, client: str, rt: Runtime
) -> bool:
    """Queue the sign-in link when the pair matches and the order's hourly allowance is not
    used up. Returns whether an email was queued (for tests and logs, never for the caller)."""
    now = rt.clock.now()
    since = now - WINDOW
    async with DB.transaction():
        # one request per client, then per order, at a time: parallel requests cannot slip
        # past the counts (always client before order, so two never wait for each other)
        await locks.lock_lookup_client(f"links:{store_id}:client:{client}")
        await PortalLinkRequest.delete().where(
            (PortalLinkRequest.store == store_id) & (PortalLinkRequest.requested_at < since)
        )
        asked = await PortalLinkRequest.count().where(
            (PortalLinkRequest.store == store_id) & (PortalLinkRequest.client == client)
        )
        if asked >= PER_CLIENT:
            oldest = await (
                PortalLinkRequest.select(PortalLinkRequest.requested_at)
                .where((PortalLinkRequest.store == store_id) & (PortalLinkRequest.client == client))
                .order_by(PortalLinkRequest.requested_at)
                .first()
            )
            wait = (oldest["requested_at"] + WINDOW - now) if oldest else WINDOW
            raise TooManyAttempts(
                "Too many links asked for from here. Please wait and try again.",
                retry_after_seconds=int(wait.total_seconds()) + 1,
            )
        order = await (
            ShopOrder.select(
                ShopOrder.id,
                ShopOrder.number,
                ShopOrder.customer.email.as_alias("email"),
                ShopOrder.customer.first_name.as_alias("first_name"),
                ShopOrder.customer.language.as_alias("language"),
            )
            .where(
                (ShopOrder.store == store_id)
                & (ShopOrder.number == order_number.strip())
                & (ShopOrder.customer.email == normalize_email(email))
            )
            .first()
        )
        sent_for_order = 0
        if order is not None:
            await locks.lock_lookup_client(f"links:{store_id}:order:{order['id']}")
            sent_for_order = await PortalLinkRequest.count().where(
                PortalLinkRequest.order == order["id"]
            )
        await PortalLinkRequest.insert(
            PortalLinkRequest(
                store=store_id,
                client=client[:128],
                order=order["id"] if order else None,
                requested_at=now,
            )
        )
        if order is None or sent_for_order >= PER_ORDER:
            return False
        store = await get_store(store_id)
        await enqueue_email(
            store_id=store_id,
            case_id=None,
            template=EmailTemplate.SIGN_IN_LINK,
            recipient=order["email"],
            language=order["language"] or "en",
            clock=rt.clock,
            brand=Brand(store.name, rt.brand_colour, rt.brand_logo_url),
            first_name=order["first_name"],
            agent=Message("email.team", {"store": store.name}),
            store=store.name,
            detail=order["number"],
            link=order_link(store_id, order["id"], rt),
        )
    return True
