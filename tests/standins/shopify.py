"""A stand-in for Shopify's Admin GraphQL API on 127.0.0.1 (a thread running http.server),
answering the documents in returns_service/adapters/shop/queries_shopify.py with bodies
shaped after Shopify's reference (the page is noted beside each answer), including
`userErrors`, `THROTTLED` errors with `extensions.cost`, and 5xx answers.

Faults a test can ask for: `throttle_next` answers the next N calls THROTTLED;
`lose_answer_of` performs the named mutation once and then answers 502, as if the answer
were lost on the way back (a retry must not do it twice); `available` is the bucket's
`currentlyAvailable` reported in every answer.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.standins.shopify_ops import MoreOps, errors

OPERATION = re.compile(r"(?:query|mutation)\s+(\w+)")


@dataclass
class ShopifyState:
    token: str = "shpat_test"
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    variants: dict[str, dict[str, Any]] = field(default_factory=dict)  # sku -> variant
    returns: dict[str, dict[str, Any]] = field(default_factory=dict)
    inventory: dict[tuple[str, str], int] = field(default_factory=dict)  # (item, location)
    store_credit: dict[str, int] = field(default_factory=dict)  # customer gid -> cents
    credits: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # its transactions
    drafts: dict[str, dict[str, Any]] = field(default_factory=dict)
    gift_cards: dict[str, dict[str, Any]] = field(default_factory=dict)  # gid -> card
    created_orders: list[dict[str, Any]] = field(default_factory=list)
    idempotent: dict[str, dict[str, Any]] = field(default_factory=dict)  # key -> payload
    calls: list[str] = field(default_factory=list)  # operation names, in order
    variables: list[dict[str, Any]] = field(default_factory=list)  # each call's, in order
    throttle_next: int = 0
    lose_answer_of: set[str] = field(default_factory=set)
    store_credit_off: bool = False  # the shop cannot hold store credit: gift cards instead
    available: float = 1000.0
    restore_rate: float = 50.0
    counter: int = 100
    location: str = "gid://shopify/Location/1"
    order_pages: list[list[dict[str, Any]]] = field(default_factory=list)  # orders query
    bulk_orders: list[dict[str, Any]] = field(default_factory=list)  # what a bulk export holds
    bulk_running_polls: int = 0  # polls answered RUNNING before COMPLETED
    bulk_queries: list[str] = field(default_factory=list)
    bulk_failed: bool = False  # the export ends FAILED (errorCode INTERNAL_SERVER_ERROR)
    base_url: str = ""

    def next_id(self, kind: str) -> str:
        self.counter += 1
        return f"gid://shopify/{kind}/{self.counter}"

    def add_order(
        self,
        order_id: str,
        lines: list[tuple[str, int]],
        *,
        customer: str = "gid://shopify/Customer/7",
    ) -> None:
        """An order paid by card, every line fulfilled."""
        gid = f"gid://shopify/Order/{order_id}"
        self.orders[gid] = {
            "id": gid,
            "customer": {"id": customer},
            "transactions": [
                {
                    "id": f"gid://shopify/OrderTransaction/{order_id}1",
                    "kind": "SALE",
                    "status": "SUCCESS",
                    "gateway": "shopify_payments",
                }
            ],
            "fulfillments": [
                {
                    "fulfillmentLineItems": {
                        "nodes": [
                            {
                                "id": f"gid://shopify/FulfillmentLineItem/{line}",
                                "lineItem": {"id": f"gid://shopify/LineItem/{line}"},
                                "quantity": quantity,
                            }
                            for line, quantity in lines
                        ]
                    }
                }
            ],
            "returns": [],
            "refunds": [],
        }

    def add_variant(self, sku: str, number: int) -> None:
        self.variants[sku] = {
            "id": f"gid://shopify/ProductVariant/{number}",
            "sku": sku,
            "inventoryItem": {"id": f"gid://shopify/InventoryItem/{number}"},
        }

    def order_node(self, number: int, sku: str = "RING-8-BLK") -> dict[str, Any]:
        """An order as the `orders` query returns it (the fields queries_shopify.ORDERS asks)."""
        return {
            "id": f"gid://shopify/Order/{number}",
            "name": f"#{number}",
            "email": f"c{number}@example.com",
            "createdAt": "2026-08-01T10:00:00Z",
            "processedAt": "2026-08-01T10:00:00Z",
            "currencyCode": "USD",
            "customerLocale": "nb-NO",
            "customer": {"email": f"c{number}@example.com", "firstName": "Kari", "lastName": "N"},
            "shippingAddress": {
                "name": "Kari N",
                "address1": "Karl Johans gate 1",
                "address2": None,
                "city": "Oslo",
                "provinceCode": None,
                "zip": "0154",
                "countryCodeV2": "NO",
            },
            "lineItems": {
                "nodes": [
                    {
                        "id": f"gid://shopify/LineItem/{number}1",
                        "sku": sku,
                        "quantity": 1,
                        "variant": {"id": "gid://shopify/ProductVariant/500"},
                        "product": {"id": "gid://shopify/Product/50"},
                        "originalUnitPriceSet": {"shopMoney": {"amount": "25.00"}},
                    }
                ]
            },
            "fulfillments": [
                {
                    "displayStatus": "DELIVERED",
                    "deliveredAt": "2026-08-05T15:00:00Z",
                    "fulfillmentLineItems": {
                        "nodes": [{"lineItem": {"id": f"gid://shopify/LineItem/{number}1"}}]
                    },
                }
            ],
        }

    def bulk_jsonl(self) -> str:
        """The export's file: each order a line, then each of its line items a line naming
        it in `__parentId` (https://shopify.dev/docs/api/usage/bulk-operations/queries)."""
        rows: list[dict[str, Any]] = []
        for node in self.bulk_orders:
            order = {k: v for k, v in node.items() if k not in ("lineItems", "fulfillments")}
            order["fulfillments"] = [
                {"displayStatus": f["displayStatus"], "deliveredAt": f["deliveredAt"]}
                for f in node["fulfillments"]
            ]
            rows.append(order)
            for item in node["lineItems"]["nodes"]:
                rows.append({**item, "unfulfilledQuantity": 0, "__parentId": node["id"]})
        return "".join(json.dumps(row) + "\n" for row in rows)

    def refund_by_hand(self, order_id: str, amount: str, note: str = "") -> dict[str, Any]:
        refund = {
            "id": self.next_id("Refund"),
            "createdAt": "2026-09-01T10:00:00Z",
            "note": note,
            "totalRefundedSet": {"shopMoney": {"amount": amount, "currencyCode": "USD"}},
        }
        self.orders[f"gid://shopify/Order/{order_id}"]["refunds"].append(refund)
        return refund

    def remove_credits(self, customer: str = "gid://shopify/Customer/7") -> None:
        """The merchant reversed every credit on the customer's account by hand."""
        self.credits[customer] = []
        self.store_credit[customer] = 0

    def cancel_created_order(self, index: int = 0) -> None:
        order = self.created_orders[index]["order"]
        order["cancelledAt"] = "2026-09-02T10:00:00Z"


class _Lost(Exception):
    """The mutation was made; its answer is lost (a 502)."""


_errors = errors


class _Api(MoreOps):
    def __init__(self, state: ShopifyState) -> None:
        self.s = state

    def answer(self, name: str, v: dict[str, Any], query: str) -> dict[str, Any]:
        handler = getattr(self, f"op_{name}", None)
        if handler is None:
            raise KeyError(name)
        return dict(handler(v, query))

    def _lost_after(self, name: str) -> None:
        if name in self.s.lose_answer_of:
            self.s.lose_answer_of.discard(name)
            raise _Lost(name)

    # https://shopify.dev/docs/api/admin-graphql/latest/queries/order
    def op_OrderForReturn(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        order = self.s.orders.get(v["id"])
        if order is None:
            return {"order": None}
        returns = [
            {
                "id": r["id"],
                "status": r["status"],
                "returnLineItems": {
                    "nodes": [{"returnReasonNote": li["returnReasonNote"]} for li in r["lines"]]
                },
            }
            for r in self.s.returns.values()
            if r["order"] == order["id"]
        ]
        return {
            "order": {
                "id": order["id"],
                "fulfillments": order["fulfillments"],
                "returns": {"nodes": returns},
            }
        }

    # https://shopify.dev/docs/api/admin-graphql/latest/mutations/returnCreate
    def op_ReturnCreate(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        data = v["returnInput"]
        if data["orderId"] not in self.s.orders:
            return {"returnCreate": {"return": None, **_errors(("orderId", "Order not found"))}}
        gid = self.s.next_id("Return")
        self.s.returns[gid] = {
            "id": gid,
            "order": data["orderId"],
            "status": "OPEN",
            "lines": data["returnLineItems"],
            "rfo": self.s.next_id("ReverseFulfillmentOrder"),
            "deliveries": [],
        }
        self._lost_after("ReturnCreate")
        return {"returnCreate": {"return": {"id": gid, "status": "OPEN"}, "userErrors": []}}

    # https://shopify.dev/docs/api/admin-graphql/latest/queries/return
    def op_ReturnReverse(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        r = self.s.returns.get(v["id"])
        if r is None:
            return {"return": None}
        return {
            "return": {
                "reverseFulfillmentOrders": {
                    "nodes": [
                        {
                            "id": r["rfo"],
                            "lineItems": {
                                "nodes": [
                                    {"id": f"{r['rfo']}-{i}", "totalQuantity": li["quantity"]}
                                    for i, li in enumerate(r["lines"])
                                ]
                            },
                            "reverseDeliveries": {"nodes": r["deliveries"]},
                        }
                    ]
                }
            }
        }

    # https://shopify.dev/docs/api/admin-graphql/latest/mutations/reverseDeliveryCreateWithShipping
    def op_ReverseDelivery(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        r = next(x for x in self.s.returns.values() if x["rfo"] == v["reverseFulfillmentOrderId"])
        delivery = {
            "id": self.s.next_id("ReverseDelivery"),
            "deliverable": {"tracking": {"number": v["trackingInput"]["number"]}},
            "label": v.get("labelInput"),
        }
        r["deliveries"].append(delivery)
        return {
            "reverseDeliveryCreateWithShipping": {
                "reverseDelivery": {"id": delivery["id"]},
                "userErrors": [],
            }
        }

    def op_ReturnStatus(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        r = self.s.returns.get(v["id"])
        return {"return": {"id": r["id"], "status": r["status"]} if r else None}

    # https://shopify.dev/docs/api/admin-graphql/latest/mutations/returnClose
    def op_ReturnClose(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        r = self.s.returns[v["id"]]
        if r["status"] == "CLOSED":
            return {"returnClose": {"return": None, **_errors(("id", "Return is already closed"))}}
        r["status"] = "CLOSED"
        return {"returnClose": {"return": {"id": r["id"], "status": "CLOSED"}, "userErrors": []}}

    def op_OrderTransactions(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        order = self.s.orders.get(v["id"])
        if order is None:
            return {"order": None}
        return {"order": {"id": order["id"], "transactions": order["transactions"]}}

    # https://shopify.dev/docs/api/admin-graphql/latest/mutations/refundCreate
    # https://shopify.dev/docs/api/usage/idempotent-requests
    def op_RefundCreate(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        assert "@idempotent(key: $key)" in q and v.get("key"), "refundCreate needs @idempotent"
        if v["key"] in self.s.idempotent:
            return {"refundCreate": self.s.idempotent[v["key"]]}
        data = v["input"]
        order = self.s.orders[data["orderId"]]
        amount = data["transactions"][0]["amount"]
        refund = {
            "id": self.s.next_id("Refund"),
            "createdAt": "2026-09-01T10:00:00Z",
            "note": data.get("note"),
            "totalRefundedSet": {"shopMoney": {"amount": amount, "currencyCode": "USD"}},
            "refundLineItems": data.get("refundLineItems", []),
        }
        order["refunds"].append(refund)
        payload = {
            "refund": {"id": refund["id"], "totalRefundedSet": refund["totalRefundedSet"]},
            "userErrors": [],
        }
        self.s.idempotent[v["key"]] = payload
        self._lost_after("RefundCreate")
        return {"refundCreate": payload}

    def op_OrderCustomer(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        order = self.s.orders.get(v["id"])
        return {"order": {"id": order["id"], "customer": order["customer"]} if order else None}

    # https://shopify.dev/docs/api/admin-graphql/latest/mutations/storeCreditAccountCredit
    def op_StoreCredit(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        if self.s.store_credit_off:
            return {
                "storeCreditAccountCredit": {
                    "storeCreditAccountTransaction": None,
                    **_errors((None, "Store credit is not available for this shop")),
                }
            }
        money = v["creditInput"]["creditAmount"]
        cents = round(float(money["amount"]) * 100)
        self.s.store_credit[v["id"]] = self.s.store_credit.get(v["id"], 0) + cents
        self.s.credits.setdefault(v["id"], []).append(money)
        account = f"gid://shopify/StoreCreditAccount/{v['id'].rsplit('/', 1)[-1]}"
        self._lost_after("StoreCredit")
        return {
            "storeCreditAccountCredit": {
                "storeCreditAccountTransaction": {"amount": money, "account": {"id": account}},
                "userErrors": [],
            }
        }

    # https://shopify.dev/docs/api/admin-graphql/latest/objects/StoreCreditAccount
    def op_CustomerCredits(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        account = f"gid://shopify/StoreCreditAccount/{v['id'].rsplit('/', 1)[-1]}"
        transactions = [
            {"amount": money, "createdAt": "2026-09-01T10:00:00Z"}
            for money in reversed(self.s.credits.get(v["id"], []))
        ]
        nodes = [{"id": account, "transactions": {"nodes": transactions}}] if transactions else []
        return {"customer": {"storeCreditAccounts": {"nodes": nodes}}}

    # https://shopify.dev/docs/api/admin-graphql/latest/queries/productVariants
    def op_VariantBySku(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        sku = re.search(r"sku:'([^']+)'", v["query"])
        variant = self.s.variants.get(sku.group(1)) if sku else None
        return {"productVariants": {"nodes": [variant] if variant else []}}

    def op_Locations(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        return {"locations": {"nodes": [{"id": self.s.location}]}}

    # https://shopify.dev/docs/api/admin-graphql/latest/mutations/inventoryAdjustQuantities
    def op_Restock(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        assert "@idempotent(key: $key)" in q and v.get("key"), "inventory needs @idempotent"
        if v["key"] in self.s.idempotent:
            return {"inventoryAdjustQuantities": self.s.idempotent[v["key"]]}
        for change in v["input"]["changes"]:
            place = (change["inventoryItemId"], change["locationId"])
            self.s.inventory[place] = self.s.inventory.get(place, 0) + change["delta"]
        payload = {"inventoryAdjustmentGroup": {"id": self.s.next_id("InventoryAdjustmentGroup")}}
        payload["userErrors"] = []  # type: ignore[assignment]
        self.s.idempotent[v["key"]] = payload
        self._lost_after("Restock")
        return {"inventoryAdjustQuantities": payload}

    def op_Drafts(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        wanted = v["query"].strip('"')
        found = [{"id": d["id"]} for d in self.s.drafts.values() if d["note"] == wanted]
        return {"draftOrders": {"nodes": found[:1]}}

    # https://shopify.dev/docs/api/admin-graphql/latest/mutations/draftOrderCreate
    def op_DraftCreate(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        gid = self.s.next_id("DraftOrder")
        self.s.drafts[gid] = {"id": gid, "order": None, **v["input"]}
        self._lost_after("DraftCreate")
        return {"draftOrderCreate": {"draftOrder": {"id": gid}, "userErrors": []}}

    # https://shopify.dev/docs/api/admin-graphql/latest/mutations/draftOrderComplete
    def op_DraftComplete(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        draft = self.s.drafts[v["id"]]
        if draft["order"] is None:
            draft["order"] = {"id": self.s.next_id("Order")}
            self.s.created_orders.append(draft)
        return {
            "draftOrderComplete": {
                "draftOrder": {"id": draft["id"], "order": draft["order"]},
                "userErrors": [],
            }
        }

    def op_OrderRefunds(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        order = self.s.orders.get(v["id"])
        if order is None:
            return {"order": None}
        refunds = [
            {k: r[k] for k in ("id", "createdAt", "note", "totalRefundedSet")}
            for r in order["refunds"]
        ]
        return {"order": {"id": order["id"], "refunds": refunds}}

    # https://shopify.dev/docs/api/admin-graphql/latest/queries/orders
    def op_Orders(self, v: dict[str, Any], q: str) -> dict[str, Any]:
        self._lost_after("Orders")
        page = int(v["after"].removeprefix("cursor-")) if v.get("after") else 0
        nodes = self.s.order_pages[page] if page < len(self.s.order_pages) else []
        more = page + 1 < len(self.s.order_pages)
        return {
            "orders": {
                "pageInfo": {"hasNextPage": more, "endCursor": f"cursor-{page + 1}"},
                "nodes": nodes,
            }
        }


def _cost(state: ShopifyState, requested: int, actual: int | None) -> dict[str, Any]:
    # https://shopify.dev/docs/api/usage/limits#cost-calculation
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": {
                "maximumAvailable": 1000.0,
                "currentlyAvailable": state.available,
                "restoreRate": state.restore_rate,
            },
        }
    }


def _handler(state: ShopifyState, api: _Api) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # quiet
            pass

        def _send(self, status: int, body: dict[str, Any] | None) -> None:
            raw = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_GET(self) -> None:  # the bulk export's file (a signed storage URL at Shopify)
            if self.path != "/bulk/1.jsonl":
                return self._send(404, {"errors": "Not Found"})
            raw = state.bulk_jsonl().encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/jsonl")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def do_POST(self) -> None:
            if not re.fullmatch(r"/admin/api/\d{4}-\d{2}/graphql\.json", self.path):
                return self._send(404, {"errors": "Not Found"})
            if self.headers.get("X-Shopify-Access-Token") != state.token:
                # https://shopify.dev/docs/api/usage/authentication
                return self._send(401, {"errors": "[API] Invalid API key or access token"})
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            query, variables = request["query"], request.get("variables") or {}
            match = OPERATION.search(query)
            name = match.group(1) if match else "?"
            state.calls.append(name)
            state.variables.append(variables)
            if state.throttle_next > 0:
                state.throttle_next -= 1
                # https://shopify.dev/docs/api/usage/limits (a throttled GraphQL answer)
                return self._send(
                    200,
                    {
                        "errors": [
                            {
                                "message": "Throttled",
                                "extensions": {
                                    "code": "THROTTLED",
                                    "documentation": "https://shopify.dev/api/usage/limits",
                                },
                            }
                        ],
                        "extensions": _cost(state, 120, None),
                    },
                )
            try:
                data = api.answer(name, variables, query)
            except _Lost:
                return self._send(502, None)
            except KeyError:
                return self._send(
                    200,
                    {"errors": [{"message": f"Field '{name}' doesn't exist on type 'QueryRoot'"}]},
                )
            return self._send(200, {"data": data, "extensions": _cost(state, 10, 10)})

    return Handler


@contextmanager
def shopify_standin() -> Iterator[tuple[str, ShopifyState]]:
    """The stand-in's base address (for SHOPIFY_API_BASE) and its state, while in use."""
    state = ShopifyState()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state, _Api(state)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield state.base_url, state
    finally:
        server.shutdown()
        server.server_close()
