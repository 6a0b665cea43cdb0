"""A webhook receiver for the tests: a small HTTP server on 127.0.0.1 (a free port), in a
thread, that verifies every delivery with the `standardwebhooks` library as a real receiver
would, records it, and answers what the test scripts (by default 204)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


@dataclass
class Received:
    webhook_id: str
    timestamp: str
    body: dict[str, Any]
    raw: bytes
    answered: int

    @property
    def type(self) -> str:
        return str(self.body["type"])

    @property
    def case_number(self) -> str:
        return str(self.body["data"]["case"]["number"])


# (the delivery) -> (status, headers); None answers 204
Script = Callable[[Received], tuple[int, dict[str, str]] | None]


@dataclass
class Receiver:
    url: str = ""
    secret: str = ""
    received: list[Received] = field(default_factory=list)
    refused: list[str] = field(default_factory=list)  # deliveries whose signature failed
    script: Script | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def delivered(self) -> list[Received]:
        """What the receiver accepted (2xx), in arrival order."""
        with self.lock:
            return [r for r in self.received if 200 <= r.answered < 300]

    def types(self, case_number: str | None = None) -> list[str]:
        return [
            r.type for r in self.delivered() if case_number is None or r.case_number == case_number
        ]


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            raw = self.rfile.read(int(self.headers.get("content-length", "0")))
            headers = {k: v for k, v in self.headers.items()}
            try:
                body = Webhook(receiver.secret).verify(raw, headers)
            except WebhookVerificationError as error:
                with receiver.lock:
                    receiver.refused.append(str(error))
                self.send_response(400)
                self.end_headers()
                return
            delivery = Received(headers["webhook-id"], headers["webhook-timestamp"], body, raw, 204)
            answer = receiver.script(delivery) if receiver.script else None
            status, extra = answer or (204, {})
            delivery.answered = status
            with receiver.lock:
                receiver.received.append(delivery)
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("content-length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return None  # quiet: the test asserts on what was received

    return Handler


def serve() -> Iterator[Receiver]:
    receiver = Receiver()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(receiver))
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/returns"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
