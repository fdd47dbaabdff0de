"""FakeWooCommerce: the WooCommerce REST API v3 on loopback, with state, faults and webhooks.

It accepts the three ways WooCommerce authenticates (HTTP Basic, keys in the
query string, one-legged OAuth 1.0a signatures — which is what the official
``woocommerce`` Python client sends over plain HTTP, user parameters twice
included), pages with ``page``/``per_page`` (≤ 100) and ``X-WP-Total`` /
``X-WP-TotalPages``, refuses batches over 100 with 413, and can send signed
webhooks (and the unsigned creation ping) to a URL.

>>> with FakeWooCommerce() as fake:
...     order_id = fake.add_order()
...     import httpx
...     answer = httpx.get(f"{fake.url}/wp-json/wc/v3/orders/{order_id}",
...                        params={"consumer_key": fake.key, "consumer_secret": fake.secret})
>>> answer.status_code, answer.json()["status"]
(200, 'processing')
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from ecomflow.adapters.woocommerce.client import oauth_signature
from ecomflow.testing.server import LoopbackServer, Route, send_fault, send_json

__all__ = ["FakeWooCommerce"]

_API = "/wp-json/wc/v3"


class _Handler(BaseHTTPRequestHandler):
    server: Any
    disable_nagle_algorithm = True  # no 40 ms stall per small answer on loopback

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""

    def _route(self, method: str) -> None:
        fake: FakeWooCommerce = self.server.fake
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}  # duplicates counted once
        route, args = fake.match(method, parts.path)
        name = route.name if route else f"{method} {parts.path}"
        handler = route.handler if route else None
        fault = fake.arrive(name)
        if fault is not None and fault.before_handling:
            send_fault(self, fault)
            return
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        url = f"http://{self.headers.get('Host')}{parts.path}"
        if not fake._authenticated(method, url, query, self.headers.get("Authorization")):
            self._send(
                401,
                {
                    "code": "woocommerce_rest_authentication_error",
                    "message": "Consumer secret is invalid.",
                    "data": {"status": 401},
                },
            )
            return
        if handler is None:
            self._send(
                404,
                {
                    "code": "rest_no_route",
                    "message": "No route was found matching the URL and request method",
                    "data": {"status": 404},
                },
            )
            return
        body = json.loads(raw) if raw else None
        status, payload, headers = handler(*args, query=query, body=body)
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
        self._send(status, payload, headers)

    def do_GET(self) -> None:
        self._route("GET")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._route("PUT")

    def _send(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> None:
        send_json(self, status, payload, headers)


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S")


class FakeWooCommerce(LoopbackServer):
    """A stateful WooCommerce shop on ``127.0.0.1``."""

    def __init__(
        self,
        *,
        key: str = "ck_test",
        secret: str = "cs_test",
        port: int = 0,
        webhook_secret: str = "whsec",
    ) -> None:
        super().__init__(_Handler, port)
        self.key = key
        self.secret = secret
        self.webhook_secret = webhook_secret
        self.orders: dict[int, dict[str, Any]] = {}
        self.notes: dict[int, list[dict[str, Any]]] = {}
        self.products: dict[int, dict[str, Any]] = {}
        self.webhooks_sent: list[tuple[dict[str, str], bytes]] = []
        self._next = 700
        self.routes = [
            Route("GET", "list_orders", re.compile(rf"^{_API}/orders$"), self._list_orders),
            Route("GET", "get_order", re.compile(rf"^{_API}/orders/(\d+)$"), self._get_order),
            Route("PUT", "update_order", re.compile(rf"^{_API}/orders/(\d+)$"), self._update_order),
            Route("POST", "add_note", re.compile(rf"^{_API}/orders/(\d+)/notes$"), self._add_note),
            Route("GET", "list_products", re.compile(rf"^{_API}/products$"), self._find_product),
            Route("POST", "batch_products", re.compile(rf"^{_API}/products/batch$"), self._batch),
        ]

    @property
    def url(self) -> str:
        """The shop root (``http://127.0.0.1:<port>``)."""
        return self.base_url

    # -- auth ---------------------------------------------------------------------------

    def _authenticated(
        self, method: str, url: str, query: dict[str, str], authorization: str | None
    ) -> bool:
        if authorization and authorization.startswith("Basic "):
            pair = base64.b64decode(authorization[6:]).decode()
            return pair == f"{self.key}:{self.secret}"
        if query.get("consumer_key") == self.key:
            return query.get("consumer_secret") == self.secret
        if query.get("oauth_consumer_key") == self.key and "oauth_signature" in query:
            expected = oauth_signature(method, url, query, self.secret)
            return hmac.compare_digest(expected, query["oauth_signature"])
        return False

    # -- state and hooks ----------------------------------------------------------------

    def add_order(
        self,
        *,
        status: str = "processing",
        modified: datetime | None = None,
        sku: str = "MUG-RED",
        **fields: Any,
    ) -> int:
        """Seed an order (REST v3 shape); returns its id."""
        with self._lock:
            self._next += 1
            order_id = self._next
            stamp = (modified or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%S")
            order: dict[str, Any] = {
                "id": order_id,
                "number": str(order_id),
                "status": status,
                "currency": "PLN",
                "date_created_gmt": stamp,
                "date_modified_gmt": stamp,
                "date_paid_gmt": stamp if status in ("processing", "completed") else None,
                "total": "49.00",
                "shipping_total": "0.00",
                "discount_total": "0.00",
                "payment_method": "przelewy24",
                "customer_id": 0,
                "meta_data": [],
                "billing": {
                    "first_name": "Anna",
                    "last_name": "Nowak",
                    "email": "anna@example.com",
                    "phone": "600100200",
                    "address_1": "Długa 1",
                    "city": "Kraków",
                    "postcode": "31-147",
                    "country": "PL",
                },
                "shipping": {
                    "first_name": "Anna",
                    "last_name": "Nowak",
                    "address_1": "Długa 1",
                    "city": "Kraków",
                    "postcode": "31-147",
                    "country": "PL",
                },
                "line_items": [
                    {
                        "id": order_id * 10,
                        "product_id": 1,
                        "sku": sku,
                        "name": "Kubek",
                        "quantity": 2,
                        "price": 24.5,
                        "total": "49.00",
                    }
                ],
                "shipping_lines": [{"method_id": "flat_rate", "total": "0.00"}],
            }
            order.update(fields)
            self.orders[order_id] = order
            return order_id

    def add_product(self, sku: str, stock: int = 0) -> int:
        """Seed a simple product; returns its id."""
        with self._lock:
            self._next += 1
            self.products[self._next] = {
                "id": self._next,
                "sku": sku,
                "type": "simple",
                "manage_stock": True,
                "stock_quantity": stock,
            }
            return self._next

    def send_webhook(
        self,
        url: str,
        topic: str,
        order_id: int,
        *,
        delivery_id: str | None = None,
        tamper: bool = False,
    ) -> httpx.Response:
        """POST a signed ``topic`` delivery of an order to ``url`` (as WooCommerce does)."""
        body = json.dumps(self.orders[order_id]).encode()
        signature = base64.b64encode(
            hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).digest()
        ).decode()
        headers = {
            "Content-Type": "application/json",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": topic.split(".", maxsplit=1)[0],
            "X-WC-Webhook-Event": topic.rsplit(".", maxsplit=1)[-1],
            "X-WC-Webhook-Signature": signature,
            "X-WC-Webhook-ID": "1",
            "X-WC-Webhook-Delivery-ID": delivery_id or secrets.token_hex(16),
        }
        if tamper:
            body = body.replace(b"processing", b"completed")
        self.webhooks_sent.append((headers, body))
        return httpx.post(url, content=body, headers=headers, timeout=5)

    def send_ping(self, url: str, webhook_id: int = 1) -> httpx.Response:
        """The unsigned ping a new webhook sends (``webhook_id=N``)."""
        return httpx.post(
            url,
            content=f"webhook_id={webhook_id}".encode(),
            timeout=5,
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )

    # -- routes ---------------------------------------------------------------------------

    def _error(self, status: int, code: str, message: str) -> tuple[int, Any, dict[str, str]]:
        return status, {"code": code, "message": message, "data": {"status": status}}, {}

    def _list_orders(self, *, query: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        per_page = int(query.get("per_page", 10))
        if not 1 <= per_page <= 100:
            return self._error(400, "rest_invalid_param", "Invalid parameter(s): per_page")
        page = int(query.get("page", 1))
        with self._lock:
            found = sorted(self.orders.values(), key=lambda o: o["id"])
        if "modified_after" in query:
            found = [o for o in found if o["date_modified_gmt"] > query["modified_after"]]
        if query.get("order") == "desc":
            found.reverse()
        total = len(found)
        pages = max(1, -(-total // per_page))
        items = found[(page - 1) * per_page : page * per_page]
        return 200, items, {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}

    def _get_order(
        self, order_id: str, *, query: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        order = self.orders.get(int(order_id))
        if order is None:
            return self._error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
        return 200, order, {}

    def _update_order(
        self, order_id: str, *, query: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        with self._lock:
            order = self.orders.get(int(order_id))
            if order is None:
                return self._error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
            for key, value in (body or {}).items():
                if key == "meta_data":
                    existing = {m["key"]: m for m in order["meta_data"]}
                    for item in value:
                        existing[item["key"]] = {"id": len(existing) + 1, **item}
                    order["meta_data"] = list(existing.values())
                else:
                    order[key] = value
            moment = datetime.now(UTC) + timedelta(seconds=1)
            order["date_modified_gmt"] = moment.strftime("%Y-%m-%dT%H:%M:%S")
            return 200, order, {}

    def _add_note(
        self, order_id: str, *, query: dict[str, str], body: Any
    ) -> tuple[int, Any, dict[str, str]]:
        if not (body or {}).get("note"):
            return self._error(400, "rest_missing_callback_param", "Missing parameter(s): note")
        with self._lock:
            notes = self.notes.setdefault(int(order_id), [])
            note = {
                "id": len(notes) + 1,
                "note": body["note"],
                "customer_note": bool(body.get("customer_note")),
                "date_created_gmt": _now(),
            }
            notes.append(note)
            return 201, note, {}

    def _find_product(self, *, query: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        found = sorted(self.products.values(), key=lambda p: p["id"])
        if "sku" in query:
            found = [p for p in found if p["sku"] == query["sku"]]
        per_page = int(query.get("per_page", 10))
        if not 1 <= per_page <= 100:
            return self._error(400, "rest_invalid_param", "Invalid parameter(s): per_page")
        page = int(query.get("page", 1))
        pages = max(1, -(-len(found) // per_page))
        items = found[(page - 1) * per_page : page * per_page]
        return 200, items, {"X-WP-Total": str(len(found)), "X-WP-TotalPages": str(pages)}

    def _batch(self, *, query: dict[str, str], body: Any) -> tuple[int, Any, dict[str, str]]:
        body = body or {}
        count = sum(len(body.get(k, [])) for k in ("create", "update", "delete"))
        if count > 100:
            return self._error(
                413,
                "woocommerce_rest_request_entity_too_large",
                "Unable to accept more than 100 items for this request.",
            )
        updated = []
        with self._lock:
            for item in body.get("update", []):
                product = self.products.get(int(item["id"]))
                if product is None:
                    updated.append(
                        {
                            "id": item["id"],
                            "error": {
                                "code": "woocommerce_rest_product_invalid_id",
                                "message": "Invalid ID.",
                            },
                        }
                    )
                    continue
                product.update({k: v for k, v in item.items() if k != "id"})
                updated.append(product)
        return 200, {"update": updated}, {}
