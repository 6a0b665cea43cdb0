"""The policy simulator page: a draft prefilled with the published policy, a run that shows
both policies side by side and the lines whose answer changes (30 -> 90 days for watches), a
draft that breaks a rule shown with its field errors, and publishing after a confirmation
that names the versions, which changes what the portal answers."""

from __future__ import annotations

import copy
import html
from typing import Any

import httpx
import msgspec

from returns_service.clock import FrozenClock
from returns_service.domain.access import Role
from returns_service.web.sessions import INSIGHTS_COOKIE
from tests.integration.helpers import (
    WATCH_POLICY,
    Client,
    order_doc,
    portal_headers,
    ring_product,
    staff_headers,
    watch_product,
)

# 30 days for everything: the watch delivered 45 days before the clock's today is closed
THIRTY_DAYS: dict[str, Any] = {
    **WATCH_POLICY,
    "rules": [{"match": {"sku": "GIFT-CARD"}, "returnable": False}],
}
NINETY_FOR_WATCHES = {
    **THIRTY_DAYS,
    "rules": [{"match": {"category": "watches"}, "window_days": 90}, *THIRTY_DAYS["rules"]],
}
DELIVERED = "2026-07-18T15:00:00Z"  # 45 days before 2026-09-01


async def _store(client: Client, clock: FrozenClock) -> dict[str, str]:
    admin = await staff_headers(client, Role.ADMIN, clock)
    for key, product in (("ring", ring_product()), ("watch", watch_product())):
        answer = await client.put(f"/api/v1/catalog/products/{key}", json=product, headers=admin)
        assert answer.status_code in (200, 201), answer.text
    assert (await client.put("/api/v1/policy", json=THIRTY_DAYS, headers=admin)).status_code == 200
    order = order_doc(delivered_at=DELIVERED)
    assert (await client.post("/api/v1/orders", json=order, headers=admin)).status_code == 201
    return admin


async def _sign_in(client: Client, clock: FrozenClock, role: Role = Role.ADMIN) -> str:
    token = (await staff_headers(client, role, clock))["Authorization"].removeprefix("Bearer ")
    client.cookies.set(INSIGHTS_COOKIE, token, path="/admin")
    page = await client.get("/admin/insights/simulator")
    assert page.status_code == 200, page.text
    return page.cookies.get("csrftoken") or client.cookies["csrftoken"]


def _draft(policy: dict[str, Any]) -> str:
    return msgspec.json.format(msgspec.json.encode(policy), indent=2).decode()


async def _post(client: Client, csrf: str, path: str, **form: str) -> httpx.Response:
    return await client.post(
        f"/admin/insights/simulator{path}", data=form, headers={"x-csrftoken": csrf}
    )


async def _watch_line(client: Client) -> dict[str, Any]:
    order = (await client.get("/api/v1/portal/order", headers=await portal_headers(client))).json()
    return next(line for line in order["lines"] if line["sku"] == "WATCH-41-BLK")


async def test_the_form_is_prefilled_with_the_published_policy_and_the_last_90_days(
    client: Client, clock: FrozenClock
) -> None:
    await _store(client, clock)
    await _sign_in(client, clock)
    page = (await client.get("/admin/insights/simulator")).text
    textarea = page.split('class="policy"')[1].split(">", 1)[1].split("</textarea>")[0]
    shown = msgspec.json.decode(html.unescape(textarea))
    assert shown["window_days"] == 30 and shown["rules"] == THIRTY_DAYS["rules"]
    assert '\n  "window_days": 30,' in html.unescape(textarea)  # pretty-printed
    assert 'id="from" name="from" value="2026-06-04"' in page  # 90 days, today included
    assert 'id="to" name="to" value="2026-09-01"' in page
    versions = page.split('class="data versions"')[1]
    assert '<th scope="row">1</th>' in versions and "(admin)" in versions


async def test_running_30_to_90_days_for_watches_shows_the_watch_line_change(
    client: Client, clock: FrozenClock
) -> None:
    await _store(client, clock)
    csrf = await _sign_in(client, clock)
    page = await _post(client, csrf, "/", policy=_draft(NINETY_FOR_WATCHES))
    assert page.status_code == 200, page.text
    text = page.text
    assert "The draft against the published version 1." in text
    # both policies let every line but the final-sale ring be returned at all: the window
    # is what changes, and no return history means no expected returns on either side
    eligible = text.split("Lines eligible for a return</th>")[1].split("</tr>")[0]
    assert eligible.count('<td class="num">2</td>') == 2 and "same" in eligible
    assert "Lines with a different answer under the draft: 1." in text
    changes = text.split('class="data changes"')[1].split("</table>")[0]
    assert '<th scope="row">1001</th>' in changes and "WATCH-41-BLK" in changes
    assert "RING-8-BLK" not in changes
    assert "Not returnable (30-day window)" in changes
    assert "Returnable until October 16, 2026 (90-day window)" in changes
    assert "Draft: rule 0: return window 90 days, because category watches" in changes
    assert "Publish this draft" in text  # an admin may publish


