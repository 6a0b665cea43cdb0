"""The nightly reconciliation beyond refunds: the store credit we issued must be on the
customer's account (or be its gift card's value), and an exchange's replacement order must
exist, not cancelled, with our SKU and quantity; each difference flags the case once."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from returns_service.adapters.mail import MailDropMailer
from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseEvent, OutboxMessage, ReturnCase
from returns_service.services.platform import jobs
from returns_service.services.platform.worker import WorkerConfig, run_once
from tests.integration.helpers import Client, exchange_item, line_ids, open_return, refund_item
from tests.integration.shop.conftest import runtime


async def mismatches() -> list[dict[str, Any]]:
    events = await CaseEvent.select(CaseEvent.kind, CaseEvent.params, CaseEvent.detail).order_by(
        CaseEvent.id
    )
    return [
        {"what": json.loads(e["params"])["what"], "detail": e["detail"]}
        for e in events
        if e["kind"] == "shop_mismatch"
    ]


async def credit_case(client: Client, clock: FrozenClock, shop: dict[str, Any]) -> str:
    lines = await line_ids(client, shop["customer"])
    item = {**refund_item(lines["WATCH-41-BLK"]), "resolution": "store_credit"}
    number = str((await open_return(client, shop["customer"], item))["number"])
    credited = await client.post(f"/api/v1/cases/{number}/refund", headers=shop["agent"])
    assert credited.status_code == 200, credited.text
    clock.advance(seconds=120)
    await jobs.run_due(runtime(client))
    return number


async def test_store_credit_reversed_in_shopify_flags_the_case_once(
    client: Client, clock: FrozenClock, shop: dict[str, Any], tmp_path: Path
) -> None:
    state, config = shop["state"], WorkerConfig(mailer=MailDropMailer(tmp_path), sender="r@s")
    await credit_case(client, clock, shop)
    assert state.store_credit == {"gid://shopify/Customer/7": 39500}

    await run_once(runtime(client), config)  # all agree
    assert state.calls.count("StoreCreditAccountSeen") == 1
    assert await mismatches() == []
    assert await ReturnCase.select(ReturnCase.attention).first() == {"attention": None}

    state.remove_credits()  # reversed by hand in the admin
    clock.advance(days=1)
    await run_once(runtime(client), config)
    assert await ReturnCase.select(ReturnCase.attention).first() == {"attention": "shop_mismatch"}
    assert await mismatches() == [
        {
            "what": "credits",
            "detail": "store credit gid://shopify/StoreCreditAccount/7: shopify holds nothing, "
            "we issued 39500 (USD)",
        }
    ]
    clock.advance(days=1)
    await run_once(runtime(client), config)  # the same difference: not flagged again
    assert len(await mismatches()) == 1
    assert await OutboxMessage.count().where(OutboxMessage.failed_at.is_not_null()) == 0


async def test_a_gift_card_of_ours_disabled_in_shopify_flags_the_case(
    client: Client, clock: FrozenClock, shop: dict[str, Any], tmp_path: Path
) -> None:
    state, config = shop["state"], WorkerConfig(mailer=MailDropMailer(tmp_path), sender="r@s")
    state.store_credit_off = True
    await credit_case(client, clock, shop)
    [card] = state.gift_cards.values()
    assert card["initialValue"]["amount"] == "395.00"

    await run_once(runtime(client), config)
    assert state.calls.count("GiftCardSeen") == 1
    assert await mismatches() == []

    card["enabled"] = False
    clock.advance(days=1)
    await run_once(runtime(client), config)
    assert await mismatches() == [
        {
            "what": "credits",
            "detail": f"store credit {card['id']}: shopify holds nothing, we issued 39500 (USD)",
        }
    ]


async def test_an_exchange_order_cancelled_or_changed_in_shopify_flags_the_case(
    client: Client, clock: FrozenClock, shop: dict[str, Any], tmp_path: Path
) -> None:
    state, config = shop["state"], WorkerConfig(mailer=MailDropMailer(tmp_path), sender="r@s")
    lines = await line_ids(client, shop["customer"])
    number = (
        await open_return(
            client, shop["customer"], exchange_item(lines["RING-8-BLK"], "RING-7-BLK")
        )
    )["number"]
    shipped = await client.post(f"/api/v1/cases/{number}/exchange/ship", headers=shop["agent"])
    assert shipped.status_code == 200, shipped.text
    await jobs.run_due(runtime(client))
    [draft] = state.created_orders
    order_id = draft["order"]["id"]

    await run_once(runtime(client), config)  # all agree
    assert state.calls.count("ExchangeOrderSeen") == 1
    assert await mismatches() == []

    draft["lineItems"][0]["quantity"] = 2  # edited by hand
    clock.advance(days=1)
    await run_once(runtime(client), config)
    state.cancel_created_order()
    clock.advance(days=1)
    await run_once(runtime(client), config)
    clock.advance(days=1)
    await run_once(runtime(client), config)  # still cancelled: flagged once
    assert await mismatches() == [
        {
            "what": "exchanges",
            "detail": f"exchange order {order_id}: shopify holds RING-7-BLKx2, "
            "we shipped RING-7-BLKx1",
        },
        {
            "what": "exchanges",
            "detail": f"exchange order {order_id}: shopify holds cancelled, "
            "we shipped RING-7-BLKx1",
        },
    ]
    assert await ReturnCase.select(ReturnCase.attention).first() == {"attention": "shop_mismatch"}
