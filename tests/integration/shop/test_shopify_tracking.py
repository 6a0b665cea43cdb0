"""The reverse delivery in Shopify follows the parcel after the return was made: a label
re-issued by an agent, or the customer's own tracking number, updates it (once, also when
the job runs again), and a job superseded by a later label sends nothing."""

from __future__ import annotations

from typing import Any

from returns_service.clock import FrozenClock
from returns_service.db.tables import Label, OutboxMessage, ShopRecord
from returns_service.services.platform import jobs
from tests.integration.helpers import WATCH_POLICY, Client, line_ids, open_return, refund_item
from tests.integration.shop.conftest import runtime


def tracked(state: Any) -> list[str]:
    (made,) = state.returns.values()
    return [d["deliverable"]["tracking"]["number"] for d in made["deliveries"]]


async def test_a_reissued_label_updates_the_reverse_delivery_in_shopify_once(
    client: Client, clock: FrozenClock, shop: dict[str, Any]
) -> None:
    state = shop["state"]
    lines = await line_ids(client, shop["customer"])
    case = await open_return(client, shop["customer"], refund_item(lines["WATCH-41-BLK"]))
    number, first = case["number"], case["label"]["tracking_number"]
    await jobs.run_due(runtime(client))  # shop.return, with the first label's tracking
    assert tracked(state) == [first]

    reissued = await client.post(f"/api/v1/cases/{number}/label", headers=shop["agent"])
    assert reissued.status_code == 201, reissued.text
    second = reissued.json()["label"]["tracking_number"]
    assert second != first
    await jobs.run_due(runtime(client))

    assert tracked(state) == [second]  # the same delivery, its tracking changed
    assert state.calls.count("ReverseDeliveryUpdate") == 1
    (made,) = state.returns.values()
    assert "/portal/r/" in made["deliveries"][0]["label"]["fileUrl"]  # our page with the label
    keys = await ShopRecord.select(ShopRecord.key).where(ShopRecord.kind == "tracking")
    assert sorted(r["key"] for r in keys) == sorted(
        [f"tracking:{await case_id(number)}:{first}", f"tracking:{await case_id(number)}:{second}"]
    )
    # run again (a redelivered job): nothing more is sent
    calls = len(state.calls)
    await jobs.enqueue(
        store_id=1,
        case_id=await case_id(number),
        topic="shop.tracking",
        payload={"tracking_number": second, "carrier": "builtin", "label": True},
        clock=clock,
    )
    await jobs.run_due(runtime(client))
    assert len(state.calls) == calls
    assert await OutboxMessage.count().where(OutboxMessage.failed_at.is_not_null()) == 0


async def case_id(number: str) -> int:
    row = await Label.select(Label.case).where(Label.case.number == number).first()
    assert row is not None
    return int(row["case"])


async def test_a_superseded_label_sends_nothing(
    client: Client, clock: FrozenClock, shop: dict[str, Any]
) -> None:
    state = shop["state"]
    lines = await line_ids(client, shop["customer"])
    case = await open_return(client, shop["customer"], refund_item(lines["WATCH-41-BLK"]))
    number, first = case["number"], case["label"]["tracking_number"]
    await jobs.run_due(runtime(client))
    response = await client.post(f"/api/v1/cases/{number}/label", headers=shop["agent"])
    assert response.status_code == 201, response.text
    last = response.json()["label"]["tracking_number"]
    await jobs.run_due(runtime(client))
    assert tracked(state) == [last]
    # a late job for the voided first label (e.g. a retry that waited) must not win
    await jobs.enqueue(
        store_id=1,
        case_id=await case_id(number),
        topic="shop.tracking",
        payload={"tracking_number": first, "carrier": "builtin", "label": True},
        clock=clock,
    )
    await jobs.run_due(runtime(client))
    assert tracked(state) == [last]
    assert state.calls.count("ReverseDeliveryUpdate") == 1


async def test_the_customers_own_tracking_becomes_the_reverse_delivery_in_shopify(
    client: Client, clock: FrozenClock, shop: dict[str, Any]
) -> None:
    state = shop["state"]
    policy = {**WATCH_POLICY, "prepaid_label_countries": []}  # they ship it themselves
    assert (
        await client.put("/api/v1/policy", json=policy, headers=shop["admin"])
    ).status_code == 200
    lines = await line_ids(client, shop["customer"])
    case = await open_return(client, shop["customer"], refund_item(lines["WATCH-41-BLK"]))
    number = case["number"]
    assert case["label"] is None
    await jobs.run_due(runtime(client))
    (made,) = state.returns.values()
    assert made["deliveries"] == []  # no parcel known yet

    given = await client.post(
        f"/api/v1/portal/returns/{number}/tracking",
        json={"carrier": "dhl", "tracking_number": "JD0146000012345"},
        headers=shop["customer"],
    )
    assert given.status_code == 201, given.text
    await jobs.run_due(runtime(client))
    assert tracked(state) == ["JD0146000012345"]
    assert made["deliveries"][0]["label"] is None  # theirs: no label of ours to link

    corrected = await client.post(
        f"/api/v1/portal/returns/{number}/tracking",
        json={"carrier": "dhl", "tracking_number": "JD0146000099999"},
        headers=shop["customer"],
    )
    assert corrected.status_code == 201, corrected.text
    await jobs.run_due(runtime(client))
    assert tracked(state) == ["JD0146000099999"]
    assert state.calls.count("ReverseDelivery") == 1
    assert state.calls.count("ReverseDeliveryUpdate") == 1
    assert await ShopRecord.count().where(ShopRecord.kind == "tracking") == 2
