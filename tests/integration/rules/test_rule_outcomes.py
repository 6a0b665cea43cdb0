"""Issue 14's outcomes through HTTP: a fee deducted, bonus credit, keep-it, a blocked customer
and a serial returner sent to review (the rule shown to the agent), an invalid policy refused
naming the rule and field, and no advance exchange for a customer who kept an earlier one."""

from __future__ import annotations

import re
from typing import Any

import pytest

from returns_service.adapters.payments import ManualPayments, MoneyRequest, PaymentResult
from returns_service.clock import FrozenClock
from returns_service.db.tables import (
    CaseEvent,
    Label,
    OutboxMessage,
    Payment,
    Shipment,
    StoreCredit,
)
from returns_service.domain.access import Role
from returns_service.services.platform import jobs
from returns_service.web.sessions import PORTAL_COOKIE
from tests.integration.helpers import (
    WATCH_POLICY,
    Client,
    add_agent,
    exchange_item,
    line_ids,
    open_return,
    portal_headers,
    receive_and_grade,
    refund_item,
    seed_store,
    staff_headers,
)

RESTOCKING = {
    "when": {"reason": ["changed_mind"], "resolution": ["refund"]},
    "fee": {"percent": 10, "label": "restocking"},
}


async def store(client: Client, clock: FrozenClock, **policy: Any) -> dict[str, Any]:
    """Order 1001 (two rings at 25.00), the watch policy plus `policy`, a lead, a station."""
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    document = {
        **WATCH_POLICY,
        **policy,
        "rules": [*WATCH_POLICY["rules"], *policy.get("rules", [])],
    }
    response = await client.put("/api/v1/policy", json=document, headers=admin)
    assert response.status_code == 200, response.text
    _, lead = await add_agent(client, admin, "Ioana", role="lead")
    customer = await portal_headers(client)
    return {
        "admin": admin,
        "lead": lead,
        "customer": customer,
        "warehouse": await staff_headers(client, Role.WAREHOUSE, clock),
        "lines": await line_ids(client, customer),
    }


async def payments(number: str) -> list[tuple[str, int, bool]]:
    rows = await Payment.select(Payment.kind, Payment.amount, Payment.line).where(
        Payment.case.number == number
    )
    return sorted((r["kind"], r["amount"], r["line"] is not None) for r in rows)


async def agent_case(client: Client, s: dict[str, Any], number: str) -> dict[str, Any]:
    response = await client.get(f"/api/v1/cases/{number}", headers=s["lead"])
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_restocking_fee_is_shown_and_deducted_from_the_refund(
    client: Client, clock: FrozenClock
) -> None:
    s = await store(client, clock, rules=[RESTOCKING])
    item = refund_item(s["lines"]["RING-8-BLK"], quantity=2)
    preview = await client.post(
        "/api/v1/portal/returns/preview", json={"items": [item]}, headers=s["customer"]
    )
    assert preview.status_code == 200, preview.text
    expected = {
        "currency": "USD",
        "items_total": {"amount": 5000, "currency": "USD"},
        "fees": [{"kind": "restocking", "amount": {"amount": 500, "currency": "USD"}}],
        "bonus_credit": {"amount": 0, "currency": "USD"},
        "refund_total": {"amount": 4500, "currency": "USD"},
        "credit_total": {"amount": 0, "currency": "USD"},
        "difference_due": {"amount": 0, "currency": "USD"},
    }
    assert preview.json()["amounts"] == expected
    case = await open_return(client, s["customer"], item)
    assert case["status"] == "approved" and case["amounts"] == expected
    assert case["items"][0]["fees"] == [{"kind": "restocking", "amount": 500}]
    graded = await receive_and_grade(
        client, s["warehouse"], case["number"], s["lines"]["RING-8-BLK"], quantity=2
    )
    assert graded.status_code == 200, graded.text
    assert await payments(case["number"]) == [("refund", 4500, True)]
    seen = await agent_case(client, s, case["number"])
    assert seen["decision"]["rules"] == [
        {
            "index": 2,
            "matched_on": {"reason": "changed_mind", "resolution": "refund"},
            "effect": {"fee": {"percent": 10, "label": "restocking"}},
            "line_id": s["lines"]["RING-8-BLK"],
            # what a console shows, without re-deriving it from the policy
            "text": "rule 2: restocking fee 10 %, because reason changed_mind and resolution refund",
        }
    ]


