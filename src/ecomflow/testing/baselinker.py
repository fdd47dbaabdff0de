"""FakeBaseLinker: a real HTTP server on loopback that speaks BaseLinker's wire format.

Written from the API reference (``baselinker-inpost-api.md`` §1–§3 and
``baselinker-inpost-more.md`` part A), not from the client: one endpoint,
``POST /connector.php`` with the ``X-BLToken`` header and form fields ``method``
and ``parameters`` (JSON), answers in the ``SUCCESS``/``ERROR`` envelope.

It keeps state — orders, statuses, the inventory (products by id, with SKUs and
stock), packages and the order journal — and refuses what the real API refuses
where the documentation says so: a wrong token, unknown methods, more than 1000
products per stock update (unknown product ids are per-product ``warnings``),
package numbers over 40 characters, unknown orders and statuses, more than 100
requests a minute (the account is then blocked with ``ERROR_USER_ACCOUNT_BLOCKED``).
What the documentation leaves open is a documented choice here, switchable
where a client must cope with either answer:

- the order of orders *within* one confirmation second (``within_second``:
  ``"ascending"`` or ``"descending"`` by id);
- whether the journal is enabled (``journal=False``: empty answers, as before
  Base support switches it on); ``last_log_id`` is exclusive; 100 events a page;
  events older than 3 days are gone;
- how ``setOrderStatuses`` fails when one order cannot be changed
  (``bulk_status_failure``: ``"atomic"`` — nothing changes — or ``"partial"`` —
  the others change — both answer ``ERROR``);
- error codes other than ``ERROR_USER_ACCOUNT_BLOCKED`` (``ERROR_BAD_TOKEN``,
  ``ERROR_UNKNOWN_METHOD``, ``ERROR_BAD_PARAMETERS``, ``ERROR_ORDER_NOT_FOUND``) and
  all error messages.

It counts calls per method (``calls``) and injects faults per method
(:meth:`~ecomflow.testing.server.LoopbackServer.inject`).

>>> with FakeBaseLinker(token="t") as fake:
...     order_id = fake.add_order(date_confirmed=1795510860)
...     import httpx
...     answer = httpx.post(fake.url, headers={"X-BLToken": "t"},
...                         data={"method": "getOrders", "parameters": "{}"}).json()
>>> answer["status"], [o["order_id"] for o in answer["orders"]] == [order_id]
('SUCCESS', True)

Run one by hand: ``python -m ecomflow.testing.baselinker --port 8765 --token demo``.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import re
import time
from collections import deque
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import parse_qs, quote, urlsplit

from ecomflow.testing.server import Fault, LoopbackServer, Reply, Request, Route, RoutedHandler

__all__ = ["FakeBaseLinker", "Fault"]

_PDF = base64.b64encode(
    b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)

#: The journal keeps events of the last 3 days (official getJournalList page).
JOURNAL_WINDOW = 3 * 24 * 3600

# setOrderFields' fields (reference A3; the copy is cut off after invoice_postcode, so
# the remaining invoice_* fields, want_invoice and extra fields are accepted too) with
# their documented lengths.
_ORDER_FIELDS: dict[str, int | None] = {
    "admin_comments": 200,
    "user_comments": 510,
    "payment_method": 30,
    "payment_method_cod": None,
    "email": 150,
    "phone": 100,
    "user_login": 30,
    "delivery_method": 30,
    "delivery_price": None,
    "delivery_fullname": 100,
    "delivery_company": 100,
    "delivery_address": 156,
    "delivery_postcode": 100,
    "delivery_city": 100,
    "delivery_state": 100,
    "delivery_country_code": 2,
    "delivery_point_id": 40,
    "delivery_point_name": 100,
    "delivery_point_address": 100,
    "delivery_point_postcode": 100,
    "delivery_point_city": 100,
    "invoice_fullname": 100,
    "invoice_company": 100,
    "invoice_nip": 100,
    "invoice_address": 100,
    "invoice_postcode": 100,
    "invoice_city": 100,
    "invoice_state": 100,
    "invoice_country_code": 2,
    "want_invoice": None,
    "extra_field_1": None,
    "extra_field_2": None,
    "custom_extra_fields": None,
}


class _Refused(Exception):
    """An ``ERROR`` envelope to answer with."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class _Handler(RoutedHandler):
    """Routes ``POST /connector.php`` by its ``method`` form field (one route per method)."""

    def do_POST(self) -> None:  # noqa: N802 - BaseHTTPRequestHandler's name
        """Serve a call: the BaseLinker method becomes the route."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        form = parse_qs(body.decode("utf-8", errors="replace"))
        method = (form.get("method") or [""])[0]
        if urlsplit(self.path).path == "/connector.php":
            self.path = "/connector.php/" + quote(method, safe="")
        original, self.rfile = self.rfile, io.BytesIO(body)
        try:
            self._serve()
        finally:
            self.rfile = original


def _integer(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise _Refused("ERROR_BAD_PARAMETERS", f"{name} must be an integer")
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise _Refused("ERROR_BAD_PARAMETERS", f"{name} must be an integer") from None


class FakeBaseLinker(LoopbackServer):
    """A stateful BaseLinker API on ``127.0.0.1`` (a random free port by default).

    Args:
        token: the only token accepted.
        rate_limit: requests allowed per ``rate_window`` seconds (100 per 60 s, as BaseLinker).
        block_seconds: how long the account stays blocked after exceeding it.
        clock: seconds for the rate limit (``time.monotonic`` by default).
        now: the wall clock for dates (journal events, new orders); ``time.time`` by default.
        keep_alive: serve HTTP/1.1 persistent connections.
        journal: whether getJournalList is enabled for the account.
        within_second: how getOrders sorts orders confirmed in the same second.
        bulk_status_failure: what setOrderStatuses changes when it answers ``ERROR``.
    """

    state_attributes = (
        "orders",
        "statuses",
        "inventories",
        "products",
        "packages",
        "journal",
        "_next_order",
        "_next_package",
        "_next_product",
        "_next_log",
    )

    def __init__(
        self,
        *,
        token: str = "test-token",
        port: int = 0,
        rate_limit: int = 100,
        rate_window: float = 60.0,
        block_seconds: float = 300.0,
        clock: Callable[[], float] | None = None,
        now: Callable[[], datetime] | None = None,
        keep_alive: bool = False,
        journal: bool = True,
        within_second: Literal["ascending", "descending"] = "ascending",
        bulk_status_failure: Literal["atomic", "partial"] = "atomic",
    ) -> None:
        super().__init__(_Handler, port, keep_alive=keep_alive)
        self.token = token
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.block_seconds = block_seconds
        self.clock = clock or time.monotonic
        self.now = now or (lambda: datetime.now(UTC))
        self.journal_enabled = journal
        self.within_second = within_second
        self.bulk_status_failure = bulk_status_failure
        self.blocked_responses = 0
        self.orders: dict[int, dict[str, Any]] = {}
        self.statuses: list[dict[str, Any]] = [
            {"id": i, "name": name, "name_for_customer": name, "color": "#888888"}
            for i, name in enumerate(
                [
                    "Nowe zamówienia",
                    "Opłacone",
                    "Do spakowania",
                    "W realizacji",
                    "Spakowane",
                    "Wysłane",
                    "Dostarczone",
                    "Anulowane",
                    "Wstrzymane",
                    "Zwrot",
                ],
                start=1000,
            )
        ]
        self.inventories: list[dict[str, Any]] = [
            {
                "inventory_id": 1,
                "name": "Główny",
                "warehouses": ["bl_1"],
                "default_warehouse": "bl_1",
                "is_default": True,
            }
        ]
        #: inventory id → product id → {id, sku, ean, name, stock: {warehouse: quantity}}.
        self.products: dict[int, dict[str, dict[str, Any]]] = {1: {}}
        self.packages: dict[int, list[dict[str, Any]]] = {}
        self.journal: list[dict[str, Any]] = []
        self._recent: deque[float] = deque()
        self._blocked_until = 0.0
        self._next_order = 5_000_000
        self._next_package = 900_000
        self._next_product = 70_000
        self._next_log = 0
        self.routes = [
            Route("POST", name, re.compile(rf"^/connector\.php/{name}$"), self._endpoint(name))
            for name in sorted(n[5:] for n in dir(self) if n.startswith("_api_"))
        ] + [Route("POST", "unknown", re.compile(r"^/connector\.php/(.*)$"), self._unknown)]

    @property
    def url(self) -> str:
        """The connector URL (``http://127.0.0.1:<port>/connector.php``)."""
        return f"{self.base_url}/connector.php"

    # -- test hooks --------------------------------------------------------------------

    def _stamp(self) -> int:
        return int(self.now().timestamp())

    def log(self, order_id: int, log_type: int, object_id: int = 0, date: int | None = None) -> int:
        """Append a journal event (as BaseLinker does on every order change); returns its id."""
        with self._lock:
            self._next_log += 1
            self.journal.append(
                {
                    "id": self._next_log,
                    "order_id": order_id,
                    "log_type": log_type,
                    "object_id": object_id,
                    "date": self._stamp() if date is None else date,
                }
            )
            return self._next_log

    def add_order(self, **fields: Any) -> int:
        """Seed an order (defaults make a valid paid courier order); returns its id.

        Journals "order created" (type 1).
        """
        with self._lock:
            self._next_order += 1
            order_id = int(fields.pop("order_id", self._next_order))
            now = self._stamp()
            order: dict[str, Any] = {
                "order_id": order_id,
                "shop_order_id": "",
                "external_order_id": "",
                "order_source": "shop",
                "order_status_id": 1001,
                "confirmed": True,
                "date_add": now,
                "date_confirmed": now,
                "date_in_status": now,
                "user_login": "",
                "email": "anna@example.com",
                "phone": "600100200",
                "currency": "PLN",
                "payment_method": "Przelewy24",
                "payment_method_cod": "0",
                "payment_done": "49.00",
                "delivery_method": "Kurier InPost",
                "delivery_price": "0",
                "delivery_fullname": "Anna Nowak",
                "delivery_company": "",
                "delivery_address": "ul. Długa 1",
                "delivery_postcode": "31-147",
                "delivery_city": "Kraków",
                "delivery_country_code": "PL",
                "delivery_point_id": "",
                "invoice_fullname": "",
                "invoice_company": "",
                "invoice_nip": "",
                "invoice_address": "",
                "invoice_postcode": "",
                "invoice_city": "",
                "invoice_country_code": "",
                "want_invoice": "0",
                "products": [
                    {
                        "order_product_id": order_id * 10,
                        "product_id": "101",
                        "variant_id": "0",
                        "name": "Kubek",
                        "sku": "MUG-RED",
                        "ean": "5901234123457",
                        "price_brutto": "24.50",
                        "tax_rate": "23",
                        "quantity": "2",
                        "weight": "0.4",
                    }
                ],
            }
            order.update(fields)
            self.orders[order_id] = order
            self.log(order_id, 1)
            return order_id

    def total(self, order_id: int) -> Decimal:
        """What the customer owes for an order (lines plus delivery)."""
        order = self.orders[order_id]
        lines = sum(
            (Decimal(str(p["price_brutto"])) * int(p["quantity"]) for p in order["products"]),
            Decimal(0),
        )
        return lines + Decimal(str(order.get("delivery_price") or 0))

    def pay(self, order_id: int, amount: Decimal | str | None = None) -> None:
        """Book a payment (type 3 in the journal)."""
        with self._lock:
            paid = Decimal(str(amount)) if amount is not None else self.total(order_id)
            self.orders[order_id]["payment_done"] = f"{paid:.2f}"
            self.log(order_id, 3)

    def set_status(self, order_id: int, status: int | str) -> None:
        """Move an order to a status (by id or name), as a user in the panel would."""
        with self._lock:
            status_id = status if isinstance(status, int) else self.status_id(status)
            self._change_status(self.orders[order_id], status_id)

    def cancel(self, order_id: int) -> None:
        """Cancel an order in the panel (status "Anulowane", type 18 in the journal)."""
        self.set_status(order_id, "Anulowane")

    def edit(self, order_id: int, **fields: Any) -> None:
        """Edit order fields in the panel (type 11 for delivery data, else 16)."""
        with self._lock:
            self.orders[order_id].update(fields)
            delivery = any(name.startswith("delivery_") for name in fields)
            self.log(order_id, 11 if delivery else 16)

    def set_products(self, order_id: int, products: list[dict[str, Any]]) -> None:
        """Replace an order's lines (type 13, "product in order edited")."""
        with self._lock:
            self.orders[order_id]["products"] = products
            self.log(order_id, 13)

    def status_id(self, name: str) -> int:
        """The id of a status name."""
        for status in self.statuses:
            if status["name"] == name:
                return int(status["id"])
        raise KeyError(name)

    def status_name(self, order_id: int) -> str:
        """The name of an order's current status."""
        status_id = self.orders[order_id]["order_status_id"]
        return next(str(s["name"]) for s in self.statuses if s["id"] == status_id)

    def add_product(
        self,
        sku: str,
        *,
        product_id: str | None = None,
        stock: dict[str, int] | None = None,
        inventory_id: int = 1,
        name: str = "",
        ean: str = "",
    ) -> str:
        """Put a product in an inventory; returns its id."""
        with self._lock:
            if product_id is None:
                self._next_product += 1
                product_id = str(self._next_product)
            self.products.setdefault(inventory_id, {})[product_id] = {
                "id": product_id,
                "sku": sku,
                "ean": ean,
                "name": name or sku,
                "stock": dict(stock or {"bl_1": 0}),
            }
            return product_id

    def stock_of(self, sku: str, warehouse: str = "bl_1", inventory_id: int = 1) -> int | None:
        """The stock of the (first) product with ``sku``."""
        for product in self.products.get(inventory_id, {}).values():
            if product["sku"] == sku:
                return int(product["stock"].get(warehouse, 0))
        return None

    def reset_counters(self) -> None:
        """Forget call counts and the rate-limit window."""
        with self._lock:
            self.calls.clear()
            self._recent.clear()
            self.blocked_responses = 0
            self._blocked_until = 0.0

    # -- serving -------------------------------------------------------------------------

    @staticmethod
    def _envelope(code: str, message: str) -> Reply:
        # The HTTP status of an ERROR answer is UNCONFIRMED (reference §1: "probably 200").
        return Reply(200, {"status": "ERROR", "error_code": code, "error_message": message})

    @staticmethod
    def _form(request: Request) -> dict[str, list[str]]:
        return parse_qs(request.body.decode("utf-8", errors="replace"))

    def authorize(self, request: Request, route: Route) -> Reply | None:
        """The token (header, or the deprecated form field), then the rate limit."""
        token = request.header("X-BLToken") or (self._form(request).get("token") or [""])[0]
        with self._lock:
            if token != self.token:
                return self._envelope("ERROR_BAD_TOKEN", "Invalid user token")
            if self._rate_limited():
                self.blocked_responses += 1
                return self._envelope(
                    "ERROR_USER_ACCOUNT_BLOCKED",
                    "Query limit exceeded, account temporarily blocked",
                )
        return None

    def _rate_limited(self) -> bool:
        now = self.clock()
        if now < self._blocked_until:
            return True
        while self._recent and self._recent[0] <= now - self.rate_window:
            self._recent.popleft()
        self._recent.append(now)
        if len(self._recent) > self.rate_limit:
            self._blocked_until = now + self.block_seconds
            return True
        return False

    def _unknown(self, request: Request, method: str) -> Reply:
        return self._envelope("ERROR_UNKNOWN_METHOD", f"Unknown method {method!r}")

    def _endpoint(self, name: str) -> Callable[[Request], Reply]:
        api: Callable[[dict[str, Any]], dict[str, Any]] = getattr(self, f"_api_{name}")

        def serve(request: Request) -> Reply:
            text = (self._form(request).get("parameters") or ["{}"])[0] or "{}"
            try:
                parameters = json.loads(text)
            except json.JSONDecodeError:
                parameters = None
            if not isinstance(parameters, dict):
                return self._envelope("ERROR_BAD_PARAMETERS", "parameters must be a JSON object")
            with self._lock:
                try:
                    result = api(parameters)
                except _Refused as refused:
                    return self._envelope(refused.code, refused.message)
                except (KeyError, TypeError, ValueError, ArithmeticError) as exc:
                    return self._envelope("ERROR_BAD_PARAMETERS", f"{type(exc).__name__}: {exc}")
            return Reply(200, {"status": "SUCCESS", **result})

        return serve

    # -- orders ------------------------------------------------------------------------

    def _order(self, value: Any) -> dict[str, Any]:
        order_id = _integer(value, "order_id")
        if order_id not in self.orders:
            raise _Refused("ERROR_ORDER_NOT_FOUND", f"Order {order_id} does not exist")
        return self.orders[order_id]

    def _status(self, value: Any) -> int:
        status_id = _integer(value, "status_id")
        if status_id not in {s["id"] for s in self.statuses}:
            raise _Refused("ERROR_BAD_PARAMETERS", f"Unknown status_id {status_id}")
        return status_id

    def _change_status(self, order: dict[str, Any], status_id: int) -> None:
        if order["order_status_id"] != status_id:
            order["order_status_id"] = status_id
            order["date_in_status"] = self._stamp()
            self.log(order["order_id"], 18, status_id)

    def _api_getOrders(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        found = list(self.orders.values())
        if not p.get("get_unconfirmed_orders"):
            found = [o for o in found if o.get("confirmed", True)]
        if p.get("order_id") is not None:  # "only one specific order" (BL-doc)
            found = [o for o in found if o["order_id"] == _integer(p["order_id"], "order_id")]
        if p.get("date_confirmed_from") is not None:
            since = _integer(p["date_confirmed_from"], "date_confirmed_from")
            found = [o for o in found if int(o["date_confirmed"] or 0) >= since]
        if p.get("date_from") is not None:
            since = _integer(p["date_from"], "date_from")
            found = [o for o in found if int(o["date_add"]) >= since]
        if p.get("id_from") is not None:
            first = _integer(p["id_from"], "id_from")
            found = [o for o in found if o["order_id"] >= first]
        if p.get("status_id") is not None:
            status_id = _integer(p["status_id"], "status_id")
            found = [o for o in found if o["order_status_id"] == status_id]
        if p.get("filter_email"):
            found = [o for o in found if o.get("email") == p["filter_email"]]
        if p.get("filter_shop_order_id") is not None:
            wanted = str(p["filter_shop_order_id"])
            found = [o for o in found if str(o.get("shop_order_id")) == wanted]
        sign = -1 if self.within_second == "descending" else 1
        found.sort(key=lambda o: (int(o["date_confirmed"] or 0), sign * o["order_id"]))
        return {"orders": [json.loads(json.dumps(o)) for o in found[:100]]}

    def _api_getOrderStatusList(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {"statuses": self.statuses}

    def _api_setOrderStatus(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        order = self._order(p.get("order_id"))
        self._change_status(order, self._status(p.get("status_id")))
        return {}

    def _api_setOrderStatuses(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        status_id = self._status(p.get("status_id"))
        ids = p.get("order_ids")
        if not isinstance(ids, list) or not ids:
            raise _Refused("ERROR_BAD_PARAMETERS", "order_ids must be a non-empty array")
        numbers = [_integer(i, "order_ids") for i in ids]
        missing = [i for i in numbers if i not in self.orders]
        if missing and self.bulk_status_failure == "atomic":
            raise _Refused("ERROR_ORDER_NOT_FOUND", f"Orders {missing} do not exist")
        for order_id in numbers:
            if order_id in self.orders:
                self._change_status(self.orders[order_id], status_id)
        if missing:
            raise _Refused("ERROR_ORDER_NOT_FOUND", f"Orders {missing} do not exist")
        return {}

    def _api_setOrderFields(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        order = self._order(p.get("order_id"))
        fields = {k: v for k, v in p.items() if k != "order_id"}
        for name, value in fields.items():
            if name not in _ORDER_FIELDS:
                raise _Refused("ERROR_BAD_PARAMETERS", f"Unknown field {name!r}")
            limit = _ORDER_FIELDS[name]
            if limit is not None and len(str(value)) > limit:
                raise _Refused("ERROR_BAD_PARAMETERS", f"{name} is longer than {limit}")
        order.update(fields)
        delivery = any(name.startswith("delivery_") for name in fields)
        self.log(order["order_id"], 11 if delivery else 16)
        return {}

    def _api_getJournalList(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        if not self.journal_enabled:
            return {"logs": []}
        last = _integer(p.get("last_log_id") or 0, "last_log_id")
        types = {_integer(t, "logs_types") for t in p.get("logs_types") or []}
        order_id = p.get("order_id")
        oldest = self._stamp() - JOURNAL_WINDOW
        logs = [
            e
            for e in self.journal
            if e["id"] > last
            and e["date"] >= oldest
            and (not types or e["log_type"] in types)
            and (order_id is None or e["order_id"] == _integer(order_id, "order_id"))
        ]
        return {"logs": logs[:100]}

    def _api_addOrder(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        fields = dict(p)
        paid = fields.pop("paid", None)
        order_id = self.add_order(**fields)
        if str(paid) in ("1", "True", "true"):
            self.pay(order_id)
        return {"order_id": order_id}

    # -- inventory ---------------------------------------------------------------------

    def _inventory(self, value: Any) -> dict[str, dict[str, Any]]:
        inventory_id = _integer(value, "inventory_id")
        if inventory_id not in {i["inventory_id"] for i in self.inventories}:
            raise _Refused("ERROR_BAD_PARAMETERS", f"Unknown inventory_id {inventory_id}")
        return self.products.setdefault(inventory_id, {})

    def _api_getInventories(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {"inventories": self.inventories}

    def _api_getInventoryProductsList(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        products = sorted(
            self._inventory(p.get("inventory_id")).values(), key=lambda x: int(x["id"])
        )
        if p.get("filter_id") is not None:
            products = [x for x in products if x["id"] == str(p["filter_id"])]
        if p.get("filter_sku"):
            products = [x for x in products if x["sku"] == p["filter_sku"]]
        if p.get("filter_ean"):
            products = [x for x in products if x["ean"] == p["filter_ean"]]
        page = _integer(p.get("page") or 1, "page")
        chosen = products[(page - 1) * 1000 : page * 1000]
        return {
            "products": {
                x["id"]: {
                    "id": int(x["id"]),
                    "ean": x["ean"],
                    "sku": x["sku"],
                    "name": x["name"],
                    "prices": {},
                    "stock": dict(x["stock"]),
                }
                for x in chosen
            }
        }

    def _api_getInventoryProductsStock(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        products = sorted(
            self._inventory(p.get("inventory_id")).values(), key=lambda x: int(x["id"])
        )
        page = _integer(p.get("page") or 1, "page")
        return {
            "products": {
                x["id"]: {"product_id": int(x["id"]), "stock": dict(x["stock"])}
                for x in products[(page - 1) * 1000 : page * 1000]
            }
        }

    def _api_updateInventoryProductsStock(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        inventory = self._inventory(p.get("inventory_id"))
        warehouses = next(
            i["warehouses"] for i in self.inventories if i["inventory_id"] == int(p["inventory_id"])
        )
        products = p.get("products")
        if not isinstance(products, dict):
            raise _Refused("ERROR_BAD_PARAMETERS", "products must be an object")
        if len(products) > 1000:
            raise _Refused("ERROR_BAD_PARAMETERS", "At most 1000 products at a time")
        warnings: dict[str, str] = {}
        counter = 0
        for product_id, stock in products.items():
            product = inventory.get(str(product_id))
            if product is None:
                warnings[str(product_id)] = "Product does not exist in the inventory"
                continue
            if not isinstance(stock, dict):
                warnings[str(product_id)] = "Stock must be an object of warehouse: quantity"
                continue
            refused = [w for w in stock if not str(w).startswith("bl_")]
            unknown = [w for w in stock if w not in warehouses and w not in refused]
            if refused:
                warnings[str(product_id)] = "Stock cannot be set on a shop or wholesaler warehouse"
                continue
            if unknown:
                warnings[str(product_id)] = f"Unknown warehouse {unknown[0]}"
                continue
            product["stock"].update({w: int(q) for w, q in stock.items()})
            counter += 1
        return {"counter": counter, "warnings": warnings or ""}

    # -- packages ------------------------------------------------------------------------

    def _api_createPackageManual(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        order = self._order(p.get("order_id"))
        code = str(p.get("courier_code") or "")
        number = str(p.get("package_number") or "")
        if not 1 <= len(code) <= 20:
            raise _Refused("ERROR_BAD_PARAMETERS", "courier_code must have 1-20 characters")
        if not 1 <= len(number) <= 40:
            raise _Refused("ERROR_BAD_PARAMETERS", "package_number must have 1-40 characters")
        _integer(p.get("pickup_date"), "pickup_date")
        self._next_package += 1
        package = {
            "package_id": self._next_package,
            "courier_package_nr": number,
            "courier_inner_number": "",
            "courier_code": code,
            "courier_other_name": "",
            "account_id": 0,
            "tracking_status_date": 0,
            "tracking_delivery_days": 0,
            "tracking_status": 1,
        }
        self.packages.setdefault(order["order_id"], []).append(package)
        self.log(order["order_id"], 9, self._next_package)
        return {"package_id": self._next_package, "package_number": number}

    def _api_createPackage(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        number = f"BL{self._next_package + 1:012d}"
        answer = self._api_createPackageManual(
            {**p, "package_number": number, "pickup_date": self._stamp()}
        )
        return {**answer, "courier_inner_number": number}

    def _api_getOrderPackages(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        order = self._order(p.get("order_id"))
        return {"packages": self.packages.get(order["order_id"], [])}

    def _api_getLabel(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        wanted_id, wanted_nr = p.get("package_id"), p.get("package_number")
        for packages in self.packages.values():
            for package in packages:
                if package["package_id"] == wanted_id or package["courier_package_nr"] == wanted_nr:
                    return {"extension": "pdf", "label": _PDF.decode()}
        raise _Refused("ERROR_BAD_PARAMETERS", "Package not found")


def _main() -> None:  # pragma: no cover - manual use
    """Run a fake BaseLinker until interrupted."""
    parser = argparse.ArgumentParser(description="A fake BaseLinker API on loopback.")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--token", default="demo")
    parser.add_argument("--orders", type=int, default=10)
    args = parser.parse_args()
    fake = FakeBaseLinker(token=args.token, port=args.port)
    for _ in range(args.orders):
        fake.add_order()
    print(f"FakeBaseLinker on {fake.url} (token {args.token!r}); Ctrl+C to stop")
    try:
        fake.start()
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        fake.stop()


if __name__ == "__main__":  # pragma: no cover
    _main()
