"""A local stand-in for EasyPost's HTTP API, for tests that drive the official SDK.

It listens on 127.0.0.1 (a free port), answers the endpoints our adapter calls with bodies
written from EasyPost's API reference (`easypost_bodies.py`, the reference page named above
each body), keeps what was bought, refunded and tracked for the test to inspect, and can
be told to fail the next call in the ways EasyPost documents.

    with EasyPostStandin.running() as easypost:
        carrier = EasyPostCarrier("EZTK_test", easypost.url)
        easypost.fail_next("buy", "insufficient_funds")

or the `easypost_standin` fixture below (import it into a test module or conftest).
"""

from __future__ import annotations

import itertools
import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.standins import easypost_bodies as bodies
from tests.standins.easypost_bodies import FAILURES, sign

# Rates as the Rate object reference shows them (docs/rates): carrier, service, rate as a
# decimal string, currency, delivery_days. Cheapest: USPS GroundAdvantage; fastest: UPS
# NextDayAir.
DEFAULT_RATES: tuple[tuple[str, str, str, int | None], ...] = (
    ("USPS", "GroundAdvantage", "6.07", 5),
    ("USPS", "Priority", "8.25", 2),
    ("UPS", "Ground", "9.10", 4),
    ("UPS", "NextDayAir", "31.50", 1),
)

# what the stand-in does besides answering with an error body
BEHAVIOURS = ("no_rates", "timeout_after_buy", "stale_retrieve")