async def test_a_fee_is_not_taken_from_an_exchange(client: Client, clock: FrozenClock) -> None:
    fee_all = {"when": {"category": ["rings"]}, "fee": {"percent": 10, "label": "restocking"}}
    s = await store(client, clock, rules=[fee_all])
    item = exchange_item(s["lines"]["RING-8-BLK"])
    preview = await client.post(
        "/api/v1/portal/returns/preview", json={"items": [item]}, headers=s["customer"]
    )
    assert preview.json()["amounts"]["fees"] == []
    assert preview.json()["amounts"]["difference_due"]["amount"] == 0


async def test_bonus_credit_is_offered_and_issued_with_the_credit(
    client: Client, clock: FrozenClock
) -> None:
    s = await store(client, clock, bonus_credit={"store_credit_percent": 10})
    item = {**refund_item(s["lines"]["RING-8-BLK"]), "resolution": "store_credit"}
    preview = await client.post(
        "/api/v1/portal/returns/preview", json={"items": [item]}, headers=s["customer"]
    )
    amounts = preview.json()["amounts"]
    assert amounts["bonus_credit"] == {"amount": 250, "currency": "USD"}
    assert amounts["credit_total"] == {"amount": 2750, "currency": "USD"}
    case = await open_return(client, s["customer"], item)
    assert case["amounts"]["credit_total"]["amount"] == 2750
    graded = await receive_and_grade(
        client, s["warehouse"], case["number"], s["lines"]["RING-8-BLK"]
    )
    assert graded.status_code == 200, graded.text
    # the credit for the ring (tied to its line) and the bonus (tied to none), once each
    assert await payments(case["number"]) == [
        ("store_credit", 250, False),
        ("store_credit", 2500, True),
    ]
    credit = await StoreCredit.select(StoreCredit.balance).where(
        StoreCredit.case.number == case["number"]
    )
    assert [c["balance"] for c in credit] == [2750]


async def test_keep_it_buys_no_label_moves_the_money_once_and_resolves(
    client: Client, clock: FrozenClock
) -> None:
    keep = {"when": {"unit_price_below": {"amount": 3000, "currency": "USD"}}, "keep_it": True}
    s = await store(client, clock, rules=[keep])
    case = await open_return(client, s["customer"], refund_item(s["lines"]["RING-8-BLK"]))
    assert case["status"] == "resolved"
    assert case["label"] is None
    assert await Label.count().where(Label.case.number == case["number"]) == 0
    assert await payments(case["number"]) == [("refund", 2500, True)]
    assert "keep_it" in [e["kind"] for e in case["timeline"]]
    # nothing is left to move: an agent's refund is refused and moves nothing
    again = await client.post(f"/api/v1/cases/{case['number']}/refund", json={}, headers=s["lead"])
    assert again.status_code == 409
    assert await payments(case["number"]) == [("refund", 2500, True)]


async def test_keep_it_does_not_apply_when_one_item_must_come_back(
    client: Client, clock: FrozenClock
) -> None:
    keep = {"when": {"unit_price_below": {"amount": 3000, "currency": "USD"}}, "keep_it": True}
    s = await store(client, clock, rules=[keep])
    case = await open_return(
        client,
        s["customer"],
        refund_item(s["lines"]["RING-8-BLK"]),
        refund_item(s["lines"]["WATCH-41-BLK"]),
    )
    assert case["status"] == "approved" and case["label"] is not None
    assert await payments(case["number"]) == []


async def test_a_blocked_customer_waits_for_an_agent_who_sees_why(
    client: Client, clock: FrozenClock
) -> None:
    s = await store(client, clock, blocklist={"emails": ["ANA@example.com"], "addresses": []})
    case = await open_return(client, s["customer"], refund_item(s["lines"]["RING-8-BLK"]))
    assert case["status"] == "requested" and case["label"] is None
    seen = await agent_case(client, s, case["number"])
    assert seen["decision"]["review"] == ["blocklist (email)"]
    assert seen["decision"]["rules"] == [
        {
            "index": None,
            "matched_on": {"blocklist": "email", "email": "ANA@example.com"},
            "effect": {"require_review": True},
            "line_id": None,
            "text": "block list: a person decides, because email ANA@example.com",
        }
    ]
    review = [e for e in seen["timeline"] if e["kind"] == "rules_review"]
    assert [e["params"] for e in review] == [{"reasons": "blocklist (email)"}]
    assert "blocklist (email)" in review[0]["text"]
    # the customer is told a person decides, never why
    mine = await client.get(f"/api/v1/portal/returns/{case['number']}", headers=s["customer"])
    assert "rules_review" not in [e["kind"] for e in mine.json()["timeline"]]
    # not a refusal: the agent approves and the label follows
    approved = await client.post(
        f"/api/v1/cases/{case['number']}/approve", json={}, headers=s["lead"]
    )
    assert approved.status_code == 200, approved.text
    assert (await agent_case(client, s, case["number"]))["status"] == "approved"


