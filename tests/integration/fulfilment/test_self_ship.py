"""Handing the parcel in without our label: a translated "how to send it" card (the policy's
return address for the customer's country, the deadline, who pays the postage), the
customer's own tracking number followed like a label's, cancel with confirmation and its
email, the received-parcel email, and "write to us" after the window closed."""

from __future__ import annotations

import hmac
import json
from typing import Any

import pytest

from returns_service.clock import FrozenClock
from returns_service.db.tables import (
    CaseEvent,
    CustomerTracking,
    OutboxMessage,
    ReturnCase,
    Shipment,
)
from returns_service.domain.access import Role
from returns_service.settings import Settings
from returns_service.web.sessions import PORTAL_COOKIE
from tests.integration.helpers import (
    WATCH_POLICY,
    Client,
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

CARRIER = "dhl"
CLUJ = {
    "name": "Maraviq Retururi",
    "line1": "Strada Fabricii 7",
    "city": "Cluj-Napoca",
    "postal_code": "400632",
    "country": "RO",
}
POLICY = {**WATCH_POLICY, "return_addresses": [{"countries": ["RO", "HU"], "address": CLUJ}]}


def romanian_order() -> dict[str, Any]:
    doc = order_doc(number="2001", email="ilinca@example.ro", shop_order_id="shop-2001")
    doc["customer"]["country"] = "RO"
    doc["shipping_address"] = {
        "line1": "Str. Mare 1",
        "city": "Iași",
        "postal_code": "700001",
        "country": "RO",
    }
    return doc


@pytest.fixture
def settings(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """A carrier the customer ships with themselves, whose tracking webhooks we receive."""
    monkeypatch.setenv("RETURNS_CARRIER_SECRETS", f"{CARRIER}=dhl-webhook-secret")
    return Settings.from_env()


@pytest.fixture
async def shop(client: Client, clock: FrozenClock) -> dict[str, dict[str, str]]:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    assert (await client.put("/api/v1/policy", json=POLICY, headers=admin)).status_code == 200
    response = await client.post("/api/v1/orders", json=romanian_order(), headers=admin)
    assert response.status_code == 201, response.text
    return {
        "admin": admin,
        "agent": await staff_headers(client, Role.LEAD, clock),
        "warehouse": await staff_headers(client, Role.WAREHOUSE, clock),
        "ilinca": await portal_headers(client, "2001", "ilinca@example.ro"),
        "ana": await portal_headers(client),
    }


def signed_event(client: Client, tracking: str, status: str, event_id: str) -> dict[str, Any]:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    body = json.dumps(
        {
            "event_id": event_id,
            "tracking_number": tracking,
            "status": status,
            "occurred_at": "2026-09-02T10:00:00Z",
        }
    ).encode()
    signature = hmac.new(settings.carrier_secret(CARRIER).encode(), body, "sha256").hexdigest()
    return {
        "content": body,
        "headers": {
            "X-Carrier-Signature": f"sha256={signature}",
            "content-type": "application/json",
        },
    }


def use_session(client: Client, customer: dict[str, str]) -> None:
    client.cookies.set(
        PORTAL_COOKIE, customer["Authorization"].removeprefix("Bearer "), "", "/portal"
    )


async def test_the_card_says_where_by_when_and_who_pays_in_the_customer_s_language(
    client: Client, shop: dict[str, dict[str, str]]
) -> None:
    lines = await line_ids(client, shop["ilinca"])
    case = await open_return(client, shop["ilinca"], refund_item(lines["RING-8-BLK"]))
    assert case["status"] == "approved" and case["label"] is None
    use_session(client, shop["ilinca"])
    page = await client.get(f"/portal/returns/{case['number']}")
    assert page.status_code == 200
    card = page.text[page.text.index('id="how-to-send"') :]
    assert "Cum îl trimiți" in card  # the customer's language (ro)
    assert "Strada Fabricii 7" in card and "Cluj-Napoca" in card  # the policy's RO address
    assert "Tu plătești expedierea" in card
    assert "1 octombrie 2026" in card  # approved 1 Sep, + RETURNS_EXPIRE_AFTER_DAYS (30)
    # the timeline's address is the same one
    event = await CaseEvent.select(CaseEvent.params).where(CaseEvent.kind == "ship_yourself")
    assert json.loads(event[0]["params"])["address"]["line1"] == "Strada Fabricii 7"


async def test_a_prepaid_label_customer_gets_no_card(
    client: Client, shop: dict[str, dict[str, str]]
) -> None:
    lines = await line_ids(client, shop["ana"])
    case = await open_return(client, shop["ana"], refund_item(lines["RING-8-BLK"]))
    use_session(client, shop["ana"])
    page = await client.get(f"/portal/returns/{case['number']}")
    assert 'id="how-to-send"' not in page.text and 'id="qr-explained"' in page.text
    refused = await client.post(
        f"/api/v1/portal/returns/{case['number']}/tracking",
        json={"carrier": CARRIER, "tracking_number": "JD0146000012345"},
        headers=shop["ana"],
    )
    assert refused.status_code == 409
    assert await CustomerTracking.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        {"carrier": "DHL Express!", "tracking_number": "JD0146000012345"},
        {"carrier": "dhl", "tracking_number": "12"},
        {"carrier": "dhl", "tracking_number": "<script>alert(1)</script>"},
        {"carrier": "dhl"},
        {"carrier": "dhl", "tracking_number": "JD0146000012345", "extra": 1},
    ],
)
async def test_a_malformed_tracking_number_is_a_problem_and_changes_nothing(
    client: Client, shop: dict[str, dict[str, str]], body: dict[str, Any]
) -> None:
    lines = await line_ids(client, shop["ilinca"])
    case = await open_return(client, shop["ilinca"], refund_item(lines["RING-8-BLK"]))
    response = await client.post(
        f"/api/v1/portal/returns/{case['number']}/tracking", json=body, headers=shop["ilinca"]
    )
    assert response.status_code in (400, 422)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert await CustomerTracking.count() == 0
    assert await CaseEvent.count().where(CaseEvent.kind == "own_tracking") == 0


