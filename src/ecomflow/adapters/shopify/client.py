"""Shopify GraphQL Admin API client twins: orders, fulfilment with tracking, inventory.

Wire (reference A1, A5, A7): ``POST /admin/api/<version>/graphql.json`` with
``X-Shopify-Access-Token``; every answer carries ``extensions.cost`` with the
leaky bucket's state, which the client paces itself by; ``THROTTLED`` (with
HTTP 200 or 429) waits the time the bucket needs and retries; mutation
problems come back as ``userErrors`` with HTTP 200.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx

from ecomflow.adapters.protocols import OrderBatch, PublishResult
from ecomflow.adapters.shopify.mapper import SHOPIFY_STATUSES, to_order
from ecomflow.adapters.shopify.settings import ShopifySettings
from ecomflow.errors import InvalidRequest, NotFound, RateLimited, RemoteAPIError
from ecomflow.http import AsyncClient, Call, Client, RetryPolicy
from ecomflow.orders.models import Order
from ecomflow.orders.status import StatusMap
from ecomflow.stock.updates import StockUpdate

__all__ = ["ORDERS_QUERY", "AsyncShopifyClient", "ShopifyClient"]

ORDERS_QUERY = """
query Orders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id name createdAt updatedAt cancelledAt currencyCode email phone tags
      displayFinancialStatus displayFulfillmentStatus
      totalPriceSet { shopMoney { amount currencyCode } }
      shippingAddress { name company address1 address2 city zip countryCodeV2 phone }
      shippingLines(first: 5) { nodes { code title } }
      lineItems(first: 250) { nodes { id sku name quantity
        originalUnitPriceSet { shopMoney { amount } } variant { barcode } } }
    }
  }
}"""

_FULFILLMENT_ORDERS = """
query OrderFulfillment($id: ID!) {
  order(id: $id) {
    fulfillments(first: 20) { trackingInfo { number } }
    fulfillmentOrders(first: 20) { nodes { id status } }
  }
}"""

_FULFILLMENT_CREATE = """
mutation FulfillmentCreate($fulfillment: FulfillmentInput!) {
  fulfillmentCreate(fulfillment: $fulfillment) {
    fulfillment { id status }
    userErrors { field message }
  }
}"""

_TAGS_ADD = """
mutation TagsAdd($id: ID!, $tags: [String!]!) {
  tagsAdd(id: $id, tags: $tags) { userErrors { field message } }
}"""

_VARIANT_BY_SKU = """
query VariantBySku($query: String!) {
  productVariants(first: 1, query: $query) { nodes { sku inventoryItem { id } } }
}"""

_INVENTORY_SET = """
mutation InventorySet($input: InventorySetQuantitiesInput!) {
  inventorySetQuantities(input: $input) {
    inventoryAdjustmentGroup { id }
    userErrors { code field message }
  }
}"""

#: Input arrays take at most 250 items (reference A2, "Input arrays").
MAX_QUANTITIES = 250


class _ShopifyWire:
    """Pure request building, throttle bookkeeping and result shaping for both twins."""

    settings: ShopifySettings
    status_map: StatusMap
    inventory_items: dict[str, str]
    published: dict[str, int]
    throttle: dict[str, float]

    def _setup(self, settings: ShopifySettings, status_map: StatusMap | None) -> dict[str, Any]:
        self.settings = settings
        self.status_map = status_map or SHOPIFY_STATUSES
        self.inventory_items = {}
        self.published = {}
        self.throttle = {}
        return {
            "base_url": settings.shop_url,
            "timeout": settings.timeout,
            "secrets": (settings.access_token.get_secret_value(),),
        }

    def auth_headers(self) -> dict[str, str]:
        """``X-Shopify-Access-Token`` (reference A1)."""
        return {"X-Shopify-Access-Token": self.settings.access_token.get_secret_value()}

    def check_payload(self, payload: Any, response: httpx.Response, call: Call) -> Any:
        """Track the bucket; ``THROTTLED`` becomes a retried RateLimited with the wait it needs."""
        cost = (payload.get("extensions") or {}).get("cost") or {}
        status = cost.get("throttleStatus") or {}
        if status:
            self.throttle = {k: float(v) for k, v in status.items()}
        errors = payload.get("errors") or []
        if errors:
            code = ((errors[0].get("extensions") or {}).get("code")) or "GRAPHQL_ERROR"
            if code == "THROTTLED":
                needed = float(cost.get("requestedQueryCost") or 50)
                available = float(status.get("currentlyAvailable") or 0)
                rate = float(status.get("restoreRate") or 50)
                raise RateLimited(
                    "Shopify throttled the query",
                    status=429,
                    code=code,
                    retry_after=max(0.0, (needed - available) / rate),
                    endpoint=call.endpoint,
                    body=response.text,
                )
            raise RemoteAPIError(
                str(errors[0].get("message")),
                code=code,
                status=response.status_code,
                endpoint=call.endpoint,
            )
        return payload.get("data") or {}

    def _wait_for(self, cost: float) -> float:
        """Seconds until the bucket holds ``cost`` points (from the last answer's status)."""
        if not self.throttle:
            return 0.0
        missing = cost - self.throttle.get("currentlyAvailable", cost)
        return max(0.0, missing / max(self.throttle.get("restoreRate", 50.0), 1.0))

    def _call(
        self, operation: str, query: str, variables: dict[str, Any], idempotent: bool
    ) -> Call:
        return Call(
            "POST",
            f"/admin/api/{self.settings.api_version}/graphql.json",
            operation,
            json={"query": query, "variables": variables, "operationName": operation},
            idempotent=idempotent,
        )

    @staticmethod
    def _search(cursor: str | None) -> tuple[str | None, tuple[str, str] | None]:
        if not cursor:
            return None, None
        stamp, _, gid = cursor.partition("|")
        start = datetime.fromisoformat(stamp.replace("Z", "+00:00")) - timedelta(seconds=1)
        return f"updated_at:>'{start.strftime('%Y-%m-%dT%H:%M:%SZ')}'", (stamp, gid)

    def _batch(
        self, nodes: list[dict[str, Any]], cursor: str | None, seen: tuple[str, str] | None
    ) -> OrderBatch:
        if seen is not None:
            nodes = [n for n in nodes if (n["updatedAt"], n["id"]) > seen]
        orders = [to_order(n, self.status_map, channel=self.settings.channel) for n in nodes]
        if nodes:
            newest = max(nodes, key=lambda n: (n["updatedAt"], n["id"]))
            cursor = f"{newest['updatedAt']}|{newest['id']}"
        return OrderBatch(orders, cursor, len(nodes))

    @staticmethod
    def _fulfilment(
        found: dict[str, Any] | None, gid: str, carrier: str, number: str, url: str | None
    ) -> dict[str, Any] | None:
        """The FulfillmentInput to send, or ``None`` when the tracking is already there."""
        if found is None:
            raise NotFound(f"no Shopify order {gid}", endpoint="OrderFulfillment")
        numbers = {t.get("number") for f in found["fulfillments"] for t in f["trackingInfo"]}
        open_orders = [
            n["id"]
            for n in found["fulfillmentOrders"]["nodes"]
            if n["status"] in ("OPEN", "IN_PROGRESS")
        ]
        if number in numbers or not open_orders:
            return None
        return {
            "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": i} for i in open_orders],
            "trackingInfo": {"company": carrier, "number": number, "url": url},
            "notifyCustomer": False,
        }

    @staticmethod
    def _user_errors(payload: dict[str, Any]) -> list[dict[str, Any]]:
        errors: list[dict[str, Any]] = payload.get("userErrors") or []
        return errors

    def _inventory_input(self, chunk: Sequence[tuple[StockUpdate, str]]) -> dict[str, Any]:
        return {
            "input": {
                "name": "available",
                "reason": "correction",
                "referenceDocumentUri": "gid://ecomflow/StockPublication/1",
                "quantities": [
                    {
                        "inventoryItemId": item,
                        "locationId": self.settings.location_id,
                        "quantity": u.quantity,
                        "changeFromQuantity": self.published.get(u.sku),
                    }
                    for u, item in chunk
                ],
            }
        }

    def _record(
        self,
        answer: dict[str, Any],
        chunk: Sequence[tuple[StockUpdate, str]],
        result: PublishResult,
    ) -> None:
        result.calls += 1
        failed = {
            str((e.get("field") or [""])[-1]): e["message"] for e in self._user_errors(answer)
        }
        for update, _ in chunk:
            if update.sku in failed:
                result.warnings[update.sku] = failed[update.sku]
            else:
                self.published[update.sku] = update.quantity
                result.updated += 1


