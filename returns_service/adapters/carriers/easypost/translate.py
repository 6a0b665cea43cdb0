"""What the EasyPost adapter sends and what EasyPost's answers mean, in our words: addresses,
units (ounces, inches), customs, the rate the policy's `label_service` picks, the cost in minor
units, tracker events and the SDK's errors as CarrierError kinds. Pure functions of data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from easypost import errors as ep_errors

from returns_service.adapters.carriers.base import (
    Address,
    CarrierError,
    LabelRequest,
    TrackingStatus,
    TrackingUpdate,
)
from returns_service.domain.money import Money, minor_unit_exponent

DEFAULT_API_BASE = "https://api.easypost.com/v2"
GRAMS_PER_OUNCE = Decimal("28.349523125")
CM_PER_INCH = Decimal("2.54")

# EasyPost's tracker statuses (Tracker object reference); "error" is EasyPost failing to
# reach the carrier, which says nothing about the parcel
_STATUSES: dict[str, TrackingStatus] = {
    "pre_transit": "pre_transit",
    "in_transit": "in_transit",
    "out_for_delivery": "out_for_delivery",
    "delivered": "delivered",
    "available_for_pickup": "available_for_pickup",
    "return_to_sender": "return_to_sender",
    "failure": "failure",
    "cancelled": "cancelled",
    "unknown": "unknown",
    "error": "unknown",
}
TRACKER_EVENTS = frozenset({"tracker.created", "tracker.updated"})
# EasyPost's address fields, in our words (for CarrierError.field)
_ADDRESS_FIELDS = {
    "street1": "line1",
    "street2": "line2",
    "city": "city",
    "state": "region",
    "zip": "postal_code",
    "country": "country",
    "name": "name",
    "phone": "phone",
    "email": "email",
}


# -- what is sent -------------------------------------------------------------------------------


def shipment_params(request: LabelRequest) -> dict[str, Any]:
    params: dict[str, Any] = {
        "is_return": True,
        # with is_return EasyPost swaps these (see the module's docstring): the parcel goes
        # from the customer (to_address) to the store (from_address)
        "to_address": address_params(request.ship_from),
        "from_address": address_params(request.ship_to),
        "parcel": parcel_params(request),
        "options": {"label_format": "PDF"},
    }
    if request.reference:
        params["reference"] = request.reference
    if request.customs:
        params["customs_info"] = customs_params(request)
    return params


def address_params(address: Address) -> dict[str, Any]:
    fields = {
        "name": address.name,
        "company": address.company,
        "street1": address.line1,
        "street2": address.line2,
        "city": address.city,
        "state": address.region,
        "zip": address.postal_code,
        "country": address.country,
        "phone": address.phone,
        "email": address.email,
    }
    return {k: v for k, v in fields.items() if v}


def ounces(grams: int) -> float:
    # EasyPost wants ounces to one decimal; never round a parcel down to nothing
    return float(max(Decimal("0.1"), (Decimal(grams) / GRAMS_PER_OUNCE).quantize(Decimal("0.1"))))


def inches(cm: float) -> float:
    return float((Decimal(str(cm)) / CM_PER_INCH).quantize(Decimal("0.1"), ROUND_HALF_UP))


def parcel_params(request: LabelRequest) -> dict[str, Any]:
    parcel = request.parcel
    grams = parcel.weight_grams if parcel else request.weight_grams
    params: dict[str, Any] = {"weight": ounces(grams)}
    if parcel and parcel.length_cm and parcel.width_cm and parcel.height_cm:
        params["length"] = inches(parcel.length_cm)
        params["width"] = inches(parcel.width_cm)
        params["height"] = inches(parcel.height_cm)
    return params


def customs_params(request: LabelRequest) -> dict[str, Any]:
    items = [
        {
            "description": item.description[:255],
            "quantity": item.quantity,
            # value is the customs value of the whole line, in its currency's units
            "value": str(
                Decimal(item.value.amount).scaleb(-minor_unit_exponent(item.value.currency))
            ),
            "currency": item.value.currency,
            "weight": ounces(item.weight_grams),
            "hs_tariff_number": item.hs_code,
            "origin_country": item.origin_country,
            "code": item.sku,
        }
        for item in request.customs
    ]
    return {
        "contents_type": "returned_goods",
        "contents_explanation": f"Return {request.case_number}",
        "customs_certify": True,
        "customs_signer": request.ship_from.name,
        "non_delivery_option": "return",
        "restriction_type": "none",
        "eel_pfc": "NOEEI 30.37(a)",
        "customs_items": items,
    }


# -- what comes back ---------------------------------------------------------------------------


def is_bought(shipment: Mapping[str, Any]) -> bool:
    return bool(shipment.get("postage_label") and shipment.get("tracking_code"))


def has_rate(shipment: Mapping[str, Any], service: str) -> bool:
    try:
        choose_rate(shipment, service)
    except CarrierError:
        return False
    return True


def choose_rate(shipment: Mapping[str, Any], service: str) -> dict[str, Any]:
    """The policy's `label_service`: "cheapest", "fastest" (fewest delivery days, then price)
    or "<carrier> <service>" (e.g. "USPS Priority"), among the shipment's rates."""
    rates = [r for r in shipment.get("rates") or [] if _price(r) is not None]
    if not rates:
        said = "; ".join(
            f"{m.get('carrier', '')}: {m.get('message', '')}"
            for m in shipment.get("messages") or []
            if isinstance(m, Mapping)
        )
        raise CarrierError("no_rates", f"EasyPost has no rates for this parcel. {said}".strip())
    wanted = (service or "cheapest").strip()
    if wanted == "cheapest":
        return min(rates, key=lambda r: _price(r) or 0)
    if wanted == "fastest":
        return min(
            rates,
            key=lambda r: (
                r.get("delivery_days") if r.get("delivery_days") is not None else 10**6,
                _price(r) or 0,
            ),
        )
    carrier, _, name = wanted.partition(" ")
    matching = [
        r
        for r in rates
        if str(r.get("carrier", "")).lower() == carrier.lower()
        and str(r.get("service", "")).lower() == name.strip().lower()
    ]
    if not matching:
        offered = ", ".join(sorted({f"{r.get('carrier')} {r.get('service')}" for r in rates}))
        raise CarrierError("no_rates", f"EasyPost offers no {wanted!r} here (offered: {offered})")
    return min(matching, key=lambda r: _price(r) or 0)


