"""Shopify's Admin GraphQL API over HTTP (httpx, async), with its cost-based rate limit.

Every response carries `extensions.cost.throttleStatus` (`currentlyAvailable`,
`restoreRate`); before a call whose cost the bucket cannot cover we wait for it to refill
(briefly) or hand the job back to the worker (`ShopError("throttled", retry_after=...)`).
A `THROTTLED` error, a 429 and a 5xx are retryable; other errors and a mutation's
`userErrors` are refusals a person must look at.
Reference: https://shopify.dev/docs/api/usage/limits (GraphQL Admin API rate limits).
"""

from __future__ import annotations

import asyncio
import math
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from returns_service.adapters.shop.base import ShopError, ShopErrorKind

# Waiting longer than this for the bucket to refill is the worker's business, not ours.
MAX_WAIT_SECONDS = 5.0


def gid(kind: str, value: str) -> str:
    """Shopify's global id of a numeric id (webhooks give numbers, GraphQL wants gids)."""
    return value if value.startswith("gid://") else f"gid://shopify/{kind}/{value}"


def numeric(value: str) -> str:
    return value.rsplit("/", 1)[-1]


class ShopifyGraphQL:
    def __init__(
        self,
        *,
        shop: str,
        access_token: str,
        api_version: str,
        api_base: str = "",
        timeout_seconds: float = 20.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        base = (api_base or f"https://{shop}").rstrip("/")
        self.url = f"{base}/admin/api/{api_version}/graphql.json"
        self.headers = {"X-Shopify-Access-Token": access_token}
        self.timeout = timeout_seconds
        self.sleep = sleep
        self.transport = transport
        self.available: float | None = None  # the bucket after the last call (None: unknown)
        self.restore_rate = 50.0

    async def _make_room(self, cost: int) -> None:
        if self.available is None or self.available >= cost:
            return
        wait = (cost - self.available) / max(self.restore_rate, 1.0)
        if wait > MAX_WAIT_SECONDS:
            raise ShopError("throttled", "Shopify's rate limit", retry_after=math.ceil(wait))
        await self.sleep(wait)
        self.available = float(cost)

    def _remember_cost(self, body: dict[str, Any]) -> dict[str, Any]:
        cost = (body.get("extensions") or {}).get("cost") or {}
        status = cost.get("throttleStatus") or {}
        if "currentlyAvailable" in status:
            self.available = float(status["currentlyAvailable"])
            self.restore_rate = float(status.get("restoreRate") or self.restore_rate)
        return cost

    async def run(self, query: str, variables: dict[str, Any], cost: int = 10) -> dict[str, Any]:
        """The `data` of one query or mutation; ShopError on anything else."""
        await self._make_room(cost)
        try:
            async with httpx.AsyncClient(timeout=self.timeout, transport=self.transport) as client:
                response = await client.post(
                    self.url, json={"query": query, "variables": variables}, headers=self.headers
                )
        except httpx.HTTPError as error:  # timeouts, refused connections, broken bodies
            raise ShopError("unavailable", f"Shopify did not answer: {error!r}") from error
        if response.status_code == 429 or response.status_code >= 500:
            retry_after = _seconds(response.headers.get("Retry-After"))
            kind: ShopErrorKind = "throttled" if response.status_code == 429 else "unavailable"
            raise ShopError(
                kind, f"Shopify answered {response.status_code}", retry_after=retry_after
            )
        if response.status_code >= 400:
            raise ShopError(
                "refused", f"Shopify answered {response.status_code}: {response.text[:200]}"
            )
        try:
            body = response.json()
        except ValueError as error:
            raise ShopError("unavailable", "Shopify's answer was not JSON") from error
        cost_info = self._remember_cost(body)
        errors = body.get("errors") or []
        if any((e.get("extensions") or {}).get("code") == "THROTTLED" for e in errors):
            self.available = float(
                ((cost_info.get("throttleStatus") or {}).get("currentlyAvailable")) or 0
            )
            needed = float(cost_info.get("requestedQueryCost") or cost)
            wait = (needed - (self.available or 0)) / max(self.restore_rate, 1.0)
            raise ShopError(
                "throttled", "Shopify throttled the call", retry_after=max(1, math.ceil(wait))
            )
        if errors:
            raise ShopError("refused", "; ".join(str(e.get("message")) for e in errors)[:300])
        return dict(body.get("data") or {})

    async def mutate(
        self, name: str, query: str, variables: dict[str, Any], cost: int = 10
    ) -> dict[str, Any]:
        """A mutation's payload; its `userErrors` are a refusal."""
        payload = (await self.run(query, variables, cost)).get(name) or {}
        user_errors = payload.get("userErrors") or []
        if user_errors:
            raise ShopError(
                "refused",
                f"{name}: "
                + "; ".join(f"{e.get('field')}: {e.get('message')}" for e in user_errors),
            )
        return dict(payload)


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
