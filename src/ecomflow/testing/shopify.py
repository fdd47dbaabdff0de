"""FakeShopify: a loopback GraphQL Admin endpoint with query cost, throttling and webhooks.

It answers the operations ecomflow's client sends, recognised by operation
name and variables (no general GraphQL engine): ``Orders``,
``OrderFulfillment``, ``FulfillmentCreate``, ``TagsAdd``, ``VariantBySku`` and
``InventorySet``. Each answer carries ``extensions.cost`` from a leaky bucket
(``maximum_available``, ``restore_rate``); an empty bucket answers
``THROTTLED`` (reference A5, Part C).

>>> with FakeShopify() as fake:
...     _ = fake.add_order()
...     import httpx
...     answer = httpx.post(f"{fake.url}/admin/api/2026-10/graphql.json",
...         headers={"X-Shopify-Access-Token": fake.token},
...         json={"operationName": "Orders", "query": "...", "variables": {"first": 10}}).json()
>>> len(answer["data"]["orders"]["nodes"]), "throttleStatus" in answer["extensions"]["cost"]
(1, True)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any

import httpx

from ecomflow.testing.server import LoopbackServer, send_fault, send_json

__all__ = ["FakeShopify"]

_ENDPOINT = re.compile(r"^/admin/api/(\d{4}-\d{2}|unstable)/graphql\.json$")


class _Handler(BaseHTTPRequestHandler):
    server: Any
    disable_nagle_algorithm = True  # no 40 ms stall per small answer on loopback

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""

    def do_POST(self) -> None:
        fake: FakeShopify = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        request = json.loads(self.rfile.read(length) or b"{}")
        operation = str(request.get("operationName") or "")
        fault = fake.arrive(operation)
        if fault is not None and fault.before_handling:
            send_fault(self, fault)
            return
        if not _ENDPOINT.match(self.path):
            self._send(404, {"errors": "Not Found"})
            return
        if self.headers.get("X-Shopify-Access-Token") != fake.token:
            self._send(401, {"errors": "[API] Invalid API key or access token"})
            return
        status, payload = fake._answer(operation, request.get("variables") or {})
        if fault is not None and fault.kind == "drop_after_write":
            self.connection.close()
            return
        if fault is not None and fault.kind in ("malformed", "truncated"):
            data = json.dumps(payload).encode()
            broken = b"<html>oops" if fault.kind == "malformed" else data[: len(data) // 2]
            self.send_response(status)
            self.send_header("Content-Length", str(len(broken)))
            self.end_headers()
            self.wfile.write(broken)
            return
        self._send(status, payload)

    def _send(self, status: int, payload: Any) -> None:
        send_json(self, status, payload)


class FakeShopify(LoopbackServer):
    """A stateful Shopify store on ``127.0.0.1``."""

    def __init__(
        self,
        *,
        token: str = "shpat_test",
        app_secret: str = "shpss_test",
        port: int = 0,
        maximum_available: float = 1000.0,
        restore_rate: float = 50.0,
        throttle_status: int = 200,
        clock: Callable[[], float] | None = None,
    ) -> None:
        super().__init__(_Handler, port)
        self.token = token
        self.app_secret = app_secret
        self.maximum_available = maximum_available
        self.restore_rate = restore_rate
        self.throttle_status = throttle_status
        self.clock = clock or time.monotonic
        self.available = maximum_available
        self._stamp = self.clock()
        self.orders: dict[str, dict[str, Any]] = {}
        self.fulfillments: dict[str, list[dict[str, Any]]] = {}
        self.variants: dict[str, str] = {}
        self.inventory: dict[str, int] = {}
        self.throttled = 0
        self._next = 1000

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` (the shop URL)."""
        return self.base_url

    # -- seeding and hooks --------------------------------------------------------------

    def add_order(
        self,
        *,
        updated: datetime | None = None,
        financial: str = "PAID",
        sku: str = "MUG-RED",
        **fields: Any,
    ) -> str:
        """Seed an order (GraphQL node shape); returns its GID."""
        with self._lock:
            self._next += 1
            gid = f"gid://shopify/Order/{self._next}"
            stamp = (updated or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")
            self.orders[gid] = {
                "id": gid,
                "name": f"#{self._next}",
                "createdAt": stamp,
                "updatedAt": stamp,
                "cancelledAt": None,
                "currencyCode": "PLN",
                "email": "anna@example.com",
                "phone": None,
                "tags": [],
                "displayFinancialStatus": financial,
                "displayFulfillmentStatus": "UNFULFILLED",
                "totalPriceSet": {"shopMoney": {"amount": "49.0", "currencyCode": "PLN"}},
                "shippingAddress": {
                    "name": "Anna Nowak",
                    "company": None,
                    "address1": "Długa 1",
                    "address2": None,
                    "city": "Kraków",
                    "zip": "31-147",
                    "countryCodeV2": "PL",
                    "phone": "600100200",
                },
                "shippingLines": {"nodes": [{"code": "standard", "title": "Kurier"}]},
                "lineItems": {
                    "nodes": [
                        {
                            "id": f"gid://shopify/LineItem/{self._next}",
                            "sku": sku,
                            "name": "Kubek",
                            "quantity": 2,
                            "originalUnitPriceSet": {"shopMoney": {"amount": "24.50"}},
                            "variant": {"barcode": "5901234123457"},
                        }
                    ]
                },
                **fields,
            }
            self.fulfillments[gid] = []
            return gid

    def add_variant(self, sku: str, available: int = 0) -> str:
        """Seed a variant with an inventory item; returns the item's GID."""
        with self._lock:
            self._next += 1
            item = f"gid://shopify/InventoryItem/{self._next}"
            self.variants[sku] = item
            self.inventory[item] = available
            return item

    def send_webhook(
        self,
        url: str,
        topic: str,
        gid: str,
        *,
        event_id: str | None = None,
        tamper: bool = False,
        sign: bool = True,
    ) -> httpx.Response:
        """POST a REST-shaped, signed delivery about an order (reference A6)."""
        order = self.orders[gid]
        body = json.dumps(
            {
                "id": int(gid.rsplit("/", 1)[1]),
                "admin_graphql_api_id": gid,
                "name": order["name"],
                "financial_status": order["displayFinancialStatus"].lower(),
            }
        ).encode()
        digest = hmac.new(self.app_secret.encode(), body, hashlib.sha256).digest()
        headers = {
            "Content-Type": "application/json",
            "X-Shopify-Topic": topic,
            "X-Shopify-Shop-Domain": "test.myshopify.com",
            "X-Shopify-API-Version": "2026-10",
            "X-Shopify-Event-Id": event_id or secrets.token_hex(8),
            "X-Shopify-Webhook-Id": secrets.token_hex(8),
        }
        if sign:
            headers["X-Shopify-Hmac-Sha256"] = base64.b64encode(digest).decode()
        if tamper:
            body = body.replace(b"paid", b"refunded")
        return httpx.post(url, content=body, headers=headers, timeout=5)

    # -- the API ------------------------------------------------------------------------

    def _cost(self, requested: float) -> tuple[bool, dict[str, Any]]:
        with self._lock:
            now = self.clock()
            self.available = min(
                self.maximum_available, self.available + (now - self._stamp) * self.restore_rate
            )
            self._stamp = now
            allowed = self.available >= requested
            if allowed:
                self.available -= requested
            else:
                self.throttled += 1
            return allowed, {
                "requestedQueryCost": requested,
                "actualQueryCost": requested if allowed else None,
                "throttleStatus": {
                    "maximumAvailable": self.maximum_available,
                    "currentlyAvailable": round(self.available, 1),
                    "restoreRate": self.restore_rate,
                },
            }

    def _answer(self, operation: str, variables: dict[str, Any]) -> tuple[int, Any]:
        handler = getattr(self, f"_op_{operation}", None)
        if handler is None:
            return 200, {
                "errors": [
                    {
                        "message": f"Unknown operation {operation!r}",
                        "extensions": {"code": "UNKNOWN_OPERATION"},
                    }
                ]
            }
        first = int(variables.get("first") or 1)
        if first > 250:
            return 200, {
                "errors": [
                    {"message": "first cannot exceed 250", "extensions": {"code": "BAD_REQUEST"}}
                ]
            }
        allowed, cost = self._cost(float(2 + first if operation == "Orders" else 10))
        if not allowed:
            return self.throttle_status, {
                "errors": [{"message": "Throttled", "extensions": {"code": "THROTTLED"}}],
                "extensions": {"cost": cost},
            }
        with self._lock:
            data = handler(variables)
        return 200, {"data": data, "extensions": {"cost": cost}}

    def _op_Orders(self, v: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        nodes = sorted(self.orders.values(), key=lambda o: (o["updatedAt"], o["id"]))
        match = re.search(r"updated_at:>'([^']+)'", v.get("query") or "")
        if match:
            nodes = [o for o in nodes if o["updatedAt"] > match.group(1)]
        start = int(v["after"]) if v.get("after") else 0
        page = nodes[start : start + int(v["first"])]
        more = start + len(page) < len(nodes)
        return {
            "orders": {
                "nodes": page,
                "pageInfo": {
                    "hasNextPage": more,
                    "endCursor": str(start + len(page)) if page else None,
                },
            }
        }

    def _op_OrderFulfillment(self, v: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        gid = v["id"]
        if gid not in self.orders:
            return {"order": None}
        done = self.fulfillments[gid]
        status = "CLOSED" if done else "OPEN"
        return {
            "order": {
                "fulfillments": [{"trackingInfo": [f["trackingInfo"]]} for f in done],
                "fulfillmentOrders": {
                    "nodes": [{"id": gid.replace("Order", "FulfillmentOrder"), "status": status}]
                },
            }
        }

    def _op_FulfillmentCreate(self, v: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        fulfillment = v["fulfillment"]
        ids = [x["fulfillmentOrderId"] for x in fulfillment["lineItemsByFulfillmentOrder"]]
        gid = ids[0].replace("FulfillmentOrder", "Order")
        if gid not in self.orders or self.fulfillments[gid]:
            return {
                "fulfillmentCreate": {
                    "fulfillment": None,
                    "userErrors": [
                        {"field": ["fulfillment"], "message": "Fulfillment order is not open"}
                    ],
                }
            }
        record = {
            "id": f"gid://shopify/Fulfillment/{len(self.fulfillments) + 1}",
            "status": "SUCCESS",
            "trackingInfo": fulfillment.get("trackingInfo") or {},
        }
        self.fulfillments[gid].append(record)
        self.orders[gid]["displayFulfillmentStatus"] = "FULFILLED"
        self.orders[gid]["updatedAt"] = (datetime.now(UTC) + timedelta(seconds=1)).strftime(
            "%Y-%m-%dT%H:%M:%SZ"
        )
        return {
            "fulfillmentCreate": {
                "fulfillment": {"id": record["id"], "status": "SUCCESS"},
                "userErrors": [],
            }
        }

    def _op_TagsAdd(self, v: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        tags = self.orders[v["id"]]["tags"]
        tags.extend(t for t in v["tags"] if t not in tags)
        return {"tagsAdd": {"userErrors": []}}

    def _op_VariantBySku(self, v: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        sku = str(v["query"]).removeprefix("sku:")
        item = self.variants.get(sku)
        nodes = [{"sku": sku, "inventoryItem": {"id": item}}] if item else []
        return {"productVariants": {"nodes": nodes}}

    def _op_InventorySet(self, v: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        quantities = v["input"]["quantities"]
        errors = []
        if len(quantities) > 250:
            errors.append(
                {
                    "code": "INVALID_QUANTITY",
                    "field": ["input", "quantities"],
                    "message": "At most 250 quantities",
                }
            )
        for index, q in enumerate(quantities):
            if "changeFromQuantity" not in q:  # required from 2026-04 (reference A4)
                errors.append(
                    {
                        "code": "CHANGE_FROM_QUANTITY_REQUIRED",
                        "field": ["input", "quantities", str(index)],
                        "message": "changeFromQuantity is required",
                    }
                )
                continue
            expected = q["changeFromQuantity"]
            if expected is not None and self.inventory.get(q["inventoryItemId"]) != expected:
                sku = next((s for s, i in self.variants.items() if i == q["inventoryItemId"]), "")
                errors.append(
                    {
                        "code": "CHANGE_FROM_QUANTITY_STALE",
                        "field": ["input", "quantities", sku],
                        "message": f"{sku}: quantity changed since it was read",
                    }
                )
                continue
            self.inventory[q["inventoryItemId"]] = int(q["quantity"])
        return {
            "inventorySetQuantities": {
                "inventoryAdjustmentGroup": {"id": "gid://x/1"},
                "userErrors": errors,
            }
        }
