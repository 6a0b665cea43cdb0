"""The portal's reasons are the merchant's (`reasons` in the policy), in the shopper's
language, English when there is none, the code when there is no label at all; the API keeps
accepting the built-in codes."""

from __future__ import annotations

import re

from returns_service.clock import FrozenClock
from returns_service.domain.access import Role
from returns_service.web.sessions import PORTAL_COOKIE
from tests.integration.helpers import (
    WATCH_POLICY,
    Client,
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
