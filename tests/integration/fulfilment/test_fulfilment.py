"""Labels, tracking, advance exchanges, the warehouse and the money: a return from request to
closed case, for each of the three advance-exchange modes."""

from __future__ import annotations

import asyncio
import email
import email.policy
import hashlib
import hmac
import json
from datetime import UTC, datetime

import pytest

from returns_service.adapters.mail import MailDropMailer
from returns_service.clock import FrozenClock
from returns_service.db.tables import (
    CaseItem,
    Label,
    Payment,
    ReturnCase,
    Shipment,
    StoreCredit,
    StoreCreditMovement,
    TrackingEvent,
    UnexpectedParcel,
    Variant,
)
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
    order_doc,
    portal_headers,
    receive_and_grade,
    refund_item,
    seed_store,
    staff_headers,
)

CARRIER = "concierge-post"


async def stock(sku: str) -> int:
    return (await Variant.select(Variant.stock).where(Variant.sku == sku))[0]["stock"]


def carrier_event(
    client: Client, tracking: str, status: str, event_id: str
) -> tuple[bytes, dict[str, str]]:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    body = json.dumps(
        {
            "event_id": event_id,
            "tracking_number": tracking,
            "status": status,
            "occurred_at": "2026-09-02T10:00:00Z",
        }
    ).encode()
    signature = hmac.new(
        settings.carrier_secret(CARRIER).encode(), body, hashlib.sha256
    ).hexdigest()
    return body, {"X-Carrier-Signature": f"sha256={signature}", "content-type": "application/json"}


async def post_event(client: Client, tracking: str, status: str, event_id: str):  # type: ignore[no-untyped-def]
    body, headers = carrier_event(client, tracking, status, event_id)
    return await client.post(f"/api/v1/webhooks/carrier/{CARRIER}", content=body, headers=headers)


@pytest.fixture
async def shop(client: Client, clock: FrozenClock) -> dict[str, dict[str, str]]:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    _, agent = await add_agent(client, admin, "Ioana")
    warehouse = await staff_headers(client, Role.WAREHOUSE, clock)
    return {"admin": admin, "agent": agent, "warehouse": warehouse}


