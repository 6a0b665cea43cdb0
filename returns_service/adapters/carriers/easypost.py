"""EasyPost: return labels bought through EasyPost's official SDK (`easypost`, synchronous, so
every call runs in a worker thread).

A return label is a shipment created with `is_return: true`. EasyPost's returns page says to
send the addresses as the *outbound* shipment had them and it swaps them for the return: so the
customer (where the parcel starts) is `to_address` and the store's return address (where it
goes) is `from_address`.

Buying is idempotent through the purchase's notebook (`PurchaseProgress`): the shipment's id is
written down before its rate is bought, and a later call for the same purchase retrieves that
shipment and returns its label when it already has postage instead of buying again.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, TypeVar, cast

import easypost
import requests
from easypost import errors as ep_errors
from easypost.util import validate_webhook

from returns_service.adapters.carriers.base import (
    Address,
    BoughtLabel,
    CarrierError,
    CreatedLabel,
    LabelRequest,
    PurchaseProgress,
    TrackingStatus,
    TrackingUpdate,
    WebhookRejected,
)
from returns_service.domain.money import Money, minor_unit_exponent

log = logging.getLogger(__name__)

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
_TRACKER_EVENTS = frozenset({"tracker.created", "tracker.updated"})
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

T = TypeVar("T")


class EasyPostCarrier:
    """The `CarrierAdapter` for EasyPost (see `base.CarrierAdapter` for the contract)."""

    name = "easypost"

    def __init__(self, api_key: str, api_base: str = "", *, timeout_seconds: float = 20.0) -> None:
        self.api_key = api_key
        self.api_base = (api_base or DEFAULT_API_BASE).rstrip("/")
        self.timeout_seconds = timeout_seconds

    # -- the Protocol -------------------------------------------------------------------------

    async def buy_return_label(
        self, request: LabelRequest, progress: PurchaseProgress
    ) -> CreatedLabel:
        shipment_id = progress.get("shipment_id")
        shipment = None
        if shipment_id:
            shipment = await self._call(lambda c: c.shipment.retrieve(shipment_id))
            if not is_bought(shipment) and not has_rate(shipment, request.service):
                # nothing was bought on it and it cannot be: an unbought shipment costs
                # nothing, so a fresh one is rated for the request as it is now (a person
                # may have corrected what made the first one unrateable)
                shipment = None
        if shipment is None:
            shipment = await self._call(lambda c: c.shipment.create(**shipment_params(request)))
            # written down before anything is bought: a retry finds this shipment
            await progress.remember("shipment_id", shipment["id"])
        if not is_bought(shipment):
            shipment = await self._buy(shipment, choose_rate(shipment, request.service))
        return await self._label(shipment, request)

    async def _buy(self, shipment: dict[str, Any], rate: Mapping[str, Any]) -> dict[str, Any]:
        try:
            return await self._call(
                lambda c: c.shipment.buy(shipment["id"], rate={"id": rate["id"]})
            )
        except CarrierError as error:
            if error.kind != "rejected":
                raise
            # EasyPost refuses to buy a shipment twice: an earlier attempt that timed out may
            # have completed after we looked; then that purchase is the label
            again = await self._call(lambda c: c.shipment.retrieve(shipment["id"]))
            if is_bought(again):
                return again
            raise

    async def void_label(self, label: BoughtLabel) -> None:
        if not label.shipment_id:
            raise CarrierError("rejected", "an EasyPost label is refunded by its shipment id")
        try:
            shipment = await self._call(lambda c: c.shipment.refund(label.shipment_id))
        except CarrierError as error:
            if error.kind not in ("rejected", "invalid_address"):
                raise
            # EasyPost refuses to refund a shipment twice; one already refunded is our answer
            shipment = await self._call(lambda c: c.shipment.retrieve(label.shipment_id))
            if shipment.get("refund_status") not in ("submitted", "refunded"):
                raise
            return
        if shipment.get("refund_status") in ("rejected", "not_applicable"):
            raise CarrierError(
                "rejected",
                f"EasyPost will not refund {label.tracking_number}: "
                f"{shipment.get('refund_status')}",
            )

    async def register_tracker(self, carrier: str, tracking_number: str) -> str:
        params = {"tracking_code": tracking_number}
        if carrier:
            params["carrier"] = carrier
        tracker = await self._call(lambda c: c.tracker.create(**params))
        return str(tracker["id"])

    def parse_webhook(
        self, body: bytes, headers: Mapping[str, str], secret: str
    ) -> list[TrackingUpdate]:
        if not secret:
            raise WebhookRejected("no EasyPost webhook secret is configured")
        signature = next((v for k, v in headers.items() if k.lower() == "x-hmac-signature"), "")
        try:
            # the SDK's own check: HMAC-SHA256 of the body with the NFKD-normalised secret
            event = validate_webhook(body, {"X-Hmac-Signature": signature}, secret)
        except ep_errors.SignatureVerificationError as error:
            raise WebhookRejected(str(error)) from error
        except ValueError as error:  # signed, but not JSON
            raise WebhookRejected("the body is not an EasyPost event") from error
        if not isinstance(event, dict) or event.get("object") != "Event":
            raise WebhookRejected("the body is not an EasyPost event")
        result = event.get("result")
        if event.get("description") not in _TRACKER_EVENTS or not isinstance(result, dict):
            return []
        if result.get("object") != "Tracker" or not result.get("tracking_code"):
            return []
        return [tracking_update(result, str(event.get("id") or ""))]

    # -- the SDK, in a thread ----------------------------------------------------------------

    async def _call(self, action: Callable[[Any], Any]) -> dict[str, Any]:
        """Run one SDK call in a worker thread and answer its result as a plain dict; the SDK's
        errors become CarrierErrors."""
        return await asyncio.to_thread(self._call_sync, action)

    def _call_sync(self, action: Callable[[Any], Any]) -> dict[str, Any]:
        # a client per call: its response hook keeps this call's headers (Retry-After), and
        # calls from other threads never share it
        client = easypost.EasyPostClient(
            self.api_key,
            api_base=self.api_base,
            timeout=self.timeout_seconds,  # type: ignore[arg-type]  # requests takes a float
        )
        seen: dict[str, Any] = {}

        def keep_headers(**response: Any) -> None:
            seen["headers"] = response.get("headers") or {}

        client.subscribe_to_response_hook(keep_headers)
        try:
            result = action(client)
        except ep_errors.EasyPostError as error:
            raise carrier_error(error, seen.get("headers") or {}) from error
        return cast(dict[str, Any], result.to_dict() if hasattr(result, "to_dict") else result)

    def _fetch(self, url: str) -> bytes:
        """A label or QR code file. EasyPost's file URLs are public, signed links: the API
        key is not sent with them."""
        try:
            response = requests.get(url, timeout=self.timeout_seconds)
        except requests.Timeout as error:
            raise CarrierError("timeout", f"fetching {url} timed out") from error
        except requests.RequestException as error:
            raise CarrierError("unavailable", f"fetching {url} failed: {error}") from error
        if response.status_code >= 500 or response.status_code == 429:
            raise CarrierError("unavailable", f"fetching {url}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise CarrierError("rejected", f"fetching {url}: HTTP {response.status_code}")
        return response.content

    async def _label(self, shipment: dict[str, Any], request: LabelRequest) -> CreatedLabel:
        """The bought shipment as a CreatedLabel, with its files fetched. Every step here may
        be repeated: a failure raises, and the retry finds the shipment already bought."""
        shipment_id = shipment["id"]
        postage = shipment.get("postage_label") or {}
        pdf_url = postage.get("label_pdf_url") or ""
        if not pdf_url:
            converted = await self._call(lambda c: c.shipment.label(shipment_id, file_format="PDF"))
            postage = converted.get("postage_label") or postage
            pdf_url = postage.get("label_pdf_url") or ""
        zpl_url = postage.get("label_zpl_url") or ""
        if not zpl_url:
            try:
                converted = await self._call(
                    lambda c: c.shipment.label(shipment_id, file_format="ZPL")
                )
                zpl_url = (converted.get("postage_label") or {}).get("label_zpl_url") or ""
            except CarrierError as error:
                if error.retryable:
                    raise
                # a carrier without ZPL labels: the PDF is the label
                log.info("EasyPost has no ZPL label for %s: %s", shipment_id, error.message)
        rate = shipment.get("selected_rate") or {}
        qr_url = await self._qr_code_url(shipment, request)
        pdf = await asyncio.to_thread(self._fetch, pdf_url) if pdf_url else None
        zpl = await asyncio.to_thread(self._fetch, zpl_url) if zpl_url else b""
        qr_png = await asyncio.to_thread(self._fetch, qr_url) if qr_url else None
        tracker = shipment.get("tracker") or {}
        return CreatedLabel(
            provider=self.name,
            carrier=str(rate.get("carrier") or ""),
            service=str(rate.get("service") or ""),
            cost=rate_cost(rate),
            tracking_number=str(shipment.get("tracking_code") or ""),
            shipment_id=shipment_id,
            tracker_id=str(tracker.get("id") or ""),
            label_url=pdf_url or str(postage.get("label_url") or ""),
            pdf=pdf,
            zpl=zpl.decode("utf-8", "replace"),
            qr_code_url=qr_url,
            qr_code_png=qr_png,
        )

    async def _qr_code_url(self, shipment: dict[str, Any], request: LabelRequest) -> str:
        """USPS's label-free drop-off (Label Broker): a `label_qr_code` form on the bought
        shipment. Only USPS offers it; the label is valid without it, so a refusal leaves the
        case with the printed label alone."""
        existing = qr_form_url(shipment)
        if existing or not request.qr_code:
            return existing
        carrier = str((shipment.get("selected_rate") or {}).get("carrier") or "")
        if not carrier.upper().startswith("USPS"):
            return ""
        try:
            with_form = await self._call(
                lambda c: c.shipment.generate_form(shipment["id"], "label_qr_code")
            )
        except CarrierError as error:
            if error.retryable:
                raise
            log.info("EasyPost gave no QR code for %s: %s", shipment["id"], error.message)
            return ""
        return qr_form_url(with_form)


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
