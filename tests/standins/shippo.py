"""A local stand-in for Shippo's HTTP API, for driving the official SDK in tests.

It listens on 127.0.0.1 (a thread with `http.server`, since the SDK is synchronous `requests`)
and answers the calls our adapter makes with bodies written from Shippo's API reference
(https://docs.goshippo.com/api-reference/ — the section is named above each body). It keeps
what was asked and bought (`purchases`, `refunds`, `tracks`, `requests`) and has switches for
the provider's failures. `shippo_standin` is the pytest fixture; `track_updated()` builds a
signed tracking webhook for a tracking number.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

API_KEY = "shippo_test_standin0000000000000000000000000000"
WEBHOOK_SECRET = "shippo-standin-webhook-secret"
CREATED = "2026-09-01T12:00:00Z"
OWNER = "returns@example.com"
# a 1x1 PNG: what Shippo's qr_code_url serves for USPS
QR_PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000100e221bc330000000049454e44ae426082"
)
LABEL_PDF = b"%PDF-1.4\n% Shippo stand-in label\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

# (carrier, carrier token, service name, service token, amount, estimated days)
RATES = [
    ("USPS", "usps", "Ground Advantage", "usps_ground_advantage", "7.59", 5),
    ("USPS", "usps", "Priority Mail", "usps_priority", "9.85", 2),
    ("UPS", "ups", "Ground", "ups_ground", "12.40", 4),
    ("UPS", "ups", "Next Day Air", "ups_next_day_air", "38.15", 1),
]
ADDRESS_MESSAGE = (
    "The address as submitted could not be found. Please check for excessive abbreviations "
    "in the street address line or in the City name."
)
FUNDS_MESSAGE = (
    "Insufficient funds in your Shippo account balance. Please add funds or a payment method."
)


def _id() -> str:
    return uuid.uuid4().hex


@dataclass
class ShippoStandIn:
    url: str = ""
    api_key: str = API_KEY
    # what the tests inspect
    requests: list[tuple[str, str, Any]] = field(default_factory=list)
    shipments: dict[str, dict[str, Any]] = field(default_factory=dict)
    transactions: dict[str, dict[str, Any]] = field(default_factory=dict)
    purchases: list[dict[str, Any]] = field(default_factory=list)
    refunds: list[str] = field(default_factory=list)
    tracks: list[tuple[str, str]] = field(default_factory=list)
    declarations: list[dict[str, Any]] = field(default_factory=list)
    api_versions: set[str] = field(default_factory=set)  # SHIPPO-API-VERSION headers seen
    # switches
    invalid_address: bool = False  # the shipment comes back without rates, an address message
    no_rates: bool = False  # the shipment comes back without rates or messages
    insufficient_funds: bool = False  # the transaction ends in ERROR: the account cannot pay
    rate_limited: bool = False  # every call: 429 with Retry-After
    server_error: bool = False  # every call: 500
    hang_after_buy: bool = False  # POST /transactions buys, then does not answer in time
    queue_transactions: bool = False  # POST /transactions answers QUEUED; GET then SUCCESS
    fail: dict[str, tuple[int, Any]] = field(default_factory=dict)  # "POST /shipments" -> answer
    released: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    # --- the API ------------------------------------------------------------------------

    def handle(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        body: Any,
        headers: dict[str, str],
    ) -> tuple[int, Any, dict[str, str]]:
        self.requests.append((method, path, body))
        self.api_versions.add(headers.get("shippo-api-version", ""))
        if path.startswith("/files/"):
            return self._file(path)
        if self.rate_limited:
            # Shippo's throttling answer (API reference, "Rate limits")
            return (
                429,
                {"detail": "Request was throttled. Expected available in 7 seconds."},
                {"Retry-After": "7"},
            )
        if self.server_error:
            return 500, {"detail": "A server error occurred."}, {}
        route = f"{method} {re.sub(r'/[0-9a-f]{32}$', '/{id}', path.rstrip('/'))}"
        if route in self.fail:
            status, answer = self.fail[route]
            return status, answer, {}
        if headers.get("authorization", "") != f"ShippoToken {self.api_key}":
            # API reference, "Authentication": a wrong token
            return 401, {"detail": "Invalid token."}, {}
        handler = {
            "POST /customs/declarations": self._declaration,
            "POST /shipments": self._shipment,
            "GET /shipments/{id}": self._get_shipment,
            "POST /transactions": self._transaction,
            "GET /transactions": self._list_transactions,
            "GET /transactions/{id}": self._get_transaction,
            "POST /refunds": self._refund,
            "POST /tracks": self._track,
        }.get(route)
        if handler is None:
            return 404, {"detail": "Not found."}, {}
        status, answer = handler(path, query, body)
        return status, answer, {}

    def _file(self, path: str) -> tuple[int, Any, dict[str, str]]:
        if path.endswith(".png"):
            return 200, QR_PNG, {"Content-Type": "image/png"}
        return 200, LABEL_PDF, {"Content-Type": "application/pdf"}

    def _declaration(self, path: str, query: Any, body: dict[str, Any]) -> tuple[int, Any]:
        # API reference, "Customs Declarations > Create a new customs declaration" (201)
        items = [
            {
                **item,
                "object_id": _id(),
                "object_owner": OWNER,
                "object_state": "VALID",
                "object_created": CREATED,
                "object_updated": CREATED,
                "test": True,
            }
            for item in body.get("items", [])
        ]
        declaration = {
            **body,
            "items": items,
            "object_id": _id(),
            "object_owner": OWNER,
            "object_state": "VALID",
            "object_created": CREATED,
            "object_updated": CREATED,
            "test": True,
        }
        self.declarations.append(declaration)
        return 201, declaration

    def _shipment(self, path: str, query: Any, body: dict[str, Any]) -> tuple[int, Any]:
        # API reference, "Shipments > Create a new shipment" (201, async false: rates inline)
        shipment_id = _id()
        messages: list[dict[str, str]] = []
        rates: list[dict[str, Any]] = []
        if self.invalid_address:
            messages = [{"source": "USPS", "code": "", "text": ADDRESS_MESSAGE}]
        elif not self.no_rates:
            rates = [self._rate(shipment_id, *rate) for rate in RATES]
        shipment = {
            "object_id": shipment_id,
            "object_owner": OWNER,
            "object_created": CREATED,
            "object_updated": CREATED,
            "status": "SUCCESS",
            "metadata": body.get("metadata", ""),
            "address_from": self._address(body["address_from"]),
            "address_to": self._address(body["address_to"]),
            "parcels": [
                {
                    **p,
                    "object_id": _id(),
                    "object_owner": OWNER,
                    "object_state": "VALID",
                    "object_created": CREATED,
                    "object_updated": CREATED,
                    "test": True,
                }
                for p in body.get("parcels", [])
            ],
            "extra": body.get("extra", {}),
            # the Shipment object carries the whole declaration, whose id was sent
            "customs_declaration": next(
                (d for d in self.declarations if d["object_id"] == body.get("customs_declaration")),
                None,
            ),
            "carrier_accounts": [],
            "messages": messages,
            "rates": rates,
            "test": True,
        }
        self.shipments[shipment_id] = shipment
        return 201, shipment

    def _rate(
        self,
        shipment_id: str,
        carrier: str,
        token: str,
        name: str,
        service: str,
        amount: str,
        days: int,
    ) -> dict[str, Any]:
        # API reference, "Rates" (the Rate object)
        return {
            "object_id": _id(),
            "object_owner": OWNER,
            "object_created": CREATED,
            "shipment": shipment_id,
            "attributes": [],
            "amount": amount,
            "currency": "USD",
            "amount_local": amount,
            "currency_local": "USD",
            "provider": carrier,
            "provider_image_75": f"https://shippo-static.s3.amazonaws.com/providers/75/{token}.png",
            "servicelevel": {"name": name, "token": service, "terms": ""},
            "estimated_days": days,
            "duration_terms": f"Delivery in {days} business days.",
            "carrier_account": _id(),
            "messages": [],
            "test": True,
        }

    def _address(self, given: dict[str, Any]) -> dict[str, Any]:
        return {**given, "object_id": _id(), "is_complete": True, "test": True}

    def _get_shipment(self, path: str, query: Any, body: Any) -> tuple[int, Any]:
        shipment = self.shipments.get(path.rsplit("/", 1)[-1])
        return (200, shipment) if shipment else (404, {"detail": "Not found."})

    def _find_rate(self, rate_id: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
        for shipment in self.shipments.values():
            for rate in shipment["rates"]:
                if rate["object_id"] == rate_id:
                    return shipment, rate
        return None

    def _transaction(self, path: str, query: Any, body: dict[str, Any]) -> tuple[int, Any]:
        # API reference, "Transactions > Create a shipping label" (201)
        found = self._find_rate(body.get("rate", ""))
        if found is None:
            return 400, {"rate": ["Rate with this object_id does not exist."]}
        shipment, rate = found
        transaction_id = _id()
        base = self.url
        transaction: dict[str, Any] = {
            "object_id": transaction_id,
            "object_owner": OWNER,
            "object_state": "VALID",
            "object_created": CREATED,
            "object_updated": CREATED,
            "rate": rate["object_id"],
            "metadata": body.get("metadata", ""),
            "label_file_type": body.get("label_file_type", "PDF"),
            "test": True,
            "messages": [],
            "parcel": shipment["parcels"][0]["object_id"] if shipment["parcels"] else "",
            # the reference: null for labels bought with an API token (SDK 3.9 cannot read a
            # transaction without the field at all)
            "created_by": None,
        }
        if self.insufficient_funds:
            transaction.update(
                status="ERROR",
                messages=[{"source": "Shippo", "code": "", "text": FUNDS_MESSAGE}],
                tracking_number="",
                label_url="",
            )
            self.transactions[transaction_id] = transaction
            return 201, transaction
        number = "9205590164917312751089" if rate["provider"] == "USPS" else "1Z999AA10123456784"
        qr = shipment["extra"].get("qr_code_requested") and rate["provider"] == "USPS"
        transaction.update(
            status="QUEUED" if self.queue_transactions else "SUCCESS",
            tracking_number=number[:-4] + f"{len(self.purchases):04d}",
            tracking_status="UNKNOWN",
            tracking_url_provider=f"https://tools.usps.com/go/TrackConfirmAction?tLabels={number}",
            label_url=f"{base}/files/{transaction_id}.pdf",
            qr_code_url=f"{base}/files/{transaction_id}_qr.png" if qr else None,
            commercial_invoice_url=None,
            eta=None,
        )
        with self.lock:
            self.transactions[transaction_id] = transaction
            self.purchases.append(transaction)
        if self.hang_after_buy:
            # bought, but the answer comes too late for the client (released at teardown)
            self.released.wait(timeout=10)
        if self.queue_transactions:
            answer = {**transaction}
            for key in ("tracking_number", "label_url", "qr_code_url"):
                answer[key] = None
            transaction["status"] = "SUCCESS"  # the next GET sees it made
            return 201, answer
        return 201, transaction

    def _list_transactions(
        self, path: str, query: dict[str, list[str]], body: Any
    ) -> tuple[int, Any]:
        # API reference, "Transactions > List all shipping labels" (filters: rate,
        # object_status, tracking_status; paginated)
        rate = (query.get("rate") or [""])[0]
        results = [t for t in self.transactions.values() if not rate or t["rate"] == rate]
        return 200, {"next": None, "previous": None, "results": results}

    def _get_transaction(self, path: str, query: Any, body: Any) -> tuple[int, Any]:
        transaction = self.transactions.get(path.rsplit("/", 1)[-1])
        return (200, transaction) if transaction else (404, {"detail": "Not found."})

    def _refund(self, path: str, query: Any, body: dict[str, Any]) -> tuple[int, Any]:
        # API reference, "Refunds > Create a refund" (201); a second refund of one
        # transaction is refused with a 400 naming the transaction
        transaction = body.get("transaction", "")
        if transaction in self.refunds:
            return 400, {"transaction": ["Refund with this Transaction already exists."]}
        if transaction not in self.transactions:
            return 400, {"transaction": ["Transaction does not exist."]}
        self.refunds.append(transaction)
        self.transactions[transaction]["status"] = "REFUNDPENDING"
        return 201, {
            "object_id": _id(),
            "object_owner": OWNER,
            "object_created": CREATED,
            "object_updated": CREATED,
            "status": "QUEUED",
            "transaction": transaction,
            "test": True,
        }

    def _track(self, path: str, query: Any, body: dict[str, Any]) -> tuple[int, Any]:
        # API reference, "Tracking Status > Register a tracking webhook" (200, a Track)
        carrier, number = body.get("carrier", ""), body.get("tracking_number", "")
        self.tracks.append((carrier, number))
        status = {
            "object_id": _id(),
            "object_created": CREATED,
            "object_updated": CREATED,
            "status": "PRE_TRANSIT",
            "status_details": "Shipping label created.",
            "status_date": CREATED,
            "location": None,
        }
        return 200, {
            "carrier": carrier,
            "tracking_number": number,
            "messages": [],
            "tracking_status": status,
            "tracking_history": [status],
            "metadata": body.get("metadata"),
            "transaction": None,
        }


def track_updated(
    tracking_number: str,
    status: str = "TRANSIT",
    *,
    carrier: str = "usps",
    secret: str = WEBHOOK_SECRET,
    at: datetime | None = None,
    event_id: str | None = None,
    substatus: str | None = None,
) -> tuple[bytes, dict[str, str]]:
    """A `track_updated` webhook as Shippo posts it (Shippo docs, "Webhooks": the body is the
    Track object under `data`), signed with `Shippo-Auth-Signature: t=...,v1=...`: the body
    and the headers to post to `/api/v1/webhooks/carrier/shippo`. `at` is the event's time and
    the signature's; pass the test clock's now when the adapter checks the signature's age."""
    when = at or datetime(2026, 9, 2, 9, 30, tzinfo=UTC)
    details = {
        "PRE_TRANSIT": "Shipping label created.",
        "TRANSIT": "Your shipment has been accepted at the post office.",
        "DELIVERED": "Your shipment has been delivered.",
        "RETURNED": "Your shipment is being returned to the sender.",
        "FAILURE": "The carrier could not deliver your shipment.",
        "UNKNOWN": "No information yet.",
    }
    tracking_status = {
        "object_id": event_id or _id(),
        "object_created": when.isoformat().replace("+00:00", "Z"),
        "object_updated": when.isoformat().replace("+00:00", "Z"),
        "status": status,
        "status_details": details.get(status, ""),
        "status_date": when.isoformat().replace("+00:00", "Z"),
        "substatus": {"code": substatus, "text": substatus, "action_required": False}
        if substatus
        else None,
        "location": {"city": "Reno", "state": "NV", "zip": "89501", "country": "US"},
    }
    payload = {
        "event": "track_updated",
        "test": True,
        "data": {
            "carrier": carrier,
            "tracking_number": tracking_number,
            "eta": None,
            "original_eta": None,
            "servicelevel": {"name": "Ground Advantage", "token": "usps_ground_advantage"},
            "metadata": None,
            "address_from": {
                "city": "San Francisco",
                "state": "CA",
                "zip": "94117",
                "country": "US",
            },
            "address_to": {"city": "Reno", "state": "NV", "zip": "89501", "country": "US"},
            "tracking_status": tracking_status,
            "tracking_history": [tracking_status],
            "transaction": None,
            "messages": [],
        },
    }
    body = json.dumps(payload).encode()
    return body, sign(body, secret, when)


def sign(body: bytes, secret: str, at: datetime) -> dict[str, str]:
    stamp = str(int(at.timestamp()))
    digest = hmac.new(secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"Content-Type": "application/json", "Shippo-Auth-Signature": f"t={stamp},v1={digest}"}


def _handler_for(standin: ShippoStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode(errors="replace")
            asked = {k.lower(): v for k, v in self.headers.items()}
            status, answer, headers = standin.handle(
                method, parts.path, parse_qs(parts.query), body, asked
            )
            data = answer if isinstance(answer, bytes) else json.dumps(answer).encode()
            try:
                self.send_response(status)
                headers = {"Content-Type": "application/json", **headers}
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (the timeout tests)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, format: str, *args: Any) -> None:
            return None

    return Handler


def running() -> Iterator[ShippoStandIn]:
    standin = ShippoStandIn()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(standin))
    server.daemon_threads = True
    standin.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield standin
    finally:
        standin.released.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def shippo_standin() -> Iterator[ShippoStandIn]:
    """Shippo on 127.0.0.1: point SHIPPO_API_BASE at `.url`, SHIPPO_API_KEY at `.api_key`
    and SHIPPO_WEBHOOK_SECRET at `WEBHOOK_SECRET`."""
    yield from running()