async def set_mode(client: Client, admin: dict[str, str], mode: str, **extra: object) -> None:
    response = await client.put(
        "/api/v1/policy", json={**WATCH_POLICY, "advance_exchange": mode, **extra}, headers=admin
    )
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("mode", "ships_at"),
    [("on_request", "approved"), ("on_first_scan", "in_transit"), ("on_receipt", "inspected")],
)
async def test_a_size_exchange_from_request_to_closed_case(
    client: Client, shop: dict, clock: FrozenClock, mode: str, ships_at: str
) -> None:
    await set_mode(client, shop["admin"], mode)
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    ring8, ring9 = await stock("RING-8-BLK"), await stock("RING-9-BLK")

    case = (
        await client.post(
            "/api/v1/portal/returns",
            json={"items": [exchange_item(lines["RING-8-BLK"])]},
            headers={**customer, "Idempotency-Key": f"exchange-{mode}"},
        )
    ).json()
    number = case["number"]
    assert case["status"] == "approved"
    assert await stock("RING-9-BLK") == ring9 - 1  # reserved at once, whatever the mode

    def shipped(view: dict) -> bool:
        return view["exchange"]["status"] in ("shipped", "delivered")

    assert shipped(case) is (ships_at == "approved")

    # the prepaid label: a real PDF with the tracking number under its barcode, rendered
    # when first printed and kept (the same file every time after)
    tracking = case["label"]["tracking_number"]
    stored = Label.select(Label.pdf).where(Label.tracking_number == tracking).first()
    assert (await stored)["pdf"] is None
    pdf = await client.get(case["label"]["label_url"], headers=customer)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and tracking.encode() in pdf.content
    assert pdf.content.count(b" re") > 30  # the Code 128 bars
    assert bytes((await stored)["pdf"]) == pdf.content
    again = await client.get(case["label"]["label_url"], headers=customer)
    assert again.content == pdf.content
    zpl = await client.get(f"/api/v1/cases/{number}/label.zpl", headers=shop["agent"])
    assert f"^BCN,180,Y,N,N^FD{tracking}^FS" in zpl.text

    # the carrier's first scan
    assert (await post_event(client, tracking, "in_transit", "ev-1")).status_code == 201
    view = (await client.get(f"/api/v1/portal/returns/{number}", headers=customer)).json()
    assert view["status"] == "in_transit"
    assert shipped(view) is (ships_at in ("approved", "in_transit"))
    if shipped(view):
        assert (
            view["exchange"]["advance"] is True
            and view["exchange"]["return_deadline"] == "2026-09-22"
        )
    replay = await post_event(client, tracking, "in_transit", "ev-1")
    assert replay.json()["applied"] is False
    assert (await post_event(client, tracking, "delivered", "ev-2")).status_code == 201

    # the warehouse scans the parcel twice: received once, the same case; the second answer
    # says it is a duplicate (the station shows "already scanned")
    first = await client.post(
        "/api/v1/warehouse/scans", json={"barcode": tracking}, headers=shop["warehouse"]
    )
    second = await client.post(
        "/api/v1/warehouse/scans", json={"barcode": number.lower()}, headers=shop["warehouse"]
    )
    assert first.status_code == second.status_code == 200
    assert first.json() == {**second.json(), "already_received": False}
    assert second.json()["already_received"] is True
    assert first.json()["case"]["status"] == "received"
    assert first.json()["expected_items"][0]["sku"] == "RING-8-BLK"
    assert first.json()["action"].startswith("inspect")

    inspected = await client.post(
        f"/api/v1/warehouse/cases/{number}/inspection",
        json={
            "items": [
                {
                    "line_id": lines["RING-8-BLK"],
                    "quantity": 1,
                    "condition": "like_new",
                    "disposition": "restock",
                }
            ]
        },
        headers=shop["warehouse"],
    )
    assert inspected.status_code == 200, inspected.text
    body = inspected.json()
    assert body["status"] == "resolved"
    assert (
        body["items"][0]["condition"] == "like_new" and body["items"][0]["disposition"] == "restock"
    )
    assert shipped(body)
    assert body["exchange"]["advance"] is (ships_at != "inspected")
    assert await stock("RING-8-BLK") == ring8 + 1  # the original is back on the shelf
    assert await stock("RING-9-BLK") == ring9 - 1  # the replacement left, once
    assert await Shipment.count() == 1

    # the customer gets the replacement; closed after the quiet period
    tracking_out = body["exchange"]["tracking_number"]
    assert (await post_event(client, tracking_out, "delivered", "ev-3")).status_code == 201
    clock.advance(days=15)
    await run_once(
        Runtime(clock),
        WorkerConfig(mailer=MailDropMailer(client.app.state.settings.mail.drop_dir), sender="r@s"),
    )  # type: ignore[attr-defined]
    assert (await ReturnCase.select(ReturnCase.status))[0]["status"] == "closed"
    assert await Payment.count() == 0  # an exchange moves no money


async def test_a_refund_case_ends_with_one_refund_of_the_price_paid(
    client: Client, shop: dict
) -> None:
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    number = (await open_return(client, customer, refund_item(lines["RING-8-BLK"], quantity=2)))[
        "number"
    ]
    response = await receive_and_grade(
        client, shop["warehouse"], number, lines["RING-8-BLK"], quantity=2
    )
    body = response.json()
    assert body["status"] == "resolved"
    assert body["refund"] == {
        "amount": {"amount": 5000, "currency": "USD"},
        "method": "refund",
        "status": "to_do_in_shop",
    }
    payments = await Payment.select(Payment.kind, Payment.amount, Payment.provider)
    assert payments == [{"kind": "refund", "amount": 5000, "provider": "manual"}]
    again = await client.post(f"/api/v1/cases/{number}/refund", headers=shop["agent"])
    assert again.status_code == 409
    assert await Payment.count() == 1


async def test_fifty_concurrent_refunds_make_one(client: Client, shop: dict) -> None:
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    number = (await open_return(client, customer, refund_item(lines["WATCH-41-BLK"])))["number"]
    responses = await asyncio.gather(
        *(client.post(f"/api/v1/cases/{number}/refund", headers=shop["agent"]) for _ in range(50))
    )
    assert sorted(r.status_code for r in responses) == [200] + [409] * 49
    rows = await Payment.select(Payment.amount)
    assert rows == [{"amount": 39500}]


