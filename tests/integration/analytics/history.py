"""A store's August, made through the API with the test's clock moved between steps: orders
with delivery dates, returns opened, answered, rejected, kept, received, inspected,
refunded, credited and exchanged (one in euros), an advance exchange left overdue and
charged, another still out, two "did it fit?" ratings. The analytics tests read it back;
every figure they expect is worked out by hand in their comments.

| case | opened (UTC) | order, line             | what                                             |
|------|--------------|-------------------------|--------------------------------------------------|
| C1   | 08-10 10:00  | 3001 RING-8 x2 (US)     | too_small refund, label 7.45, resolved 08-12 10:00 (48 h) |
| C6   | 08-10 11:00  | 3003 RING-10 x1 (US)    | keep-it rule: refunded 15.00 at once (0 h); delivered in July |
| C2   | 08-11 09:00  | 3002 RING-7 x1 (RO)     | too_large exchange, resolved 08-14 09:00 (72 h), rated 4 |
| C3   | 08-11 12:00  | 3002 RING-7 x1 (RO)     | changed_mind store credit, resolved 08-13 12:00 (48 h) |
| C7   | 08-12 11:00  | 3005 RING-8 x1 (US)     | too_small advance exchange, label 7.45, never sent back: overdue, charged; rated 5 |
| C4   | 08-15 08:00  | 3001 WATCH x1 (US)      | waits for a person: Sam replies at 10:00 (2 h), rejects |
| C5   | 08-21 09:00  | 3004 WATCH x1 (US)      | Sam replies at 15:00 (6 h), approves (label voided), closes: kept |
| C8   | 08-25 10:00  | 3005 RING-7 x1 (US)     | too_large advance exchange, label 7.45, still out |
| C9   | 08-26 10:00  | 3006 RING-8 x1 (NO, EUR)| changed_mind refund 23.00 EUR, resolved 08-28 10:00 (48 h) |

Also delivered and never returned: 3007 RING-9 x4 on 08-31 23:30 (in the range) and x5 on
09-01 00:30 (the day after it), 3008 RING-9 x1 not delivered at all.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from returns_service.adapters.mail import MailDropMailer
from returns_service.clock import FrozenClock
from returns_service.domain.access import Role
from returns_service.services.platform.worker import WorkerConfig, run_once
from tests.integration.fulfilment.carrier_fakes import FakeProvider, use_carrier
from tests.integration.fulfilment.test_fulfilment import post_event
from tests.integration.helpers import (
    WATCH_POLICY,
    Client,
    add_agent,
    line_ids,
    open_return,
    order_doc,
    portal_headers,
    receive_and_grade,
    ring_product,
    staff_headers,
    watch_product,
)


def at(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def line(
    n: int, sku: str, quantity: int, price: int, delivered: str | None, currency: str = "USD"
) -> dict[str, Any]:
    return {
        "shop_line_id": str(n),
        "sku": sku,
        "product_id": "watch" if sku.startswith("WATCH") else "ring",
        "quantity": quantity,
        "unit_price": {"amount": price, "currency": currency},
        "delivered_at": delivered,
    }


def order(
    number: str, email: str, country: str, lines: list[dict[str, Any]], currency: str = "USD"
) -> dict[str, Any]:
    doc = order_doc(number, email, lines=lines)
    doc["currency"] = currency
    doc["customer"] = {**doc["customer"], "country": country, "language": "en"}
    doc["shipping_address"] = {**doc["shipping_address"], "country": country}
    return doc


ORDERS = [
    order("3001", "ana@example.com", "US", [
        line(1, "RING-8-BLK", 2, 2500, "2026-08-05T15:00:00Z"),
        line(2, "WATCH-41-BLK", 1, 39500, "2026-08-05T15:00:00Z"),
    ]),
    order("3002", "bo@example.com", "RO", [line(1, "RING-7-BLK", 3, 2500, "2026-08-06T10:00:00Z")]),
    order("3003", "cy@example.com", "US", [line(1, "RING-10-BLK", 1, 1500, "2026-07-25T10:00:00Z")]),
    order("3004", "di@example.com", "US", [line(1, "WATCH-41-BLK", 1, 39500, "2026-08-20T10:00:00Z")]),
    order("3005", "ed@example.com", "US", [
        line(1, "RING-8-BLK", 1, 2500, "2026-08-08T10:00:00Z"),
        line(2, "RING-7-BLK", 1, 2500, "2026-08-08T10:00:00Z"),
    ]),
    order("3006", "eu@example.com", "NO", [line(1, "RING-8-BLK", 1, 2300, "2026-08-07T10:00:00Z", "EUR")], "EUR"),
    order("3007", "fi@example.com", "US", [
        line(1, "RING-9-BLK", 4, 2500, "2026-08-31T23:30:00Z"),
        line(2, "RING-9-BLK", 5, 2500, "2026-09-01T00:30:00Z"),
    ]),
    order("3008", "go@example.com", "US", [line(1, "RING-9-BLK", 1, 2500, None)]),
]  # fmt: skip

# keep-it for the 10s (a size the shop no longer stocks), advance exchanges on request later
POLICY: dict[str, Any] = {
    **WATCH_POLICY,
    "rules": [*WATCH_POLICY["rules"], {"when": {"sku": ["RING-10-BLK"]}, "keep_it": True}],
}


@dataclass
class History:
    admin: dict[str, str]
    lead: dict[str, str]
    agent: dict[str, str]
    sam_id: int
    lea_id: int
    cases: dict[str, str]  # C1.. -> case number


def item(line_id: int, reason: str, resolution: str, sku: str | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "line_id": line_id,
        "quantity": 1,
        "reason": reason,
        "resolution": resolution,
    }
    if sku:
        found["exchange_sku"] = sku
    return found


async def _policy(client: Client, admin: dict[str, str], **changes: Any) -> None:
    answer = await client.put("/api/v1/policy", json={**POLICY, **changes}, headers=admin)
    assert answer.status_code == 200, answer.text


async def _customer(
    client: Client, number: str, email: str
) -> tuple[dict[str, str], dict[str, int]]:
    customer = await portal_headers(client, number, email)
    return customer, await line_ids(client, customer)


@contextmanager
def provider_for(client: Client, provider: FakeProvider) -> Iterator[FakeProvider]:
    """Labels bought from a scripted provider at 7.45 USD each (carrier_fakes.py)."""
    yield from use_carrier(client.app.state.runtime, provider)  # type: ignore[attr-defined]


async def _delivered(client: Client, tracking: str, event_id: str) -> None:
    """The built-in carrier reports the replacement delivered (its signed webhook)."""
    answer = await post_event(client, tracking, "delivered", event_id)
    assert answer.status_code in (200, 201), answer.text


async def _rate(client: Client, number: str, email: str, case: str, rating: int) -> None:
    customer, _ = await _customer(client, number, email)
    answer = await client.post(
        f"/api/v1/portal/returns/{case}/rating", json={"rating": rating}, headers=customer
    )
    assert answer.status_code == 201, answer.text


async def build(client: Client, clock: FrozenClock, drop_dir: Any) -> History:
    clock.set(at(8, 1, 9))
    admin = await staff_headers(client, Role.ADMIN, clock)
    for key, product in (("ring", ring_product(stock=20)), ("watch", watch_product())):
        answer = await client.put(f"/api/v1/catalog/products/{key}", json=product, headers=admin)
        assert answer.status_code in (200, 201), answer.text
    await _policy(client, admin)
    for doc in ORDERS:
        answer = await client.post("/api/v1/orders", json=doc, headers=admin)
        assert answer.status_code == 201, answer.text
    sam_id, sam = await add_agent(client, admin, "Sam", languages=["en"])
    lea_id, lea = await add_agent(client, admin, "Lea", role="lead", languages=["en"], capacity=0)
    warehouse = await staff_headers(client, Role.WAREHOUSE, clock)
    cases: dict[str, str] = {}
    provider = FakeProvider()

    async def opened(
        name: str, when: datetime, number: str, email: str, *items: dict[str, Any]
    ) -> dict[str, Any]:
        clock.set(when)
        customer, _ = await _customer(client, number, email)
        case = await open_return(client, customer, *items)
        cases[name] = case["number"]
        return case

    async def staff(
        method: str, path: str, when: datetime, body: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        clock.set(when)
        answer = await client.request(method, path, json=body or {}, headers=sam)
        assert answer.status_code in (200, 201), answer.text
        return answer.json()

    async def inspect(name: str, when: datetime, line_id: int, quantity: int = 1) -> dict[str, Any]:
        clock.set(when)
        answer = await receive_and_grade(client, warehouse, cases[name], line_id, quantity=quantity)
        assert answer.status_code == 200, answer.text
        return answer.json()

    _, ana = await _customer(client, "3001", "ana@example.com")
    _, bo = await _customer(client, "3002", "bo@example.com")
    _, cy = await _customer(client, "3003", "cy@example.com")
    _, di = await _customer(client, "3004", "di@example.com")
    _, ed = await _customer(client, "3005", "ed@example.com")
    _, eu = await _customer(client, "3006", "eu@example.com")

    with provider_for(client, provider):
        c1 = await opened(
            "C1",
            at(8, 10, 10),
            "3001",
            "ana@example.com",
            {**item(ana["RING-8-BLK"], "too_small", "refund"), "quantity": 2},
        )
        assert c1["status"] == "approved" and c1["label"]["cost"]["amount"] == 745
        c6 = await opened(
            "C6",
            at(8, 10, 11),
            "3003",
            "cy@example.com",
            item(cy["RING-10-BLK"], "changed_mind", "refund"),
        )
        assert c6["status"] == "resolved"
        await opened(
            "C2",
            at(8, 11, 9),
            "3002",
            "bo@example.com",
            item(bo["RING-7-BLK"], "too_large", "exchange", "RING-8-BLK"),
        )
        # C3 asked for a refund; Sam talked them into store credit an hour later: a save
        await opened(
            "C3",
            at(8, 11, 12),
            "3002",
            "bo@example.com",
            item(bo["RING-7-BLK"], "changed_mind", "refund"),
        )
        await staff(
            "POST",
            f"/api/v1/cases/{cases['C3']}/resolution",
            at(8, 11, 13),
            {"items": [{"line_id": bo["RING-7-BLK"], "resolution": "store_credit"}]},
        )
        assert (await inspect("C1", at(8, 12, 10), ana["RING-8-BLK"], 2))["status"] == "resolved"
        await _policy(client, admin, advance_exchange="on_request")
        c7 = await opened(
            "C7",
            at(8, 12, 11),
            "3005",
            "ed@example.com",
            item(ed["RING-8-BLK"], "too_small", "exchange", "RING-9-BLK"),
        )
        assert (
            c7["exchange"]["advance"] is True and c7["exchange"]["return_deadline"] == "2026-09-02"
        )
        assert (await inspect("C3", at(8, 13, 12), bo["RING-7-BLK"]))["status"] == "resolved"
        c2 = await inspect("C2", at(8, 14, 9), bo["RING-7-BLK"])
        assert c2["status"] == "resolved" and c2["exchange"]["advance"] is False
    clock.set(at(8, 14, 10))  # the replacements' own carrier is the built-in one
    await _delivered(client, c2["exchange"]["tracking_number"], "out-c2")
    await _delivered(client, c7["exchange"]["tracking_number"], "out-c7")

    with provider_for(client, provider):
        await _policy(client, admin, advance_exchange="on_request", auto_approve=False)
        await opened(
            "C4",
            at(8, 15, 8),
            "3001",
            "ana@example.com",
            item(ana["WATCH-41-BLK"], "changed_mind", "refund"),
        )
        await staff(
            "POST", f"/api/v1/cases/{cases['C4']}/messages", at(8, 15, 10), {"body": "Let me look."}
        )
        await staff(
            "POST", f"/api/v1/cases/{cases['C4']}/reject", at(8, 15, 11), {"reason": "worn"}
        )
        clock.set(at(8, 20, 10))
        await _rate(client, "3002", "bo@example.com", cases["C2"], 4)
        await _rate(client, "3005", "ed@example.com", cases["C7"], 5)

        await opened(
            "C5",
            at(8, 21, 9),
            "3004",
            "di@example.com",
            item(di["WATCH-41-BLK"], "changed_mind", "refund"),
        )
        await staff(
            "POST", f"/api/v1/cases/{cases['C5']}/messages", at(8, 21, 15), {"body": "Hello!"}
        )
        await staff("POST", f"/api/v1/cases/{cases['C5']}/approve", at(8, 21, 16))
        await staff("POST", f"/api/v1/cases/{cases['C5']}/close", at(8, 22, 10))

        await _policy(client, admin, advance_exchange="on_request")
        c8 = await opened(
            "C8",
            at(8, 25, 10),
            "3005",
            "ed@example.com",
            item(ed["RING-7-BLK"], "too_large", "exchange", "RING-8-BLK"),
        )
        assert c8["exchange"]["advance"] is True
        await opened(
            "C9",
            at(8, 26, 10),
            "3006",
            "eu@example.com",
            item(eu["RING-8-BLK"], "changed_mind", "refund"),
        )
        assert (await inspect("C9", at(8, 28, 10), eu["RING-8-BLK"]))["status"] == "resolved"

        # past C7's deadline: the worker charges for its replacement
        clock.set(at(9, 3, 12))
        await run_once(
            client.app.state.runtime,
            WorkerConfig(  # type: ignore[attr-defined]
                mailer=MailDropMailer(drop_dir), sender="r@s"
            ),
        )
    return History(admin=admin, lead=lea, agent=sam, sam_id=sam_id, lea_id=lea_id, cases=cases)
