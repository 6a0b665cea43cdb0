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
from typing import Any, cast

import easypost
import requests
from easypost import errors as ep_errors
from easypost.util import validate_webhook

from returns_service.adapters.carriers.base import (
    BoughtLabel,
    CarrierError,
    CreatedLabel,
    LabelRequest,
    PurchaseProgress,
    TrackingUpdate,
    WebhookRejected,
)
from returns_service.adapters.carriers.easypost.translate import (
    DEFAULT_API_BASE,
    TRACKER_EVENTS,
    carrier_error,
    choose_rate,
    has_rate,
    is_bought,
    qr_form_url,
    rate_cost,
    shipment_params,
    tracking_update,
)

log = logging.getLogger(__name__)


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
            if error.kind != "rejected":
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
        if event.get("description") not in TRACKER_EVENTS or not isinstance(result, dict):
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
        if response.status_code >= 400:
            # the label is bought and its file will be there: tried again, never a person's task
            raise CarrierError("unavailable", f"fetching {url}: HTTP {response.status_code}")
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