async def test_a_worn_item_waits_for_the_agent_who_may_refund_in_part(
    client: Client, shop: dict
) -> None:
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    number = (await open_return(client, customer, refund_item(lines["WATCH-41-BLK"])))["number"]
    inspected = await receive_and_grade(
        client,
        shop["warehouse"],
        number,
        lines["WATCH-41-BLK"],
        condition="worn",
        disposition="refurbish",
        note="scratched glass",
    )
    assert inspected.json()["status"] == "inspected"
    assert inspected.json()["refund"] is None
    detail = (await client.get(f"/api/v1/cases/{number}", headers=shop["agent"])).json()
    decision = [e for e in detail["timeline"] if e["kind"] == "decision_needed"]
    assert decision and "scratched glass" in decision[0]["detail"]
    too_much = await client.post(
        f"/api/v1/cases/{number}/refund", json={"amount": 40000}, headers=shop["agent"]
    )
    assert too_much.status_code == 422
    partial = await client.post(
        f"/api/v1/cases/{number}/refund", json={"amount": 30000}, headers=shop["agent"]
    )
    assert partial.status_code == 200, partial.text
    assert partial.json()["status"] == "resolved"
    assert partial.json()["refund"]["amount"] == {"amount": 30000, "currency": "USD"}
    assert await stock("WATCH-41-BLK") == 3  # refurbish: not back on the shelf


async def test_store_credit_is_a_ledger(client: Client, shop: dict) -> None:
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    item = {**refund_item(lines["RING-8-BLK"]), "resolution": "store_credit"}
    number = (await open_return(client, customer, item))["number"]
    body = (await receive_and_grade(client, shop["warehouse"], number, lines["RING-8-BLK"])).json()
    assert body["refund"]["method"] == "store_credit"
    credit = (await StoreCredit.select())[0]
    assert credit["balance"] == 2500 and credit["code"].startswith("SC-")
    movements = await StoreCreditMovement.select(StoreCreditMovement.amount)
    assert movements == [{"amount": 2500}]
    with pytest.raises(Exception, match="store_credit_balance_not_negative"):
        await StoreCredit.update({StoreCredit.balance: -1}, force=True)


async def test_an_overdue_advance_exchange_is_charged_once_and_refunded_on_arrival(
    client: Client, shop: dict, clock: FrozenClock, tmp_path
) -> None:
    await set_mode(client, shop["admin"], "on_request")
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    case = await open_return(client, customer, exchange_item(lines["RING-8-BLK"]))
    assert (
        case["exchange"]["status"] == "shipped"
        and case["exchange"]["return_deadline"] == "2026-09-22"
    )
    config = WorkerConfig(mailer=MailDropMailer(tmp_path), sender="r@s")

    clock.set(datetime(2026, 9, 15, 12, tzinfo=UTC))  # 7 days before
    await run_once(Runtime(clock), config)
    clock.set(datetime(2026, 9, 20, 12, tzinfo=UTC))  # 2 days before
    await run_once(Runtime(clock), config)
    subjects = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["Subject"]
        for p in tmp_path.glob("*.eml")
    ]
    assert len([s for s in subjects if "memento" in s]) == 2  # the reminders, in Romanian
    clock.set(datetime(2026, 9, 23, 12, tzinfo=UTC))  # past the deadline
    await run_once(Runtime(clock), config)
    await run_once(Runtime(clock), config)
    charges = await Payment.select(Payment.kind, Payment.amount)
    assert charges == [{"kind": "charge", "amount": 2500}]
    assert (await ReturnCase.select(ReturnCase.overdue))[0]["overdue"] is True

    # the original turns up after all: received, and the charge is refunded
    scan = await client.post(
        "/api/v1/warehouse/scans",
        json={"barcode": case["label"]["tracking_number"]},
        headers=shop["warehouse"],
    )
    assert scan.json()["case"]["status"] == "received"
    kinds = sorted(r["kind"] for r in await Payment.select(Payment.kind))
    assert kinds == ["charge", "charge_reversal"]
    assert (await ReturnCase.select(ReturnCase.overdue))[0]["overdue"] is False


async def test_the_exposure_limit_holds_an_advance_exchange(client: Client, shop: dict) -> None:
    await set_mode(
        client,
        shop["admin"],
        "on_request",
        advance_exchange_max_open={"amount": 1000, "currency": "USD"},
    )
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    case = await open_return(client, customer, exchange_item(lines["RING-8-BLK"]))
    assert case["exchange"]["status"] == "reserved"
    ship = await client.post(f"/api/v1/cases/{case['number']}/exchange/ship", headers=shop["agent"])
    assert ship.status_code == 409
    assert "exposure" in ship.json()["detail"]
    detail = (await client.get(f"/api/v1/cases/{case['number']}", headers=shop["agent"])).json()
    assert any(e["kind"] == "exchange_waits" for e in detail["timeline"])
    assert await Shipment.count() == 0


