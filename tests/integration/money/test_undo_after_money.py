"""Once money moved or the replacement left, a case cannot be undone: the customer's cancel is
a 409 and the automatic expiry hands the case to its concierge instead of releasing it."""

from __future__ import annotations

import pytest

from returns_service.adapters.mail import MailDropMailer
from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseEvent, Label, Payment, ReturnCase, Variant
from returns_service.domain.access import Role
from returns_service.services.platform.runtime import Runtime
from returns_service.services.platform.worker import WorkerConfig, run_once
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


@pytest.fixture
async def shop(client: Client, clock: FrozenClock) -> dict[str, dict[str, str]]:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    _, agent = await add_agent(client, admin, "Ioana")
    return {"admin": admin, "agent": agent, "customer": await portal_headers(client)}


async def status_of(number: str) -> str:
    return (await ReturnCase.select(ReturnCase.status).where(ReturnCase.number == number))[0][
        "status"
    ]


@pytest.mark.parametrize("resolution", ["refund", "store_credit"])
async def test_a_case_refunded_before_the_parcel_left_cannot_be_cancelled(
    client: Client, shop: dict, resolution: str
) -> None:
    lines = await line_ids(client, shop["customer"])
    item = {**refund_item(lines["WATCH-41-BLK"]), "resolution": resolution}
    case = await open_return(client, shop["customer"], item)
    assert case["status"] == "approved"
    refund = await client.post(f"/api/v1/cases/{case['number']}/refund", headers=shop["agent"])
    assert refund.status_code == 200, refund.text

    cancel = await client.post(
        f"/api/v1/portal/returns/{case['number']}/cancel", headers=shop["customer"]
    )
    assert cancel.status_code == 409
    assert cancel.headers["content-type"].startswith("application/problem+json")
    assert "cancelled" in cancel.json()["detail"]
    assert await status_of(case["number"]) == "approved"
    assert await Payment.count() == 1  # the money stays recorded
    assert (await Label.select(Label.status))[0]["status"] == "active"


async def test_a_case_without_money_moved_is_still_cancelled(client: Client, shop: dict) -> None:
    lines = await line_ids(client, shop["customer"])
    case = await open_return(client, shop["customer"], refund_item(lines["WATCH-41-BLK"]))
    cancel = await client.post(
        f"/api/v1/portal/returns/{case['number']}/cancel", headers=shop["customer"]
    )
    assert cancel.status_code == 200, cancel.text
    assert await status_of(case["number"]) == "cancelled"


async def test_expiry_hands_a_refunded_case_to_its_concierge_once(
    client: Client, shop: dict, clock: FrozenClock, tmp_path
) -> None:
    lines = await line_ids(client, shop["customer"])
    case = await open_return(client, shop["customer"], refund_item(lines["WATCH-41-BLK"]))
    await client.post(f"/api/v1/cases/{case['number']}/refund", headers=shop["agent"])
    config = WorkerConfig(mailer=MailDropMailer(tmp_path), sender="r@s")
    clock.advance(days=31)
    await run_once(Runtime(clock), config)
    await run_once(Runtime(clock), config)

    assert await status_of(case["number"]) == "approved"
    assert (await Label.select(Label.status))[0]["status"] == "active"
    held = await CaseEvent.select(CaseEvent.params).where(CaseEvent.kind == "expiry_held")
    assert len(held) == 1  # flagged once, not on every pass
    view = (await client.get("/api/v1/cases?assignee=me", headers=shop["agent"])).json()
    assert [c["awaiting_reply"] for c in view["items"]] == [True]
    detail = (await client.get(f"/api/v1/cases/{case['number']}", headers=shop["agent"])).json()
    assert detail["timeline"][-1]["kind"] == "expiry_held"
    customer = await portal_headers(client)  # the first session expired meanwhile
    mine = (await client.get(f"/api/v1/portal/returns/{case['number']}", headers=customer)).json()
    assert "expiry_held" not in [e["kind"] for e in mine["timeline"]]  # for the store only


async def test_expiry_holds_a_case_whose_replacement_left(
    client: Client, shop: dict, clock: FrozenClock, tmp_path
) -> None:
    policy = {**WATCH_POLICY, "advance_exchange": "on_request"}
    assert (await client.put("/api/v1/policy", json=policy, headers=shop["admin"])).is_success
    lines = await line_ids(client, shop["customer"])
    case = await open_return(client, shop["customer"], exchange_item(lines["RING-8-BLK"]))
    assert case["exchange"]["status"] == "shipped"
    stock = (await Variant.select(Variant.stock).where(Variant.sku == "RING-9-BLK"))[0]
    clock.advance(days=31)
    await run_once(Runtime(clock), WorkerConfig(mailer=MailDropMailer(tmp_path), sender="r@s"))
    assert await status_of(case["number"]) == "approved"
    assert await CaseEvent.count().where(CaseEvent.kind == "expiry_held") == 1
    after = (await Variant.select(Variant.stock).where(Variant.sku == "RING-9-BLK"))[0]
    assert after == stock