def _price(rate: Mapping[str, Any]) -> Decimal | None:
    try:
        return Decimal(str(rate.get("rate")))
    except (InvalidOperation, ValueError):
        return None


def rate_cost(rate: Mapping[str, Any]) -> Money | None:
    """EasyPost's rate ("7.58" USD) in minor units of its currency, with that currency's own
    number of digits."""
    price, currency = _price(rate), str(rate.get("currency") or "").upper()
    if price is None or len(currency) != 3:
        return None
    minor = price.scaleb(minor_unit_exponent(currency)).quantize(Decimal(1), ROUND_HALF_UP)
    return Money(int(minor), currency)


def qr_form_url(shipment: Mapping[str, Any]) -> str:
    for form in shipment.get("forms") or []:
        if isinstance(form, Mapping) and form.get("form_type") == "label_qr_code":
            return str(form.get("form_url") or "")
    return ""


def tracking_update(tracker: Mapping[str, Any], event_id: str) -> TrackingUpdate:
    details = [d for d in tracker.get("tracking_details") or [] if isinstance(d, Mapping)]
    latest = details[-1] if details else {}
    return TrackingUpdate(
        tracking_number=str(tracker["tracking_code"]),
        carrier=str(tracker.get("carrier") or ""),
        status=_STATUSES.get(str(tracker.get("status") or ""), "unknown"),
        at=_when(latest.get("datetime") or tracker.get("updated_at")),
        detail=str(latest.get("message") or tracker.get("status_detail") or ""),
        event_id=event_id,
    )


def _when(text: Any) -> datetime | None:
    if not isinstance(text, str) or not text:
        return None
    try:
        return datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None


# -- errors ------------------------------------------------------------------------------------


def carrier_error(error: Exception, headers: Mapping[str, Any]) -> CarrierError:
    """The SDK's exception, classified (EasyPost's errors reference: status and `code`)."""
    message = str(getattr(error, "message", "") or error)
    code = str(getattr(error, "code", "") or "")
    said = f"EasyPost: {message}" + (f" ({code})" if code else "")
    if isinstance(error, ep_errors.TimeoutError | ep_errors.GatewayTimeoutError):
        return CarrierError("timeout", said)
    if isinstance(error, ep_errors.RateLimitError):
        return CarrierError("rate_limited", said, retry_after=_retry_after(headers))
    if isinstance(error, ep_errors.UnauthorizedError | ep_errors.ForbiddenError):
        return CarrierError("auth", said)
    if isinstance(error, ep_errors.PaymentError) or "insufficient funds" in message.lower():
        return CarrierError("insufficient_funds", said)
    if code.startswith("ADDRESS.") or ".ADDRESS" in code:
        return CarrierError("invalid_address", said, field=_address_field(error))
    status = getattr(error, "http_status", None) or 0
    if (
        isinstance(
            error,
            ep_errors.InternalServerError
            | ep_errors.ServiceUnavailableError
            | ep_errors.HttpError
            | ep_errors.JsonError,
        )
        or status >= 500
    ):
        return CarrierError("unavailable", said)
    return CarrierError("rejected", said)


def _retry_after(headers: Mapping[str, Any]) -> float | None:
    value = next((v for k, v in headers.items() if str(k).lower() == "retry-after"), None)
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: the worker's own backoff will do


def _address_field(error: Exception) -> str | None:
    for one in getattr(error, "errors", None) or []:
        if isinstance(one, Mapping) and one.get("field") in _ADDRESS_FIELDS:
            return _ADDRESS_FIELDS[str(one["field"])]
    return None
