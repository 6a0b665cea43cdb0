"""Shopify's refunds/create and fulfillments/update webhooks: HMAC-verified; a refund made by
hand in the Shopify admin shows on the case (timeline and amounts) once, our own refunds are
not counted twice, a delivered fulfilment dates the order's lines."""

from __future__ import annotations

import json
from typing import Any

import pytest

from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseEvent, OrderLine, Payment, ShopRecord
from returns_service.services.platform import jobs
from tests.integration.helpers import Client, line_ids, open_return, refund_item
from tests.integration.shop.conftest import runtime
from tests.integration.store.test_shopify_webhook import signed


def refund_body(refund_id: int, amount: str, note: str = "Goodwill refund") -> bytes:
    # https://shopify.dev/docs/api/webhooks?reference=toml#list-refunds-create (REST Refund)
    return json.dumps(
        {
            "id": refund_id,
            "order_id": "shop-1001",
            "created_at": "2026-09-02T09:00:00-04:00",
            "note": note,
            "restock": False,
            "refund_line_items": [],
            "transactions": [
                {
                    "id": 389404469,
                    "kind": "refund",
                    "status": "success",
                    "amount": amount,
                    "currency": "USD",
                    "gateway": "shopify_payments",
                }
            ],
        }
    ).encode()


async def test_a_refund_made_by_hand_in_shopify_shows_on_the_case_once(
    client: Client, shop: dict[str, Any]
) -> None:
    lines = await line_ids(client, shop["customer"])
    number = (await open_return(client, shop["customer"], refund_item(lines["WATCH-41-BLK"])))[
        "number"
    ]
    body = refund_body(930001, "50.00")
    forged = await client.post(
        "/api/v1/webhooks/shopify/refunds", content=body, headers=signed(body, "wrong")
    )
    assert forged.status_code == 401
    assert await Payment.count() == 0

    for expected in ("recorded", "again"):  # Shopify delivers a webhook at least once
        answer = await client.post(
            "/api/v1/webhooks/shopify/refunds", content=body, headers=signed(body)
        )
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"outcome": expected}

    payments = await Payment.select(Payment.kind, Payment.amount, Payment.provider_reference)
    assert payments == [
        {"kind": "refund", "amount": 5000, "provider_reference": "gid://shopify/Refund/930001"}
    ]
    case = (await client.get(f"/api/v1/cases/{number}", headers=shop["agent"])).json()
    event = next(e for e in case["timeline"] if e["kind"] == "shop_refund_by_hand")
    assert event["params"]["amount"] == {"amount": 5000, "currency": "USD"}
    assert "$50.00" in event["text"]
    assert case["refund"]["amount"] == {"amount": 5000, "currency": "USD"}


async def test_our_own_refund_coming_back_by_webhook_is_not_counted_twice(
    client: Client, clock: FrozenClock, shop: dict[str, Any]
) -> None:
    lines = await line_ids(client, shop["customer"])
    number = (await open_return(client, shop["customer"], refund_item(lines["WATCH-41-BLK"])))[
        "number"
    ]
    state = shop["state"]
    state.lose_answer_of = {"RefundCreate"}  # our payment stays pending for now
    await client.post(f"/api/v1/cases/{number}/refund", headers=shop["agent"])
    made = state.orders["gid://shopify/Order/shop-1001"]["refunds"][0]
    refund_id = int(made["id"].rsplit("/", 1)[-1])
    body = refund_body(refund_id, "395.00", note=made["note"])
    answer = await client.post(
        "/api/v1/webhooks/shopify/refunds", content=body, headers=signed(body)
    )
    assert answer.json() == {"outcome": "ours"}
    clock.advance(seconds=120)
    await jobs.run_due(runtime(client))
    answer = await client.post(
        "/api/v1/webhooks/shopify/refunds", content=body, headers=signed(body)
    )
    assert answer.json() == {"outcome": "ours"}
    assert await Payment.select(Payment.amount, Payment.status) == [
        {"amount": 39500, "status": "succeeded"}
    ]
    assert await ShopRecord.count().where(ShopRecord.kind == "manual_refund") == 0
    assert "shop_refund_by_hand" not in [e["kind"] for e in await CaseEvent.select(CaseEvent.kind)]


async def test_a_delivered_fulfilment_dates_the_lines(client: Client, shop: dict[str, Any]) -> None:
    # https://shopify.dev/docs/api/webhooks?reference=toml#list-fulfillments-update
    body = json.dumps(
        {
            "id": 4757,
            "order_id": "shop-1001",
            "status": "success",
            "shipment_status": "delivered",
            "updated_at": "2026-08-09T12:00:00-04:00",
            "line_items": [{"id": "1"}, {"id": "3"}],
        }
    ).encode()
    answer = await client.post(
        "/api/v1/webhooks/shopify/fulfillments", content=body, headers=signed(body)
    )
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"outcome": "dated 2 lines"}
    rows = await OrderLine.select(OrderLine.shop_line_id, OrderLine.delivered_at).order_by(
        OrderLine.shop_line_id
    )
    dated = {r["shop_line_id"]: r["delivered_at"].isoformat() for r in rows}
    assert dated["1"] == dated["3"] == "2026-08-09T16:00:00+00:00"
    assert dated["2"] != dated["1"]

    broken = b'{"order_id": "shop-1001", "shipment_status": "delivered", "line_items": 7}'
    answer = await client.post(
        "/api/v1/webhooks/shopify/fulfillments", content=broken, headers=signed(broken)
    )
    assert answer.status_code in (400, 422)
    assert answer.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "body",
    [
        {"id": 1, "order_id": "shop-1001", "transactions": "refund"},
        {"id": {"x": 1}, "order_id": "shop-1001", "transactions": []},
        {"id": "9" * 300, "order_id": "shop-1001", "transactions": []},
        {
            "id": 5,
            "order_id": "shop-1001",
            "transactions": [
                {"kind": "refund", "status": "success", "amount": "0.00", "currency": "USD"}
            ],
        },
        {
            "id": 6,
            "order_id": "shop-1001",
            "transactions": [
                {"kind": "refund", "status": "success", "amount": "1.00", "currency": "DOLLARS"}
            ],
        },
    ],
)
async def test_an_unreadable_refund_is_a_problem_and_changes_nothing(
    client: Client, shop: dict[str, Any], body: dict[str, Any]
) -> None:
    raw = json.dumps(body).encode()
    answer = await client.post("/api/v1/webhooks/shopify/refunds", content=raw, headers=signed(raw))
    assert answer.status_code in (400, 422), answer.text
    assert answer.headers["content-type"].startswith("application/problem+json")
    assert await Payment.count() == 0 and await ShopRecord.count() == 0