async def test_an_agent_reissues_the_label_and_the_old_one_is_void(
    client: Client, shop: dict
) -> None:
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    case = await open_return(client, customer, refund_item(lines["RING-8-BLK"]))
    old = case["label"]["tracking_number"]
    new = await client.post(f"/api/v1/cases/{case['number']}/label", headers=shop["agent"])
    assert new.status_code == 201
    assert new.json()["label"]["tracking_number"] != old
    labels = {
        r["tracking_number"]: r["status"]
        for r in await Label.select(Label.tracking_number, Label.status)
    }
    assert labels[old] == "voided" and list(labels.values()).count("active") == 1


async def test_no_prepaid_label_outside_the_covered_countries(client: Client, shop: dict) -> None:
    await set_mode(client, shop["admin"], "on_first_scan", prepaid_label_countries=["GB"])
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    case = await open_return(client, customer, refund_item(lines["RING-8-BLK"]))
    assert case["label"] is None
    # the address is stored as fields and written out in the customer's language (Romanian)
    ship = next(e for e in case["timeline"] if e["kind"] == "ship_yourself")
    assert ship["params"]["case_number"] == case["number"] and ship["params"]["address"]["city"]
    assert ship["text"].startswith("Te rugăm să trimiți coletul la ")
    assert ship["params"]["address"]["city"] in ship["text"] and case["number"] in ship["text"]
    assert (
        await client.get(f"/api/v1/portal/returns/{case['number']}/label.pdf", headers=customer)
    ).status_code == 404


async def test_bad_warehouse_and_carrier_inputs_change_nothing(client: Client, shop: dict) -> None:
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    case = await open_return(client, customer, refund_item(lines["RING-8-BLK"]))
    tracking = case["label"]["tracking_number"]
    wrong_digit = tracking[:-1] + str((int(tracking[-1]) + 1) % 10)
    for barcode in ("RC00000000000", wrong_digit, "R-ZZZZZZ", "hello"):
        response = await client.post(
            "/api/v1/warehouse/scans", json={"barcode": barcode}, headers=shop["warehouse"]
        )
        assert response.status_code == 404, barcode
        assert response.json()["type"] == "/problems/unknown-parcel"
    assert (
        "check digit"
        in (
            await client.post(
                "/api/v1/warehouse/scans", json={"barcode": wrong_digit}, headers=shop["warehouse"]
            )
        ).json()["detail"]
    )
    assert await UnexpectedParcel.count() == 5
    # a tampered webhook
    body, headers = carrier_event(client, tracking, "in_transit", "ev-x")
    tampered = body.replace(b"in_transit", b"delivered")
    response = await client.post(
        f"/api/v1/webhooks/carrier/{CARRIER}", content=tampered, headers=headers
    )
    assert response.status_code == 401
    unknown = await post_event(client, "RC12345678903", "in_transit", "ev-y")
    assert unknown.status_code == 404
    assert await TrackingEvent.count() == 0
    assert (await ReturnCase.select(ReturnCase.status))[0]["status"] == "approved"
    # inspections: not received yet, items not in the case, negative quantities
    early = await client.post(
        f"/api/v1/warehouse/cases/{case['number']}/inspection",
        json={
            "items": [
                {
                    "line_id": lines["RING-8-BLK"],
                    "quantity": 1,
                    "condition": "new",
                    "disposition": "restock",
                }
            ]
        },
        headers=shop["warehouse"],
    )
    assert early.status_code == 409
    await client.post(
        "/api/v1/warehouse/scans", json={"barcode": tracking}, headers=shop["warehouse"]
    )
    ring8 = await stock("RING-8-BLK")
    for items, status in (
        (
            [
                {
                    "line_id": lines["WATCH-41-BLK"],
                    "quantity": 1,
                    "condition": "new",
                    "disposition": "restock",
                }
            ],
            422,
        ),
        (
            [
                {
                    "line_id": lines["RING-8-BLK"],
                    "quantity": -1,
                    "condition": "new",
                    "disposition": "restock",
                }
            ],
            400,
        ),
        (
            [
                {
                    "line_id": lines["RING-8-BLK"],
                    "quantity": 5,
                    "condition": "new",
                    "disposition": "restock",
                }
            ],
            422,
        ),
        (
            [
                {
                    "line_id": lines["RING-8-BLK"],
                    "quantity": 1,
                    "condition": "shiny",
                    "disposition": "restock",
                }
            ],
            400,
        ),
    ):
        response = await client.post(
            f"/api/v1/warehouse/cases/{case['number']}/inspection",
            json={"items": items},
            headers=shop["warehouse"],
        )
        assert response.status_code == status, response.text
    assert await stock("RING-8-BLK") == ring8
    assert (await ReturnCase.select(ReturnCase.status))[0]["status"] == "received"
    assert await CaseItem.count().where(CaseItem.condition.is_not_null()) == 0
    # agents and customers cannot use the warehouse API
    assert (
        await client.post(
            "/api/v1/warehouse/scans", json={"barcode": tracking}, headers=shop["agent"]
        )
    ).status_code == 403


