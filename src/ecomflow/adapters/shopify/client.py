"""Shopify GraphQL Admin API client twins: orders, fulfilment with tracking, inventory.

Wire (reference A1, A5, A7): ``POST /admin/api/<version>/graphql.json`` with
``X-Shopify-Access-Token``; every answer carries ``extensions.cost`` with the
leaky bucket's state, which the client paces itself by; ``THROTTLED`` (with
HTTP 200 or 429) waits the time the bucket needs and retries; mutation
problems come back as ``userErrors`` with HTTP 200.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import httpx

from ecomflow.adapters.protocols import OrderBatch, PublishResult
from ecomflow.adapters.shopify.mapper import SHOPIFY_STATUSES, to_order
from ecomflow.adapters.shopify.settings import ShopifySettings
from ecomflow.errors import InvalidRequest, NotFound, RateLimited, RemoteAPIError
from ecomflow.http import Call, Client, RetryPolicy
from ecomflow.orders.models import Order
from ecomflow.orders.status import StatusMap
from ecomflow.stock.updates import StockUpdate

__all__ = ["ORDERS_QUERY", "ShopifyClient"]

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


class ShopifyClient(Client):
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
        self.settings = settings
        self.status_map = status_map or SHOPIFY_STATUSES
        self.inventory_items: dict[str, str] = {}
        self.published: dict[str, int] = {}
        self.throttle: dict[str, float] = {}
        self._sleep = sleep
        super().__init__(
            http_client=http_client,
            transport=transport,
            base_url=settings.shop_url,
            timeout=settings.timeout,
            secrets=(settings.access_token.get_secret_value(),),
            retry=retry or RetryPolicy(attempts=6, max_time=120.0),
        )

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

    def _pace(self, cost: float) -> None:
        """Wait until the bucket holds ``cost`` points (from the last answer's status)."""
        if not self.throttle:
            return
        missing = cost - self.throttle.get("currentlyAvailable", cost)
        if missing > 0:
            self._sleep(missing / max(self.throttle.get("restoreRate", 50.0), 1.0))

    def graphql(
        self,
        operation: str,
        query: str,
        variables: dict[str, Any],
        *,
        cost: float = 10,
        idempotent: bool = True,
    ) -> dict[str, Any]:
        """Run one named operation; returns ``data``."""
        self._pace(cost)
        call = Call(
            "POST",
            f"/admin/api/{self.settings.api_version}/graphql.json",
            operation,
            json={"query": query, "variables": variables, "operationName": operation},
            idempotent=idempotent,
        )
        data: dict[str, Any] = self.request(call)
        return data

    @staticmethod
    def _user_errors(payload: dict[str, Any]) -> list[dict[str, Any]]:
        errors: list[dict[str, Any]] = payload.get("userErrors") or []
        return errors

    # -- orders -----------------------------------------------------------------------

    def fetch_orders(self, cursor: str | None = None) -> OrderBatch:
        """Orders updated since ``cursor`` (``updatedAt|gid``), every page, no duplicates."""
        search = None
        seen: tuple[str, str] | None = None
        if cursor:
            stamp, _, gid = cursor.partition("|")
            seen = (stamp, gid)
            start = datetime.fromisoformat(stamp.replace("Z", "+00:00")) - timedelta(seconds=1)
            search = f"updated_at:>'{start.strftime('%Y-%m-%dT%H:%M:%SZ')}'"
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
                break
            after = page["pageInfo"]["endCursor"]
        if seen is not None:
            nodes = [n for n in nodes if (n["updatedAt"], n["id"]) > seen]
        orders = [to_order(n, self.status_map, channel=self.settings.channel) for n in nodes]
        if nodes:
            newest = max(nodes, key=lambda n: (n["updatedAt"], n["id"]))
            cursor = f"{newest['updatedAt']}|{newest['id']}"
        return OrderBatch(orders, cursor, len(nodes))

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
        if found is None:
            raise NotFound(f"no Shopify order {gid}", endpoint="OrderFulfillment")
        numbers = {t.get("number") for f in found["fulfillments"] for t in f["trackingInfo"]}
        if tracking_number in numbers:
            return
        open_orders = [
            n["id"]
            for n in found["fulfillmentOrders"]["nodes"]
            if n["status"] in ("OPEN", "IN_PROGRESS")
        ]
        if not open_orders:
            return
        answer = self.graphql(
            "FulfillmentCreate",
            _FULFILLMENT_CREATE,
            {
                "fulfillment": {
                    "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": i} for i in open_orders],
                    "trackingInfo": {
                        "company": carrier,
                        "number": tracking_number,
                        "url": tracking_url,
                    },
                    "notifyCustomer": False,
                }
            },
            idempotent=False,
        )["fulfillmentCreate"]
        errors = self._user_errors(answer)
        if errors:
            raise InvalidRequest(
                "; ".join(e["message"] for e in errors), endpoint="FulfillmentCreate"
            )

    # -- inventory ------------------------------------------------------------------------

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
            quantities = [
                {
                    "inventoryItemId": item,
                    "locationId": self.settings.location_id,
                    "quantity": u.quantity,
                    "changeFromQuantity": self.published.get(u.sku),
                }
                for u, item in chunk
            ]
            answer = self.graphql(
                "InventorySet",
                _INVENTORY_SET,
                {
                    "input": {
                        "name": "available",
                        "reason": "correction",
                        "referenceDocumentUri": "gid://ecomflow/StockPublication/1",
                        "quantities": quantities,
                    }
                },
                cost=10,
            )["inventorySetQuantities"]
            result.calls += 1
            failed = {
                str((e.get("field") or ["", "", ""])[-1]): e["message"]
                for e in self._user_errors(answer)
            }
            for update, _ in chunk:
                if update.sku in failed:
                    result.warnings[update.sku] = failed[update.sku]
                else:
                    self.published[update.sku] = update.quantity
                    result.updated += 1
        return result
