"""A scripted carrier provider for the service's tests: it implements the carrier Protocol the
way the provider adapters do (a purchase is found again by its progress notes before buying
again), keeps what it sold and refunded, and fails on demand. The adapters themselves are
tested against stand-ins of the providers' HTTP APIs (tests/standins/)."""

from __future__ import annotations

import hashlib
import hmac
import io
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from returns_service.adapters.carriers import (
    BoughtLabel,
    CarrierError,
    CreatedLabel,
    LabelRequest,
    PurchaseProgress,
    TrackingUpdate,
    WebhookRejected,
)
from returns_service.db.tables import CaseEvent, Label
from returns_service.domain.money import Money
from returns_service.services.platform.runtime import Runtime
from tests.integration.helpers import Client, line_ids, open_return, refund_item


def qr_png(text: str, scale: int = 6) -> bytes:
    """A QR code as a PNG, as a provider's drop-off code is (USPS Label Broker, ...)."""
    from PIL import Image
    from reportlab.graphics.barcode import qrencoder

    code = qrencoder.QRCode(5, qrencoder.QRErrorCorrectLevel.M)
    code.addData(text)
    code.make()
    size = code.getModuleCount()
    border = 4
    image = Image.new("1", ((size + 2 * border) * scale,) * 2, 1)
    for row in range(size):
        for col in range(size):
            if code.isDark(row, col):
                x, y = (col + border) * scale, (row + border) * scale
                image.paste(0, (x, y, x + scale, y + scale))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


PNG = qr_png("https://tools.usps.com/label-broker/9400100000000000000001")
SECRET = "whsec-fake-provider"


@dataclass
class FakeProvider:
    """Stands for EasyPost (the name the webhook route and the settings know)."""

    name: str = "easypost"
    sold: dict[str, CreatedLabel] = field(default_factory=dict)  # by the purchase's reference
    requests: list[LabelRequest] = field(default_factory=list)
    voided: list[BoughtLabel] = field(default_factory=list)
    trackers: list[tuple[str, str]] = field(default_factory=list)
    # what the next calls raise, in order; a purchase may fail after the provider sold it
    fail_buy: list[CarrierError] = field(default_factory=list)
    fail_after_buy: list[CarrierError] = field(default_factory=list)
    fail_void: list[CarrierError] = field(default_factory=list)
    qr_code: bool = True
    # what the next purchase calls raise before the provider sees them (it cannot be reached)
    unreachable: list[CarrierError] = field(default_factory=list)

    async def buy_return_label(
        self, request: LabelRequest, progress: PurchaseProgress
    ) -> CreatedLabel:
        self.requests.append(request)
        if self.unreachable:
            raise self.unreachable.pop(0)
        shipment = progress.get("shipment")
        if shipment and request.reference in self.sold:  # a retry: look it up, buy nothing
            return self.sold[request.reference]
        if self.fail_buy:
            raise self.fail_buy.pop(0)
        await progress.remember("shipment", f"shp_{len(self.sold) + 1}")
        number = f"94001000000000000000{len(self.sold) + 1:02d}"
        label = CreatedLabel(
            carrier="USPS",
            provider=self.name,
            service="GroundAdvantage",
            tracking_number=number,
            cost=Money(745, "USD"),
            pdf=b"%PDF-1.4 provider label " + number.encode(),
            zpl="^XA^FDprovider^FS^XZ",
            label_url=f"https://files.example/{number}.pdf",
            qr_code_url=f"https://files.example/{number}.png" if self.qr_code else "",
            qr_code_png=PNG if self.qr_code else None,
            shipment_id=f"shp_{len(self.sold) + 1}",
            label_id="",
        )
        self.sold[request.reference] = label
        if self.fail_after_buy:
            raise self.fail_after_buy.pop(0)
        return label

    async def void_label(self, label: BoughtLabel) -> None:
        if self.fail_void:
            raise self.fail_void.pop(0)
        self.voided.append(label)

    async def register_tracker(self, carrier: str, tracking_number: str) -> str:
        self.trackers.append((carrier, tracking_number))
        return f"trk_{len(self.trackers)}"

    def parse_webhook(
        self, body: bytes, headers: Mapping[str, str], secret: str
    ) -> list[TrackingUpdate]:
        expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
        if not hmac.compare_digest(headers.get("x-hmac-signature", ""), expected):
            raise WebhookRejected("the signature does not match")
        event = json.loads(body)
        if event["description"] != "tracker.updated":
            return []
        return [
            TrackingUpdate(
                tracking_number=event["tracking_code"],
                carrier="USPS",
                status=event["status"],
                at=datetime.fromisoformat(event["at"]),
                event_id=event["id"],
            )
        ]


def webhook(
    tracking_number: str,
    status: str = "in_transit",
    event_id: str = "evt_1",
    description: str = "tracker.updated",
    secret: str = SECRET,
) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(
        {
            "id": event_id,
            "description": description,
            "tracking_code": tracking_number,
            "status": status,
            "at": "2026-09-02T10:00:00+00:00",
        }
    ).encode()
    signature = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-Hmac-Signature": signature, "content-type": "application/json"}


def use_carrier(runtime: Runtime, provider: FakeProvider) -> Iterator[FakeProvider]:
    """The app's runtime (built once by create_app, frozen) with `provider` as its carrier and
    as every carrier it looks up by name; put back afterwards."""
    saved = {name: getattr(runtime, name) for name in ("carrier", "carriers")}
    object.__setattr__(runtime, "carrier", provider)
    object.__setattr__(runtime, "carriers", lambda name: provider)
    try:
        yield provider
    finally:
        for name, value in saved.items():
            object.__setattr__(runtime, name, value)


async def open_ring_return(client: Client, customer: dict[str, str]) -> dict:
    lines = await line_ids(client, customer)
    return await open_return(client, customer, refund_item(lines["RING-8-BLK"]))


async def labels_of(number: str) -> list[dict]:
    return await (
        Label.select(
            Label.status,
            Label.tracking_number,
            Label.carrier,
            Label.service,
            Label.cost_amount,
            Label.cost_currency,
            Label.pdf,
            Label.failure_kind,
        )
        .where(Label.case.number == number)
        .order_by(Label.id)
    )


async def kinds(number: str) -> list[str]:
    rows = await (
        CaseEvent.select(CaseEvent.kind)
        .where(CaseEvent.case.number == number)
        .order_by(CaseEvent.id)
    )
    return [row["kind"] for row in rows]
