"""Shopify's mandatory privacy webhooks (`customers/data_request`, `customers/redact`,
`shop/redact`): the topic from `X-Shopify-Topic` and the body, read into what we act on. The
bodies are as Shopify's "Privacy law compliance" reference shows them
(https://shopify.dev/docs/apps/build/compliance/privacy-law-compliance); HMAC verification is
the order webhook's (`shopify.verify_hmac`)."""

from __future__ import annotations

from typing import Literal

import msgspec

from returns_service.domain.errors import InvalidRequest

Topic = Literal["customers/data_request", "customers/redact", "shop/redact"]
TOPICS: tuple[Topic, ...] = ("customers/data_request", "customers/redact", "shop/redact")


class ShopifyCustomer(msgspec.Struct):
    id: int | None = None
    email: str | None = None
    phone: str | None = None


class PrivacyRequest(msgspec.Struct):
    """One webhook's body; the fields a topic does not send stay empty."""

    shop_id: int | None = None
    shop_domain: str | None = None
    customer: ShopifyCustomer | None = None
    orders_requested: list[int] = []  # customers/data_request
    orders_to_redact: list[int] = []  # customers/redact
    data_request: dict[str, object] | None = None


def read_privacy_request(topic: str | None, body: bytes) -> tuple[Topic, PrivacyRequest]:
    """The topic (the header is required: a guessed `shop/redact` would erase a whole store)
    and the body; InvalidRequest when either is not what Shopify sends."""
    if topic not in TOPICS:
        raise InvalidRequest(
            f"X-Shopify-Topic must be one of {', '.join(TOPICS)}", field="X-Shopify-Topic"
        )
    try:
        request = msgspec.json.decode(body, type=PrivacyRequest)
    except msgspec.DecodeError as error:
        raise InvalidRequest(f"the webhook body could not be read: {error}") from error
    if (
        topic != "shop/redact"
        and not (request.customer and request.customer.email)
        and not (request.orders_requested or request.orders_to_redact)
    ):
        raise InvalidRequest("the webhook names no customer (customer.email) and no orders")
    return topic, request