@dataclass
class EasyPostStandin:
    url: str = ""
    api_key: str = "EZTK_standin"
    rates: list[tuple[str, str, str, int | None]] = field(
        default_factory=lambda: list(DEFAULT_RATES)
    )
    currency: str = "USD"
    shipments: dict[str, dict[str, Any]] = field(default_factory=dict)
    purchases: list[dict[str, Any]] = field(default_factory=list)  # {shipment_id, rate}
    refunds: list[str] = field(default_factory=list)  # shipment ids
    trackers: list[dict[str, Any]] = field(default_factory=list)
    forms: list[dict[str, Any]] = field(default_factory=list)
    requests: list[tuple[str, str, Any]] = field(default_factory=list)  # method, path, body
    failures: dict[str, list[str]] = field(default_factory=dict)
    # a held response (timeout_after_buy) waits for this, never longer than `hold_seconds`
    release: threading.Event = field(default_factory=threading.Event)
    hold_seconds: float = 10.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    _ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))

    # -- what tests use ----------------------------------------------------------------------

    def fail_next(self, endpoint: str, failure: str) -> None:
        """Make the next call to `endpoint` (create, retrieve, buy, refund, label, forms,
        trackers, files) fail: one of FAILURES, or "no_rates" (create answers a shipment without
        rates), "timeout_after_buy" (buy buys, then answers only after the client gave
        up) or "stale_retrieve" (retrieve answers the shipment as it was before it was
        bought: a purchase still under way when the client looked)."""
        assert failure in FAILURES or failure in BEHAVIOURS, failure
        with self.lock:
            self.failures.setdefault(endpoint, []).append(failure)

    def sent(self, method: str, pattern: str) -> list[Any]:
        """Bodies (or query) of the requests whose path matches `pattern`."""
        return [b for m, p, b in self.requests if m == method and re.fullmatch(pattern, p)]

    def webhook(
        self, tracking_number: str, status: str, secret: str, *, carrier: str = "USPS"
    ) -> tuple[bytes, dict[str, str]]:
        """A signed `tracker.updated` Event for `tracking_number`, as EasyPost posts it
        (docs/events, docs/trackers; signature per docs/webhooks: `X-Hmac-Signature:
        hmac-sha256-hex=<HMAC-SHA256 of the body, key = the NFKD-normalised secret>`)."""
        tracker = bodies.tracker(self._next(), tracking_number, carrier, status)
        event = bodies.tracker_updated(self._next(), tracker)
        body = json.dumps(event).encode()
        return body, {"Content-Type": "application/json", "X-Hmac-Signature": sign(body, secret)}

    # -- the server --------------------------------------------------------------------------

    @classmethod
    @contextmanager
    def running(cls) -> Iterator[EasyPostStandin]:
        standin = cls()
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(standin))
        server.daemon_threads = True
        standin.url = f"http://127.0.0.1:{server.server_address[1]}/v2"
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield standin
        finally:
            standin.release.set()
            server.shutdown()
            server.server_close()
            thread.join(5)

    def handle(self, method: str, path: str, query: dict[str, Any], body: Any) -> Response:
        self.requests.append((method, path, body if method != "GET" else query))
        if path.startswith("/files/"):
            with self.lock:
                failure = (self.failures.get("files") or [None]).pop(0)
            if failure in FAILURES:
                return Response(FAILURES[failure][0], b"", {}, "text/plain")
            return self._file(path.removeprefix("/files/"))
        route = _route(method, path)
        if route is None:
            return _error(404, "NOT_FOUND", "The requested resource could not be found.")
        endpoint, shipment_id = route
        with self.lock:
            failure = (self.failures.get(endpoint) or [None]).pop(0)
        if failure in FAILURES:
            status, error, headers = FAILURES[failure]
            return Response(status, {"error": error}, headers)
        if shipment_id is not None and shipment_id not in self.shipments:
            return _error(404, "NOT_FOUND", "The requested resource could not be found.")
        if endpoint == "create":
            return Response(201, self._create(body["shipment"], no_rates=failure == "no_rates"))
        if endpoint == "retrieve":
            shipment = self.shipments[shipment_id]
            if failure == "stale_retrieve":
                shipment = {**shipment, "postage_label": None, "tracking_code": None}
                shipment.update(selected_rate=None, tracker=None)
            return Response(200, shipment)
        if endpoint == "buy":
            return self._buy(shipment_id, body, hold=failure == "timeout_after_buy")
        if endpoint == "refund":
            return self._refund(shipment_id)
        if endpoint == "label":
            return self._convert(shipment_id, query.get("file_format", ["PDF"])[0])
        if endpoint == "forms":
            return self._form(shipment_id, body["form"])
        tracker = body["tracker"]
        made = bodies.tracker(
            self._next(), tracker["tracking_code"], tracker.get("carrier", "USPS"), "unknown"
        )
        self.trackers.append(made)
        return Response(201, made)

    def _next(self) -> int:
        with self.lock:
            return next(self._ids)

    def _create(self, params: dict[str, Any], *, no_rates: bool) -> dict[str, Any]:
        n = self._next()
        shipment_id = f"shp_{n:032x}"
        rates = [
            bodies.rate(self._next(), shipment_id, carrier, service, price, self.currency, days)
            for carrier, service, price, days in ([] if no_rates else self.rates)
        ]
        shipment = bodies.shipment(n, params, rates)
        self.shipments[shipment_id] = shipment
        return shipment

    def _buy(self, shipment_id: str, body: dict[str, Any], *, hold: bool) -> Response:
        shipment = self.shipments[shipment_id]
        if shipment["postage_label"]:
            # docs/errors: buying a shipment twice is refused
            return _error(422, "SHIPMENT.POSTAGE.EXISTS", "Shipment already has postage.")
        rate = next((r for r in shipment["rates"] if r["id"] == body["rate"]["id"]), None)
        if rate is None:
            return _error(
                422, "SHIPMENT.RATE.INVALID", "The rate does not belong to this shipment."
            )
        n = self._next()
        tracking = f"9434600{n:015d}"
        shipment["postage_label"] = bodies.postage_label(n, self._files(), shipment_id)
        shipment["selected_rate"] = rate
        shipment["tracking_code"] = tracking
        shipment["tracker"] = bodies.tracker(
            self._next(), tracking, rate["carrier"], "pre_transit", shipment_id
        )
        self.purchases.append({"shipment_id": shipment_id, "rate": rate})
        if hold:
            # bought, but the answer comes only after the client has stopped waiting
            self.release.wait(self.hold_seconds)
        return Response(200, shipment)

    def _refund(self, shipment_id: str) -> Response:
        shipment = self.shipments[shipment_id]
        if shipment["refund_status"] in ("submitted", "refunded"):
            return _error(
                422, "SHIPMENT.REFUND.UNAVAILABLE", "A refund has already been requested."
            )
        if not shipment["postage_label"]:
            return _error(422, "SHIPMENT.REFUND.UNAVAILABLE", "Shipment has no postage.")
        shipment["refund_status"] = "submitted"
        self.refunds.append(shipment_id)
        return Response(200, shipment)

    def _convert(self, shipment_id: str, file_format: str) -> Response:
        # GET /shipments/:id/label?file_format=ZPL (docs/shipments: convert label format)
        shipment = self.shipments[shipment_id]
        label = shipment["postage_label"]
        if not label:
            return _error(422, "SHIPMENT.POSTAGE.REQUIRED", "Shipment has no postage.")
        key = {"PDF": "label_pdf_url", "ZPL": "label_zpl_url", "EPL2": "label_epl2_url"}
        ext = file_format.lower()
        label[key[file_format.upper()]] = f"{self._files()}/{shipment_id}.{ext}"
        return Response(200, shipment)

    def _form(self, shipment_id: str, form: dict[str, Any]) -> Response:
        # POST /shipments/:id/forms answers the Shipment with the new Form (docs/forms)
        shipment = self.shipments[shipment_id]
        carrier = (shipment["selected_rate"] or {}).get("carrier", "")
        if form.get("type") != "label_qr_code" or carrier != "USPS":
            return _error(422, "FORM.INVALID", "This form is not available for this shipment.")
        made = bodies.qr_form(self._next(), self._files(), shipment_id)
        shipment["forms"].append(made)
        self.forms.append(made)
        return Response(200, shipment)

    def _files(self) -> str:
        return self.url.removesuffix("/v2") + "/files"

    def _file(self, name: str) -> Response:
        shipment_id, _, ext = name.rpartition(".")
        if shipment_id not in self.shipments:
            return Response(404, b"", {}, "text/plain")
        if ext == "pdf":
            return Response(200, bodies.label_pdf(shipment_id), {}, "application/pdf")
        if ext == "zpl":
            return Response(200, bodies.label_zpl(shipment_id), {}, "text/plain")
        return Response(200, bodies.qr_png(), {}, "image/png")


