"""Shop-now: a customer exchanging a line for something else from the store's catalogue (any
in-stock variant of any product, in the order's currency), browsed and searched from the
portal with what the swap would settle. Opening the case checks the same things again
(services/cases/opening.py), so nothing shown here is a promise the submit breaks."""

from __future__ import annotations

import base64

import msgspec

from returns_service.db.scope import readable
from returns_service.db.tables import OrderLine
from returns_service.domain.access import Caller
from returns_service.domain.amounts import SignedMoney, price_difference
from returns_service.domain.errors import Forbidden, InvalidRequest, NotFound
from returns_service.domain.money import Money
from returns_service.services.store import queries
from returns_service.services.store.policy import get_policy
from returns_service.services.store.schemas import ShopNowItem, ShopNowPage

MAX_QUERY = 100  # characters of `q` that count; a search box, not a document


class ShopNowOff(Forbidden):
    code = "shop-now-off"
    title = "This store exchanges only for another size or colour"


def _encode_cursor(after: tuple[int, int, int]) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(after)).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[int, int, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=tuple[int, int, int])
    except (ValueError, msgspec.DecodeError) as error:
        raise InvalidRequest(
            "the cursor is not one this service gave out", field="cursor"
        ) from error


def like_pattern(q: str) -> str:
    """`q` as an ILIKE pattern that matches it anywhere, its own % and _ taken literally."""
    words = " ".join(q.split())[:MAX_QUERY]
    if not words:
        return ""
    escaped = words.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


async def browse(
    caller: Caller,
    line_id: int,
    *,
    q: str = "",
    cursor: str | None = None,
    limit: int = 20,
    quantity: int = 1,
    language: str = "en",
) -> ShopNowPage:
    """One page of what the customer's line could be exchanged for, searched by `q`, each
    with its price difference for `quantity` units under the policy."""
    line = await (
        OrderLine.select(
            OrderLine.sku, OrderLine.unit_price_amount, OrderLine.currency, OrderLine.quantity
        )
        .where(
            readable(caller, OrderLine)
            & (OrderLine.id == line_id)
            & (OrderLine.order == caller.order_id)
        )
        .first()
        .run()
    )
    if line is None:
        raise NotFound(f"order line {line_id} not found")
    mode = (await get_policy(caller.store_id)).exchange_price_difference
    if mode == "same_price_only":
        raise ShopNowOff(
            "the store's policy (exchange_price_difference: same_price_only) exchanges only "
            "for another size or colour of the same product"
        )
    paid = Money(line["unit_price_amount"], line["currency"])
    units = max(1, min(quantity, line["quantity"]))
    rows = await queries.shop_now_variants(
        caller.store_id,
        currency=paid.currency,
        except_sku=line["sku"],
        pattern=like_pattern(q),
        language=language,
        after=_decode_cursor(cursor) if cursor else (0, 0, 0),
        limit=limit + 1,
    )
    items = []
    for row in rows[:limit]:
        price = Money(row["price_amount"], row["currency"])
        difference = price_difference(mode, paid, price, units, field="exchange_sku")
        product_t = msgspec.json.decode(row["product_t"] or "{}")
        variant_t = msgspec.json.decode(row["variant_t"] or "{}")
        items.append(
            ShopNowItem(
                sku=row["sku"],
                product_id=row["product_key"],
                title=product_t.get(language, {}).get("title") or row["title"],
                variant=variant_t.get(language, {}).get("title") or row["variant_title"],
                category=row["category"],
                price=price,
                price_difference=SignedMoney(difference, price.currency),
                image_url=row["variant_image"] or row["product_image"] or None,
            )
        )
    more = len(rows) > limit
    last = rows[limit - 1] if more else None
    next_cursor = (
        _encode_cursor((last["product_id"], last["position"], last["id"])) if last else None
    )
    return ShopNowPage(items=items, next_cursor=next_cursor)


async def chosen(
    caller: Caller, line_id: int, sku: str, quantity: int, language: str = "en"
) -> ShopNowItem | None:
    """The item the customer picked from the shop-now list, as the list shows it; None when it
    is no longer offered (sold out since, or never was)."""
    try:
        page = await browse(caller, line_id, q=sku, limit=100, quantity=quantity, language=language)
    except (Forbidden, NotFound):
        return None
    return next((item for item in page.items if item.sku == sku), None)