async def test_own_tracking_is_followed_like_a_label_and_ships_the_exchange_on_first_scan(
    client: Client, shop: dict[str, dict[str, str]]
) -> None:
    lines = await line_ids(client, shop["ilinca"])
    case = await open_return(client, shop["ilinca"], exchange_item(lines["RING-8-BLK"]))
    number = case["number"]
    # another customer cannot touch it
    other = await client.post(
        f"/api/v1/portal/returns/{number}/tracking",
        json={"carrier": CARRIER, "tracking_number": "JD0146000012345"},
        headers=shop["ana"],
    )
    assert other.status_code == 404
    given = await client.post(
        f"/api/v1/portal/returns/{number}/tracking",
        json={"carrier": " DHL ", "tracking_number": "jd01 4600 0012 345"},
        headers=shop["ilinca"],
    )
    assert given.status_code == 201, given.text
    assert given.json()["timeline"][-1]["kind"] == "own_tracking"
    stored = await CustomerTracking.select(
        CustomerTracking.carrier, CustomerTracking.tracking_number
    )
    assert stored == [{"carrier": "dhl", "tracking_number": "JD0146000012345"}]
    # the agent sees it on the case
    agent_view = (await client.get(f"/api/v1/cases/{number}", headers=shop["agent"])).json()
    entry = next(e for e in agent_view["timeline"] if e["kind"] == "own_tracking")
    assert "JD0146000012345" in entry["text"] and "dhl" in entry["text"]
    assert await Shipment.count() == 0  # on_first_scan: nothing ships before the parcel moves
    # the carrier's first scan of the customer's number moves the case like a label's
    moved = await client.post(
        f"/api/v1/webhooks/carrier/{CARRIER}",
        **signed_event(client, "JD0146000012345", "in_transit", "e1"),
    )
    assert moved.status_code == 201 or moved.status_code == 200, moved.text
    status = await ReturnCase.select(ReturnCase.status).where(ReturnCase.number == number)
    assert status == [{"status": "in_transit"}]
    assert await Shipment.count().where(Shipment.advance == True) == 1  # noqa: E712
    # once on its way, the number is no longer changed by the customer
    late = await client.post(
        f"/api/v1/portal/returns/{number}/tracking",
        json={"carrier": CARRIER, "tracking_number": "JD0146000099999"},
        headers=shop["ilinca"],
    )
    assert late.status_code == 409
    assert (await CustomerTracking.select(CustomerTracking.tracking_number))[0][
        "tracking_number"
    ] == "JD0146000012345"


