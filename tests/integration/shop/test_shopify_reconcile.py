"""The nightly reconciliation: once a day per store, Shopify's refunds of recently changed
orders are compared with ours; a refund only Shopify knows of (made by hand, its webhook
lost) flags the case for a lead, once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from returns_service.adapters.mail import MailDropMailer
from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseEvent, OutboxMessage, ReturnCase, ShopRecord
from returns_service.services.platform.worker import WorkerConfig, run_once
from tests.integration.helpers import Client, line_ids, open_return, refund_item
from tests.integration.shop.conftest import runtime


async def test_a_refund_only_shopify_knows_flags_the_case_once_a_day(
    client: Client, clock: FrozenClock, shop: dict[str, Any], tmp_path: Path
) -> None:
    state = shop["state"]
    config = WorkerConfig(mailer=MailDropMailer(tmp_path), sender="r@s")
    lines = await line_ids(client, shop["customer"])
    number = (await open_return(client, shop["customer"], refund_item(lines["WATCH-41-BLK"])))[
        "number"
    ]
    refunded = await client.post(f"/api/v1/cases/{number}/refund", headers=shop["agent"])
    assert refunded.status_code == 200, refunded.text

    await run_once(runtime(client), config)  # today's reconciliation: all agree
    assert await ReturnCase.select(ReturnCase.attention).first() == {"attention": None}
    assert state.calls.count("OrderRefunds") == 1
    await run_once(runtime(client), config)  # the same day: not again
    assert state.calls.count("OrderRefunds") == 1

    state.refund_by_hand("shop-1001", "20.00", note="sorry for the wait")  # webhook lost
    clock.advance(days=1)
    await run_once(runtime(client), config)
    case = await ReturnCase.select(ReturnCase.attention).first()
    assert case == {"attention": "shop_mismatch"}
    events = await CaseEvent.select(CaseEvent.kind, CaseEvent.detail, CaseEvent.customer_visible)
    mismatches = [e for e in events if e["kind"] == "shop_mismatch"]
    assert mismatches == [
        {
            "kind": "shop_mismatch",
            "detail": "order shop-1001: shopify refunded 41500, we hold 39500 (USD)",
            "customer_visible": False,
        }
    ]
    # the lead sees it on the case and in the queue
    view = (await client.get(f"/api/v1/cases/{number}", headers=shop["agent"])).json()
    assert view["attention"] == "shop_mismatch"
    queue = (await client.get("/api/v1/cases", headers=shop["agent"])).json()
    assert [(c["number"], c.get("attention")) for c in queue["items"]] == [
        (number, "shop_mismatch")
    ]
    clock.advance(days=1)
    await run_once(runtime(client), config)  # the same difference is not flagged twice
    assert (
        len([e for e in await CaseEvent.select(CaseEvent.kind) if e["kind"] == "shop_mismatch"])
        == 1
    )
    assert await ShopRecord.count().where(ShopRecord.kind == "reconciled") == 3
    assert await OutboxMessage.count().where(OutboxMessage.failed_at.is_not_null()) == 0