async def test_a_low_rating_goes_straight_to_the_concierge(
    client: Client, shop: dict, clock: FrozenClock, tmp_path
) -> None:
    await set_mode(client, shop["admin"], "on_request")
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    case = await open_return(client, customer, exchange_item(lines["RING-8-BLK"]))
    await post_event(client, case["exchange"]["tracking_number"], "delivered", "out-1")
    clock.advance(days=4)
    await run_once(Runtime(clock), WorkerConfig(mailer=MailDropMailer(tmp_path), sender="r@s"))
    subjects = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["Subject"]
        for p in tmp_path.glob("*.eml")
    ]
    assert any("potrivește" in s for s in subjects)  # "did it fit?", in Romanian
    assert (await Shipment.select(Shipment.follow_up_sent_at))[0]["follow_up_sent_at"] is not None
    customer = await portal_headers(client)
    rated = await client.post(
        f"/api/v1/portal/returns/{case['number']}/rating",
        json={"rating": 2, "comment": "still too small"},
        headers=customer,
    )
    assert rated.status_code == 201
    detail = (await client.get(f"/api/v1/cases/{case['number']}", headers=shop["agent"])).json()
    assert detail["awaiting_reply"] is True
    assert detail["messages"][-1]["body"] == "still too small"
    bad = await client.post(
        f"/api/v1/portal/returns/{case['number']}/rating", json={"rating": 9}, headers=customer
    )
    assert bad.status_code == 400


async def test_review_findings_stay_fixed(client: Client, shop: dict, clock: FrozenClock) -> None:
    """A non-ASCII signature is a 401 (not a 500); an inspection grades every unit; a return
    whose replacement already left cannot be cancelled."""
    response = await client.post(
        f"/api/v1/webhooks/carrier/{CARRIER}",
        content=b"{}",
        headers={"X-Carrier-Signature": "sha256=é".encode()},
    )
    assert response.status_code == 401
    forged = {"Authorization": "Bearer rsp1.x.é".encode()}
    assert (await client.get("/api/v1/portal/order", headers=forged)).status_code == 401

    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    number = (await open_return(client, customer, refund_item(lines["RING-8-BLK"], quantity=2)))[
        "number"
    ]
    partial = await receive_and_grade(
        client, shop["warehouse"], number, lines["RING-8-BLK"], quantity=1
    )
    assert partial.status_code == 422 and "missing" in partial.json()["detail"]
    assert await Payment.count() == 0

    await set_mode(client, shop["admin"], "on_request")
    await client.post(
        "/api/v1/orders", json=order_doc("1002", "bo@example.com"), headers=shop["admin"]
    )
    customer = await portal_headers(client, "1002", "bo@example.com")
    lines = await line_ids(client, customer)
    exchange = await open_return(client, customer, exchange_item(lines["RING-8-BLK"]))
    assert exchange["exchange"]["status"] == "shipped"
    cancel = await client.post(
        f"/api/v1/portal/returns/{exchange['number']}/cancel", headers=customer
    )
    assert cancel.status_code == 409 and "replacement" in cancel.json()["detail"]
    assert (
        await ReturnCase.select(ReturnCase.status).where(ReturnCase.number == exchange["number"])
    )[0]["status"] == "approved"


async def test_an_approved_return_never_sent_expires(
    client: Client, shop: dict, clock: FrozenClock, tmp_path
) -> None:  # type: ignore[no-untyped-def]
    customer = await portal_headers(client)
    lines = await line_ids(client, customer)
    before = await stock("RING-9-BLK")
    case = await open_return(client, customer, exchange_item(lines["RING-8-BLK"]))
    assert await stock("RING-9-BLK") == before - 1
    config = WorkerConfig(mailer=MailDropMailer(tmp_path), sender="r@s")
    clock.advance(days=29)
    await run_once(Runtime(clock), config)
    assert (await ReturnCase.select(ReturnCase.status))[0]["status"] == "approved"
    clock.advance(days=2)
    await run_once(Runtime(clock), config)
    assert (await ReturnCase.select(ReturnCase.status))[0]["status"] == "expired"
    assert await stock("RING-9-BLK") == before
    assert (await Label.select(Label.status))[0]["status"] == "voided"
    view = (await client.get(f"/api/v1/cases/{case['number']}", headers=shop["agent"])).json()
    assert view["timeline"][-1]["to_status"] == "expired"
