"""The case timeline: one append-only event per change, in the transaction of that change.

An event is stored as a `kind` and its `params` (values, never prose: amounts as minor units
and currency, names, codes, dates, the return address as fields); its text is rendered for
each reader, in their language, when it is read (`render`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from datetime import date, datetime
from typing import Any, Protocol

import msgspec

from returns_service.db import sql
from returns_service.domain.cases import Actor, CaseStatus, check_transition
from returns_service.domain.money import Money
from returns_service.services.cases.queries import (
    SET_CASE_STATUS,
    insert_event_with,
)
from returns_service.services.events import outbound
from returns_service.translation import Translator

# kind -> the catalogue key of its text (a function of the params where the wording varies).
# A status change is kind "status"; its key comes from the status it moved to.
MESSAGES: dict[str, str | Callable[[Mapping[str, Any]], str]] = {
    "label": "event.label",
    "label_replaced": "event.label_replaced",
    "assigned": "event.assigned",
    "handover": "event.handover",
    "waiting_for_agent": "event.waiting_for_agent",
    "refund": "event.refund",
    "store_credit": "event.store_credit",
    "overdue": "event.overdue",
    "charge_reversed": "event.charge_reversed",
    "decision_needed": "event.decision_needed",
    "exchange_waits": "event.exchange_waits",
    "exchange_out_of_stock": "event.exchange_out_of_stock",
    "replacement_shipped": lambda p: (
        "event.replacement_shipped.advance" if p.get("return_by") else "event.replacement_shipped"
    ),
    "rating": lambda p: "event.rating.low" if p.get("low") else "event.rating",
    "expiry_held": "event.expiry_held",
    "price_difference_charged": "event.price_difference_charged",
    "price_difference_refunded": "event.price_difference_refunded",
    "delivered_to_warehouse": "event.delivered_to_warehouse",
    "replacement_delivered": "event.replacement_delivered",
    "ship_yourself": "event.ship_yourself",
    "own_tracking": "event.own_tracking",
    "customer_redacted": "event.customer_redacted",
    "label_failed": "event.label_failed",
    "label_void_failed": "event.label_void_failed",
    "rules_review": "event.rules_review",
    "keep_it": "event.keep_it",
    "advance_refused": "event.advance_refused",
    # money leaving after commit, and the shop written back to (services/money/calls.py,
    # services/shop/)
    "payment_failed": "event.payment_failed",
    "payment_unknown": "event.payment_unknown",
    # an agent changed what an item gets, with the customer's agreement (services/cases/
    # resolutions.py); the text says what it gets now
    "resolution_changed": lambda p: f"event.resolution_changed.{p.get('to', 'refund')}",
    "shop_refunded": "event.shop_refunded",
    "shop_return": "event.shop_return",
    "shop_tracking": "event.shop_tracking",
    "shop_restock": "event.shop_restock",
    "shop_replacement": "event.shop_replacement",
    "shop_closed": "event.shop_closed",
    "shop_failed": "event.shop_failed",
    "shop_refund_by_hand": "event.shop_refund_by_hand",
    "shop_mismatch": "event.shop_mismatch",
    "shop_store_credit": "event.shop_store_credit",
}
# The webhook event (docs/webhooks.md) each kind announces; a status change by the status it
# moved to ("status.approved"). Kinds not here announce nothing.
WEBHOOK_EVENTS: dict[str, str] = {
    "status.requested": "case.opened",
    "status.approved": "case.approved",
    "status.rejected": "case.rejected",
    "status.cancelled": "case.cancelled",
    "status.expired": "case.expired",
    "status.in_transit": "parcel.in_transit",
    "status.received": "parcel.received",
    "status.inspected": "case.inspected",
    "status.closed": "case.closed",
    "assigned": "case.assigned",
    "handover": "case.assigned",
    "refund": "refund.issued",
    "store_credit": "credit.issued",
    "replacement_shipped": "exchange.shipped",
}
# status events whose text counts something: the param that is the count
COUNTED = {"event.status.expired": "days"}


def _json(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a timeline parameter")


async def record(
    *,
    store_id: int,
    case_id: int,
    actor: Actor,
    kind: str,
    at: datetime,
    params: Mapping[str, Any] | None = None,
    detail: str = "",
    from_status: CaseStatus | None = None,
    to_status: CaseStatus | None = None,
    customer_visible: bool = True,
    along_with: Sequence[tuple[str, tuple[Any, ...]]] = (),
) -> None:
    """Append one event. `along_with` holds the changes the event records (data-modifying
    statements, each with its parameters numbered from $1): they run in the same statement,
    one round trip instead of several (PostgreSQL runs a data-modifying WITH even when
    nothing reads it). `params` are JSON values; Money and dates are stored as
    {"amount", "currency"} and ISO dates."""
    statement, extra = insert_event_with(along_with)
    await sql.execute(
        statement,
        store_id,
        case_id,
        at,
        actor.kind,
        actor.id,
        actor.name,
        kind,
        from_status.value if from_status else None,
        to_status.value if to_status else None,
        msgspec.json.encode(params or {}, enc_hook=_json).decode(),
        detail,
        customer_visible,
        *extra,
    )
    event_type = WEBHOOK_EVENTS.get(
        f"status.{to_status.value}" if kind == "status" and to_status else kind
    )
    if event_type is not None:  # after the change above, so the body shows it
        await outbound.announce(store_id=store_id, case_id=case_id, event_type=event_type, at=at)


async def move(
    *,
    store_id: int,
    case_id: int,
    current: CaseStatus,
    target: CaseStatus,
    actor: Actor,
    at: datetime,
    params: Mapping[str, Any] | None = None,
    detail: str = "",
) -> None:
    """Change a (locked) case's status if the state machine allows it, and record it (the
    text follows from the target status and `params`)."""
    check_transition(current, target)
    await record(
        store_id=store_id,
        case_id=case_id,
        actor=actor,
        kind="status",
        params=params,
        detail=detail,
        at=at,
        from_status=current,
        to_status=target,
        along_with=[(SET_CASE_STATUS, (target.value, at, case_id))],
    )


class Event(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def params(self) -> Mapping[str, Any]: ...
    @property
    def to_status(self) -> str | None: ...
    @property
    def text(self) -> str: ...


def message_key(kind: str, params: Mapping[str, Any], to_status: str | None) -> str | None:
    if kind == "status":
        return f"event.status.{to_status}" if to_status else None
    message = MESSAGES.get(kind)
    return message(params) if callable(message) else message


def render(t: Translator, event: Event) -> str:
    """The event's text for the reader of `t`."""
    if event.text:
        return _legacy(t, event)
    key = message_key(event.kind, event.params, event.to_status)
    if key is None:  # a kind this code no longer knows: say no more than its name
        return event.kind
    values = {name: _value(value) for name, value in event.params.items()}
    if key in COUNTED:
        return t.plural(key, int(values[COUNTED[key]]), **values)
    return t(key, **values)


def _value(value: Any) -> Any:
    """A stored parameter back as the value it was: money, a date, an address, a word."""
    if isinstance(value, dict) and set(value) == {"amount", "currency"}:
        return Money(value["amount"], value["currency"])
    if isinstance(value, str) and _ISO_DATE.match(value):
        return date.fromisoformat(value)
    return value


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
# Events written before kind + params hold English prose; the wordings that always meant
# the same thing are shown translated, the rest as written.
_STATUS_WITHOUT_VALUES = frozenset(
    "requested approved in_transit received inspected resolved closed cancelled".split()
)
_ASSIGNED = re.compile(r"^(?P<name>.+?) is (?P<now>now )?your concierge for this return\.$")


def _legacy(t: Translator, event: Event) -> str:
    if event.kind == "status" and event.to_status in _STATUS_WITHOUT_VALUES:
        return t(f"event.status.{event.to_status}")
    if event.kind == "label" and "replaces" not in event.text:
        return t("event.label")
    if event.kind in ("assigned", "handover") and (match := _ASSIGNED.match(event.text)):
        key = "event.handover" if match["now"] else "event.assigned"
        return t(key, name=match["name"])
    return event.text