@dataclass
class Response:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json"


_ROUTES = (
    ("POST", r"/v2/shipments", "create"),
    ("GET", r"/v2/shipments/(shp_\w+)", "retrieve"),
    ("POST", r"/v2/shipments/(shp_\w+)/buy", "buy"),
    ("POST", r"/v2/shipments/(shp_\w+)/refund", "refund"),
    ("GET", r"/v2/shipments/(shp_\w+)/label", "label"),
    ("POST", r"/v2/shipments/(shp_\w+)/forms", "forms"),
    ("POST", r"/v2/trackers", "trackers"),
)


def _route(method: str, path: str) -> tuple[str, str | None] | None:
    for m, pattern, endpoint in _ROUTES:
        found = re.fullmatch(pattern, path)
        if m == method and found:
            return endpoint, (found.group(1) if found.groups() else None)
    return None


def _error(status: int, code: str, message: str) -> Response:
    return Response(status, bodies.error(code, message))


def _handler(standin: EasyPostStandin) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _serve(self, method: str) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            is_api = parts.path.startswith("/v2/")
            if is_api and self.headers.get("Authorization") != f"Bearer {standin.api_key}":
                # docs/errors: 401 for a missing or wrong key
                answer = _error(401, "APIKEY.REQUIRED", "Invalid or missing API key.")
            else:
                body = json.loads(raw) if raw else {}
                answer = standin.handle(method, parts.path, parse_qs(parts.query), body)
            payload = (
                answer.body if isinstance(answer.body, bytes) else json.dumps(answer.body).encode()
            )
            try:
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.content_type)
                self.send_header("Content-Length", str(len(payload)))
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up waiting (timeout_after_buy)

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def easypost_standin() -> Iterator[EasyPostStandin]:
    """A running stand-in; `.url` is the EASYPOST_API_BASE to use, `.api_key` the key."""
    with EasyPostStandin.running() as standin:
        yield standin