async def test_an_invalid_draft_shows_the_field_errors_in_the_page(
    client: Client, clock: FrozenClock
) -> None:
    await _store(client, clock)
    csrf = await _sign_in(client, clock)
    cases = [
        ('{"window_days": "ninety"}', "policy.window_days", "Expected `int`, got `str`"),
        ("{not json", "policy", "not valid JSON"),
        (_draft({**THIRTY_DAYS, "label_service": " "}), "policy.label_service", "label_service"),
        (_draft(THIRTY_DAYS), "to", "The end date is before the start date."),
    ]
    for draft, field, message in cases:
        form = {"policy": draft}
        if field == "to":
            form |= {"from": "2026-08-10", "to": "2026-08-01"}
        page = await _post(client, csrf, "/", **form)
        assert page.status_code == 200
        errors = page.text.split('id="draft-errors"')[1].split("</div>")[0]
        assert f"<code>{field}</code>: " in errors and message in html.unescape(errors), errors
        assert html.escape(draft) in page.text.replace("&#34;", "&quot;")  # kept as typed
        assert 'class="data side-by-side"' not in page.text


async def test_publishing_asks_first_then_the_portal_answers_with_the_new_version(
    client: Client, clock: FrozenClock
) -> None:
    await _store(client, clock)
    assert (await _watch_line(client))["ineligible_reason"] == "window_closed"
    csrf = await _sign_in(client, clock)
    draft = _draft(NINETY_FOR_WATCHES)
    confirm = await _post(client, csrf, "/publish", policy=draft)
    assert confirm.status_code == 200
    text = html.unescape(confirm.text)
    assert "Publish version 2?" in text and "Version 2 replaces version 1." in text
    assert "Lines delivered from June 4, 2026 to September 1, 2026 whose answer changes: 1." in text
    assert 'added <code>{"match":{"category":"watches"},"window_days":90}</code>' in text
    assert 'name="replaces" value="1"' in confirm.text
    # nothing is published by the confirmation page itself
    assert (await _watch_line(client))["ineligible_reason"] == "window_closed"

    done = await _post(client, csrf, "/publish/confirm", policy=draft, replaces="1")
    assert (done.status_code, done.headers["location"]) == (
        303,
        "/admin/insights/simulator?published=2",
    )
    page = (await client.get(done.headers["location"])).text
    assert "Version 2 is published" in page
    versions = page.split('class="data versions"')[1]
    assert versions.index('<th scope="row">2</th>') < versions.index('<th scope="row">1</th>')
    watch = await _watch_line(client)
    assert (watch["ineligible_reason"], watch["return_by"]) == (None, "2026-10-16")


async def test_a_confirmation_made_stale_by_another_publication_is_shown_again(
    client: Client, clock: FrozenClock
) -> None:
    admin = await _store(client, clock)
    csrf = await _sign_in(client, clock)
    draft = _draft(NINETY_FOR_WATCHES)
    # someone else publishes version 2 while this confirmation is on screen (it said 1)
    other = copy.deepcopy(THIRTY_DAYS) | {"window_days": 45}
    assert (await client.put("/api/v1/policy", json=other, headers=admin)).status_code == 200
    again = await _post(client, csrf, "/publish/confirm", policy=draft, replaces="1")
    assert again.status_code == 200
    assert "Version 2 was published while you were looking" in again.text
    assert "Version 3 replaces version 2." in again.text
    assert 'name="replaces" value="2"' in again.text
    policy = (await client.get("/api/v1/policy", headers=admin)).json()
    assert policy["window_days"] == 45 and len(policy["rules"]) == 1


async def test_a_lead_simulates_and_publishes_as_put_policy_allows(
    client: Client, clock: FrozenClock
) -> None:
    admin = await _store(client, clock)
    csrf = await _sign_in(client, clock, Role.LEAD)
    draft = _draft(NINETY_FOR_WATCHES)
    page = await _post(client, csrf, "/", policy=draft)
    assert page.status_code == 200 and "WATCH-41-BLK" in page.text
    assert "Publish this draft" in page.text
    confirm = await _post(client, csrf, "/publish", policy=draft)
    assert confirm.status_code == 200 and "/publish/confirm" in confirm.text
    policy = (await client.get("/api/v1/policy", headers=admin)).json()
    assert policy["rules"] == THIRTY_DAYS["rules"]  # nothing published before the confirmation


async def test_the_same_draft_has_nothing_to_publish(client: Client, clock: FrozenClock) -> None:
    await _store(client, clock)
    csrf = await _sign_in(client, clock)
    confirm = await _post(client, csrf, "/publish", policy=_draft(THIRTY_DAYS))
    assert confirm.status_code == 200
    assert "there is nothing to publish" in confirm.text
    assert "/publish/confirm" not in confirm.text
