"""RETURNS_SHOP=shopify against the stand-in: the return object is made on approval with our
label's tracking, a received return refunds through Shopify once (also when the answer of the
first refundCreate is lost and the job retried), restocks once at the location, closes the
return; store credit is credited once; the exchange's replacement becomes one order."""

from __future__ import annotations

from typing import Any

from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseEvent, OutboxMessage, Payment, ReturnCase, ShopRecord
from returns_service.services.platform import jobs
from tests.integration.helpers import (
    Client,
    exchange_item,
    line_ids,
    open_return,
    receive_and_grade,
    refund_item,
)
from tests.integration.shop.conftest import runtime


async def kinds() -> list[str]:
    return [e["kind"] for e in await CaseEvent.select(CaseEvent.kind).order_by(CaseEvent.id)]


async def test_a_received_return_is_refunded_restocked_and_closed_in_shopify_once(
    client: Client, clock: FrozenClock, shop: dict[str, Any]
) -> None:
    state = shop["state"]
    lines = await line_ids(client, shop["customer"])
    case = await open_return(client, shop["customer"], refund_item(lines["WATCH-41-BLK"]))
    assert case["status"] == "approved"
    number = case["number"]
    await jobs.run_due(runtime(client))  # shop.return (usually made right after the commit)

    # the return in Shopify carries our case number, and our label as its reverse delivery
    (made,) = state.returns.values()
    assert made["order"] == "gid://shopify/Order/shop-1001" and made["status"] == "OPEN"
    assert made["lines"] == [
        {
            "fulfillmentLineItemId": "gid://shopify/FulfillmentLineItem/2",
            "quantity": 1,
            "returnReason": "UNWANTED",
            "returnReasonNote": f"case {number}",
        }
    ]
    tracking = case["label"]["tracking_number"]
    assert [d["deliverable"]["tracking"]["number"] for d in made["deliveries"]] == [tracking]
    assert {"shop_return", "shop_tracking"} <= set(await kinds())

    # the refund's first answer is lost on the way back: the job is retried, same key
    state.lose_answer_of = {"RefundCreate"}
    graded = await receive_and_grade(client, shop["warehouse"], number, lines["WATCH-41-BLK"])
    assert graded.status_code == 200, graded.text
    assert graded.json()["status"] == "resolved"
    assert await Payment.select(Payment.status, Payment.provider) == [
        {"status": "pending", "provider": "shopify"}
    ]
    clock.advance(seconds=120)
    await jobs.run_due(runtime(client))
    await jobs.run_due(runtime(client))

    order = state.orders["gid://shopify/Order/shop-1001"]
    assert len(order["refunds"]) == 1  # once, though refundCreate was sent twice
    assert state.calls.count("RefundCreate") == 2
    refund = order["refunds"][0]
    assert refund["totalRefundedSet"]["shopMoney"]["amount"] == "395.00"
    assert refund["refundLineItems"] == [
        {"lineItemId": "gid://shopify/LineItem/2", "quantity": 1, "restockType": "NO_RESTOCK"}
    ]
    payment = await Payment.select(Payment.status, Payment.provider_reference).first()
    assert payment == {"status": "succeeded", "provider_reference": refund["id"]}

    # one unit back on sale at the shop's location; the return closed
    assert state.inventory == {("gid://shopify/InventoryItem/501", state.location): 1}
    assert made["status"] == "CLOSED"
    records = await ShopRecord.select(ShopRecord.kind).order_by(ShopRecord.id)
    assert sorted(r["kind"] for r in records) == ["closed", "restock", "return", "tracking"]
    assert {"shop_refunded", "shop_restock", "shop_closed"} <= set(await kinds())
    # nothing left to run, nothing failed
    assert await OutboxMessage.count().where(OutboxMessage.failed_at.is_not_null()) == 0
    assert await jobs.run_due(runtime(client)) == jobs.JobReport(0, 0)


async def test_store_credit_is_credited_in_shopify_once_when_the_answer_is_lost(
    client: Client, clock: FrozenClock, shop: dict[str, Any]
) -> None:
    state = shop["state"]
    lines = await line_ids(client, shop["customer"])
    item = {**refund_item(lines["WATCH-41-BLK"]), "resolution": "store_credit"}
    number = (await open_return(client, shop["customer"], item))["number"]
    state.lose_answer_of = {"StoreCredit"}
    refunded = await client.post(f"/api/v1/cases/{number}/refund", headers=shop["agent"])
    assert refunded.status_code == 200, refunded.text
    clock.advance(seconds=120)
    await jobs.run_due(runtime(client))

    assert state.store_credit == {"gid://shopify/Customer/7": 39500}
    assert state.calls.count("StoreCredit") == 1  # the retry found it instead of crediting
    payment = await Payment.select(Payment.kind, Payment.status, Payment.provider).first()
    assert payment == {"kind": "store_credit", "status": "succeeded", "provider": "shopify"}
    assert (await kinds()).count("shop_store_credit") == 1


async def test_an_exchange_replacement_becomes_one_order_in_shopify(
    client: Client, clock: FrozenClock, shop: dict[str, Any]
) -> None:
    state = shop["state"]
    lines = await line_ids(client, shop["customer"])
    number = (
        await open_return(
            client, shop["customer"], exchange_item(lines["RING-8-BLK"], "RING-7-BLK")
        )
    )["number"]
    state.lose_answer_of = {"DraftCreate"}
    shipped = await client.post(f"/api/v1/cases/{number}/exchange/ship", headers=shop["agent"])
    assert shipped.status_code == 200, shipped.text
    clock.advance(seconds=120)
    await jobs.run_due(runtime(client))
    await jobs.run_due(runtime(client))

    assert len(state.drafts) == 1 and len(state.created_orders) == 1
    draft = state.created_orders[0]
    assert draft["note"].startswith("replacement ")
    assert draft["lineItems"][0]["variantId"] == "gid://shopify/ProductVariant/503"
    assert draft["lineItems"][0]["appliedDiscount"]["value"] == 100.0
    assert await ShopRecord.count().where(ShopRecord.kind == "replacement") == 1
    assert "shop_replacement" in await kinds()


async def test_a_refusal_from_shopify_flags_the_case_for_the_concierge(
    client: Client, clock: FrozenClock, shop: dict[str, Any]
) -> None:
    state = shop["state"]
    state.orders.clear()  # the order is gone from the shop: returnCreate can never succeed
    lines = await line_ids(client, shop["customer"])
    await open_return(client, shop["customer"], refund_item(lines["WATCH-41-BLK"]))
    await jobs.run_due(runtime(client))
    case = await ReturnCase.select(ReturnCase.attention).first()
    assert case == {"attention": "shop_failed"}
    assert "shop_failed" in await kinds()
