"""The store package's requests and responses: the portal's sign-in and order, the shop's
orders and products coming in, the people and stations that work returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

import msgspec

from returns_service.domain.access import StaffName
from returns_service.domain.amounts import SignedMoney
from returns_service.domain.money import Money
from returns_service.domain.orders import Email, Language
from returns_service.domain.policy import IneligibleReason, ReturnPolicy

# ---------------------------------------------------------------------------------------------
# The portal


class SessionRequest(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    order_number: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    email: Annotated[str, msgspec.Meta(min_length=3, max_length=320)]


class OrderLineView(msgspec.Struct, frozen=True):
    id: int
    sku: str
    title: str
    variant: str
    category: str
    quantity: int
    unit_price: Money
    final_sale: bool
    delivered_at: datetime | None
    returnable_quantity: int
    return_by: date | None
    ineligible_reason: IneligibleReason | None


class OrderView(msgspec.Struct, frozen=True):
    number: str
    placed_at: datetime
    delivered_at: datetime | None
    currency: str
    lines: list[OrderLineView]


class ExchangeOption(msgspec.Struct, frozen=True):
    sku: str
    title: str
    options: dict[str, str]
    price: Money
    in_stock: bool
    # for a size problem, the size to offer first (next up for too_small, down for too_large)
    suggested_for: list[str] = msgspec.field(default_factory=list)


class SessionResponse(msgspec.Struct, frozen=True):
    token: str
    expires_at: datetime
    order: OrderView


# ---------------------------------------------------------------------------------------------
# From the shop, and the admin


class OrderUpserted(msgspec.Struct, frozen=True):
    id: int
    number: str
    created: bool


class ProductPut(msgspec.Struct, frozen=True):
    product_id: str
    created: bool


class NewAgent(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: StaffName
    email: Email
    role: Literal["agent", "lead"] = "agent"
    languages: Annotated[list[Language], msgspec.Meta(max_length=20)] = msgspec.field(
        default_factory=lambda: ["en"]
    )
    capacity: Annotated[int, msgspec.Meta(ge=0, le=10_000)] = 20
    # how customers see them ("Kari"); the full name when not given
    display_name: StaffName | None = None


class NewStation(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class CreatedWithToken(msgspec.Struct, frozen=True):
    id: int
    token: str


class LinkRequested(msgspec.Struct, frozen=True):
    """The answer to "email me a link": the same whether or not the order exists."""

    detail: str = (
        "If the order number and email match an order, a sign-in link is on its way to that "
        "address. It works for one hour."
    )


# ---------------------------------------------------------------------------------------------
# Shop-now: exchanging for something else from the catalogue


class ShopNowItem(msgspec.Struct, frozen=True):
    """An in-stock variant the line can be exchanged for, with what the exchange would settle
    for the quantity asked about (`price_difference`, positive: the customer pays it; zero
    when the policy absorbs it)."""

    sku: str
    product_id: str
    title: str
    variant: str
    category: str
    price: Money
    price_difference: SignedMoney
    image_url: str | None
    in_stock: bool = True


class ShopNowPage(msgspec.Struct, frozen=True):
    items: list[ShopNowItem]
    next_cursor: str | None


# ---------------------------------------------------------------------------------------------
# Policy versions (issue 16)


class Publisher(msgspec.Struct, frozen=True):
    role: str  # admin | lead | agent | system
    name: str  # the agent's name, "admin token <its name>", or "system"


class PolicyVersionView(msgspec.Struct, frozen=True):
    version: int
    published_at: datetime
    published_by: Publisher
    policy: ReturnPolicy


class PolicyVersionPage(msgspec.Struct, frozen=True):
    items: list[PolicyVersionView]
    next_cursor: str | None
