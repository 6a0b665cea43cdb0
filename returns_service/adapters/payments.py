"""Moving money: refunds to the customer and charges for replacements never returned.

The built-in "manual" adapter moves nothing itself: it records what a person must do in the
shop's own admin (the payment row says `to_do_in_shop`). The Stripe adapter uses the official
SDK and passes our idempotency key, so a retried request never refunds or charges twice.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Protocol

from returns_service.domain.money import Money


@dataclass(frozen=True, slots=True)
class PaymentResult:
    provider: str
    reference: str
    status: str  # succeeded | to_do_in_shop | failed


@dataclass(frozen=True, slots=True)
class MoneyRequest:
    amount: Money
    idempotency_key: str
    order_payment_reference: str  # what the shop's payment provider knows the order by
    description: str


class PaymentAdapter(Protocol):
    name: str

    async def refund(self, request: MoneyRequest) -> PaymentResult: ...

    async def charge(self, request: MoneyRequest) -> PaymentResult: ...


class ManualPayments:
    name = "manual"

    async def refund(self, request: MoneyRequest) -> PaymentResult:
        return PaymentResult(self.name, f"manual:{request.idempotency_key}", "to_do_in_shop")

    async def charge(self, request: MoneyRequest) -> PaymentResult:
        return PaymentResult(self.name, f"manual:{request.idempotency_key}", "to_do_in_shop")


class StripePayments:
    """Refunds against the order's PaymentIntent; charges the same customer and payment
    method off-session (the card the order was paid with)."""

    name = "stripe"

    def __init__(self, api_key: str, client: Any = None) -> None:
        if client is None:
            import stripe

            client = stripe.StripeClient(api_key)
        self.client = client

    async def refund(self, request: MoneyRequest) -> PaymentResult:
        refund = await asyncio.to_thread(
            self.client.refunds.create,
            params={
                "payment_intent": request.order_payment_reference,
                "amount": request.amount.amount,
                "metadata": {"description": request.description},
            },
            options={"idempotency_key": request.idempotency_key},
        )
        status = "succeeded" if refund.status in ("succeeded", "pending") else "failed"
        return PaymentResult(self.name, refund.id, status)

    async def charge(self, request: MoneyRequest) -> PaymentResult:
        original = await asyncio.to_thread(
            self.client.payment_intents.retrieve, request.order_payment_reference
        )
        intent = await asyncio.to_thread(
            self.client.payment_intents.create,
            params={
                "amount": request.amount.amount,
                "currency": request.amount.currency.lower(),
                "customer": original.customer,
                "payment_method": original.payment_method,
                "off_session": True,
                "confirm": True,
                "description": request.description,
            },
            options={"idempotency_key": request.idempotency_key},
        )
        return PaymentResult(
            self.name, intent.id, "succeeded" if intent.status == "succeeded" else "failed"
        )


def payments_from_settings(provider: str, stripe_api_key: str) -> PaymentAdapter:
    if provider in ("", "manual"):
        return ManualPayments()
    if provider == "stripe":
        if not stripe_api_key:
            raise ValueError("RETURNS_PAYMENTS=stripe needs RETURNS_STRIPE_API_KEY")
        return StripePayments(stripe_api_key)
    raise ValueError(f"unknown payment provider {provider!r}: manual or stripe")
