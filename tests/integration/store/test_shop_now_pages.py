"""Shop-now in the portal's pages, without JavaScript: from the review step to the catalogue
search and back with the chosen item, its difference in the customer's words, and the case
it opens; the bonus offer wherever the preview says there is one."""

from __future__ import annotations

import re
from typing import Any

import msgspec
import pytest

from returns_service.clock import FrozenClock
from returns_service.db.tables import CaseItem, Variant
from returns_service.domain.amounts import Amounts
from returns_service.domain.money import Money
from returns_service.services.money.schemas import Preview
from returns_service.translation import Translator
from returns_service.web import portal_returns
from returns_service.web.sessions import PORTAL_COOKIE
from tests.integration.helpers import WATCH_POLICY, Client
from tests.integration.money.test_shop_now import setup


async def signed_in(client: Client, clock: FrozenClock, mode: str | None) -> dict[str, Any]:
    shop = await setup(client, clock, mode)
    token = shop["customer"]["Authorization"].removeprefix("Bearer ")
    client.cookies.set(PORTAL_COOKIE, token, path="/portal")
    client.headers["x-csrftoken"] = (await client.get("/portal")).cookies["csrftoken"]
    return shop


def picked(line: int, **more: str) -> dict[str, str]:
    return {f"qty_{line}": "1", f"reason_{line}": "changed_mind", **more}


async def test_choose_something_else_searches_and_comes_back_with_the_item(
    client: Client, clock: FrozenClock
) -> None:
    shop = await signed_in(client, clock, "charge_or_refund")
    line = shop["line"]
    review = await client.post("/portal/return/review?lang=en", data=picked(line))
    assert review.status_code == 200, review.text
    assert f'id="shop-now-{line}"' in review.text
    assert "Choose something else" in review.text

    browse = await client.post(
        "/portal/return/shop?lang=en",
        # the review's button: the line is in its name
        data=picked(line, **{f"shop_line_{line}": "Choose something else"}, comment="gift for dad"),
    )
    assert browse.status_code == 200, browse.text
    page = browse.text
    assert 'id="result-NOVA-40-STL"' in page and 'id="result-STRAP-20-BRN"' in page
    assert "NOVA-38-STL" not in page and "WATCH-41-BLK" not in page  # sold out, the one returned
    assert '<img class="pic" src="/static/catalogue/watch.svg"' in page
    assert "You pay $30.00" in page and "We refund $30.00" in page
    # what was chosen so far travels along
    assert f'name="reason_{line}" value="changed_mind"' in page
    assert 'name="comment" value="gift for dad"' in page

    searched = await client.post(
        "/portal/return/shop?lang=en", data=picked(line, shop_line=str(line), q="strap")
    )
    assert 'id="result-STRAP-20-BRN"' in searched.text
    assert 'id="result-NOVA-40-STL"' not in searched.text

    chosen = await client.post(
        "/portal/return/review?lang=en",
        data=picked(line, **{f"shopnow_{line}": "NOVA-40-STL", "comment": "gift for dad"}),
    )
    assert chosen.status_code == 200, chosen.text
    text = chosen.text
    assert f'name="resolution_{line}" value="shop_now" checked' in text
    assert f'name="shopnow_{line}" value="NOVA-40-STL"' in text
    difference = re.search(rf'id="shop-now-difference-{line}"><bdi>([^<]+)</bdi>', text)
    assert difference is not None and difference.group(1) == "You pay $30.00"
    assert re.search(r"To pay for the exchange</dt><dd><bdi>\$30.00</bdi>", text)
    assert ">gift for dad</textarea>" in text

    opened = await client.post(
        "/portal/returns",
        data=picked(line, **{f"resolution_{line}": "shop_now", f"shopnow_{line}": "NOVA-40-STL"}),
    )
    assert opened.status_code == 303, opened.text
    items = await CaseItem.select(CaseItem.exchange_sku, CaseItem.price_difference)
    assert items == [{"exchange_sku": "NOVA-40-STL", "price_difference": 3000}]
    stock = await Variant.select(Variant.stock).where(Variant.sku == "NOVA-40-STL").first()
    assert stock == {"stock": 1}


async def test_an_item_sold_out_meanwhile_is_not_kept_on_the_review(
    client: Client, clock: FrozenClock
) -> None:
    shop = await signed_in(client, clock, "charge_or_refund")
    line = shop["line"]
    await Variant.update({Variant.stock: 0}).where(Variant.sku == "NOVA-40-STL")
    review = await client.post(
        "/portal/return/review?lang=en", data=picked(line, **{f"shopnow_{line}": "NOVA-40-STL"})
    )
    assert review.status_code == 200
    assert 'value="shop_now"' not in review.text
    sent = await client.post(
        "/portal/returns",
        data=picked(line, **{f"resolution_{line}": "shop_now", f"shopnow_{line}": "NOVA-40-STL"}),
    )
    assert sent.status_code == 200 and 'id="review-error"' in sent.text
    assert await CaseItem.count() == 0


