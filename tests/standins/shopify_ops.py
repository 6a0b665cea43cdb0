"""More of the Shopify stand-in's answers (tests/standins/shopify.py): the reads the nightly
reconciliation makes, the reverse delivery's tracking update and the bulk export. Bodies
after Shopify's reference (the page is noted beside each)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tests.standins.shopify import ShopifyState


def errors(*messages: tuple[str | None, str]) -> dict[str, Any]:
    return {"userErrors": [{"field": [f] if f else None, "message": m} for f, m in messages]}


_errors = errors


class MoreOps:
    s: ShopifyState

    # https://shopify.dev/docs/api/admin-graphql/latest/mutations/reverseDeliveryShippingUpdate
    def op_ReverseDeliveryUpdate(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        for r in self.s.returns.values():
            for delivery in r["deliveries"]:
                if delivery["id"] == v["reverseDeliveryId"]:
                    delivery["deliverable"] = {"tracking": {"number": v["trackingInput"]["number"]}}
                    delivery["label"] = v.get("labelInput")
                    return {
                        "reverseDeliveryShippingUpdate": {
                            "reverseDelivery": {"id": delivery["id"]},
                            "userErrors": [],
                        }
                    }
        return {
            "reverseDeliveryShippingUpdate": {
                "reverseDelivery": None,
                **_errors(("reverseDeliveryId", "Reverse delivery does not exist")),
            }
        }

    # https://shopify.dev/docs/api/admin-graphql/latest/queries/storeCreditAccount
    def op_StoreCreditAccountSeen(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        number = v["id"].rsplit("/", 1)[-1]
        customer = f"gid://shopify/Customer/{number}"
        if customer not in self.s.credits:
            return {"storeCreditAccount": None}
        nodes = [{"amount": money} for money in reversed(self.s.credits[customer])]
        return {"storeCreditAccount": {"id": v["id"], "transactions": {"nodes": nodes}}}

    # https://shopify.dev/docs/api/admin-graphql/latest/mutations/giftCardCreate
    def op_GiftCard(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        gid = self.s.next_id("GiftCard")
        self.s.gift_cards[gid] = {
            "id": gid,
            "enabled": True,
            "initialValue": {"amount": v["input"]["initialValue"], "currencyCode": "USD"},
            "note": v["input"].get("note"),
        }
        return {"giftCardCreate": {"giftCard": {"id": gid}, "userErrors": []}}

    # https://shopify.dev/docs/api/admin-graphql/latest/queries/giftCard
    def op_GiftCardSeen(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        card = self.s.gift_cards.get(v["id"])
        return {
            "giftCard": {k: card[k] for k in ("id", "enabled", "initialValue")} if card else None
        }

    # https://shopify.dev/docs/api/admin-graphql/latest/queries/order
    def op_ExchangeOrderSeen(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        draft = next((d for d in self.s.created_orders if d["order"]["id"] == v["id"]), None)
        if draft is None:
            return {"order": None}
        by_variant = {variant["id"]: sku for sku, variant in self.s.variants.items()}
        lines = [
            {"sku": by_variant.get(li["variantId"]), "quantity": li["quantity"]}
            for li in draft["lineItems"]
        ]
        return {
            "order": {
                "id": v["id"],
                "cancelledAt": draft["order"].get("cancelledAt"),
                "lineItems": {"nodes": lines},
            }
        }

    # https://shopify.dev/docs/api/admin-graphql/latest/mutations/bulkOperationRunQuery
    def op_BulkOrders(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        self.s.bulk_queries.append(v["query"])
        return {
            "bulkOperationRunQuery": {
                "bulkOperation": {"id": "gid://shopify/BulkOperation/1", "status": "CREATED"},
                "userErrors": [],
            }
        }

    # https://shopify.dev/docs/api/admin-graphql/latest/objects/BulkOperation
    def op_BulkStatus(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        if self.s.bulk_running_polls > 0:
            self.s.bulk_running_polls -= 1
            node = {"id": v["id"], "status": "RUNNING", "errorCode": None, "url": None}
            return {"node": {**node, "objectCount": "0"}}
        if self.s.bulk_failed:
            node = {"id": v["id"], "status": "FAILED", "errorCode": "INTERNAL_SERVER_ERROR"}
            return {"node": {**node, "objectCount": "0", "url": None}}
        url = f"{self.s.base_url}/bulk/1.jsonl" if self.s.bulk_orders else None
        return {
            "node": {
                "id": v["id"],
                "status": "COMPLETED",
                "errorCode": None,
                "objectCount": str(len(self.s.bulk_orders)),
                "url": url,
            }
        }
