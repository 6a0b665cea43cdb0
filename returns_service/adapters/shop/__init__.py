"""The shop the service writes back to: none (default) or Shopify (RETURNS_SHOP)."""

from returns_service.adapters.shop.base import (
    CreditRequest,
    NoShop,
    OrdersPage,
    Progress,
    RefundRequest,
    ReplacementRequest,
    ReturnRequest,
    ShopAdapter,
    ShopError,
    ShopLine,
    ShopOrderSeen,
    ShopRefundSeen,
)

__all__ = [
    "CreditRequest",
    "NoShop",
    "OrdersPage",
    "Progress",
    "RefundRequest",
    "ReplacementRequest",
    "ReturnRequest",
    "ShopAdapter",
    "ShopError",
    "ShopLine",
    "ShopOrderSeen",
    "ShopRefundSeen",
]
