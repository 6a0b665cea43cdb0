"""Everything the service holds about one customer (a GDPR access request, Shopify's
`customers/data_request`), read in one REPEATABLE READ transaction so the parts agree with each
other even while the customer's cases move on."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import msgspec

from returns_service.db.engine import DB
from returns_service.domain.errors import NotFound
from returns_service.domain.money import Money
from returns_service.services.cases import timeline
from returns_service.services.privacy import queries
from returns_service.services.privacy.schemas import (
    CaseItemRecord,
    CaseRecord,
    CustomerExport,
    CustomerRecord,
    EmailRecord,
    FollowUpRecord,
    LabelRecord,
    MessageRecord,
    NoteRecord,
    OrderLineRecord,
    OrderRecord,
    PaymentRecord,
    PhotoRecord,
    ShipmentRecord,
    SignInRecord,
    StoreCreditRecord,
    TimelineRecord,
    TrackingRecord,
    WebhookDeliveryRecord,
)
from returns_service.translation import Translator


@dataclass(frozen=True, slots=True)
class _Event:
    kind: str
    params: dict[str, Any]
    to_status: str | None
    text: str


def _json(text: str | None) -> Any:
    return msgspec.json.decode(text) if text else {}


def _by_case(rows: list[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = defaultdict(list)
    for row in rows:
        grouped[row["case"]].append(row)
    return grouped


async def export_customer(store_id: int, email: str, now: datetime) -> CustomerExport:
    """The export of the customer with this email; NotFound when nobody has it (also after a
    redaction: the email no longer finds anything)."""
    async with DB.transaction():
        await queries.begin_snapshot()
        customer = await queries.customer_by_email(store_id, email)
        if customer is None:
            raise NotFound("no customer has this email")
        found = await _read(customer, now)
    return found


async def export_customer_id(customer_id: int, now: datetime) -> CustomerExport:
    async with DB.transaction():
        await queries.begin_snapshot()
        customer = await queries.customer_row(customer_id)
        if customer is None:
            raise NotFound("no such customer")
        found = await _read(customer, now)
    return found


async def _read(customer: Any, now: datetime) -> CustomerExport:
    orders = await queries.orders_of(customer["id"])
    order_ids = [o["id"] for o in orders]
    lines: dict[int, list[Any]] = defaultdict(list)
    for line in await queries.lines_of(order_ids):
        lines[line["order"]].append(line)
    cases = await queries.cases_of(customer["id"])
    case_ids = [c["id"] for c in cases]
    t = Translator(customer["language"])
    parts = {
        "items": _by_case(await queries.items_of(case_ids)),
        "events": _by_case(await queries.events_of(case_ids)),
        "messages": _by_case(await queries.messages_of(case_ids)),
        "notes": _by_case(await queries.notes_of(case_ids)),
        "photos": _by_case(await queries.photos_of(case_ids)),
        "labels": _by_case(await queries.labels_of(case_ids)),
        "tracking": _by_case(await queries.own_tracking_of(case_ids)),
        "shipments": _by_case(await queries.shipments_of(case_ids)),
        "payments": _by_case(await queries.payments_of(case_ids)),
        "follow_ups": _by_case(await queries.follow_ups_of(case_ids)),
        "webhooks": _by_case(await queries.webhook_deliveries_of(case_ids)),
    }
    emails = await queries.emails_to(customer["store"], customer["email"], case_ids)
    return CustomerExport(
        exported_at=now,
        customer=CustomerRecord(
            id=customer["id"],
            email=customer["email"],
            first_name=customer["first_name"],
            last_name=customer["last_name"],
            language=customer["language"],
            country=customer["country"],
            created_at=customer["created_at"],
            redacted_at=customer["redacted_at"],
        ),
        orders=[_order(o, lines[o["id"]]) for o in orders],
        cases=[_case(c, parts, t) for c in cases],
        store_credits=[
            StoreCreditRecord(
                code=s["code"],
                balance=Money(s["balance"], s["currency"]),
                created_at=s["created_at"],
                movements=_json(s["movements"]),
            )
            for s in await queries.store_credits_of(customer["id"])
        ],
        emails=[
            EmailRecord(
                template=e["template"],
                recipient=e["recipient"],
                language=e["language"],
                subject=e["subject"],
                body=e["body"],
                created_at=e["created_at"],
                status="delivered"
                if e["delivered_at"]
                else ("failed" if e["failed_at"] else "pending"),
                delivered_at=e["delivered_at"],
            )
            for e in emails
        ],
        sign_in=SignInRecord(
            link_requests=[
                {"requested_at": r["requested_at"].isoformat(), "client": r["client"]}
                for r in await queries.link_requests_of(order_ids)
            ]
        ),
    )


def _order(o: Any, lines: list[Any]) -> OrderRecord:
    return OrderRecord(
        id=o["id"],
        shop_order_id=o["shop_order_id"],
        number=o["number"],
        placed_at=o["placed_at"],
        currency=o["currency"],
        shipping_address=_json(o["shipping_address"]),
        payment_reference=o["payment_reference"],
        created_at=o["created_at"],
        lines=[
            OrderLineRecord(
                id=line["id"],
                shop_line_id=line["shop_line_id"],
                sku=line["sku"],
                product_id=line["product_key"],
                quantity=line["quantity"],
                unit_price=Money(line["unit_price_amount"], line["currency"]),
                final_sale=line["final_sale"],
                delivered_at=line["delivered_at"],
            )
            for line in lines
        ],
    )


def _case(c: Any, parts: dict[str, dict[int, list[Any]]], t: Translator) -> CaseRecord:
    case_id, number = c["id"], c["number"]
    follow_ups = parts["follow_ups"][case_id]
    return CaseRecord(
        number=number,
        order_number=c["order_number"],
        status=c["status"],
        language=c["language"],
        comment=c["comment"],
        reject_reason=c["reject_reason"],
        outside_policy=c["outside_policy"],
        created_at=c["created_at"],
        updated_at=c["updated_at"],
        resolved_at=c["resolved_at"],
        redacted_at=c["redacted_at"],
        items=[
            CaseItemRecord(
                line_id=i["line"],
                sku=i["sku"],
                quantity=i["quantity"],
                reason=i["reason"],
                resolution=i["resolution"],
                exchange_sku=i["exchange_sku"],
                unit_price=Money(i["unit_price_amount"], i["currency"]),
                price_difference=i["price_difference"],
                condition=i["condition"],
                disposition=i["disposition"],
            )
            for i in parts["items"][case_id]
        ],
        timeline=[_event(e, t) for e in parts["events"][case_id]],
        messages=[
            MessageRecord(at=m["at"], author=m["author_kind"], body=m["body"])
            for m in parts["messages"][case_id]
        ],
        internal_notes=[NoteRecord(at=n["at"], body=n["body"]) for n in parts["notes"][case_id]],
        photos=[
            PhotoRecord(
                id=p["id"],
                at=p["at"],
                source=p["source"],
                content_type=p["content_type"],
                size_bytes=p["size_bytes"],
                width=p["width"],
                height=p["height"],
                url=f"/api/v1/cases/{number}/photos/{p['id']}",
            )
            for p in parts["photos"][case_id]
        ],
        labels=[
            LabelRecord(
                carrier=label["carrier"],
                tracking_number=label["tracking_number"],
                status=label["status"],
                ship_from=_json(label["request"]).get("ship_from") or {},
                created_at=label["created_at"],
                in_transit_at=label["in_transit_at"],
                delivered_at=label["delivered_at"],
            )
            for label in parts["labels"][case_id]
        ],
        own_tracking=[
            TrackingRecord(r["carrier"], r["tracking_number"], r["created_at"])
            for r in parts["tracking"][case_id]
        ],
        shipments=[
            ShipmentRecord(
                sku=s["sku"],
                quantity=s["quantity"],
                value=Money(s["value_amount"], s["currency"]),
                tracking_number=s["tracking_number"],
                advance=s["advance"],
                shipped_at=s["shipped_at"],
                return_deadline=s["return_deadline"],
                delivered_at=s["delivered_at"],
            )
            for s in parts["shipments"][case_id]
        ],
        payments=[
            PaymentRecord(
                kind=p["kind"],
                amount=Money(p["amount"], p["currency"]),
                provider=p["provider"],
                status=p["status"],
                created_at=p["created_at"],
            )
            for p in parts["payments"][case_id]
        ],
        follow_up=FollowUpRecord(
            follow_ups[0]["rating"], follow_ups[0]["comment"], follow_ups[0]["at"]
        )
        if follow_ups
        else None,
        webhook_deliveries=[_delivery(d) for d in parts["webhooks"][case_id]],
    )


def _delivery(d: Any) -> WebhookDeliveryRecord:
    url = urlsplit(d["endpoint_url"])
    return WebhookDeliveryRecord(
        id=d["id"],
        event_id=str(d["event_id"]),
        type=d["event_type"],
        status=d["status"],
        attempts=d["attempts"],
        created_at=d["created_at"],
        last_attempt_at=d["last_attempt_at"],
        delivered_at=d["delivered_at"],
        failed_at=d["failed_at"],
        endpoint_id=d["endpoint_id"],
        recipient=f"{url.scheme}://{url.netloc.rpartition('@')[2]}",
        recipient_description=d["endpoint_description"],
    )


def _event(e: Any, t: Translator) -> TimelineRecord:
    params = _json(e["params"])
    event = _Event(e["kind"], params, e["to_status"], e["text"])
    return TimelineRecord(
        at=e["at"],
        actor=f"{e['actor_kind']}:{e['actor_name']}" if e["actor_name"] else e["actor_kind"],
        kind=e["kind"],
        text=timeline.render(t, event),
        params=params,
        customer_visible=e["customer_visible"],
    )
