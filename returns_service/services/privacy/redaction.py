"""Removing a customer's personal data (a GDPR erasure request, Shopify's `customers/redact` and
`shop/redact`, or RETURNS_REDACT_AFTER_DAYS for old cases), keeping the records that money,
stock and the timeline depend on.

Removed: names, the email (replaced by an undeliverable unique address), shipping addresses
(orders and labels), what people wrote (messages both ways, notes, the customer's comment,
reasons given for a rejection, a follow-up's comment), photos (rows now, files after the
commit through `photo_deletion`), emails (not sent: cancelled; sent: emptied), the bodies of
webhook deliveries about their cases (scrubbed; pending ones are still sent), "email me a
link" requests, stored responses to their requests. The customer's sessions and links stop
working (`customer.redacted_at`). Kept: ids, order and case numbers, SKUs, quantities,
amounts, statuses, payments, store credit, stock, and every timeline event with its kind
(its parameters, actor name and notes scrubbed of the customer's words).

One transaction per customer (or per case, for the worker), locks in db/locks.py's order:
the customer's cases (3) in id order, then the customer (5). Redacting again changes nothing
and writes no second event.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import msgspec

from returns_service.adapters.carriers import LabelRequest, render_zpl
from returns_service.db import locks
from returns_service.db.engine import DB
from returns_service.domain.cases import SYSTEM
from returns_service.domain.privacy import (
    REDACTED,
    personal_terms,
    redacted_email,
    scrub_address,
    scrub_text,
    scrub_value,
    scrub_webhook_body,
)
from returns_service.services.cases import timeline
from returns_service.services.privacy import queries

EVENT_KIND = "customer_redacted"


@dataclass(frozen=True, slots=True)
class Redacted:
    customers: int
    cases: int


async def redact_email(store_id: int, email: str, at: datetime) -> Redacted:
    """Redact the customer with this email, if any (nothing found is not an error: a second
    request for the same person finds nobody, and that is the point)."""
    customer = await queries.customer_by_email(store_id, email)
    if customer is None:
        return Redacted(0, 0)
    return Redacted(1, await redact_customer(customer["id"], at))


async def customers_named(store_id: int, email: str | None, shop_order_ids: list[str]) -> list[int]:
    """The customers a request names: by email, and the buyers of the orders it lists (Shopify
    sends both; either may be all that is left to find them by)."""
    found = set(await queries.customer_ids_of_orders(store_id, shop_order_ids))
    customer = await queries.customer_by_email(store_id, email) if email else None
    if customer is not None:
        found.add(customer["id"])
    return sorted(found)


async def redact_customers(customer_ids: list[int], at: datetime) -> Redacted:
    cases = 0
    for customer_id in sorted(set(customer_ids)):
        cases += await redact_customer(customer_id, at)
    return Redacted(len(set(customer_ids)), cases)


async def redact_customer(customer_id: int, at: datetime) -> int:
    """Redact one customer and all their cases; the number of cases redacted now."""
    async with DB.transaction():
        cases = [
            {"id": case_id, "redacted": redacted}
            for case_id, redacted in await locks.lock_cases_of_customer(customer_id)
        ]
        await locks.lock_customer(customer_id)
        customer = await queries.customer_row(customer_id)
        if customer is None:
            return 0
        terms = await _terms(customer)
        redacted_now = await _redact_cases(customer["store"], cases, terms, at)
        case_ids = [c["id"] for c in cases]
        email = customer["email"]
        await queries.redact_emails(customer["store"], email, case_ids, at)
        await queries.redact_inbound_emails(customer["store"], email, case_ids, at)
        await _scrub_deliveries(case_ids, terms, redacted_email(customer_id))
        await queries.redact_customer_rows(
            customer_id, f"customer:{customer_id}", email, redacted_email(customer_id), at
        )
    return redacted_now


async def redact_case(case_id: int, at: datetime) -> bool:
    """Redact one case (RETURNS_REDACT_AFTER_DAYS): what was written and shown on it, its
    photos, labels and emails; the customer's own record stays (they may still be a customer).
    False when it was already redacted or is gone."""
    async with DB.transaction():
        case = await queries.lock_case_by_id(case_id)
        if case is None or case["redacted_at"] is not None:
            return False
        customer = await queries.customer_row(case["customer"])
        terms = await _terms(customer) if customer else []
        await _redact_cases(case["store"], [{"id": case_id, "redacted": False}], terms, at)
        await queries.redact_emails(case["store"], None, [case_id], at)
        await queries.redact_inbound_emails(case["store"], None, [case_id], at)
        await _scrub_deliveries([case_id], terms, None)
    return True


async def _terms(customer: Any) -> list[str]:
    addresses = []
    for text in await queries.addresses_of(customer["id"]):
        value = msgspec.json.decode(text)
        if isinstance(value, dict):
            addresses.append(value)
    return personal_terms(
        customer["email"], customer["first_name"], customer["last_name"], addresses
    )


async def _redact_cases(store_id: int, cases: list[Any], terms: list[str], at: datetime) -> int:
    """The case-level part, on locked cases (`id`, `redacted`); one `customer_redacted` event
    on each case that was not redacted before. Returns how many."""
    if not cases:
        return 0
    case_ids = [c["id"] for c in cases]
    fresh = [c["id"] for c in cases if not c["redacted"]]
    await queries.allow_timeline_redaction()
    await _scrub_events(case_ids, terms)
    await queries.redact_case_rows(case_ids, at)
    await queries.take_photos(case_ids, at)
    await _scrub_labels(case_ids)
    for case_id in fresh:
        await timeline.record(
            store_id=store_id, case_id=case_id, actor=SYSTEM, kind=EVENT_KIND, at=at
        )
    return len(fresh)


async def _scrub_events(case_ids: list[int], terms: list[str]) -> None:
    for event in await queries.events_to_scrub(case_ids):
        actor_name = event["actor_name"]
        if event["actor_kind"] == "customer" and actor_name:
            actor_name = REDACTED
        params = msgspec.json.decode(event["params"]) if event["params"] else {}
        scrubbed = scrub_value(params, terms)
        if (
            event["to_status"] == "rejected"
            and isinstance(scrubbed, dict)
            and scrubbed.get("reason")
        ):
            scrubbed["reason"] = REDACTED  # the concierge's words to the customer, as the case's
        new_params = msgspec.json.encode(scrubbed).decode()
        # a rating's note is the customer's own words, whatever they are
        detail = REDACTED if event["kind"] == "rating" and event["detail"] else event["detail"]
        detail = scrub_text(detail, terms)
        text = scrub_text(event["text"], terms)
        if (actor_name, new_params, text, detail) != (
            event["actor_name"],
            msgspec.json.encode(params).decode(),
            event["text"],
            event["detail"],
        ):
            await queries.scrub_event(event["id"], actor_name, new_params, text, detail)


async def _scrub_deliveries(case_ids: list[int], terms: list[str], email: str | None) -> None:
    """Webhook deliveries about the cases (their bodies hold the case as agents saw it: the
    customer's name and email, the comment, messages). Pending ones are scrubbed rather than
    cancelled: the receiver still needs the event (a refund issued, a parcel received), just
    not the person; delivered and given-up ones are our copy and keep nothing of them."""
    for delivery in await queries.deliveries_to_scrub(case_ids):
        body = msgspec.json.decode(delivery["payload"])
        scrubbed = msgspec.json.encode(scrub_webhook_body(body, terms, email)).decode()
        if scrubbed != delivery["payload"]:
            await queries.scrub_delivery(delivery["id"], scrubbed)


async def _scrub_labels(case_ids: list[int]) -> None:
    for label in await queries.labels_to_scrub(case_ids):
        request = msgspec.json.decode(label["request"])
        if not isinstance(request, dict) or not isinstance(request.get("ship_from"), dict):
            continue
        request["ship_from"] = scrub_address(request["ship_from"])
        text = msgspec.json.encode(request).decode()
        try:  # the ZPL says what the label shows: the same, without the sender
            zpl = render_zpl(
                msgspec.json.decode(text, type=LabelRequest),
                label["tracking_number"],
                label["carrier"],
            )
        except (msgspec.ValidationError, TypeError, ValueError):
            zpl = ""
        await queries.scrub_label(label["id"], text, zpl)
