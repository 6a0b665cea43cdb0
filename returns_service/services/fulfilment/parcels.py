"""The return parcel as a carrier prices it: weight and size from the catalogue, and, for a parcel
that crosses a border, its customs declaration."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from returns_service.adapters.carriers import CustomsItem, Parcel
from returns_service.db.tables import CaseItem, Variant
from returns_service.domain.money import Money

# a unit whose weight the catalogue does not know: a small boxed garment, roughly
DEFAULT_UNIT_GRAMS = 500
# what customs forms accept when the catalogue has no code: "other articles" is refused by
# several post offices, so the shop should set one; this keeps the purchase going meanwhile
UNKNOWN_HS_CODE = ""


@dataclass(frozen=True, slots=True)
class ReturnedUnits:
    sku: str
    title: str
    quantity: int
    unit_price: Money
    weight_grams: int | None
    dimensions_cm: dict[str, float] | None
    hs_code: str | None
    origin_country: str | None


async def returned_units(case_id: int, store_id: int) -> list[ReturnedUnits]:
    """The case's lines with the catalogue's facts (the variant's, else its product's)."""
    items = await CaseItem.select(
        CaseItem.quantity,
        CaseItem.unit_price_amount,
        CaseItem.currency,
        CaseItem.line.sku.as_alias("sku"),
    ).where(CaseItem.case == case_id)
    skus = sorted({item["sku"] for item in items})
    facts: dict[str, dict[str, Any]] = {}
    if skus:
        rows = (
            await Variant.select(
                Variant.sku,
                Variant.title,
                Variant.weight_grams,
                Variant.dimensions_cm,
                Variant.hs_code,
                Variant.origin_country,
                Variant.product.title.as_alias("product_title"),
                Variant.product.weight_grams.as_alias("product_weight_grams"),
                Variant.product.dimensions_cm.as_alias("product_dimensions_cm"),
                Variant.product.hs_code.as_alias("product_hs_code"),
                Variant.product.origin_country.as_alias("product_origin_country"),
            )
            .where((Variant.store == store_id) & Variant.sku.is_in(skus))
            .output(load_json=True)
        )
        facts = {row["sku"]: row for row in rows}
    units = []
    for item in items:
        row = facts.get(item["sku"], {})

        def fact(name: str, row: dict[str, Any] = row) -> Any:
            own = row.get(name)
            return own if own is not None else row.get(f"product_{name}")

        title = " ".join(filter(None, (row.get("product_title"), row.get("title"))))
        units.append(
            ReturnedUnits(
                sku=item["sku"],
                title=title or item["sku"],
                quantity=item["quantity"],
                unit_price=Money(item["unit_price_amount"], item["currency"]),
                weight_grams=fact("weight_grams"),
                dimensions_cm=fact("dimensions_cm"),
                hs_code=fact("hs_code"),
                origin_country=fact("origin_country"),
            )
        )
    return units


def parcel_for(units: list[ReturnedUnits]) -> Parcel:
    """All units in one box: their weights added (a default for a unit the catalogue does not
    weigh), the box as large as the largest of them in each direction (what a carrier
    measures is the outer box; stacking estimates would be guesses either way)."""
    weight = sum((u.weight_grams or DEFAULT_UNIT_GRAMS) * u.quantity for u in units)
    sizes = [u.dimensions_cm for u in units if u.dimensions_cm]
    if not sizes:
        return Parcel(weight_grams=weight or DEFAULT_UNIT_GRAMS)
    return Parcel(
        weight_grams=weight or DEFAULT_UNIT_GRAMS,
        length_cm=max(float(s["length"]) for s in sizes),
        width_cm=max(float(s["width"]) for s in sizes),
        height_cm=max(float(s["height"]) for s in sizes),
    )


def customs_for(
    units: list[ReturnedUnits], ship_from_country: str, ship_to_country: str
) -> tuple[CustomsItem, ...]:
    """A declaration line per SKU when the parcel crosses a border; none when it does not."""
    if not ship_from_country or ship_from_country == ship_to_country:
        return ()
    return tuple(
        CustomsItem(
            description=u.title[:100],
            sku=u.sku,
            quantity=u.quantity,
            value=Money(u.unit_price.amount * u.quantity, u.unit_price.currency),
            weight_grams=(u.weight_grams or DEFAULT_UNIT_GRAMS) * u.quantity,
            hs_code=u.hs_code or UNKNOWN_HS_CODE,
            # unknown origin: where the goods were sold from is the best guess a form takes
            origin_country=u.origin_country or ship_to_country,
        )
        for u in units
    )
