"""The Shopify shop (RETURNS_SHOP=shopify), on the Admin GraphQL API at the version pinned by
SHOPIFY_API_VERSION. What is written when is in docs/shopify.md.

Idempotency: `refundCreate` and `inventoryAdjustQuantities` carry Shopify's
`@idempotent(key:)` directive (2026-01 on) with our payment's or restock's key. The others
have none: their return is found by our case number (in `returnReasonNote`), a replacement
draft order by its note, a store credit through the job's notebook, before making another.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from returns_service.adapters.shop import queries_shopify as q
from returns_service.adapters.shop.base import (
    CreditRequest,
    OrdersPage,
    Progress,
    RefundRequest,
    ReplacementRequest,
    ReturnRequest,
    ShopError,
    ShopOrderSeen,
    ShopRefundSeen,
)
from returns_service.adapters.shop.graphql import ShopifyGraphQL, gid
from returns_service.adapters.shop.shopify_orders import order_from_graphql
from returns_service.domain.money import Money, money_from_decimal, to_decimal_string


def _money(money: dict[str, str]) -> Money:
    return money_from_decimal(str(Decimal(money["amount"])), money["currencyCode"])


def _money_input(amount: Money) -> dict[str, str]:
    return {"amount": to_decimal_string(amount), "currencyCode": amount.currency}


class ShopifyShop:
    name = "shopify"
    moves_money = True

    def __init__(self, api: ShopifyGraphQL, location_id: str = "") -> None:
        self.api = api
        self.location_id = location_id

    # -- returns ---------------------------------------------------------------------------

    async def _order_for_return(self, shop_order_id: str) -> dict[str, Any]:
        data = await self.api.run(q.ORDER_FOR_RETURN, {"id": gid("Order", shop_order_id)})
        order = data.get("order")
        if not order:
            raise ShopError("not_found", f"Shopify has no order {shop_order_id}")
        return dict(order)

    async def create_return(self, request: ReturnRequest, progress: Progress) -> str:
        known = progress.get("return")
        if known:
            return known
        order = await self._order_for_return(request.shop_order_id)
        marker = f"case {request.case_number}"
        for existing in order["returns"]["nodes"]:  # made by an attempt that timed out
            notes = [n.get("returnReasonNote") or "" for n in existing["returnLineItems"]["nodes"]]
            if any(marker in note for note in notes):
                await progress.remember("return", existing["id"])
                return str(existing["id"])
        by_line: dict[str, str] = {}
        for fulfillment in order["fulfillments"]:
            for item in fulfillment["fulfillmentLineItems"]["nodes"]:
                by_line.setdefault(item["lineItem"]["id"], item["id"])
        lines = []
        for line in request.lines:
            fulfilled = by_line.get(gid("LineItem", line.shop_line_id))
            if fulfilled is None:
                raise ShopError("refused", f"line {line.shop_line_id} was never fulfilled")
            lines.append(
                {
                    "fulfillmentLineItemId": fulfilled,
                    "quantity": line.quantity,
                    "returnReason": request.reason,
                    "returnReasonNote": marker,
                }
            )
        payload = await self.api.mutate(
            "returnCreate",
            q.RETURN_CREATE,
            {"returnInput": {"orderId": order["id"], "returnLineItems": lines}},
        )
        reference = str(payload["return"]["id"])
        await progress.remember("return", reference)
        return reference

    async def add_reverse_delivery(
        self, return_ref: str, tracking_number: str, carrier: str, label_url: str
    ) -> str:
        data = await self.api.run(q.RETURN_REVERSE, {"id": return_ref})
        rfo = ((data.get("return") or {}).get("reverseFulfillmentOrders") or {}).get("nodes")
        if not rfo:
            raise ShopError("not_found", f"Shopify's return {return_ref} has nothing to deliver")
        order = rfo[0]
        deliveries = order["reverseDeliveries"]["nodes"]
        for delivery in deliveries:
            tracking = (delivery.get("deliverable") or {}).get("tracking") or {}
            if tracking.get("number") == tracking_number:
                return str(delivery["id"])  # added by an earlier attempt
        if deliveries:  # a re-issued label or the customer's own parcel: the same delivery
            payload = await self.api.mutate(
                "reverseDeliveryShippingUpdate",
                q.REVERSE_DELIVERY_UPDATE,
                {
                    "reverseDeliveryId": deliveries[-1]["id"],
                    "trackingInput": {"number": tracking_number, "company": carrier},
                    "labelInput": {"fileUrl": label_url} if label_url else None,
                },
            )
            return str(payload["reverseDelivery"]["id"])
        variables: dict[str, Any] = {
            "reverseFulfillmentOrderId": order["id"],
            "reverseDeliveryLineItems": [
                {"reverseFulfillmentOrderLineItemId": li["id"], "quantity": li["totalQuantity"]}
                for li in order["lineItems"]["nodes"]
            ],
            "trackingInput": {"number": tracking_number, "company": carrier},
            "labelInput": {"fileUrl": label_url} if label_url else None,
        }
        payload = await self.api.mutate(
            "reverseDeliveryCreateWithShipping", q.REVERSE_DELIVERY_CREATE, variables
        )
        return str(payload["reverseDelivery"]["id"])

    async def close_return(self, return_ref: str) -> None:
        data = await self.api.run(q.RETURN_STATUS, {"id": return_ref})
        if ((data.get("return") or {}).get("status")) == "CLOSED":
            return
        await self.api.mutate("returnClose", q.RETURN_CLOSE, {"id": return_ref})

    # -- money -----------------------------------------------------------------------------

    async def refund(self, request: RefundRequest) -> str:
        data = await self.api.run(q.ORDER_TRANSACTIONS, {"id": gid("Order", request.shop_order_id)})
        order = data.get("order")
        if not order:
            raise ShopError("not_found", f"Shopify has no order {request.shop_order_id}")
        paid = [
            transaction
            for transaction in order["transactions"]
            if transaction["kind"] in ("SALE", "CAPTURE") and transaction["status"] == "SUCCESS"
        ]
        if not paid:
            raise ShopError("refused", "the order has no successful payment to refund")
        refund_input: dict[str, Any] = {
            "orderId": order["id"],
            "note": request.note or f"return {request.case_number}",
            "notify": True,
            # stock goes back when the warehouse grades a unit restockable (restock()), not here
            "refundLineItems": [
                {
                    "lineItemId": gid("LineItem", line.shop_line_id),
                    "quantity": line.quantity,
                    "restockType": "NO_RESTOCK",
                }
                for line in request.lines
                if line.quantity > 0
            ],
            "transactions": [
                {
                    "orderId": order["id"],
                    "parentId": paid[0]["id"],
                    "gateway": paid[0]["gateway"],
                    "kind": "REFUND",
                    "amount": to_decimal_string(request.amount),
                }
            ],
        }
        if request.shipping is not None:
            refund_input["shipping"] = {"amount": to_decimal_string(request.shipping)}
        payload = await self.api.mutate(
            "refundCreate", q.REFUND_CREATE, {"input": refund_input, "key": request.key}
        )
        return str(payload["refund"]["id"])

    async def credit(self, request: CreditRequest, progress: Progress) -> str:
        known = progress.get("credit")
        if known:
            return known
        data = await self.api.run(q.ORDER_CUSTOMER, {"id": gid("Order", request.shop_order_id)})
        customer = ((data.get("order") or {}).get("customer")) or {}
        if not customer.get("id"):
            raise ShopError("refused", "the order has no customer to credit")
        if progress.get("credit_sent"):
            # an earlier attempt sent the credit and lost the answer: was it made?
            made = await self._credit_made(customer["id"], request.amount)
            if made:
                await progress.remember("credit", made)
                return made
        await progress.remember("credit_sent", request.key)
        try:
            payload = await self.api.mutate(
                "storeCreditAccountCredit",
                q.STORE_CREDIT,
                {
                    "id": customer["id"],
                    "creditInput": {"creditAmount": _money_input(request.amount)},
                },
            )
            reference = str(payload["storeCreditAccountTransaction"]["account"]["id"])
        except ShopError as error:
            if error.retryable:
                raise
            # store credit not available to this shop: a gift card for the customer instead
            payload = await self.api.mutate(
                "giftCardCreate",
                q.GIFT_CARD_CREATE,
                {
                    "input": {
                        "initialValue": to_decimal_string(request.amount),
                        "customerId": customer["id"],
                        "note": f"return {request.case_number} ({request.key})",
                    }
                },
            )
            reference = str(payload["giftCard"]["id"])
        await progress.remember("credit", reference)
        return reference

    async def _credit_made(self, customer_id: str, amount: Money) -> str | None:
        """The customer's store-credit account holding a credit of exactly `amount` (Shopify
        keeps no key of ours on a credit; the amount is the best trace it leaves)."""
        data = await self.api.run(q.CUSTOMER_CREDITS, {"id": customer_id})
        accounts = (((data.get("customer") or {}).get("storeCreditAccounts")) or {}).get("nodes")
        wanted = {"amount": to_decimal_string(amount), "currencyCode": amount.currency}
        for account in accounts or []:
            for transaction in account["transactions"]["nodes"]:
                money = transaction["amount"]
                if Decimal(money["amount"]) == Decimal(wanted["amount"]) and (
                    money["currencyCode"] == wanted["currencyCode"]
                ):
                    return str(account["id"])
        return None

    # -- exchanges and stock ---------------------------------------------------------------

    async def _variant(self, sku: str) -> dict[str, Any]:
        data = await self.api.run(q.VARIANT_BY_SKU, {"query": f"sku:'{sku}'"})
        nodes = (data.get("productVariants") or {}).get("nodes") or []
        if not nodes:
            raise ShopError("not_found", f"Shopify has no variant with SKU {sku}")
        return dict(nodes[0])

    async def create_replacement(self, request: ReplacementRequest, progress: Progress) -> str:
        known = progress.get("order")
        if known:
            return known
        draft_id = progress.get("draft")
        if draft_id is None:
            marker = f"replacement {request.key}"
            found = await self.api.run(q.DRAFTS_BY_NOTE, {"query": f'"{marker}"'})
            drafts = (found.get("draftOrders") or {}).get("nodes") or []
            if drafts:
                draft_id = str(drafts[0]["id"])
            else:
                variant = await self._variant(request.sku)
                payload = await self.api.mutate(
                    "draftOrderCreate",
                    q.DRAFT_ORDER_CREATE,
                    {
                        "input": {
                            "email": request.customer_email,
                            "note": marker,
                            "tags": ["returns-exchange", request.case_number],
                            "lineItems": [
                                {
                                    "variantId": variant["id"],
                                    "quantity": request.quantity,
                                    "appliedDiscount": {
                                        "valueType": "PERCENTAGE",
                                        "value": 100.0,
                                        "title": f"Exchange {request.case_number}",
                                    },
                                }
                            ],
                            **(
                                {"shippingAddress": request.shipping_address}
                                if request.shipping_address
                                else {}
                            ),
                        }
                    },
                )
                draft_id = str(payload["draftOrder"]["id"])
            await progress.remember("draft", draft_id)
        payload = await self.api.mutate(
            "draftOrderComplete", q.DRAFT_ORDER_COMPLETE, {"id": draft_id}
        )
        order_id = str(payload["draftOrder"]["order"]["id"])
        await progress.remember("order", order_id)
        return order_id

    async def _location(self) -> str:
        if self.location_id:
            return gid("Location", self.location_id)
        data = await self.api.run(q.FIRST_LOCATION, {})
        nodes = (data.get("locations") or {}).get("nodes") or []
        if not nodes:
            raise ShopError("refused", "the shop has no active location to restock at")
        self.location_id = str(nodes[0]["id"])
        return self.location_id

    async def restock(self, sku: str, quantity: int, key: str) -> None:
        variant = await self._variant(sku)
        change = {
            "delta": quantity,
            "inventoryItemId": variant["inventoryItem"]["id"],
            "locationId": await self._location(),
        }
        await self.api.mutate(
            "inventoryAdjustQuantities",
            q.INVENTORY_ADJUST,
            {"input": {"reason": "restock", "name": "available", "changes": [change]}, "key": key},
        )

    # -- reading -----------------------------------------------------------------------------

    async def refunds_of(self, shop_order_id: str) -> list[ShopRefundSeen]:
        data = await self.api.run(q.ORDER_REFUNDS, {"id": gid("Order", shop_order_id)})
        order = data.get("order") or {}
        seen = []
        for refund in order.get("refunds") or []:
            money = refund["totalRefundedSet"]["shopMoney"]
            seen.append(
                ShopRefundSeen(
                    reference=str(refund["id"]),
                    amount=money_from_decimal(str(Decimal(money["amount"])), money["currencyCode"]),
                    created_at=datetime.fromisoformat(refund["createdAt"].replace("Z", "+00:00")),
                    note=refund.get("note") or "",
                )
            )
        return seen

    async def credits_of(self, reference: str) -> list[Money] | None:
        if "/GiftCard/" in reference:
            data = await self.api.run(q.GIFT_CARD, {"id": reference})
            card = data.get("giftCard")
            if not card or card.get("enabled") is False:
                return None  # deactivated: the customer can no longer spend it
            return [_money(card["initialValue"])]
        data = await self.api.run(q.STORE_CREDIT_ACCOUNT, {"id": reference})
        account = data.get("storeCreditAccount")
        if not account:
            return None
        return [  # debits (negative) are the customer's spending, not ours to compare
            _money(t["amount"])
            for t in account["transactions"]["nodes"]
            if Decimal(t["amount"]["amount"]) > 0
        ]

    async def order_of(self, reference: str) -> ShopOrderSeen | None:
        data = await self.api.run(q.EXCHANGE_ORDER, {"id": reference})
        order = data.get("order")
        if not order:
            return None
        lines = tuple(
            (str(li.get("sku") or ""), int(li["quantity"])) for li in order["lineItems"]["nodes"]
        )
        return ShopOrderSeen(str(order["id"]), lines, bool(order.get("cancelledAt")))

    async def orders_since(self, since: datetime | None, cursor: str | None) -> OrdersPage:
        search = f"updated_at:>='{since.isoformat()}'" if since else None
        data = await self.api.run(q.ORDERS, {"after": cursor, "query": search}, cost=120)
        page = data.get("orders") or {}
        info = page.get("pageInfo") or {}
        orders = [order_from_graphql(node) for node in page.get("nodes") or []]
        return OrdersPage(orders, info.get("endCursor") if info.get("hasNextPage") else None)