class ShopifyClient(_ShopifyWire, Client):
    """Sync Shopify client; an ``OrderSource`` and ``StockSink``."""

    def __init__(
        self,
        settings: ShopifySettings,
        *,
        status_map: StatusMap | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        sleep: Any = time.sleep,
    ) -> None:
        self._sleep = sleep
        Client.__init__(
            self,
            http_client=http_client,
            transport=transport,
            retry=retry or RetryPolicy(attempts=6, max_time=120.0),
            **self._setup(settings, status_map),
        )

    def graphql(
        self,
        operation: str,
        query: str,
        variables: dict[str, Any],
        *,
        cost: float = 10,
        idempotent: bool = True,
    ) -> dict[str, Any]:
        """Run one named operation (pacing itself by the bucket); returns ``data``."""
        wait = self._wait_for(cost)
        if wait:
            self._sleep(wait)
        data: dict[str, Any] = self.request(self._call(operation, query, variables, idempotent))
        return data

    def fetch_orders(self, cursor: str | None = None) -> OrderBatch:
        """Orders updated since ``cursor`` (``updatedAt|gid``), every page, no duplicates."""
        search, seen = self._search(cursor)
        nodes: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            page = self.graphql(
                "Orders",
                ORDERS_QUERY,
                {"first": self.settings.page_size, "after": after, "query": search},
                cost=2 + self.settings.page_size,
            )["orders"]
            nodes.extend(page["nodes"])
            if not page["pageInfo"]["hasNextPage"]:
                return self._batch(nodes, cursor, seen)
            after = page["pageInfo"]["endCursor"]

    def write_status(self, order: Order, channel_status: str) -> None:
        """Shopify has no free-form order status: the status becomes a tag (idempotent)."""
        gid = str((order.raw or {}).get("id"))
        self.graphql("TagsAdd", _TAGS_ADD, {"id": gid, "tags": [f"ecomflow:{channel_status}"]})

    def write_tracking(
        self, order: Order, carrier: str, tracking_number: str, tracking_url: str | None = None
    ) -> None:
        """Fulfil the open fulfillment orders with tracking, once (a repeat finds it done)."""
        gid = str((order.raw or {}).get("id"))
        found = self.graphql("OrderFulfillment", _FULFILLMENT_ORDERS, {"id": gid})["order"]
        fulfilment = self._fulfilment(found, gid, carrier, tracking_number, tracking_url)
        if fulfilment is None:
            return
        answer = self.graphql(
            "FulfillmentCreate", _FULFILLMENT_CREATE, {"fulfillment": fulfilment}, idempotent=False
        )["fulfillmentCreate"]
        if errors := self._user_errors(answer):
            raise InvalidRequest(
                "; ".join(e["message"] for e in errors), endpoint="FulfillmentCreate"
            )

    def inventory_item(self, sku: str) -> str:
        """The inventory item id of ``sku`` (looked up once, then cached)."""
        if sku not in self.inventory_items:
            nodes = self.graphql("VariantBySku", _VARIANT_BY_SKU, {"query": f"sku:{sku}"})[
                "productVariants"
            ]["nodes"]
            if not nodes:
                raise NotFound(f"no Shopify variant with SKU {sku!r}", endpoint="VariantBySku")
            self.inventory_items[sku] = nodes[0]["inventoryItem"]["id"]
        return self.inventory_items[sku]

    def publish_stock(self, updates: Sequence[StockUpdate]) -> PublishResult:
        """``inventorySetQuantities`` in chunks of 250, compare-and-set via ``changeFromQuantity``.

        From 2026-04 every quantity carries ``changeFromQuantity`` (reference A4):
        the quantity this client last set, or ``null`` when it never set one.
        """
        result = PublishResult()
        items = [(u, self.inventory_item(u.sku)) for u in updates]
        for start in range(0, len(items), MAX_QUANTITIES):
            chunk = items[start : start + MAX_QUANTITIES]
            answer = self.graphql(
                "InventorySet", _INVENTORY_SET, self._inventory_input(chunk), cost=10
            )["inventorySetQuantities"]
            self._record(answer, chunk, result)
        return result


