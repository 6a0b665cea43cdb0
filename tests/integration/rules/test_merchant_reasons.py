"""The portal's reasons are the merchant's (`reasons` in the policy), in the shopper's
language, English when there is none, the code when there is no label at all; the API keeps
accepting the built-in codes."""

from __future__ import annotations

import re
from typing import Any

from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseEvent, CaseItem, OutboxMessage, ReturnCase
from returns_service.domain.access import Role
from returns_service.web.sessions import PORTAL_COOKIE
from tests.integration.helpers import (
    WATCH_POLICY,
    Client,
    add_agent,
    line_ids,
    open_return,
    portal_headers,
    refund_item,
    seed_store,
    staff_headers,
)

REASONS = [
    {"code": "defective", "labels": {"en": "Faulty", "ro": "Are un defect"}},
    {"code": "changed_mind", "labels": {"en": "I changed my mind"}},
    {"code": "other"},
]


async def test_the_portal_offers_the_merchants_reasons_in_the_shoppers_language(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    policy = {**WATCH_POLICY, "reasons": REASONS}
    assert (await client.put("/api/v1/policy", json=policy, headers=admin)).status_code == 200
    headers = await portal_headers(client)
    client.cookies.set(
        PORTAL_COOKIE, headers["Authorization"].removeprefix("Bearer "), path="/portal"
    )
    ring = (await line_ids(client, headers))["RING-8-BLK"]
    page = (await client.get("/portal/order?lang=ro")).text
    select = re.search(rf'<select id="reason-{ring}".*?</select>', page, re.S)
    assert select is not None
    options = re.findall(r'<option value="([^"]+)"[^>]*>([^<]*)</option>', select.group(0))
    assert options == [
        ("defective", "Are un defect"),
        ("changed_mind", "I changed my mind"),
        ("other", "other"),
    ]
    # a built-in code the merchant does not offer is still a valid reason through the API
    case = await open_return(client, headers, refund_item(ring, reason="too_small"))
    assert case["items"][0]["reason"] == "too_small"


async def test_without_merchant_reasons_the_built_in_ones_are_offered(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    headers = await portal_headers(client)
    client.cookies.set(
        PORTAL_COOKIE, headers["Authorization"].removeprefix("Bearer "), path="/portal"
    )
    ring = (await line_ids(client, headers))["RING-8-BLK"]
    page = (await client.get("/portal/order?lang=en")).text
    select = re.search(rf'<select id="reason-{ring}".*?</select>', page, re.S)
    assert select is not None
    codes = re.findall(r'<option value="([^"]+)"', select.group(0))
    assert codes == [
        "too_small",
        "too_large",
        "not_as_described",
        "changed_mind",
        "defective",
        "wrong_item",
        "arrived_late",
        "other",
    ]


# the merchant's own codes beside a built-in one they word their way; a fee on their own code
OWN_REASONS = [
    {
        "code": "gift_duplicate",
        "labels": {"en": "Got it twice as a gift", "ro": "Primit de două ori"},
    },
    {"code": "changed_mind", "labels": {"en": "Not for me after all"}},
    # the longest code the pattern takes: 40 characters, the column's width
    {"code": "a" + "b" * 39, "labels": {"en": "Long"}},
]
OWN_REASON_FEE = {
    "when": {"reason": ["gift_duplicate"], "resolution": ["refund"]},
    "fee": {"percent": 10, "label": "restocking"},
}


async def merchant_store(client: Client, clock: FrozenClock) -> dict[str, Any]:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    policy = {
        **WATCH_POLICY,
        "reasons": OWN_REASONS,
        "rules": [*WATCH_POLICY["rules"], OWN_REASON_FEE],
    }
    put = await client.put("/api/v1/policy", json=policy, headers=admin)
    assert put.status_code == 200, put.text
    _, lead = await add_agent(client, admin, "Ioana", role="lead")
    customer = await portal_headers(client)
    return {"admin": admin, "lead": lead, "customer": customer}


async def test_a_merchants_own_reason_is_taken_priced_by_its_rule_and_shown_in_words(
    client: Client, clock: FrozenClock
) -> None:
    s = await merchant_store(client, clock)
    lines = await line_ids(client, s["customer"])
    own = refund_item(lines["RING-8-BLK"], reason="gift_duplicate")
    preview = await client.post(
        "/api/v1/portal/returns/preview", json={"items": [own]}, headers=s["customer"]
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["amounts"]["fees"] == [
        {"kind": "restocking", "amount": {"amount": 250, "currency": "USD"}}
    ]
    case = await open_return(client, s["customer"], own)
    assert case["items"][0]["reason"] == "gift_duplicate"
    # the customer (a Romanian reader in the seed) reads it in their language
    assert case["items"][0]["reason_label"] == "Primit de două ori"
    assert case["items"][0]["fees"] == [{"kind": "restocking", "amount": 250}]
    assert await CaseItem.select(CaseItem.reason).output(as_list=True) == ["gift_duplicate"]

    seen = await client.get(f"/api/v1/cases/{case['number']}", headers=s["lead"])
    item = seen.json()["items"][0]
    assert item["reason_label"] == "Got it twice as a gift"
    rule = seen.json()["decision"]["rules"][0]
    assert rule["matched_on"] == {"reason": "gift_duplicate", "resolution": "refund"}
    assert rule["text"] == (
        "rule 2: restocking fee 10 %, because reason gift_duplicate and resolution refund"
    )
    romanian = await client.get(f"/api/v1/cases/{case['number']}?lang=ro", headers=s["lead"])
    assert romanian.json()["items"][0]["reason_label"] == "Primit de două ori"

    # the label was kept with the case: the merchant rewording or dropping it changes nothing
    put = await client.put("/api/v1/policy", json=WATCH_POLICY, headers=s["admin"])
    assert put.status_code == 200, put.text
    later = await client.get(f"/api/v1/cases/{case['number']}", headers=s["lead"])
    assert later.json()["items"][0]["reason_label"] == "Got it twice as a gift"


async def test_a_built_in_reason_is_worded_by_the_catalogue_and_the_longest_code_fits(
    client: Client, clock: FrozenClock
) -> None:
    s = await merchant_store(client, clock)
    lines = await line_ids(client, s["customer"])
    case = await open_return(
        client,
        s["customer"],
        refund_item(lines["RING-8-BLK"], reason="too_small"),
        refund_item(lines["WATCH-41-BLK"], reason="a" + "b" * 39),
    )
    seen = await client.get(f"/api/v1/cases/{case['number']}", headers=s["lead"])
    labels = {i["reason"]: i["reason_label"] for i in seen.json()["items"]}
    assert labels == {"too_small": "Too small", "a" + "b" * 39: "Long"}
    romanian = await client.get(f"/api/v1/cases/{case['number']}?lang=ro", headers=s["lead"])
    ro_labels = {i["reason"]: i["reason_label"] for i in romanian.json()["items"]}
    assert ro_labels["too_small"] == "Prea mic"  # the catalogue's Romanian words


async def test_a_reason_neither_built_in_nor_the_stores_is_a_422_naming_it_and_changes_nothing(
    client: Client, clock: FrozenClock
) -> None:
    s = await merchant_store(client, clock)
    lines = await line_ids(client, s["customer"])
    body = {
        "items": [
            refund_item(lines["RING-8-BLK"], reason="too_small"),
            refund_item(lines["WATCH-41-BLK"], reason="bored"),
        ]
    }
    for path in ("/api/v1/portal/returns/preview", "/api/v1/portal/returns"):
        response = await client.post(path, json=body, headers=s["customer"])
        assert response.status_code == 422, response.text
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["field"] == "items[1].reason"
    assert await ReturnCase.count() == 0 and await CaseItem.count() == 0
    assert await CaseEvent.count() == 0 and await OutboxMessage.count() == 0


async def test_a_rule_naming_an_unknown_reason_is_refused_naming_the_rule(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    await seed_store(client, admin)
    policy = {
        **WATCH_POLICY,
        "reasons": OWN_REASONS,
        "rules": [{"when": {"reason": ["gift_duplicate", "bored"]}, "require_review": True}],
    }
    put = await client.put("/api/v1/policy", json=policy, headers=admin)
    assert put.status_code == 422, put.text
    assert put.json()["field"] == "rules[0].when.reason[1]"
    bad_code = {**WATCH_POLICY, "reasons": [{"code": "Not A Slug", "labels": {}}]}
    assert (await client.put("/api/v1/policy", json=bad_code, headers=admin)).status_code in (
        400,
        422,
    )


async def test_the_portal_form_takes_the_merchants_reason_and_shows_its_words(
    client: Client, clock: FrozenClock
) -> None:
    s = await merchant_store(client, clock)
    token = s["customer"]["Authorization"].removeprefix("Bearer ")
    client.cookies.set(PORTAL_COOKIE, token, path="/portal")
    client.headers["x-csrftoken"] = (await client.get("/portal")).cookies["csrftoken"]
    ring = (await line_ids(client, s["customer"]))["RING-8-BLK"]
    form = {f"qty_{ring}": "1", f"reason_{ring}": "gift_duplicate"}
    review = await client.post("/portal/return/review?lang=ro", data=form)
    assert review.status_code == 200, review.text
    assert "· Primit de două ori</legend>" in review.text
    assert f'name="reason_{ring}" value="gift_duplicate"' in review.text
    opened = await client.post(
        "/portal/returns?lang=ro",
        data={**form, f"resolution_{ring}": "refund", "idempotency_key": "k-own-reason"},
    )
    assert opened.status_code in (200, 201, 303), opened.text
    assert await CaseItem.select(CaseItem.reason).output(as_list=True) == ["gift_duplicate"]
    unknown = await client.post(
        "/portal/return/review?lang=en", data={f"qty_{ring}": "1", f"reason_{ring}": "bored"}
    )
    assert 'role="alert"' in unknown.text and "bored" not in unknown.text.split("<main")[-1]


async def test_the_api_schema_documents_reason_as_a_string_with_the_built_in_codes(
    client: Client,
) -> None:
    schema = (await client.get("/schema/openapi.json")).json()
    item = schema["components"]["schemas"]["RequestedItem"]["properties"]["reason"]
    assert item["type"] == "string" and "enum" not in item
    assert "changed_mind" in item["description"] and "`reasons`" in item["description"]