async def test_same_price_only_offers_no_shop_now(client: Client, clock: FrozenClock) -> None:
    shop = await signed_in(client, clock, None)
    line = shop["line"]
    review = await client.post("/portal/return/review?lang=en", data=picked(line))
    assert f'id="shop-now-{line}"' not in review.text
    # a hand-made post to the step is answered with the order page and the policy's reason
    browse = await client.post(
        "/portal/return/shop?lang=en", data=picked(line, shop_line=str(line))
    )
    assert browse.status_code == 200
    assert "same_price_only" in browse.text and 'id="result-' not in browse.text


async def test_the_review_shows_the_bonus_the_preview_offers(
    client: Client, clock: FrozenClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The page's side alone: whatever the rules engine computes reaches the customer."""
    shop = await signed_in(client, clock, "charge_or_refund")
    line = shop["line"]
    real = portal_returns.amounts.preview

    async def with_bonus(*args: Any) -> Preview:
        preview = await real(*args)
        bonus = 3950 if preview.items[0].resolution == "store_credit" else 0
        shown = Amounts(
            **{
                **{f: getattr(preview.amounts, f) for f in preview.amounts.__struct_fields__},
                "bonus_credit": Money(bonus, "USD"),
            }
        )
        return Preview(preview.items, shown)

    monkeypatch.setattr(portal_returns.amounts, "preview", with_bonus)
    review = await client.post(
        "/portal/return/review?lang=en", data=picked(line, **{f"resolution_{line}": "refund"})
    )
    text = review.text
    assert f'id="bonus-credit-{line}">Get $39.50 extra as store credit' in text
    assert "Choose store credit instead and get $39.50 extra to spend." in text
    assert 'id="bonus-total"' not in text  # a refund is checked: no bonus in the totals
    credit = await client.post(
        "/portal/return/review?lang=en",
        data=picked(line, **{f"resolution_{line}": "store_credit"}),
    )
    assert re.search(r'id="bonus-total"><bdi>\+ \$39.50</bdi>', credit.text)
    assert "Choose store credit instead" not in credit.text


async def test_a_policy_bonus_is_offered_on_the_review(client: Client, clock: FrozenClock) -> None:
    shop = await signed_in(client, clock, "charge_or_refund")
    policy = {
        **WATCH_POLICY,
        "exchange_price_difference": "charge_or_refund",
        "bonus_credit": {"store_credit_percent": 10, "exchange_percent": 0},
    }
    put = await client.put("/api/v1/policy", json=policy, headers=shop["admin"])
    assert put.status_code == 200, put.text
    line = shop["line"]
    review = await client.post(
        "/portal/return/review?lang=en", data=picked(line, **{f"resolution_{line}": "refund"})
    )
    assert f'id="bonus-credit-{line}">Get $39.50 extra as store credit' in review.text
    assert "Choose store credit instead and get $39.50 extra to spend." in review.text


RESTOCKING = {
    "when": {"reason": ["changed_mind"], "resolution": ["refund"]},
    "fee": {"percent": 10, "label": "restocking"},
}


@pytest.mark.parametrize("lang", ["ro", "ar"])
async def test_the_review_shows_the_previews_fees_and_bonus_in_the_customers_words(
    client: Client, clock: FrozenClock, lang: str
) -> None:
    shop = await signed_in(client, clock, "charge_or_refund")
    policy = {
        **WATCH_POLICY,
        "exchange_price_difference": "charge_or_refund",
        "bonus_credit": {"store_credit_percent": 10, "exchange_percent": 0},
        "rules": [*WATCH_POLICY["rules"], RESTOCKING],
    }
    put = await client.put("/api/v1/policy", json=policy, headers=shop["admin"])
    assert put.status_code == 200, put.text
    line = shop["line"]
    t = Translator(lang)
    for resolution in ("refund", "store_credit"):
        item = {"line_id": line, "quantity": 1, "reason": "changed_mind", "resolution": resolution}
        preview = await client.post(
            "/api/v1/portal/returns/preview", json={"items": [item]}, headers=shop["customer"]
        )
        assert preview.status_code == 200, preview.text
        amounts = msgspec.convert(preview.json()["amounts"], Amounts)
        review = await client.post(
            f"/portal/return/review?lang={lang}",
            data=picked(line, **{f"resolution_{line}": resolution}),
        )
        assert review.status_code == 200, review.text
        totals = review.text.split('id="totals"')[1]
        shown_fees = re.findall(r'<dd id="fee-([a-z_]+)"><bdi>\u2212 ([^<]+)</bdi>', totals)
        assert shown_fees == [(f.kind, t.money(f.amount)) for f in amounts.fees]
        if resolution == "refund":
            assert shown_fees == [("restocking", t.money(Money(3950, "USD")))]
            assert f"{t('fee.restocking')}</dt>" in totals
            assert amounts.refund_total == Money(35550, "USD")
        else:  # no fee on credit; the bonus as the preview has it
            assert shown_fees == []
            bonus = re.search(r'id="bonus-total"><bdi>\+ ([^<]+)</bdi>', totals)
            assert bonus is not None and bonus.group(1) == t.money(amounts.bonus_credit)
            assert amounts.credit_total == Money(39500 + 3950, "USD")
