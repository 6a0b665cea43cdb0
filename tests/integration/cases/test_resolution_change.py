"""Saves: the customer asked for a refund and agrees to take store credit or an exchange; the
concierge changes what the item gets (`POST /api/v1/cases/{number}/resolution`). The rules
decide fees and bonus again, an exchange holds its replacement (and gives it back when given
up), what the customer first asked for is kept, one timeline event per item and one email;
refused once money moved; two changes of one case at once happen one after the other."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseEvent, CaseItem, OutboxMessage, Variant
from returns_service.domain.access import Role
from tests.integration.helpers import (
    WATCH_POLICY,
    Client,
    add_agent,
    exchange_item,
    line_ids,
    open_return,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)

POLICY: dict[str, Any] = {
    **WATCH_POLICY,
    "bonus_credit": {"store_credit_percent": 10, "exchange_percent": 0},
    "exchange_price_difference": "charge_or_refund",
    "rules": [
        *WATCH_POLICY["rules"],
        {
            "when": {"reason": ["changed_mind"], "resolution": ["refund"]},
            "fee": {"percent": 10, "label": "restocking"},
        },
    ],
}


@pytest.fixture
async def store(client: Client, clock: FrozenClock) -> dict[str, Any]:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    assert (await client.put("/api/v1/policy", json=POLICY, headers=admin)).status_code == 200
    _, agent = await add_agent(client, admin, "Ioana")
    customer = await portal_headers(client)
    return {
        "agent": agent,
        "lead": await staff_headers(client, Role.LEAD, clock),
        "customer": customer,
        "lines": await line_ids(client, customer),
    }


async def change(
    client: Client, headers: dict[str, str], number: str, *items: dict[str, Any]
) -> Any:
    return await client.post(
        f"/api/v1/cases/{number}/resolution",
        json={"items": list(items), "comment": "agreed on the phone"},
        headers=headers,
    )


async def stock(sku: str) -> int:
    row = await Variant.select(Variant.stock).where(Variant.sku == sku).first()
    assert row is not None
    return int(row["stock"])


async def test_a_refund_becomes_store_credit_with_the_bonus_and_without_the_refund_fee(
    client: Client, store: dict[str, Any]
) -> None:
    watch = store["lines"]["WATCH-41-BLK"]
    case = await open_return(client, store["customer"], refund_item(watch))
    item = case["items"][0]
    assert [f["kind"] for f in item["fees"]] == ["restocking"]  # 10 % of a refund

    response = await change(
        client, store["agent"], case["number"], {"line_id": watch, "resolution": "store_credit"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["items"][0]["resolution"] == "store_credit"
    assert body["items"][0]["fees"] == [] and body["items"][0]["bonus_amount"] == 3950
    assert body["amounts"]["refund_total"]["amount"] == 0
    assert body["amounts"]["credit_total"]["amount"] == 39500 + 3950

    rows = await CaseItem.select(CaseItem.resolution, CaseItem.requested_resolution)
    assert rows == [{"resolution": "store_credit", "requested_resolution": "refund"}]
    events = await CaseEvent.select(CaseEvent.kind, CaseEvent.params, CaseEvent.detail).where(
        CaseEvent.kind == "resolution_changed"
    )
    assert len(events) == 1
    params = json.loads(events[0]["params"])
    assert params["from"] == "refund" and params["to"] == "store_credit"
    assert events[0]["detail"] == "agreed on the phone"
    mails = await OutboxMessage.select(OutboxMessage.template).where(
        OutboxMessage.template == "resolution_changed"
    )
    assert len(mails) == 1
    # the customer reads it in their timeline, in their language (Romanian)
    mine = await client.get(f"/api/v1/portal/returns/{case['number']}", headers=store["customer"])
    texts = [e["text"] for e in mine.json()["timeline"]]
    assert (
        "Pentru Genesis chronograph vei primi acum creditul în magazin, așa cum am convenit."
        in texts
    )


async def test_a_refund_becomes_an_exchange_holding_the_replacement_and_back_again(
    client: Client, store: dict[str, Any]
) -> None:
    ring = store["lines"]["RING-8-BLK"]
    case = await open_return(client, store["customer"], refund_item(ring))
    before = await stock("RING-7-BLK")
    response = await change(
        client,
        store["lead"],
        case["number"],
        {"line_id": ring, "resolution": "exchange", "exchange_sku": "RING-7-BLK"},
    )
    assert response.status_code == 200, response.text
    assert await stock("RING-7-BLK") == before - 1  # held for this case
    item = response.json()["items"][0]
    assert item["resolution"] == "exchange" and item["exchange_sku"] == "RING-7-BLK"

    back = await change(
        client, store["lead"], case["number"], {"line_id": ring, "resolution": "refund"}
    )
    assert back.status_code == 200, back.text
    assert await stock("RING-7-BLK") == before  # the held unit is back on the shelf
    assert back.json()["items"][0]["exchange_sku"] is None


async def test_an_exchange_given_up_for_a_refund_releases_its_unit(
    client: Client, store: dict[str, Any]
) -> None:
    ring = store["lines"]["RING-8-BLK"]
    case = await open_return(client, store["customer"], exchange_item(ring, "RING-9-BLK"))
    held = await stock("RING-9-BLK")
    response = await change(
        client, store["agent"], case["number"], {"line_id": ring, "resolution": "refund"}
    )
    assert response.status_code == 200, response.text
    assert await stock("RING-9-BLK") == held + 1
    rows = await CaseItem.select(CaseItem.resolution, CaseItem.requested_resolution)
    assert rows == [{"resolution": "refund", "requested_resolution": "exchange"}]


async def test_no_change_once_money_moved_and_nothing_changes_when_refused(
    client: Client, store: dict[str, Any]
) -> None:
    watch = store["lines"]["WATCH-41-BLK"]
    case = await open_return(client, store["customer"], refund_item(watch))
    refunded = await client.post(f"/api/v1/cases/{case['number']}/refund", headers=store["lead"])
    assert refunded.status_code == 200, refunded.text
    response = await change(
        client, store["lead"], case["number"], {"line_id": watch, "resolution": "store_credit"}
    )
    assert response.status_code == 409
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await CaseItem.select(CaseItem.resolution) == [{"resolution": "refund"}]
    assert await CaseEvent.count().where(CaseEvent.kind == "resolution_changed") == 0


async def test_wrong_changes_are_refused_as_a_whole(client: Client, store: dict[str, Any]) -> None:
    watch, ring = store["lines"]["WATCH-41-BLK"], store["lines"]["RING-8-BLK"]
    case = await open_return(client, store["customer"], refund_item(watch))
    for items, status in (
        ([{"line_id": ring, "resolution": "store_credit"}], 422),  # not in this case
        ([{"line_id": watch, "resolution": "refund"}], 422),  # what it gets already
        ([{"line_id": watch, "resolution": "exchange"}], 422),  # no replacement named
        ([{"line_id": watch, "resolution": "exchange", "exchange_sku": "NOPE-1"}], 422),
    ):
        response = await change(client, store["lead"], case["number"], *items)
        assert response.status_code == status, (items, response.text)
    assert await CaseItem.select(CaseItem.resolution) == [{"resolution": "refund"}]


async def test_an_agent_changes_only_their_own_cases(
    client: Client, clock: FrozenClock, store: dict[str, Any]
) -> None:
    watch = store["lines"]["WATCH-41-BLK"]
    case = await open_return(client, store["customer"], refund_item(watch))
    admin = await staff_headers(client, Role.ADMIN, clock)
    _, other = await add_agent(client, admin, "Bjorn")
    response = await change(
        client, other, case["number"], {"line_id": watch, "resolution": "store_credit"}
    )
    assert response.status_code == 404
    assert await CaseItem.select(CaseItem.resolution) == [{"resolution": "refund"}]


async def test_two_changes_at_once_happen_one_after_the_other(
    client: Client, store: dict[str, Any]
) -> None:
    watch = store["lines"]["WATCH-41-BLK"]
    case = await open_return(client, store["customer"], refund_item(watch))
    to_credit = {"line_id": watch, "resolution": "store_credit"}
    first, second = await asyncio.gather(
        change(client, store["agent"], case["number"], to_credit),
        change(client, store["lead"], case["number"], to_credit),
    )
    # under the case's lock the second sees the first's change: it gets credit already
    assert sorted([first.status_code, second.status_code]) == [200, 422]
    assert await CaseEvent.count().where(CaseEvent.kind == "resolution_changed") == 1
    rows = await CaseItem.select(CaseItem.resolution, CaseItem.bonus_amount)
    assert rows == [{"resolution": "store_credit", "bonus_amount": 3950}]
