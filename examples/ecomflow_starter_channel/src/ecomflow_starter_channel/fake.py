r"""A fake Sklep Przykładowy API on a loopback port (README.md is its specification).

Built on :class:`ecomflow.testing.server.LoopbackServer`. It keeps orders,
shipment records and stock; lists orders by ``updated_at`` in whole seconds
with offset paging, and — as the API does not promise any order inside one
second — returns the orders of one second in the order they last changed,
whatever their ids. It refuses a wrong key, unknown ids and statuses, invalid
bodies and more than the documented limits.

Its clock is manual (``now``), so tests can put many changes in one second.

>>> import httpx
>>> with FakeShop(api_key="k3y") as shop:
...     ids = shop.add_orders(3, same_second=3, descending=True)
...     page = httpx.get(f"{shop.url}/api/v1/orders", headers={"X-Api-Key": "k3y"}).json()
...     refused = httpx.get(f"{shop.url}/api/v1/orders").status_code
>>> ids == [o["id"] for o in page["orders"]], ids == sorted(ids, reverse=True), refused
(True, True, 401)
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import uuid
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from ecomflow.adapters import WebhookRequest
from ecomflow.testing.server import LoopbackServer, Reply, Request, Route

__all__ = ["STATUSES", "FakeShop"]

#: The shop's statuses (README.md, "Statuses").
STATUSES = (
    "pending",
    "paid",
    "on_hold",
    "processing",
    "shipped",
    "delivered",
    "cancelled",
    "returned",
)
_START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


def _error(status: int, code: str, message: str, /, **details: str) -> Reply:
    payload: dict[str, Any] = {"error": code, "message": message}
    if details:
        payload["details"] = details
    return Reply(status, payload)


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


class FakeShop(LoopbackServer):
    """The fake shop API.

    Attributes:
        orders: id → the order object as the API returns it.
        shipments: order id → shipment records.
        stock: SKU → quantity shown in the shop.
        now: the fake's clock (whole seconds); :meth:`tick` moves it on.
    """

    def __init__(
        self,
        api_key: str = "test-key",
        *,
        webhook_secret: str = "test-webhook-secret",
        skus: tuple[str, ...] = ("MUG-RED", "MUG-BLUE", "TEA-1"),
        keep_alive: bool = False,
    ) -> None:
        super().__init__(keep_alive=keep_alive)
        self.api_key = api_key
        self.webhook_secret = webhook_secret
        self.orders: dict[str, dict[str, Any]] = {}
        self.shipments: dict[str, list[dict[str, Any]]] = {}
        self.stock: dict[str, int] = dict.fromkeys(skus, 0)
        self.now = _START
        self._seq: dict[str, int] = {}  # order id → when it last changed (sort within a second)
        self._counter = 0
        self._next_id = 1000
        self._state = threading.RLock()
        order = r"/api/v1/orders/([A-Za-z0-9_.%-]+)"
        self.routes = [
            Route("GET", "list_orders", re.compile(r"^/api/v1/orders$"), self._list),
            Route("POST", "write_statuses", re.compile(r"^/api/v1/orders/statuses$"), self._bulk),
            Route("GET", "get_order", re.compile(rf"^{order}$"), self._get),
            Route("PUT", "write_status", re.compile(rf"^{order}/status$"), self._status),
            Route("GET", "list_shipments", re.compile(rf"^{order}/shipments$"), self._shipments),
            Route("POST", "add_shipment", re.compile(rf"^{order}/shipments$"), self._add_shipment),
            Route("POST", "publish_stock", re.compile(r"^/api/v1/stock$"), self._stock),
        ]

    @property
    def url(self) -> str:
        """The API root to put in ``ExampleShopSettings.url``."""
        return self.base_url

    def authorize(self, request: Request, route: Route) -> Reply | None:
        """``X-Api-Key`` or 401 (the key is never echoed)."""
        if request.header("X-Api-Key") != self.api_key:
            return _error(401, "unauthorized", "invalid or missing API key")
        return None

    # -- the shop's side: what tests and demos do to it -----------------------------------

    def tick(self, seconds: int = 1) -> datetime:
        """Move the clock on."""
        with self._state:
            self.now += timedelta(seconds=seconds)
            return self.now

    def _touch(self, order: dict[str, Any]) -> None:
        """Record a change now: revision + 1, ``updated_at`` = now, last in its second."""
        self._counter += 1
        order["revision"] += 1
        order["updated_at"] = _iso(self.now)
        self._seq[order["id"]] = self._counter

    def order_payload(self, order_id: str, **overrides: Any) -> dict[str, Any]:
        """A valid order (README.md, "Objects"), created now."""
        payload: dict[str, Any] = {
            "id": order_id,
            "number": f"SP/2026/{order_id}",
            "status": "pending",
            "revision": 0,
            "created_at": _iso(self.now),
            "updated_at": _iso(self.now),
            "currency": "PLN",
            "customer": {
                "name": "Anna Nowak",
                "email": "anna@example.com",
                "phone": "+48600100200",
            },
            "billing_address": None,
            "shipping_address": {
                "name": "Anna Nowak",
                "company": None,
                "street": "ul. Długa 1",
                "city": "Kraków",
                "postcode": "31-147",
                "country": "PL",
                "phone": "+48600100200",
                "email": "anna@example.com",
            },
            "shipping": {"method": "Paczkomat InPost", "point_id": "KRA010", "price": "12.99"},
            "payment": {"method": "blik", "paid_amount": None, "paid_at": None, "cod": False},
            "lines": [
                {
                    "id": f"L{order_id}",
                    "sku": "MUG-RED",
                    "name": "Kubek czerwony",
                    "quantity": 2,
                    "unit_price": "24.50",
                    "tax_rate": "23",
                }
            ],
            "discount": None,
        }
        payload.update(overrides)
        return payload

    def put(self, payload: dict[str, Any]) -> str:
        """Add an order as it is (also one the adapter cannot map); returns its id."""
        with self._state:
            self._counter += 1
            self.orders[payload["id"]] = payload
            self._seq[payload["id"]] = self._counter
            return str(payload["id"])

    def add_orders(
        self, count: int, *, same_second: int = 1, descending: bool = False
    ) -> list[str]:
        """``count`` new orders after every existing one, ``same_second`` per second.

        ``descending``: inside each second, the ids come in descending order.
        """
        made: list[str] = []
        with self._state:
            while len(made) < count:
                self.tick()
                size = min(same_second, count - len(made))
                ids = [str(self._next_id + i) for i in range(size)]
                self._next_id += size
                for order_id in reversed(ids) if descending else ids:
                    made.append(self.put(self.order_payload(order_id)))
        return made

    def add_in_last_second(self, count: int) -> list[str]:
        """``count`` orders in the second of the newest change."""
        with self._state:
            made = []
            for _ in range(count):
                order_id = str(self._next_id)
                self._next_id += 1
                made.append(self.put(self.order_payload(order_id)))
            return made

    def change(self, order_id: str, change: str) -> None:
        """``paid`` or ``cancelled``, in the current second."""
        with self._state:
            order = self.orders[order_id]
            if change == "paid":
                total = sum(
                    Decimal(line["unit_price"]) * line["quantity"] for line in order["lines"]
                ) + Decimal(order["shipping"].get("price") or 0)
                order["status"] = "paid"
                order["payment"] = {
                    **order["payment"],
                    "paid_amount": f"{total:.2f}",
                    "paid_at": _iso(self.now),
                }
            elif change == "cancelled":
                order["status"] = "cancelled"
            else:
                raise ValueError(f"unknown change {change!r}")
            self._touch(order)

    def webhook(
        self, order_id: str, *, topic: str = "order.updated", secret: str | None = None
    ) -> WebhookRequest:
        """The delivery the shop would send for the order now (README.md, "Webhooks")."""
        body = json.dumps(self.orders[order_id]).encode()
        mac = hmac.new((secret or self.webhook_secret).encode(), body, hashlib.sha256).digest()
        headers = {
            "Content-Type": "application/json",
            "X-Shop-Topic": topic,
            "X-Shop-Delivery": str(uuid.uuid4()),
            "X-Shop-Signature": base64.b64encode(mac).decode(),
        }
        return WebhookRequest(headers=headers, body=body, remote_addr="127.0.0.1")

    # -- routes ------------------------------------------------------------------------

    def _list(self, request: Request) -> Reply:
        try:
            page = int(request.param("page") or 1)
            per_page = int(request.param("per_page") or 20)
        except ValueError:
            return _error(422, "invalid", "page and per_page are whole numbers")
        if page < 1 or not 1 <= per_page <= 100:
            return _error(422, "invalid", "page >= 1, per_page 1-100")
        since = request.param("updated_from")
        start = None
        if since is not None:
            try:
                start = datetime.fromisoformat(since)
            except ValueError:
                return _error(422, "invalid", "updated_from is ISO 8601", updated_from="ISO 8601")
            if start.tzinfo is None:
                return _error(422, "invalid", "updated_from needs a time zone")
        with self._state:
            found = [
                o
                for o in self.orders.values()
                if start is None or datetime.fromisoformat(o["updated_at"]) >= start
            ]
            found.sort(key=lambda o: (o["updated_at"], self._seq[o["id"]]))
            chunk = found[(page - 1) * per_page : page * per_page]
            return Reply(200, {"orders": json.loads(json.dumps(chunk))})

    def _get(self, request: Request, order_id: str) -> Reply:
        with self._state:
            found = self.orders.get(order_id)
            return Reply(200, found) if found else _error(404, "not_found", "no such order")

    def _set_status(self, order_id: str, status: Any) -> str | None:
        """Set a status; the error code when refused."""
        order = self.orders.get(order_id)
        if order is None:
            return "not_found"
        if status not in STATUSES:
            return "invalid_status"
        if order["status"] != status:
            order["status"] = status
            self._touch(order)
        return None

    def _status(self, request: Request, order_id: str) -> Reply:
        try:
            body = request.json()
        except ValueError:
            return _error(400, "bad_json", "the body is not JSON")
        status = body.get("status") if isinstance(body, dict) else None
        with self._state:
            refused = self._set_status(order_id, status)
            if refused == "not_found":
                return _error(404, "not_found", "no such order")
            if refused:
                return _error(422, "invalid", "unknown status", status=", ".join(STATUSES))
            return Reply(200, self.orders[order_id])

    def _bulk(self, request: Request) -> Reply:
        try:
            body = request.json()
        except ValueError:
            return _error(400, "bad_json", "the body is not JSON")
        changes = body.get("changes") if isinstance(body, dict) else None
        if not isinstance(changes, list) or not 1 <= len(changes) <= 50:
            return _error(422, "invalid", "1-50 changes", changes="1-50")
        results = []
        with self._state:
            for change in changes:
                order_id = str(change.get("id")) if isinstance(change, dict) else ""
                refused = self._set_status(order_id, change.get("status") if order_id else None)
                results.append(
                    {"id": order_id, "ok": True}
                    if refused is None
                    else {"id": order_id, "ok": False, "error": refused}
                )
        return Reply(200, {"results": results})

    def _shipments(self, request: Request, order_id: str) -> Reply:
        with self._state:
            if order_id not in self.orders:
                return _error(404, "not_found", "no such order")
            return Reply(200, {"shipments": list(self.shipments.get(order_id, []))})

    def _add_shipment(self, request: Request, order_id: str) -> Reply:
        try:
            body = request.json()
        except ValueError:
            return _error(400, "bad_json", "the body is not JSON")
        problems = {}
        if not isinstance(body, dict):
            return _error(422, "invalid", "the body is an object")
        carrier, number = body.get("carrier"), body.get("tracking_number")
        if not isinstance(carrier, str) or not 1 <= len(carrier) <= 50:
            problems["carrier"] = "1-50 characters"
        if not isinstance(number, str) or not 1 <= len(number) <= 64:
            problems["tracking_number"] = "1-64 characters"
        if problems:
            return _error(422, "invalid", "the shipment is invalid", **problems)
        with self._state:
            order = self.orders.get(order_id)
            if order is None:
                return _error(404, "not_found", "no such order")
            record = {
                "id": f"S{sum(len(v) for v in self.shipments.values()) + 1}",
                "carrier": carrier,
                "tracking_number": number,
                "tracking_url": body.get("tracking_url"),
                "service": body.get("service"),
                "created_at": _iso(self.now),
            }
            self.shipments.setdefault(order_id, []).append(record)
            self._touch(order)
            return Reply(201, record)

    def _stock(self, request: Request) -> Reply:
        try:
            body = request.json()
        except ValueError:
            return _error(400, "bad_json", "the body is not JSON")
        items = body.get("items") if isinstance(body, dict) else None
        if not isinstance(items, list) or not 1 <= len(items) <= 100:
            return _error(422, "invalid", "1-100 items", items="1-100")
        for item in items:
            quantity = item.get("quantity") if isinstance(item, dict) else None
            if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
                return _error(422, "invalid", "quantity is a whole number >= 0")
        results = []
        with self._state:
            for item in items:
                sku = str(item.get("sku"))
                if sku in self.stock:
                    self.stock[sku] = item["quantity"]
                    results.append({"sku": sku, "ok": True})
                else:
                    results.append({"sku": sku, "ok": False, "error": "unknown_sku"})
        return Reply(200, {"results": results})