class AsyncShopifyClient(_ShopifyWire, AsyncClient):
    """The async twin of :class:`ShopifyClient` (orders, write-back)."""

    def __init__(
        self,
        settings: ShopifySettings,
        *,
        status_map: StatusMap | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        AsyncClient.__init__(
            self,
            http_client=http_client,
            transport=transport,
            retry=retry or RetryPolicy(attempts=6, max_time=120.0),
            **self._setup(settings, status_map),
        )

    async def graphql(
        self,
        operation: str,
        query: str,
        variables: dict[str, Any],
        *,
        cost: float = 10,
        idempotent: bool = True,
    ) -> dict[str, Any]:
        """Run one named operation (pacing itself by the bucket); returns ``data``."""
        wait = self._wait_for(cost)
        if wait:
            await asyncio.sleep(wait)
        data: dict[str, Any] = await self.request(
            self._call(operation, query, variables, idempotent)
        )
        return data

    async def fetch_orders(self, cursor: str | None = None) -> OrderBatch:
        """Orders updated since ``cursor`` (see the sync twin)."""
        search, seen = self._search(cursor)
        nodes: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            page = (
                await self.graphql(
                    "Orders",
                    ORDERS_QUERY,
                    {"first": self.settings.page_size, "after": after, "query": search},
                    cost=2 + self.settings.page_size,
                )
            )["orders"]
            nodes.extend(page["nodes"])
            if not page["pageInfo"]["hasNextPage"]:
                return self._batch(nodes, cursor, seen)
            after = page["pageInfo"]["endCursor"]

    async def write_status(self, order: Order, channel_status: str) -> None:
        """The status as a tag (idempotent)."""
        gid = str((order.raw or {}).get("id"))
        await self.graphql(
            "TagsAdd", _TAGS_ADD, {"id": gid, "tags": [f"ecomflow:{channel_status}"]}
        )

    async def write_tracking(
        self, order: Order, carrier: str, tracking_number: str, tracking_url: str | None = None
    ) -> None:
        """Fulfil with tracking, once."""
        gid = str((order.raw or {}).get("id"))
        found = (await self.graphql("OrderFulfillment", _FULFILLMENT_ORDERS, {"id": gid}))["order"]
        fulfilment = self._fulfilment(found, gid, carrier, tracking_number, tracking_url)
        if fulfilment is None:
            return
        answer = (
            await self.graphql(
                "FulfillmentCreate",
                _FULFILLMENT_CREATE,
                {"fulfillment": fulfilment},
                idempotent=False,
            )
        )["fulfillmentCreate"]
        if errors := self._user_errors(answer):
            raise InvalidRequest(
                "; ".join(e["message"] for e in errors), endpoint="FulfillmentCreate"
            )