async def test_a_serial_returner_goes_to_review_with_the_rule_shown(
    client: Client, clock: FrozenClock
) -> None:
    serial = {"when": {"customer_returns_last_365_days_at_least": 1}, "require_review": True}
    s = await store(client, clock, rules=[serial])
    first = await open_return(client, s["customer"], refund_item(s["lines"]["RING-8-BLK"]))
    assert first["status"] == "approved"  # no earlier returns
    second = await open_return(client, s["customer"], refund_item(s["lines"]["WATCH-41-BLK"]))
    assert second["status"] == "requested"
    seen = await agent_case(client, s, second["number"])
    assert seen["decision"]["review"] == ["rule 2"]
    watch = s["lines"]["WATCH-41-BLK"]
    assert seen["decision"]["rules"] == [
        {
            "index": 0,
            "matched_on": {"category": "watches"},
            "effect": {"window_days": 90},
            "line_id": watch,
            "text": "rule 0: return window 90 days, because category watches",
        },
        {
            "index": 2,
            "matched_on": {"customer_returns_last_365_days": 1},
            "effect": {"require_review": True},
            "line_id": s["lines"]["WATCH-41-BLK"],
            "text": "rule 2: a person decides, because customer_returns_last_365_days 1",
        },
    ]
    assert "rule 2" in next(e["text"] for e in seen["timeline"] if e["kind"] == "rules_review")


async def test_an_invalid_policy_is_refused_naming_the_rule_and_field(
    client: Client, clock: FrozenClock
) -> None:
    s = await store(client, clock)
    before = (await client.get("/api/v1/policy", headers=s["admin"])).json()
    window_by_reason = {"when": {"reason": ["defective"]}, "window_days": 365}
    for rules, status, field in (
        ([RESTOCKING, window_by_reason], 422, "rules[1].when.reason"),
        (
            # neither built-in nor in the policy's `reasons`: the engine's check, not the type's
            [RESTOCKING, {"when": {"reason": ["bored"]}, "keep_it": True}],
            422,
            "rules[1].when.reason[0]",
        ),
        (
            [RESTOCKING, {"when": {"reason": ["Bored!"]}, "keep_it": True}],
            400,
            "rules[1].when.reason",
        ),
        (
            [
                {
                    "when": {"sku": ["A"]},
                    "fee": {"percent": 5, "amount": {"amount": 1, "currency": "USD"}},
                }
            ],
            422,
            "rules[0].fee",
        ),
    ):
        response = await client.put(
            "/api/v1/policy", json={**WATCH_POLICY, "rules": rules}, headers=s["admin"]
        )
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        assert field in response.json()["detail"]
    assert (await client.get("/api/v1/policy", headers=s["admin"])).json() == before


async def test_no_advance_exchange_for_a_customer_whose_advance_original_never_came_back(
    client: Client, clock: FrozenClock
) -> None:
    s = await store(client, clock, advance_exchange="on_request")
    ring = s["lines"]["RING-8-BLK"]
    first = await open_return(client, s["customer"], exchange_item(ring))
    shipped = await Shipment.select(Shipment.id, Shipment.advance).where(
        Shipment.case.number == first["number"]
    )
    assert [r["advance"] for r in shipped] == [True]
    # its original never came back: the overdue charge marked it (services/money/refunds.py)
    await Shipment.update({Shipment.overdue_at: clock.now()}).where(Shipment.id == shipped[0]["id"])
    second = await open_return(client, s["customer"], exchange_item(ring))
    assert second["status"] == "approved"
    assert await Shipment.count().where(Shipment.case.number == second["number"]) == 0
    seen = await agent_case(client, s, second["number"])
    refused = [e for e in seen["timeline"] if e["kind"] == "advance_refused"]
    assert [e["params"] for e in refused] == [{"case_number": first["number"]}]
    assert first["number"] in refused[0]["text"]
    assert await CaseEvent.count().where(CaseEvent.kind == "advance_refused") == 1


async def test_the_approval_email_states_the_fees_and_the_bonus(
    client: Client, clock: FrozenClock
) -> None:
    s = await store(client, clock, rules=[RESTOCKING], bonus_credit={"store_credit_percent": 10})
    ring = s["lines"]["RING-8-BLK"]
    credit = {**refund_item(s["lines"]["WATCH-41-BLK"]), "resolution": "store_credit"}
    case = await open_return(client, s["customer"], refund_item(ring), credit)
    email = (
        await OutboxMessage.select(OutboxMessage.body, OutboxMessage.language)
        .where(OutboxMessage.case.number == case["number"])
        .order_by(OutboxMessage.id, ascending=False)
        .first()
    )
    assert email is not None and email["language"] == "ro"
    # 10 % of the 25.00 ring; 10 % of the 395.00 watch, in the customer's language
    assert "Taxe reținute: 2,50" in email["body"]
    assert "Bonus în creditul din magazin: 39,50" in email["body"]


