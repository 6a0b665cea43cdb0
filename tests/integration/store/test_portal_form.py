"""The return form as a shopper meets it: no reason is chosen for them, an exchange is a size
and a colour picked separately (only sizes that fit the reason, the suggestion first), an
honest word when there is no larger size, and money told as what each line gets."""

from __future__ import annotations

import re

import pytest

from returns_service.clock import FrozenClock
from returns_service.db.tables import Customer, OutboxMessage, ReturnCase
from returns_service.domain.access import Role
from returns_service.web.sessions import PORTAL_COOKIE
from tests.integration.helpers import (
    Client,
    open_return,
    portal_headers,
    refund_item,
    ring_product,
    seed_store,
    staff_headers,
)


async def signed_in(client: Client, clock: FrozenClock) -> dict[str, int]:
    """The customer's page session and CSRF token; the order's line ids by SKU."""
    await seed_store(client, await staff_headers(client, Role.ADMIN, clock))
    headers = await portal_headers(client)
    token = headers["Authorization"].removeprefix("Bearer ")
    client.cookies.set(PORTAL_COOKIE, token, path="/portal")
    csrf = (await client.get("/portal")).cookies["csrftoken"]
    client.headers["x-csrftoken"] = csrf
    order = (await client.get("/api/v1/portal/order", headers=headers)).json()
    return {line["sku"]: line["id"] for line in order["lines"]}


async def test_no_reason_is_chosen_for_the_shopper(client: Client, clock: FrozenClock) -> None:
    lines = await signed_in(client, clock)
    page = (await client.get("/portal/order?lang=en")).text
    for sku in ("RING-8-BLK", "WATCH-41-BLK"):
        select = re.search(rf'<select id="reason-{lines[sku]}".*?</select>', page, re.S)
        assert select is not None
        # the first option is the empty "choose a reason", and nothing is preselected
        assert re.search(r'<option value="">Choose a reason</option>', select.group(0))
        assert "selected" not in select.group(0)
    # a watch sent on without a reason is not "too small": the page asks, no case is opened
    watch = lines["WATCH-41-BLK"]
    response = await client.post(
        "/portal/return/review", data={f"qty_{watch}": "1", f"reason_{watch}": ""}
    )
    assert response.status_code == 200
    assert "Choose a reason for returning Genesis chronograph." in response.text
    response = await client.post(
        "/portal/returns", data={f"qty_{watch}": "1", f"resolution_{watch}": "refund"}
    )
    assert "Choose a reason for returning" in response.text
    assert await ReturnCase.count() == 0


async def test_a_too_small_ring_offers_larger_sizes_and_colour_apart(
    client: Client, clock: FrozenClock
) -> None:
    lines = await signed_in(client, clock)
    ring = lines["RING-8-BLK"]
    page = await client.post(
        "/portal/return/review?lang=en", data={f"qty_{ring}": "1", f"reason_{ring}": "too_small"}
    )
    sizes = re.findall(rf'name="opt_{ring}_size" value="([^"]+)"', page.text)
    assert sizes == ["9"]  # 7 is smaller, 10 is out of stock
    assert re.search(rf'name="opt_{ring}_size" value="9" checked', page.text)
    colours = re.findall(rf'name="opt_{ring}_colour" value="([^"]+)"', page.text)
    assert colours == ["black"]
    assert re.search(rf'name="resolution_{ring}" value="exchange" checked', page.text)
    response = await client.post(
        "/portal/returns",
        data={
            f"qty_{ring}": "1",
            f"reason_{ring}": "too_small",
            f"resolution_{ring}": "exchange",
            f"opt_{ring}_size": "9",
            f"opt_{ring}_colour": "black",
            "idempotency_key": "k1",
        },
    )
    assert response.status_code == 303, response.text
    number = response.headers["location"].split("/")[-1].split("?")[0]
    customer = await portal_headers(client)
    case = (await client.get(f"/api/v1/portal/returns/{number}", headers=customer)).json()
    assert [(i["resolution"], i["exchange_sku"]) for i in case["items"]] == [
        ("exchange", "RING-9-BLK")
    ]


async def test_a_size_not_in_stock_is_refused_with_the_choices_kept(
    client: Client, clock: FrozenClock
) -> None:
    lines = await signed_in(client, clock)
    ring = lines["RING-8-BLK"]
    response = await client.post(
        "/portal/returns?lang=en",
        data={
            f"qty_{ring}": "1",
            f"reason_{ring}": "too_small",
            f"resolution_{ring}": "exchange",
            f"opt_{ring}_size": "10",  # sold out
            f"opt_{ring}_colour": "black",
        },
    )
    assert response.status_code == 200
    assert "this size and colour is not in stock" in response.text
    assert await ReturnCase.count() == 0


