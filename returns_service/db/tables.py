"""Piccolo tables. Every table carries `store_id` and every unique key includes it, so one
deployment can later serve several stores (and PostgreSQL can be distributed by store)."""

from __future__ import annotations

from piccolo.columns import (
    JSONB,
    Array,
    BigInt,
    BigSerial,
    Boolean,
    ForeignKey,
    Integer,
    OnDelete,
    Timestamptz,
    Varchar,
)
from piccolo.constraints import Check, Unique
from piccolo.table import Table

from returns_service.db.engine import DB


class Store(Table, tablename="store", db=DB):
    id = BigSerial(primary_key=True)
    slug = Varchar(length=64, unique=True)
    name = Varchar(length=200)
    timezone = Varchar(length=64, default="UTC")
    created_at = Timestamptz()


class Agent(Table, tablename="agent", db=DB):
    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    name = Varchar(length=200)
    email = Varchar(length=320)
    role = Varchar(length=16)  # agent | lead
    languages = Array(Varchar(length=16))
    capacity = Integer(default=20)
    available = Boolean(default=True)
    last_assigned_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz()

    agent_unique_email = Unique(["store", "email"])
    agent_capacity_not_negative = Check("capacity >= 0")
    agent_role_known = Check("role IN ('agent', 'lead')")


class Station(Table, tablename="station", db=DB):
    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    name = Varchar(length=200)
    created_at = Timestamptz()

    station_unique_name = Unique(["store", "name"])


class ApiToken(Table, tablename="api_token", db=DB):
    """Bearer tokens for staff and stations; only a SHA-256 of the token is kept."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    token_hash = Varchar(length=64, unique=True)
    role = Varchar(length=16)  # admin | agent | lead | warehouse
    name = Varchar(length=200, default="")
    agent = ForeignKey(Agent, on_delete=OnDelete.restrict, null=True)
    station = ForeignKey(Station, on_delete=OnDelete.restrict, null=True)
    created_at = Timestamptz()
    revoked_at = Timestamptz(null=True, default=None)

    api_token_role_known = Check("role IN ('admin', 'agent', 'lead', 'warehouse')")


class Product(Table, tablename="product", db=DB):
    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    product_key = Varchar(length=128)  # the shop's product id, as in PUT /catalog/products/{id}
    title = Varchar(length=300)
    category = Varchar(length=100, default="")
    updated_at = Timestamptz()

    product_unique_key = Unique(["store", "product_key"])


class Variant(Table, tablename="variant", db=DB):
    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    product = ForeignKey(Product, on_delete=OnDelete.cascade, null=False, index=True)
    sku = Varchar(length=128)
    title = Varchar(length=300)
    options = JSONB(default={})
    price_amount = BigInt()
    currency = Varchar(length=3)
    stock = Integer(default=0)
    position = Integer(default=0)

    variant_unique_sku = Unique(["store", "sku"])
    variant_stock_not_negative = Check("stock >= 0")
    variant_price_not_negative = Check("price_amount >= 0")


class Customer(Table, tablename="customer", db=DB):
    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    email = Varchar(length=320)  # trimmed and lower-cased
    first_name = Varchar(length=200, default="")
    last_name = Varchar(length=200, default="")
    language = Varchar(length=16, default="en")
    country = Varchar(length=2, default="")
    created_at = Timestamptz()

    customer_unique_email = Unique(["store", "email"])


class ShopOrder(Table, tablename="shop_order", db=DB):
    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    shop_order_id = Varchar(length=128)
    number = Varchar(length=64)
    customer = ForeignKey(Customer, on_delete=OnDelete.restrict, null=False, index=True)
    placed_at = Timestamptz()
    currency = Varchar(length=3)
    shipping_address = JSONB(default={})
    created_at = Timestamptz()
    updated_at = Timestamptz()

    shop_order_unique_shop_order_id = Unique(["store", "shop_order_id"])
    shop_order_unique_number = Unique(["store", "number"])


class OrderLine(Table, tablename="order_line", db=DB):
    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    order = ForeignKey(ShopOrder, on_delete=OnDelete.cascade, null=False, index=True)
    shop_line_id = Varchar(length=128)
    sku = Varchar(length=128)
    product_key = Varchar(length=128, null=True, default=None)
    quantity = Integer()
    unit_price_amount = BigInt()
    currency = Varchar(length=3)
    final_sale = Boolean(default=False)
    delivered_at = Timestamptz(null=True, default=None)

    order_line_unique_shop_line = Unique(["order", "shop_line_id"])
    order_line_quantity_positive = Check("quantity > 0")
    order_line_price_not_negative = Check("unit_price_amount >= 0")


class StorePolicy(Table, tablename="store_policy", db=DB):
    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False, unique=True)
    document = JSONB()
    version = Integer(default=1)
    updated_at = Timestamptz()


class LookupFailure(Table, tablename="lookup_failure", db=DB):
    """Failed portal lookups per client, to slow down guessing of order/email pairs."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    client = Varchar(length=128)
    window_started_at = Timestamptz()
    failures = Integer(default=0)

    lookup_failure_unique_client = Unique(["store", "client"])


class ReturnCase(Table, tablename="return_case", db=DB):
    """A customer's request to return lines of one order. One owner agent, one status."""

    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    number = Varchar(length=16)
    order = ForeignKey(ShopOrder, on_delete=OnDelete.restrict, null=False, index=True)
    customer = ForeignKey(Customer, on_delete=OnDelete.restrict, null=False, index=True)
    status = Varchar(length=16)
    created_at = Timestamptz()
    updated_at = Timestamptz()

    return_case_unique_number = Unique(["store", "number"])


class CaseItem(Table, tablename="case_item", db=DB):
    id = BigSerial(primary_key=True)
    store = ForeignKey(Store, on_delete=OnDelete.restrict, null=False)
    case = ForeignKey(ReturnCase, on_delete=OnDelete.cascade, null=False, index=True)
    line = ForeignKey(OrderLine, on_delete=OnDelete.restrict, null=False, index=True)
    quantity = Integer()
    reason = Varchar(length=32)
    resolution = Varchar(length=16)
    exchange_sku = Varchar(length=128, null=True, default=None)

    case_item_quantity_positive = Check("quantity > 0")


ALL_TABLES: list[type[Table]] = [
    Store,
    Agent,
    Station,
    ApiToken,
    Product,
    Variant,
    Customer,
    ShopOrder,
    OrderLine,
    StorePolicy,
    LookupFailure,
    ReturnCase,
    CaseItem,
]