async def test_an_exchange_bonus_is_credited_once_when_the_replacement_ships(
    client: Client, clock: FrozenClock
) -> None:
    s = await store(
        client, clock, advance_exchange="on_request", bonus_credit={"exchange_percent": 10}
    )
    item = exchange_item(s["lines"]["RING-8-BLK"])
    preview = await client.post(
        "/api/v1/portal/returns/preview", json={"items": [item]}, headers=s["customer"]
    )
    assert preview.json()["amounts"]["bonus_credit"] == {"amount": 250, "currency": "USD"}
    case = await open_return(client, s["customer"], item)
    assert await Shipment.count().where(Shipment.case.number == case["number"]) == 1
    assert await payments(case["number"]) == [("store_credit", 250, False)]


async def test_the_case_page_shows_the_fee_in_the_shoppers_language(
    client: Client, clock: FrozenClock
) -> None:
    shipping = {
        "when": {"country": ["US"]},
        "return_shipping_fee": {"amount": 300, "currency": "USD"},
    }
    s = await store(client, clock, rules=[RESTOCKING, shipping])
    case = await open_return(client, s["customer"], refund_item(s["lines"]["RING-8-BLK"]))
    token = s["customer"]["Authorization"].removeprefix("Bearer ")
    client.cookies.set(PORTAL_COOKIE, token, path="/portal")
    page = await client.get(f"/portal/returns/{case['number']}?lang=ro")
    assert page.status_code == 200
    fees = re.findall(r"<dt>([^<]*)</dt><dd><bdi>\u2212 ([^<]*)</bdi></dd>", page.text)
    assert [label for label, _ in fees] == ["Taxă de repunere pe stoc", "Transport retur"]
    assert [amount.replace("\xa0", " ") for _, amount in fees][1].startswith("3,00")


async def test_keep_it_whose_refund_the_provider_refuses_is_a_task_and_refunded_by_hand(
    client: Client, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def refused(self: ManualPayments, request: MoneyRequest) -> PaymentResult:
        return PaymentResult("manual", "declined", "failed")

    monkeypatch.setattr(ManualPayments, "refund", refused)
    keep = {"when": {"unit_price_below": {"amount": 3000, "currency": "USD"}}, "keep_it": True}
    s = await store(client, clock, rules=[keep])
    case = await open_return(client, s["customer"], refund_item(s["lines"]["RING-8-BLK"]))
    number = case["number"]
    # the case opened, with no label; the refund left after the commit and was refused
    assert case["label"] is None
    await jobs.run_due(client.app.state.runtime)  # type: ignore[attr-defined]
    seen = await agent_case(client, s, number)
    assert seen["status"] == "resolved" and seen["attention"] == "payment_failed"
    assert [e["kind"] for e in seen["timeline"]].count("payment_failed") == 1
    # the concierge refunds it by hand once the provider takes it: once
    monkeypatch.undo()
    again = await client.post(f"/api/v1/cases/{number}/refund", json={}, headers=s["lead"])
    assert again.status_code == 200, again.text
    await jobs.run_due(client.app.state.runtime)  # type: ignore[attr-defined]
    moved = await Payment.select(Payment.status).where(
        (Payment.case.number == number) & (Payment.kind == "refund")
    )
    assert sorted(p["status"] for p in moved) == ["failed", "to_do_in_shop"]
    twice = await client.post(f"/api/v1/cases/{number}/refund", json={}, headers=s["lead"])
    assert twice.status_code == 409


async def test_a_resolution_a_rule_does_not_allow_is_refused_and_changes_nothing(
    client: Client, clock: FrozenClock
) -> None:
    credit_only = {"when": {"category": ["watches"]}, "allowed_resolutions": ["store_credit"]}
    s = await store(client, clock, rules=[credit_only])
    response = await client.post(
        "/api/v1/portal/returns",
        json={
            "items": [
                refund_item(s["lines"]["RING-8-BLK"]),
                refund_item(s["lines"]["WATCH-41-BLK"]),
            ]
        },
        headers=s["customer"],
    )
    assert response.status_code == 422, response.text
    problem = response.json()
    assert problem["field"] == "items[1].resolution"
    assert problem["allowed_resolutions"] == ["store_credit"]
    assert await Payment.count() == 0
    mine = await client.get("/api/v1/portal/returns", headers=s["customer"])
    assert mine.json()["items"] == []
