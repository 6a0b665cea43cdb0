"""Return labels bought from Shippo, through its official SDK (`shippo`, v3).

The SDK is synchronous (`requests`), so every call runs in a worker thread. It has no timeout of
its own and, in 3.x, does not act on its `retry_config`: we give it a session that puts our
timeout on every request and pass `retry_config=None`, so nothing is ever sent twice behind our
back. Buying is made idempotent here instead (see `buy_return_label`).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import requests
from shippo import Shippo
from shippo.models import components, operations

from returns_service.adapters.carriers.base import (
    Address,
    BoughtLabel,
    CarrierError,
    CreatedLabel,
    LabelRequest,
    PurchaseProgress,
    TrackingUpdate,
    WebhookRejected,
)
from returns_service.adapters.carriers.shippo_errors import (
    classify_messages,
    error_from_exception,
)
from returns_service.adapters.carriers.shippo_webhooks import track_updates, verify_signature
from returns_service.domain.money import Money, minor_unit_exponent

# Shippo needs all three dimensions; a catalogue without them gets a small shoebox
DEFAULT_BOX_CM = (30.0, 20.0, 12.0)
POLL_SECONDS = 0.5
API_VERSION = "2018-02-08"


class _TimedSession(requests.Session):
    """A session whose every request gives up after `timeout` seconds (the SDK sets none)."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return super().send(request, **kwargs)


