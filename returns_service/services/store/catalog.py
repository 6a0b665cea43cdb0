"""The store's catalogue: products and variants with their stock."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec

from returns_service.clock import Clock
from returns_service.db.engine import DB
from returns_service.db.tables import Product, Variant
from returns_service.domain.access import Caller
from returns_service.domain.catalog import ProductDocument, TitleTranslation, VariantDocument
from returns_service.domain.errors import Conflict, InvalidRequest
from returns_service.services.store import queries


@dataclass(frozen=True, slots=True)
class PutProductResult:
    created: bool


async def put_product(
    caller: Caller, product_key: str, doc: ProductDocument, clock: Clock
) -> PutProductResult:
    """Create or replace a product and its variants (variants left out are removed)."""
    if dupes := doc.duplicate_skus():
        raise InvalidRequest(f"SKUs repeated in the document: {', '.join(dupes)}", field="variants")
    now = clock.now()
    async with DB.transaction():
        product_id, created = await queries.upsert_product(
            store_id=caller.store_id,
            product_key=product_key,
            title=doc.title,
            category=doc.category,
            at=now,
        )
        await Product.update(
            {
                Product.translations: _titles(doc.translations),
                Product.image_url: doc.image_url or "",
                **_parcel_facts(Product, doc),
            }
        ).where(Product.id == product_id)
        skus = [v.sku for v in doc.variants]
        taken = await (
            Variant.select(Variant.sku)
            .where(
                (Variant.store == caller.store_id)
                & Variant.sku.is_in(skus)
                & (Variant.product != product_id)
            )
            .run()
        )
        if taken:
            raise Conflict(
                "these SKUs belong to another product: "
                + ", ".join(sorted(r["sku"] for r in taken))
            )
        delete = Variant.delete().where(Variant.product == product_id)
        if skus:
            delete = delete.where(Variant.sku.not_in(skus))
        await delete.run()
        for position, v in enumerate(doc.variants):
            await (
                Variant.insert(
                    Variant(
                        store=caller.store_id,
                        product=product_id,
                        sku=v.sku,
                        title=v.title,
                        options=dict(v.options),
                        price_amount=v.price.amount,
                        currency=v.price.currency,
                        stock=v.stock,
                        position=position,
                        translations=_titles(v.translations),
                        image_url=v.image_url or "",
                        **{c._meta.name: x for c, x in _parcel_facts(Variant, v).items()},
                    )
                )
                .on_conflict(
                    target=(Variant.store, Variant.sku),
                    action="DO UPDATE",
                    values=[
                        Variant.title,
                        Variant.options,
                        Variant.price_amount,
                        Variant.currency,
                        Variant.stock,
                        Variant.position,
                        Variant.translations,
                        Variant.image_url,
                        *_parcel_facts(Variant, v),
                    ],
                )
                .run()
            )
    return PutProductResult(created=created)


def _parcel_facts(
    table: type[Product] | type[Variant], doc: ProductDocument | VariantDocument
) -> dict[Any, Any]:
    """What a return parcel and its customs declaration need (unset: unknown; a variant's
    falls back to its product's when the label is bought)."""
    dimensions = doc.dimensions_cm
    return {
        table.weight_grams: doc.weight_grams,
        table.dimensions_cm: msgspec.to_builtins(dimensions) if dimensions else None,
        table.hs_code: doc.hs_code,
        table.origin_country: doc.origin_country,
    }


def _titles(translations: dict[str, TitleTranslation]) -> dict[str, dict[str, str]]:
    return {language: {"title": t.title} for language, t in translations.items()}


async def translated_titles(store_id: int, skus: list[str], language: str) -> dict[str, Titles]:
    """For each SKU of the catalogue with a title in `language`: the product's and the
    variant's titles in it (each None when only the other is translated)."""
    if not skus:
        return {}
    rows = await (
        Variant.select(
            Variant.sku, Variant.translations, Variant.product.translations.as_alias("product_t")
        )
        .where((Variant.store == store_id) & Variant.sku.is_in(skus))
        .output(load_json=True)
    )
    found = {}
    for row in rows:
        product = (row["product_t"] or {}).get(language, {}).get("title")
        variant = (row["translations"] or {}).get(language, {}).get("title")
        if product or variant:
            found[row["sku"]] = Titles(product, variant)
    return found


@dataclass(frozen=True, slots=True)
class Titles:
    product: str | None
    variant: str | None


async def categories(caller: Caller) -> list[str]:
    """The catalogue's product categories, sorted (the dashboard's category filter)."""
    rows = await (
        Product.select(Product.category)
        .where((Product.store == caller.store_id) & (Product.category != ""))
        .distinct()
    )
    return sorted(str(row["category"]) for row in rows)
