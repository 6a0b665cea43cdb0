"""Orders as the shop sends them (our own document, the Shopify webhook and CSV map to it)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from returns_service.domain.catalog import Sku
from returns_service.domain.errors import InvalidRequest
from returns_service.domain.money import Currency, Money
from returns_service.domain.text import COUNTRY, EMAIL, LANGUAGE

AwareDatetime = Annotated[datetime, msgspec.Meta(tz=True)]
Name = Annotated[str, msgspec.Meta(max_length=200)]
Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320, pattern=EMAIL)]
Language = Annotated[str, msgspec.Meta(pattern=LANGUAGE)]
Country = Annotated[str, msgspec.Meta(pattern=COUNTRY)]
ShopId = Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


def normalize_email(email: str) -> str:
    """Emails are matched trimmed and case-insensitively."""
    return email.strip().lower()


class CustomerDocument(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    email: Email
    first_name: Name = ""
    last_name: Name = ""
    language: Language = "en"
    country: Country | None = None
    # the shop's tags (e.g. "vip"), tested by policy rules; None keeps the ones known
    tags: (
        Annotated[list[Annotated[str, msgspec.Meta(max_length=100)]], msgspec.Meta(max_length=100)]
        | None
    ) = None


class AddressDocument(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    line1: Name
    city: Name
    postal_code: Annotated[str, msgspec.Meta(max_length=32)]
    country: Country
    line2: Name | None = None
    region: Name | None = None
    name: Name | None = None


class OrderLineDocument(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    shop_line_id: ShopId
    sku: Sku
    quantity: Annotated[int, msgspec.Meta(ge=1, le=100_000)]
    unit_price: Money
    product_id: ShopId | None = None
    final_sale: bool = False
    delivered_at: AwareDatetime | None = None


class OrderDocument(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    shop_order_id: ShopId
    number: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    placed_at: AwareDatetime
    currency: Currency
    customer: CustomerDocument
    lines: Annotated[list[OrderLineDocument], msgspec.Meta(min_length=1, max_length=500)]
    shipping_address: AddressDocument | None = None
    # what the shop's payment provider knows the payment by (e.g. a Stripe PaymentIntent id),
    # used to refund and, for unreturned advance replacements, to charge
    payment_reference: Annotated[str, msgspec.Meta(max_length=200)] | None = None

    def check(self) -> None:
        """Rules a schema cannot express: one currency per order, unique line ids."""
        for line in self.lines:
            if line.unit_price.currency != self.currency:
                raise InvalidRequest(
                    f"line {line.shop_line_id} is priced in {line.unit_price.currency}, "
                    f"the order in {self.currency}",
                    field=f"lines[{line.shop_line_id}].unit_price.currency",
                )
        ids = [line.shop_line_id for line in self.lines]
        if len(set(ids)) != len(ids):
            raise InvalidRequest("shop_line_id must be unique within an order", field="lines")