class ShippoCarrier:
    name = "shippo"

    def __init__(
        self,
        api_key: str,
        api_base: str = "",
        *,
        timeout_seconds: float = 20.0,
        clock: Callable[[], datetime] | None = None,
        poll_seconds: float = POLL_SECONDS,
    ) -> None:
        self._timeout = timeout_seconds
        self._poll = poll_seconds
        # webhook timestamps are checked against this clock when one is given (rt.clock.now)
        self._clock = clock
        self._session = _TimedSession(timeout_seconds)
        self._sdk = Shippo(
            api_key_header=api_key,
            # the API version the SDK's models were generated from (and the reference's
            # examples use): answers keep the shapes the SDK can read, whatever the
            # account's default version is
            shippo_api_version=API_VERSION,
            server_url=api_base or "https://api.goshippo.com",
            client=self._session,
            retry_config=None,
        )

    async def _call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except CarrierError:
            raise
        except Exception as exc:
            raise error_from_exception(exc) from exc

    # --- buying -------------------------------------------------------------------------

    async def buy_return_label(
        self, request: LabelRequest, progress: PurchaseProgress
    ) -> CreatedLabel:
        """Shipment, then the chosen rate bought as a transaction. The shipment id and the
        rate id are written down before buying; a second call finds the transaction bought
        for that rate (Shippo's `GET /transactions?rate=`) instead of buying another."""
        shipment_id = progress.get("shippo.shipment_id")
        rate_id = progress.get("shippo.rate_id")
        if shipment_id and rate_id:
            shipment = await self._call(self._sdk.shipments.get, shipment_id)
            rate = _rate_by_id(shipment, rate_id)
            done = await self._bought_for(rate_id, progress.get("shippo.transaction_id"))
            if done is not None:
                return await self._label(rate, shipment_id, done)
        else:
            shipment = await self._create_shipment(request, progress)
            shipment_id = shipment.object_id
            await progress.remember("shippo.shipment_id", shipment_id)
            rate = choose_rate(shipment, request.service)
            await progress.remember("shippo.rate_id", rate.object_id)
        transaction = await self._call(
            self._sdk.transactions.create,
            components.TransactionCreateRequest(
                rate=rate.object_id,
                async_=False,
                label_file_type=components.LabelFileTypeEnum.PDF_4X6,
                metadata=request.reference or request.case_number,
            ),
        )
        if transaction.object_id:
            await progress.remember("shippo.transaction_id", transaction.object_id)
        transaction = await self._settled(transaction)
        return await self._label(rate, shipment_id, transaction)

    async def _create_shipment(
        self, request: LabelRequest, progress: PurchaseProgress
    ) -> components.Shipment:
        customs: str | None = progress.get("shippo.customs_id")
        if request.customs and not customs:
            declaration = await self._call(self._sdk.customs_declarations.create, _customs(request))
            customs = declaration.object_id
            await progress.remember("shippo.customs_id", customs or "")
        extra = components.ShipmentExtra(
            is_return=True,
            reference_1=request.case_number[:50] or None,
            qr_code_requested=True if _wants_qr(request) else None,
        )
        # Shippo's return guide: give the addresses as for the outbound parcel (from the
        # store, to the customer) and set is_return; Shippo swaps them on the label, so the
        # customer sends it and the store's return address receives it
        return await self._call(
            self._sdk.shipments.create,
            components.ShipmentCreateRequest(
                address_from=_address(request.ship_to),
                address_to=_address(request.ship_from),
                parcels=[_parcel(request)],
                extra=extra,
                metadata=request.reference or request.case_number,
                customs_declaration=customs or None,
                async_=False,
            ),
        )

    async def _bought_for(
        self, rate_id: str, transaction_id: str | None
    ) -> components.Transaction | None:
        """The transaction already made for `rate_id`, settled; None when none was made
        (or the one made failed without buying anything)."""
        if transaction_id:
            found = await self._call(self._sdk.transactions.get, transaction_id)
        else:
            page = await self._call(
                self._sdk.transactions.list,
                operations.ListTransactionsRequest(rate=rate_id, results=100),
            )
            # the filter is the provider's; the check is ours, in case a stand-in or an old
            # API version ignores it
            mine = [t for t in page.results or [] if _rate_of(t) == rate_id]
            bought = [t for t in mine if t.status != components.TransactionStatusEnum.ERROR]
            if not bought:
                return None
            found = bought[0]
        if found.status == components.TransactionStatusEnum.ERROR:
            return None
        return await self._settled(found)

    async def _settled(self, transaction: components.Transaction) -> components.Transaction:
        """Wait (within our timeout) for a QUEUED/WAITING transaction; raise for ERROR."""
        waited = 0.0
        while transaction.status in (
            components.TransactionStatusEnum.QUEUED,
            components.TransactionStatusEnum.WAITING,
        ):
            if waited >= self._timeout:
                raise CarrierError("timeout", "Shippo is still making the label")
            await asyncio.sleep(self._poll)
            waited += self._poll
            transaction = await self._call(self._sdk.transactions.get, transaction.object_id)
        if transaction.status == components.TransactionStatusEnum.ERROR:
            texts = [m.text or "" for m in transaction.messages or []]
            raise classify_messages(texts, default="rejected")
        return transaction

    async def _label(
        self, rate: components.Rate, shipment_id: str, transaction: components.Transaction
    ) -> CreatedLabel:
        pdf = await self._fetch(transaction.label_url or "")
        qr_url = transaction.qr_code_url or ""
        qr = await self._fetch(qr_url) if qr_url else None
        return CreatedLabel(
            provider=self.name,
            carrier=rate.provider,
            service=(rate.servicelevel.name or rate.servicelevel.token or ""),
            cost=rate_cost(rate.amount, rate.currency),
            tracking_number=transaction.tracking_number or "",
            shipment_id=shipment_id,
            label_id=transaction.object_id or "",
            label_url=transaction.label_url or "",
            qr_code_url=qr_url,
            # Shippo documents the QR file as an image for USPS; anything else (e.g. a PDF)
            # stays a link only, since pages show it as a PNG
            qr_code_png=qr if qr and qr.startswith(b"\x89PNG") else None,
            pdf=pdf or None,
            # a ZPL file would be a second purchase (label_file_type is per transaction)
            zpl="",
        )

    async def _fetch(self, url: str) -> bytes:
        if not url:
            return b""

        def get() -> bytes:
            response = self._session.get(url)
            response.raise_for_status()
            return response.content

        try:
            return await asyncio.to_thread(get)
        except Exception as exc:
            raise error_from_exception(exc) from exc

    # --- after buying ---------------------------------------------------------------------

    async def void_label(self, label: BoughtLabel) -> None:
        if not label.label_id:
            return
        try:
            refund = await self._call(self._sdk.refunds.create, transaction=label.label_id)
        except CarrierError as exc:
            # Shippo refuses a second refund of one transaction: the money is on its way
            if exc.kind == "rejected" and "already" in exc.message.lower():
                return
            raise
        if refund.status == components.RefundStatus.ERROR:
            raise CarrierError("rejected", "Shippo refused to refund the label")

    async def register_tracker(self, carrier: str, tracking_number: str) -> str:
        track = await self._call(
            self._sdk.tracking_status.create,
            carrier=carrier_token(carrier),
            tracking_number=tracking_number,
        )
        # Shippo follows the parcel by carrier + number; there is no tracker id
        return str(track.tracking_number or "")

    def parse_webhook(
        self, body: bytes, headers: Mapping[str, str], secret: str
    ) -> list[TrackingUpdate]:
        verify_signature(body, headers, secret, self._clock() if self._clock else None)
        try:
            event = json.loads(body)
        except ValueError as exc:
            raise WebhookRejected("the body is not JSON") from exc
        if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
            raise WebhookRejected("not a Shippo webhook body")
        if event.get("event") != "track_updated":
            return []
        return track_updates(event["data"])