async def test_the_tracking_form_on_the_page(
    client: Client, shop: dict[str, dict[str, str]]
) -> None:
    lines = await line_ids(client, shop["ilinca"])
    case = await open_return(client, shop["ilinca"], refund_item(lines["RING-8-BLK"]))
    use_session(client, shop["ilinca"])
    path = f"/portal/returns/{case['number']}"
    csrf = (await client.get(path)).cookies["csrftoken"]
    bad = await client.post(
        f"{path}/tracking",
        data={"carrier": "dhl", "tracking_number": "??"},
        headers={"x-csrftoken": csrf},
    )
    assert bad.status_code == 200 and "Verifică curierul" in bad.text
    good = await client.post(
        f"{path}/tracking",
        data={"carrier": "dhl", "tracking_number": "JD0146000012345"},
        headers={"x-csrftoken": csrf},
    )
    assert good.status_code == 303
    page = await client.get(path)
    assert 'id="own-tracking"' in page.text and "JD0146000012345" in page.text


async def test_cancel_asks_first_then_cancels_and_emails(
    client: Client, shop: dict[str, dict[str, str]]
) -> None:
    lines = await line_ids(client, shop["ana"])
    case = await open_return(client, shop["ana"], refund_item(lines["RING-8-BLK"]))
    number = case["number"]
    use_session(client, shop["ana"])
    csrf = (await client.get(f"/portal/returns/{number}")).cookies["csrftoken"]
    # a post without the confirmation (an old form, a stray click) only asks
    asked = await client.post(f"/portal/returns/{number}/cancel", headers={"x-csrftoken": csrf})
    assert (asked.status_code, asked.headers["location"]) == (
        303,
        f"/portal/returns/{number}/cancel",
    )
    confirm = await client.get(f"/portal/returns/{number}/cancel")
    assert confirm.status_code == 200  # in Ana's language, what cancelling means
    assert "nu se rambursează și nu se schimbă nimic" in confirm.text
    status = await ReturnCase.select(ReturnCase.status).where(ReturnCase.number == number)
    assert status == [{"status": "approved"}]
    done = await client.post(
        f"/portal/returns/{number}/cancel", data={"confirm": "yes"}, headers={"x-csrftoken": csrf}
    )
    assert done.status_code == 303
    status = await ReturnCase.select(ReturnCase.status).where(ReturnCase.number == number)
    assert status == [{"status": "cancelled"}]
    sent = await OutboxMessage.select(OutboxMessage.subject, OutboxMessage.body).where(
        OutboxMessage.template == "case_cancelled"
    )
    assert len(sent) == 1 and number in sent[0]["subject"]
    assert "/portal/r/" in sent[0]["body"]


async def test_a_received_parcel_sends_an_email(
    client: Client, shop: dict[str, dict[str, str]]
) -> None:
    lines = await line_ids(client, shop["ana"])
    case = await open_return(client, shop["ana"], refund_item(lines["RING-8-BLK"]))
    await receive_and_grade(client, shop["warehouse"], case["number"], lines["RING-8-BLK"])
    sent = await OutboxMessage.select(OutboxMessage.language, OutboxMessage.subject).where(
        OutboxMessage.template == "parcel_received"
    )
    assert sent == [{"language": "ro", "subject": f"Am primit coletul tău pentru {case['number']}"}]


async def test_write_to_us_after_the_window_reaches_a_concierge(
    client: Client, shop: dict[str, dict[str, str]], clock: FrozenClock
) -> None:
    clock.advance(days=40)  # delivered 5 Aug: the ring's 30 days are over, the watch's 90 not
    shop["ana"] = await portal_headers(client)
    lines = await line_ids(client, shop["ana"])
    refused = await client.post(
        "/api/v1/portal/contact",
        json={"body": "Can I still return it?", "line_id": lines["WATCH-41-BLK"]},
        headers=shop["ana"],
    )
    assert refused.status_code == 422  # a rule: that window is open, start a return instead
    empty = await client.post(
        "/api/v1/portal/contact", json={"body": "", "line_id": 1}, headers=shop["ana"]
    )
    assert empty.status_code == 400
    assert await ReturnCase.count() == 0
    written = await client.post(
        "/api/v1/portal/contact",
        json={"body": "It broke after 5 weeks, can you help?", "line_id": lines["RING-8-BLK"]},
        headers=shop["ana"],
    )
    assert written.status_code == 201, written.text
    case = written.json()
    assert case["status"] == "requested" and case["outside_policy"] is True
    assert case["comment"] == "It broke after 5 weeks, can you help?"
    # the order page offers it for that line only
    use_session(client, shop["ana"])
    page = (await client.get("/portal/order")).text
    assert page.count('formaction="/portal/contact"') == 1
