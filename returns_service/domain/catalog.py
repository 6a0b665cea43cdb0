"""The product catalogue as the shop describes it: products with size/colour variants."""

from __future__ import annotations

from collections import Counter
from typing import Annotated

import msgspec

from returns_service.domain.money import Money
from returns_service.domain.text import TRIMMED

Sku = Annotated[str, msgspec.Meta(min_length=1, max_length=128, pattern=TRIMMED)]
ShortText = Annotated[str, msgspec.Meta(max_length=300)]
LanguageCode = Annotated[str, msgspec.Meta(min_length=2, max_length=16, pattern=r"^[a-z]{2,3}$")]


class TitleTranslation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]


# A picture of the product: an https address (the shop's CDN) or a path on this service
# ("/static/catalogue/ring.svg"). Pages only show pictures served by this service (nothing is
# loaded from another host); API clients get the address as it is.
ImageUrl = Annotated[
    str, msgspec.Meta(max_length=1000, pattern=r"^(https://[^\s<>\"']+|/[^/\s<>\"'][^\s<>\"']*)$")
]


def shown_on_pages(image_url: str) -> bool:
    """Is the picture served by this service (the pages' CSP allows only 'self')?"""
    return image_url.startswith("/") and not image_url.startswith("//")


# {"ro": {"title": "Inel"}}: the portal shows a title in the reader's language when it has one
Translations = Annotated[dict[LanguageCode, TitleTranslation], msgspec.Meta(max_length=20)]


class DimensionsCm(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    length: Annotated[float, msgspec.Meta(gt=0, le=1000)]
    width: Annotated[float, msgspec.Meta(gt=0, le=1000)]
    height: Annotated[float, msgspec.Meta(gt=0, le=1000)]


WeightGrams = Annotated[int, msgspec.Meta(gt=0, le=1_000_000)]
HsCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}(\.?[0-9]{2}){0,3}$")]  # 6-10 digits
OriginCountry = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{2}$")]


class VariantDocument(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    sku: Sku
    title: ShortText
    price: Money
    options: dict[Annotated[str, msgspec.Meta(max_length=50)], ShortText] = {}
    stock: Annotated[int, msgspec.Meta(ge=0, le=10_000_000)] = 0
    translations: Translations = {}
    image_url: ImageUrl | None = None

    # for the return parcel and its customs declaration (issue 12); unset: the product's
    weight_grams: WeightGrams | None = None
    dimensions_cm: DimensionsCm | None = None
    hs_code: HsCode | None = None
    origin_country: OriginCountry | None = None


class ProductDocument(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    title: Annotated[str, msgspec.Meta(min_length=1, max_length=300)]
    variants: Annotated[list[VariantDocument], msgspec.Meta(min_length=1, max_length=500)]
    category: Annotated[str, msgspec.Meta(max_length=100)] = ""
    translations: Translations = {}
    image_url: ImageUrl | None = None

    # the defaults of its variants' parcel and customs facts (issue 12)
    weight_grams: WeightGrams | None = None
    dimensions_cm: DimensionsCm | None = None
    hs_code: HsCode | None = None
    origin_country: OriginCountry | None = None

    def duplicate_skus(self) -> list[str]:
        counts = Counter(v.sku for v in self.variants)
        return sorted(sku for sku, n in counts.items() if n > 1)