# --- pure helpers ---------------------------------------------------------------------------


def choose_rate(shipment: components.Shipment, service: str) -> components.Rate:
    rates = list(shipment.rates or [])
    if not rates:
        texts = [m.text or "" for m in shipment.messages or []]
        raise classify_messages(texts, default="no_rates")
    wanted = service.strip().lower()
    if wanted in ("", "cheapest"):
        return min(rates, key=lambda r: _decimal(r.amount))
    if wanted == "fastest":
        return min(
            rates,
            key=lambda r: (
                r.estimated_days if r.estimated_days is not None else 10**6,
                _decimal(r.amount),
            ),
        )
    carrier, _, token = wanted.partition(" ")
    for rate in rates:
        if carrier_token(rate.provider) == carrier_token(carrier) and (
            (rate.servicelevel.token or "").lower() == token.strip()
        ):
            return rate
    raise CarrierError("no_rates", f"Shippo offers no {service!r} between these addresses")


def rate_cost(amount: str, currency: str) -> Money:
    """'7.59' USD -> 759, with the currency's own digits (Shippo sends decimal strings)."""
    exponent = minor_unit_exponent(currency)
    value = _decimal(amount).quantize(Decimal(1).scaleb(-exponent), rounding=ROUND_HALF_UP)
    return Money(int(value.scaleb(exponent)), currency.upper())


def carrier_token(carrier: str) -> str:
    """Shippo names carriers by token: "USPS" -> usps, "DHL Express" -> dhl_express."""
    return "_".join(carrier.strip().lower().split())


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(str(text).strip())
    except InvalidOperation as exc:
        raise CarrierError("rejected", f"Shippo sent an amount we cannot read: {text!r}") from exc


def _rate_by_id(shipment: components.Shipment, rate_id: str) -> components.Rate:
    for rate in shipment.rates or []:
        if rate.object_id == rate_id:
            return rate
    raise CarrierError("no_rates", "the rate chosen earlier is no longer on the shipment")


def _rate_of(transaction: components.Transaction) -> str:
    rate = transaction.rate
    return rate if isinstance(rate, str) else str(getattr(rate, "object_id", "") or "")


def _wants_qr(request: LabelRequest) -> bool:
    # Shippo makes QR codes for USPS (and a few non-US posts); a policy that names another
    # carrier does not ask for one
    named = request.service.strip().lower().partition(" ")[0]
    return request.qr_code and named in ("", "cheapest", "fastest", "usps")


def _address(a: Address) -> components.AddressCreateRequest:
    return components.AddressCreateRequest(
        country=a.country,
        name=a.name or None,
        company=a.company or None,
        street1=a.line1 or None,
        street2=a.line2 or None,
        city=a.city or None,
        state=a.region or None,
        zip=a.postal_code or None,
        email=a.email or None,
        phone=a.phone or None,
    )


def _number(value: float) -> str:
    return format(Decimal(str(value)).normalize(), "f")


def _parcel(request: LabelRequest) -> components.ParcelCreateRequest:
    parcel = request.parcel
    weight = parcel.weight_grams if parcel else request.weight_grams
    dims = DEFAULT_BOX_CM
    if parcel and parcel.length_cm and parcel.width_cm and parcel.height_cm:
        dims = (parcel.length_cm, parcel.width_cm, parcel.height_cm)
    return components.ParcelCreateRequest(
        mass_unit=components.WeightUnitEnum.G,
        weight=str(weight),
        distance_unit=components.DistanceUnitEnum.CM,
        length=_number(dims[0]),
        width=_number(dims[1]),
        height=_number(dims[2]),
    )


def _customs(request: LabelRequest) -> components.CustomsDeclarationCreateRequest:
    items = []
    for item in request.customs:
        exponent = minor_unit_exponent(item.value.currency)
        items.append(
            components.CustomsItemCreateRequest(
                description=item.description[:100] or item.sku,
                quantity=item.quantity,
                net_weight=str(item.weight_grams),
                mass_unit=components.WeightUnitEnum.G,
                value_amount=format(Decimal(item.value.amount).scaleb(-exponent), "f"),
                value_currency=item.value.currency,
                origin_country=item.origin_country,
                tariff_number=item.hs_code or None,
                sku_code=item.sku or None,
            )
        )
    return components.CustomsDeclarationCreateRequest(
        certify=True,
        certify_signer=request.ship_from.name,
        contents_type=components.CustomsDeclarationContentsTypeEnum.RETURN_MERCHANDISE,
        non_delivery_option=components.CustomsDeclarationNonDeliveryOptionEnum.RETURN,
        items=items,
        metadata=request.reference or request.case_number,
    )
