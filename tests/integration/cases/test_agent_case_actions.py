"""The console's actions: each first shows what it will do (with the exact amounts), then its
confirmation does it once, through the same services as the API; a refusal is shown on the
page, never a 5xx."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import pytest

from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseEvent, OutboxMessage, Payment, ReturnCase, Shipment
from returns_service.domain.errors import InvalidRequest
from returns_service.web.agent.case_actions import minor_units
from tests.integration.cases.test_agent_case_page import Console, Store, console, with_sam
from tests.integration.cases.test_agent_case_page import store as store  # the fixture
from tests.integration.helpers import (
    Client,
    add_agent,
    exchange_item,
    open_return,
    portal_headers,
    refund_item,
)


def hidden(html: str, name: str) -> str:
    found = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert found, f"no hidden {name}"
    return found.group(1)


async def ring_refund_case(client: Client, store: Store) -> str:
    case = await open_return(client, store.customer, refund_item(store.lines["RING-8-BLK"]))
    assert case["status"] == "approved"
    return str(case["number"])


async def ask(agent: Console, number: str, action: str, **data: str):  # type: ignore[no-untyped-def]
    return await agent.post(f"/agent/cases/{number}/{action}", data)


async def confirm(agent: Console, number: str, action: str, page_html: str):  # type: ignore[no-untyped-def]
    data = {
        name: hidden(page_html, name)
        for name in ("idempotency_key", "comment", "reason", "amount", "agent_id")
        if f'name="{name}"' in page_html
    }
    return await agent.post(f"/agent/cases/{number}/{action}/confirm", data)


async def test_a_partial_refund_is_confirmed_with_its_amount_then_done(
    client: Client, store: Store
) -> None:
    number = await ring_refund_case(client, store)
    asked = await ask(store.ioana, number, "refund", amount="10.00")
    assert asked.status_code == 200, asked.text
    assert "Refunds $10.00 to the original payment; this cannot be undone." in asked.text
    assert await Payment.count() == 0  # nothing happens before the confirmation
    done = await confirm(store.ioana, number, "refund", asked.text)
    assert (done.status_code, done.headers["location"]) == (
        303,
        f"/agent/cases/{number}?done=refund",
    )
    payments = await Payment.select(Payment.kind, Payment.amount, Payment.currency)
    assert payments == [{"kind": "refund", "amount": 1000, "currency": "USD"}]
    page = await store.ioana.get(done.headers["location"])
    assert "Refunded." in page.text and 'id="payments"' in page.text and "$10.00" in page.text


async def test_the_same_confirmation_posted_twice_refunds_once(
    client: Client, store: Store
) -> None:
    number = await ring_refund_case(client, store)
    asked = await ask(store.ioana, number, "refund", amount="10.00")
    first = await confirm(store.ioana, number, "refund", asked.text)
    again = await confirm(store.ioana, number, "refund", asked.text)
    # the second finds it done: back to the case, no error, no second payment
    assert first.status_code == again.status_code == 303
    assert again.headers["location"] == first.headers["location"]
    assert await Payment.select(Payment.amount) == [{"amount": 1000}]


async def test_a_double_click_on_the_confirmation_refunds_once(
    client: Client, store: Store
) -> None:
    number = await ring_refund_case(client, store)
    asked = await ask(store.ioana, number, "refund", amount="7.50")
    both = await asyncio.gather(
        *(confirm(store.ioana, number, "refund", asked.text) for _ in range(2))
    )
    assert [r.status_code for r in both] == [303, 303]
    assert await Payment.select(Payment.amount) == [{"amount": 750}]
    assert await CaseEvent.count().where(CaseEvent.kind == "refund") == 1


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("abc", "is not an amount in USD"),
        ("10.005", "is not an amount in USD"),
        ("-5", "more than 0"),
        ("0", "more than 0"),
        ("Infinity", "is not an amount in USD"),
        ("25.01", "At most $25.00 can still be refunded on this case."),
    ],
)
async def test_a_wrong_amount_is_said_on_the_case_page_and_changes_nothing(
    client: Client, store: Store, typed: str, said: str
) -> None:
    number = await ring_refund_case(client, store)
    asked = await ask(store.ioana, number, "refund", amount=typed)
    assert asked.status_code == 422, asked.text
    assert said in asked.text and 'role="alert"' in asked.text
    assert f'value="{typed}"' in asked.text  # what they typed stays in the field
    # the confirmation refuses the same, whatever was posted to it
    forged = await store.ioana.post(
        f"/agent/cases/{number}/refund/confirm", {"amount": typed, "idempotency_key": "k" * 20}
    )
    assert forged.status_code == 422
    assert await Payment.count() == 0


def test_amounts_are_read_with_the_currency_s_own_digits() -> None:
    assert minor_units("1500", "JPY") == 1500
    assert minor_units("12.345", "KWD") == 12345
    assert minor_units("12.3", "USD") == 1230
    assert minor_units("", "USD") is None
    for typed, currency in (("15.5", "JPY"), ("1.2345", "KWD"), ("1e400", "USD")):
        with pytest.raises(InvalidRequest):
            minor_units(typed, currency)


async def test_a_lead_reassigns_with_a_reason(client: Client, store: Store) -> None:
    number = await ring_refund_case(client, store)
    sam_id, _ = await add_agent(client, store.admin, "Sam")
    _, lead_bearer = await add_agent(client, store.admin, "Maria", role="lead")
    lead = await console(client, lead_bearer)
    page = await lead.get(f"/agent/cases/{number}")
    assert 'id="action-reassign"' in page.text and f'<option value="{sam_id}">Sam' in page.text
    refused = await ask(lead, number, "reassign", agent_id=str(sam_id))
    assert refused.status_code == 422 and "the reason is required" in refused.text
    asked = await ask(lead, number, "reassign", agent_id=str(sam_id), reason="Ioana is off")
    assert f"Hands {number} to Sam with the reason “Ioana is off”" in asked.text
    done = await confirm(lead, number, "reassign", asked.text)
    assert done.status_code == 303
    owner = await ReturnCase.select(ReturnCase.agent).where(ReturnCase.number == number)
    assert owner == [{"agent": sam_id}]
    detail = await CaseEvent.select(CaseEvent.detail).where(CaseEvent.kind == "handover")
    assert detail[0]["detail"].endswith("Ioana is off")
    assert await OutboxMessage.count().where(OutboxMessage.template == "handover") == 1


async def test_an_agent_is_not_offered_reassign_and_cannot_post_it(
    client: Client, store: Store
) -> None:
    number = await ring_refund_case(client, store)
    sam_id, _ = await add_agent(client, store.admin, "Sam")
    page = await store.ioana.get(f"/agent/cases/{number}")
    assert 'id="action-reassign"' not in page.text
    refused = await ask(store.ioana, number, "reassign", agent_id=str(sam_id), reason="x")
    assert refused.status_code == 403
    forged = await store.ioana.post(
        f"/agent/cases/{number}/reassign/confirm",
        {"agent_id": str(sam_id), "reason": "x", "idempotency_key": "k" * 20},
    )
    assert forged.status_code == 403
    assert await CaseEvent.count().where(CaseEvent.kind == "handover") == 0


async def test_rejecting_needs_a_reason_and_says_what_follows(client: Client, store: Store) -> None:
    await client.put("/api/v1/policy", json={"auto_approve": False}, headers=store.admin)
    number = str(
        (await open_return(client, store.customer, refund_item(store.lines["RING-8-BLK"])))[
            "number"
        ]
    )
    without = await ask(store.ioana, number, "reject", reason="  ")
    assert without.status_code == 422 and "the reason is required" in without.text
    asked = await ask(store.ioana, number, "reject", reason="Worn for a month")
    assert "the customer is emailed; the label is voided" in asked.text
    assert (await ReturnCase.select(ReturnCase.status))[0]["status"] == "requested"
    done = await confirm(store.ioana, number, "reject", asked.text)
    assert done.status_code == 303
    case = await ReturnCase.select(ReturnCase.status, ReturnCase.reject_reason)
    assert case == [{"status": "rejected", "reject_reason": "Worn for a month"}]


async def test_approving_a_late_return_says_it_is_an_exception(
    client: Client, store: Store, clock: FrozenClock
) -> None:
    clock.set(datetime(2026, 9, 10, 12, tzinfo=UTC))
    customer = await portal_headers(client)
    number = str(
        (await open_return(client, customer, refund_item(store.lines["RING-8-BLK"])))["number"]
    )
    asked = await ask(store.ioana, number, "approve", comment="loyal customer")
    assert "approves it as an exception to the policy; recorded as such" in asked.text
    assert "“loyal customer”" in asked.text
    done = await confirm(store.ioana, number, "approve", asked.text)
    assert done.status_code == 303
    case = await ReturnCase.select(ReturnCase.status, ReturnCase.approved_as_exception)
    assert case == [{"status": "approved", "approved_as_exception": True}]


async def test_reissuing_names_the_label_it_voids(client: Client, store: Store) -> None:
    number = await ring_refund_case(client, store)
    case = (await client.get(f"/api/v1/cases/{number}", headers=store.ioana.bearer)).json()
    old = case["label"]["tracking_number"]
    asked = await ask(store.ioana, number, "label")
    assert f"Voids label {old} and buys a new one" in asked.text
    assert (await confirm(store.ioana, number, "label", asked.text)).status_code == 303
    new = (await client.get(f"/api/v1/cases/{number}", headers=store.ioana.bearer)).json()
    assert new["label"]["tracking_number"] != old


async def test_an_action_the_status_does_not_allow_is_a_409_on_the_page(
    client: Client, store: Store
) -> None:
    number = await ring_refund_case(client, store)
    asked = await ask(store.ioana, number, "approve")  # approved already
    assert (await confirm(store.ioana, number, "approve", asked.text)).status_code == 409
    await ReturnCase.update({ReturnCase.status: "closed"}).where(ReturnCase.number == number)
    refund = await ask(store.ioana, number, "refund")
    assert refund.status_code == 409 and "a closed case is not refunded" in refund.text
    unknown = await ask(store.ioana, number, "explode")
    assert unknown.status_code == 422


async def test_closing_confirms_then_closes(client: Client, store: Store) -> None:
    number = await ring_refund_case(client, store)
    sam = await with_sam(client, store)
    assert (await ask(sam, number, "close")).status_code == 404  # not Sam's case
    asked = await ask(store.ioana, number, "close")
    assert "Closes" in asked.text and "an unused label is voided" in asked.text
    assert (await confirm(store.ioana, number, "close", asked.text)).status_code == 303
    assert (await ReturnCase.select(ReturnCase.status))[0]["status"] == "closed"


async def test_shipping_the_replacement_now_states_the_deadline_and_the_charge(
    client: Client, store: Store
) -> None:
    case = await open_return(
        client, store.customer, exchange_item(store.lines["RING-8-BLK"], "RING-9-BLK")
    )
    number = str(case["number"])
    page = await store.ioana.get(f"/agent/cases/{number}")
    assert 'id="action-ship"' in page.text  # on_first_scan: it waits for the parcel otherwise
    asked = await ask(store.ioana, number, "ship")
    assert (
        "Ships 1 \u00d7 RING-9-BLK now, before the original is back. The original must be back by "
        "September 22, 2026; if it does not come back, the customer is charged $25.00."
    ) in asked.text
    assert await Shipment.count() == 0
    assert (await confirm(store.ioana, number, "ship", asked.text)).status_code == 303
    shipped = await Shipment.select(Shipment.sku, Shipment.advance, Shipment.value_amount)
    assert shipped == [{"sku": "RING-9-BLK", "advance": True, "value_amount": 2500}]
