"""The price difference of an exchange as the customer meets it: on the review step before
they confirm (per size, and in the totals), and by email once it is charged or refunded."""

from __future__ import annotations

import re

import pytest

from returns_service.clock import FrozenClock
from returns_service.db.tables import OutboxMessage, ReturnCase
from returns_service.web.sessions import PORTAL_COOKIE
from tests.integration.helpers import Client
from tests.integration.money.test_price_difference import setup


async def review(client: Client, clock: FrozenClock, mode: str, bought: str) -> tuple[str, int]:
    """The review step of the watch bought as `bought`, sent back a size off."""
    shop = await setup(client, clock, mode, bought)
    token = shop["customer"]["Authorization"].removeprefix("Bearer ")
    client.cookies.set(PORTAL_COOKIE, token, path="/portal")
    client.headers["x-csrftoken"] = (await client.get("/portal")).cookies["csrftoken"]
    line = shop["line"]
    reason = "too_small" if bought == "WATCH-41-BLK" else "too_large"
    page = await client.post(
        "/portal/return/review?lang=en", data={f"qty_{line}": "1", f"reason_{line}": reason}
    )
    assert page.status_code == 200, page.text
    return page.text, line


def totals_due(page: str) -> str:
    found = re.search(r"To pay for the exchange</dt><dd><bdi>([^<]+)</bdi>", page)
    assert found is not None
    return found.group(1)


@pytest.mark.parametrize("bought", ["WATCH-41-BLK", "WATCH-44-BLK"])
async def test_same_price_only_does_not_offer_another_price(
    client: Client, clock: FrozenClock, bought: str
) -> None:
    page, line = await review(client, clock, "same_price_only", bought)
    # the other size costs another price: not offered, and the page says why
    assert f'name="opt_{line}_case_size"' not in page
    assert f'name="resolution_{line}" value="exchange"' not in page
    assert "this store exchanges only for the same price" in page
    assert totals_due(page) == "$0.00"


@pytest.mark.parametrize(
    ("bought", "other", "said", "due"),
    [
        ("WATCH-41-BLK", "44", "+ $30.00 to pay", "$30.00"),
        ("WATCH-44-BLK", "41", "$30.00 back", "-$30.00"),
    ],
)
async def test_charge_or_refund_shows_each_size_s_difference_and_the_total(
    client: Client, clock: FrozenClock, bought: str, other: str, said: str, due: str
) -> None:
    page, line = await review(client, clock, "charge_or_refund", bought)
    chip = re.search(
        rf'name="opt_{line}_case_size" value="{other}" checked> <bdi>{other}</bdi>'
        r' <span class="amount"><bdi>([^<]+)</bdi></span>',
        page,
    )
    assert chip is not None and chip.group(1) == said
    exchange = re.search(rf'id="difference-{line}"><bdi>([^<]+)</bdi>', page)
    assert exchange is not None and exchange.group(1) == said
    assert totals_due(page) == due
    assert "Same price: nothing to pay" not in page
    # a dearer size is not "free of charge"
    assert ("free of charge" in page) is (bought == "WATCH-44-BLK")

    # confirming the pre-checked size opens the case with that very difference
    opened = await client.post(
        "/portal/returns",
        data={
            f"qty_{line}": "1",
            f"reason_{line}": "too_small" if bought == "WATCH-41-BLK" else "too_large",
            f"resolution_{line}": "exchange",
            f"opt_{line}_case_size": other,
            "idempotency_key": "k1",
        },
    )
    assert opened.status_code in (200, 303), opened.text
    assert await ReturnCase.count() == 1


async def test_absorb_says_there_is_no_difference_to_pay(
    client: Client, clock: FrozenClock
) -> None:
    page, line = await review(client, clock, "absorb", "WATCH-41-BLK")
    assert re.search(
        rf'name="opt_{line}_case_size" value="44" checked> <bdi>44</bdi></label>', page
    )
    assert re.search(rf'id="difference-{line}">No difference to pay<', page)
    assert totals_due(page) == "$0.00"


@pytest.mark.parametrize(
    ("bought", "template", "said"),
    [
        ("WATCH-41-BLK", "price_difference_charged", "Suma debitată: "),
        ("WATCH-44-BLK", "price_difference_refunded", "Rambursare: "),
    ],
)
async def test_a_moved_difference_is_told_by_one_email_with_the_amount(
    client: Client, clock: FrozenClock, bought: str, template: str, said: str
) -> None:
    from tests.integration.helpers import receive_and_grade

    shop = await setup(client, clock, "charge_or_refund", bought)
    case = (
        await client.post("/api/v1/portal/returns", json=shop["body"], headers=shop["customer"])
    ).json()
    number = case["number"]
    shipped = await client.post(f"/api/v1/cases/{number}/exchange/ship", headers=shop["agent"])
    assert shipped.status_code == 200, shipped.text
    graded = await receive_and_grade(client, shop["warehouse"], number, shop["line"])
    assert graded.status_code == 200, graded.text
    emails = await OutboxMessage.select(OutboxMessage.body, OutboxMessage.recipient).where(
        OutboxMessage.template == template
    )
    assert len(emails) == 1
    assert emails[0]["recipient"] == "eva@example.com"
    # the customer reads Romanian: the amount in their words, in the text and the summary
    assert emails[0]["body"].count("30,00") == 2
    assert said in emails[0]["body"]


@pytest.mark.parametrize(
    ("bought", "said"),
    [
        ("WATCH-41-BLK", "Diferența de preț de plătit: "),
        ("WATCH-44-BLK", "Diferența de preț pe care o primești înapoi: "),
    ],
)
async def test_the_approval_email_states_the_difference(
    client: Client, clock: FrozenClock, bought: str, said: str
) -> None:
    shop = await setup(client, clock, "charge_or_refund", bought)
    opened = await client.post(
        "/api/v1/portal/returns", json=shop["body"], headers=shop["customer"]
    )
    assert opened.status_code == 201, opened.text
    emails = await OutboxMessage.select(OutboxMessage.body).where(
        OutboxMessage.template == "case_approved"
    )
    assert len(emails) == 1
    assert said in emails[0]["body"] and "30,00" in emails[0]["body"]


async def test_an_exchange_at_no_difference_says_nothing_about_money(
    client: Client, clock: FrozenClock
) -> None:
    shop = await setup(client, clock, "absorb", "WATCH-41-BLK")
    await client.post("/api/v1/portal/returns", json=shop["body"], headers=shop["customer"])
    (email,) = await OutboxMessage.select(OutboxMessage.body).where(
        OutboxMessage.template == "case_approved"
    )
    assert "Diferența de preț" not in email["body"]