@pytest.mark.parametrize(("lang", "words"), [("en", "no larger size"), ("ro", "mai mare")])
async def test_a_too_small_watch_is_told_there_is_no_larger_size(
    client: Client, clock: FrozenClock, lang: str, words: str
) -> None:
    lines = await signed_in(client, clock)
    watch = lines["WATCH-41-BLK"]
    page = await client.post(
        f"/portal/return/review?lang={lang}",
        data={f"qty_{watch}": "1", f"reason_{watch}": "too_small"},
    )
    assert words in page.text
    assert f'name="resolution_{watch}" value="exchange"' not in page.text
    # what each choice gets, in the currency's own digits
    assert "$395.00" in page.text or "395,00" in page.text


async def test_a_store_credit_return_is_not_promised_the_price_paid(
    client: Client, clock: FrozenClock
) -> None:
    lines = await signed_in(client, clock)
    watch = lines["WATCH-41-BLK"]
    response = await client.post(
        "/portal/returns",
        data={
            f"qty_{watch}": "1",
            f"reason_{watch}": "changed_mind",
            f"resolution_{watch}": "store_credit",
        },
    )
    assert response.status_code == 303, response.text
    page = (await client.get(response.headers["location"].split("?")[0] + "?lang=en")).text
    assert "We refund the price you paid" not in page
    assert "We add the store credit to your account" in page
    totals = re.search(r'<dl class="totals" id="amounts">.*?</dl>', page, re.S)
    assert totals is not None and "Store credit" in totals.group(0)
    assert "$395.00" in totals.group(0)


async def test_the_language_picked_before_sign_in_stays_and_becomes_the_emails_language(
    client: Client, clock: FrozenClock
) -> None:
    await seed_store(client, await staff_headers(client, Role.ADMIN, clock))  # Ana reads ro
    customer = await portal_headers(client)
    order = (await client.get("/api/v1/portal/order", headers=customer)).json()
    watch = next(line["id"] for line in order["lines"] if line["sku"] == "WATCH-41-BLK")
    case = await open_return(client, customer, refund_item(watch))
    # the shopper picks Magyar on the switcher, then signs in with the form
    find = await client.get("/portal?lang=hu")
    assert '<html lang="hu"' in find.text
    response = await client.post(
        "/portal",
        data={"order_number": "1001", "email": "ana@example.com"},
        headers={"x-csrftoken": find.cookies["csrftoken"]},
    )
    assert response.status_code == 303
    page = await client.get("/portal/order")
    assert '<html lang="hu"' in page.text  # not switched back to the stored Romanian
    assert await Customer.select(Customer.language) == [{"language": "hu"}]
    assert await ReturnCase.select(ReturnCase.language) == [{"language": "hu"}]
    # and the next email about the return is written in it
    lead = await staff_headers(client, Role.LEAD, clock)
    sent = await client.post(
        f"/api/v1/cases/{case['number']}/messages", json={"body": "Hello"}, headers=lead
    )
    assert sent.status_code == 201, sent.text
    last = (
        await OutboxMessage.select(OutboxMessage.language)
        .order_by(OutboxMessage.id, ascending=False)
        .first()
    )
    assert last == {"language": "hu"}


async def test_catalogue_titles_are_shown_in_the_reader_s_language(
    client: Client, clock: FrozenClock
) -> None:
    admin = await staff_headers(client, Role.ADMIN, clock)
    lines = await signed_in(client, clock)
    product = ring_product()
    product["translations"] = {"ro": {"title": "Inel activ din silicon"}}
    for variant in product["variants"]:
        variant["translations"] = {"ro": {"title": variant["title"].replace("Size", "Mărimea")}}
    response = await client.put("/api/v1/catalog/products/ring", json=product, headers=admin)
    assert response.status_code == 200, response.text
    page = (await client.get("/portal/order?lang=ro")).text
    assert "Inel activ din silicon" in page and "Mărimea 8 / Black" in page
    assert "Active silicone ring" in (await client.get("/portal/order?lang=en")).text
    ring = lines["RING-8-BLK"]
    review = await client.post(
        "/portal/return/review?lang=ro", data={f"qty_{ring}": "1", f"reason_{ring}": "too_small"}
    )
    assert "Mărimea 9 / Black" in review.text  # the suggestion, by its translated title
    bad = dict(product, translations={"ro": {"title": ""}})
    refused = await client.put("/api/v1/catalog/products/ring", json=bad, headers=admin)
    assert refused.status_code in (400, 422)


async def test_an_exchange_without_a_size_asks_for_one(client: Client, clock: FrozenClock) -> None:
    lines = await signed_in(client, clock)
    ring = lines["RING-8-BLK"]
    response = await client.post(
        "/portal/returns?lang=en",
        data={
            f"qty_{ring}": "1",
            f"reason_{ring}": "changed_mind",  # no size is suggested for this reason
            f"resolution_{ring}": "exchange",
            f"opt_{ring}_colour": "black",
        },
    )
    assert "Choose the size and colour you would like for Active silicone ring." in response.text
    assert await ReturnCase.count() == 0
