"""What the service asks of a shop (the merchant's e-commerce platform), and the built-in
"none" shop (nothing leaves: the payment adapter moves money, our stock table is the stock).

Every write is made idempotent by the caller's key (`key`): a shop that supports
idempotency keys passes it on; one that does not looks up what an earlier attempt made
(through the job's notebook, `Progress`) before making it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from returns_service.domain.money import Money

ShopErrorKind = Literal["throttled", "unavailable", "refused", "not_found"]
RETRYABLE: frozenset[str] = frozenset({"throttled", "unavailable"})


class ShopError(Exception):
    """The shop's refusal or failure, classified: `retryable` ones are tried again later
    (after `retry_after` seconds where the shop said so); the others need a person."""

    def __init__(
        self, kind: ShopErrorKind, message: str, *, retry_after: float | None = None
    ) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.retry_after = retry_after

    @property
    def retryable(self) -> bool:
        return self.kind in RETRYABLE


class Progress(Protocol):
    """A durable notebook for one multi-step call (a job's `progress`)."""

    def get(self, key: str) -> str | None: ...

    async def remember(self, key: str, value: str) -> None: ...


@dataclass(frozen=True, slots=True)
class ShopLine:
    """`quantity` units of a line of the shop's order (its own id, as the order came)."""

    shop_line_id: str
    quantity: int


@dataclass(frozen=True, slots=True)
class ReturnRequest:
    case_number: str
    shop_order_id: str
    lines: tuple[ShopLine, ...]
    reason: str = "OTHER"


@dataclass(frozen=True, slots=True)
class RefundRequest:
    """Money back to the order's original payment, for these lines (no restock here: the
    warehouse's grading restocks, `restock`), plus `shipping` when it is refunded."""

    case_number: str
    shop_order_id: str
    lines: tuple[ShopLine, ...]
    amount: Money
    key: str
    shipping: Money | None = None
    note: str = ""


@dataclass(frozen=True, slots=True)
class CreditRequest:
    case_number: str
    shop_order_id: str
    customer_email: str
    amount: Money
    key: str


@dataclass(frozen=True, slots=True)
class ReplacementRequest:
    case_number: str
    shop_order_id: str
    customer_email: str
    sku: str
    quantity: int
    key: str
    shipping_address: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ShopRefundSeen:
    """A refund as the shop holds it (for reconciliation and hand-made refunds)."""

    reference: str
    amount: Money
    created_at: datetime
    note: str = ""


@dataclass(frozen=True, slots=True)
class ShopOrderSeen:
    """An order as the shop holds it (for reconciling the exchanges' replacements)."""

    reference: str
    lines: tuple[tuple[str, int], ...]  # (sku, quantity)
    cancelled: bool = False


@dataclass(frozen=True, slots=True)
class OrdersPage:
    orders: list[dict[str, Any]]  # in the shape of Shopify's order webhook (adapters/shopify.py)
    cursor: str | None  # None: the last page


class ShopAdapter(Protocol):
    name: str
    moves_money: bool  # refunds and store credit go through the shop, not the payments adapter

    async def create_return(self, request: ReturnRequest, progress: Progress) -> str:
        """The shop's return object for a case (requested and approved); its reference."""
        ...

    async def add_reverse_delivery(
        self, return_ref: str, tracking_number: str, carrier: str, label_url: str
    ) -> str:
        """The return's parcel under this tracking: its delivery made, or its tracking
        changed when it has one already (a re-issued label, the customer's own parcel)."""
        ...

    async def close_return(self, return_ref: str) -> None: ...

    async def refund(self, request: RefundRequest) -> str:
        """Refund to the original payment; the refund's reference."""
        ...

    async def credit(self, request: CreditRequest, progress: Progress) -> str:
        """Store credit (or a gift card where the shop has none); its reference."""
        ...

    async def create_replacement(self, request: ReplacementRequest, progress: Progress) -> str:
        """The exchange's replacement as an order of its own; its reference."""
        ...

    async def restock(self, sku: str, quantity: int, key: str) -> None:
        """Put received units back on sale at the returns location."""
        ...

    async def refunds_of(self, shop_order_id: str) -> list[ShopRefundSeen]: ...

    async def credits_of(self, reference: str) -> list[Money] | None:
        """The credits on a store-credit account or gift card we issued (by the reference
        `credit` answered); None when the shop has no such thing."""
        ...

    async def order_of(self, reference: str) -> ShopOrderSeen | None:
        """An order we made in the shop (an exchange's replacement); None when it has none."""
        ...

    async def orders_since(self, since: datetime | None, cursor: str | None) -> OrdersPage: ...


class NoShop:
    """Today's behaviour: nothing is written to a shop."""

    name = "none"
    moves_money = False

    async def create_return(self, request: ReturnRequest, progress: Progress) -> str:
        return ""

    async def add_reverse_delivery(
        self, return_ref: str, tracking_number: str, carrier: str, label_url: str
    ) -> str:
        return ""

    async def close_return(self, return_ref: str) -> None:
        return None

    async def refund(self, request: RefundRequest) -> str:
        raise ShopError("refused", "no shop moves money here: the payment adapter does")

    async def credit(self, request: CreditRequest, progress: Progress) -> str:
        raise ShopError("refused", "no shop issues credit here: the ledger does")

    async def create_replacement(self, request: ReplacementRequest, progress: Progress) -> str:
        return ""

    async def restock(self, sku: str, quantity: int, key: str) -> None:
        return None

    async def refunds_of(self, shop_order_id: str) -> list[ShopRefundSeen]:
        return []

    async def credits_of(self, reference: str) -> list[Money] | None:
        return None

    async def order_of(self, reference: str) -> ShopOrderSeen | None:
        return None

    async def orders_since(self, since: datetime | None, cursor: str | None) -> OrdersPage:
        return OrdersPage([], None)
