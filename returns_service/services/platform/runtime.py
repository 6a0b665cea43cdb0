"""What every use case may need from its surroundings: the one clock, the public address (for
links in emails and labels), the carrier and payment adapters, the return warehouse. Built
once by the app or the worker (`runtime_from_settings`) and passed in."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import msgspec

from returns_service.adapters.carriers import (
    Address,
    BuiltinCarrier,
    CarrierAdapter,
    carrier_for,
)
from returns_service.adapters.payments import ManualPayments, PaymentAdapter, payments_from_settings
from returns_service.adapters.s3_storage import S3PhotoStorage, s3_client
from returns_service.adapters.shop import NoShop, ShopAdapter
from returns_service.adapters.storage import DiskPhotoStorage, PhotoStorage
from returns_service.clock import Clock
from returns_service.settings import CarrierSettings, PhotoSettings, Settings, ShopSettings

DEFAULT_WAREHOUSE = Address(
    name="Returns department",
    line1="100 Harbor Way",
    city="Reno",
    region="NV",
    postal_code="89501",
    country="US",
)


def warehouse_from_json(text: str) -> Address:
    if not text:
        return DEFAULT_WAREHOUSE
    return msgspec.json.decode(text.encode(), type=Address)


@dataclass(frozen=True, slots=True)
class Runtime:
    clock: Clock
    public_url: str = "http://127.0.0.1:8000"
    carrier: CarrierAdapter = field(default_factory=BuiltinCarrier)
    payments: PaymentAdapter = field(default_factory=ManualPayments)
    shop: ShopAdapter = field(default_factory=NoShop)  # what is written back to the shop
    warehouse: Address = DEFAULT_WAREHOUSE
    follow_up_days: int = 3
    auto_close_days: int = 14
    expire_after_days: int = 30
    brand_colour: str = "#1f2937"  # emails' header and button
    brand_logo_url: str = ""  # '': emails show the store's name instead
    secret_key: str = ""  # signs the deep links in emails and on labels (platform/links.py)
    # evidence photos: on disk under the data directory, or in S3 (photos_from_settings)
    photos: PhotoStorage = field(
        default_factory=lambda: DiskPhotoStorage(Settings().database.data_dir / "photos")
    )
    # any carrier by its name, with its keys: a label is voided, and a provider's webhook read,
    # by the provider that sold it, whichever RETURNS_CARRIER is chosen today
    carriers: Callable[[str], CarrierAdapter] = carrier_for

    def carrier_named(self, name: str) -> CarrierAdapter:
        return self.carrier if name in ("", self.carrier.name) else self.carriers(name)

    webhook_allow_private: bool = False  # RETURNS_WEBHOOK_ALLOW_PRIVATE
    inbound_domain: str = ""  # RETURNS_INBOUND_DOMAIN: where the reply addresses point


def photos_from_settings(photos: PhotoSettings, data_dir: Path) -> PhotoStorage:
    if not photos.s3_bucket:
        return DiskPhotoStorage(data_dir / "photos")
    client = s3_client(
        photos.s3_endpoint_url,
        photos.s3_region,
        photos.s3_access_key_id,
        photos.s3_secret_access_key,
    )
    return S3PhotoStorage(photos.s3_bucket, photos.s3_prefix, client)


def carrier_from_settings(carrier: CarrierSettings, clock: Clock | None = None) -> CarrierAdapter:
    """The adapter `carrier.name` names, with its keys; `clock`: the runtime's one clock, which
    a provider's signed webhook timestamps are checked against."""
    keys = {
        "easypost": (carrier.easypost_api_key, carrier.easypost_api_base),
        "shippo": (carrier.shippo_api_key, carrier.shippo_api_base),
    }
    api_key, api_base = keys.get(carrier.name, ("", ""))
    return carrier_for(
        carrier.name,
        api_key=api_key,
        api_base=api_base,
        timeout_seconds=carrier.timeout_seconds,
        clock=clock.now if clock is not None else None,
    )


def carriers_from_settings(
    carrier: CarrierSettings, clock: Clock | None = None
) -> Callable[[str], CarrierAdapter]:
    def named(name: str) -> CarrierAdapter:
        return carrier_from_settings(dataclasses.replace(carrier, name=name), clock)

    return named


def shop_from_settings(shop: ShopSettings, timeout_seconds: float = 20.0) -> ShopAdapter:
    if shop.name != "shopify":
        return NoShop()
    if not (shop.shopify_shop or shop.shopify_api_base) or not shop.shopify_access_token:
        raise ValueError("RETURNS_SHOP=shopify needs SHOPIFY_SHOP and SHOPIFY_ACCESS_TOKEN")
    from returns_service.adapters.shop.graphql import ShopifyGraphQL
    from returns_service.adapters.shop.shopify import ShopifyShop

    api = ShopifyGraphQL(
        shop=shop.shopify_shop,
        access_token=shop.shopify_access_token,
        api_version=shop.shopify_api_version,
        api_base=shop.shopify_api_base,
        timeout_seconds=timeout_seconds,
    )
    return ShopifyShop(api, location_id=shop.shopify_location_id)


def runtime_from_settings(settings: Settings, clock: Clock) -> Runtime:
    return Runtime(
        clock=clock,
        public_url=settings.server.public_url,
        carrier=carrier_from_settings(settings.carrier, clock),
        carriers=carriers_from_settings(settings.carrier, clock),
        payments=payments_from_settings(
            settings.payments.provider, settings.payments.stripe_api_key
        ),
        warehouse=warehouse_from_json(settings.carrier.warehouse_address),
        follow_up_days=settings.cases.follow_up_days,
        auto_close_days=settings.cases.auto_close_days,
        expire_after_days=settings.cases.expire_after_days,
        brand_colour=settings.store.brand_colour,
        brand_logo_url=settings.store.brand_logo_url,
        secret_key=settings.server.secret_key,
        photos=photos_from_settings(settings.photos, settings.database.data_dir),
        webhook_allow_private=settings.webhooks.allow_private,
        shop=shop_from_settings(settings.shop, settings.carrier.timeout_seconds),
        inbound_domain=settings.inbound.domain,
    )
