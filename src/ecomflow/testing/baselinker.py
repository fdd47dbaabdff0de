"""FakeBaseLinker: a real HTTP server on loopback that speaks BaseLinker's wire format.

It keeps state (orders, statuses, inventories and stock, packages, labels, the
journal), enforces what the real API enforces (token, unknown methods, 100
orders per getOrders page, 1000 products per stock update, and the rate limit
that blocks the account with ``ERROR_USER_ACCOUNT_BLOCKED``), counts calls per
method, and injects faults on demand.

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
import json
import time
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs

from ecomflow.testing.server import Fault, LoopbackServer, send_fault

__all__ = ["FakeBaseLinker", "Fault"]

_PDF = base64.b64encode(
    b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


class _Handler(BaseHTTPRequestHandler):
    server: Any
    disable_nagle_algorithm = True  # no 40 ms stall per small answer on loopback

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet (tests read counters, not logs)."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        form = parse_qs(self.rfile.read(length).decode("utf-8"))
        fake = self.server.fake
        method = (form.get("method") or [""])[0]
        token = self.headers.get("X-BLToken") or (form.get("token") or [""])[0]
        try:
            parameters = json.loads((form.get("parameters") or ["{}"])[0] or "{}")
        except json.JSONDecodeError:
            parameters = None
        fault = fake.arrive(method)  # every request counts, answered or not
        if fault is not None and fault.before_handling:
            send_fault(self, fault)
            return
        answer = fake._dispatch(method, token, parameters)
        if fault is not None and fault.kind == "drop_after_write":
            self.connection.close()
            return
        body = json.dumps(answer).encode()
        if fault is not None and fault.kind == "malformed":
            body = b"{'status': SUCCESS, <html>oops"
        elif fault is not None and fault.kind == "truncated":
            body = body[: max(1, len(body) // 2)]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class FakeBaseLinker(LoopbackServer):
    """A stateful BaseLinker API on ``127.0.0.1`` (a random free port by default).

    Args:
        token: the only token accepted.
        rate_limit: requests allowed per ``rate_window`` seconds (100 per 60 s, as BaseLinker).
        block_seconds: how long the account stays blocked after exceeding it.
        clock: seconds for the rate limit and dates (``time.monotonic`` by default).
    """

    def __init__(
        self,
        *,
        token: str = "test-token",
        port: int = 0,
        rate_limit: int = 100,
        rate_window: float = 60.0,
        block_seconds: float = 300.0,
        clock: Callable[[], float] | None = None,
        keep_alive: bool = False,
    ) -> None:
        super().__init__(_Handler, port, keep_alive=keep_alive)
        self.token = token
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.block_seconds = block_seconds
        self.clock = clock or time.monotonic
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
        self.stock: dict[int, dict[str, dict[str, int]]] = {1: {}}
        self.packages: dict[int, list[dict[str, Any]]] = {}
        self.journal: list[dict[str, Any]] = []
        self._recent: deque[float] = deque()
        self._blocked_until = 0.0
        self._next_order = 5_000_000
        self._next_package = 900_000

    @property
    def url(self) -> str:
        """The connector URL (``http://127.0.0.1:<port>/connector.php``)."""
        return f"{self.base_url}/connector.php"

    # -- test hooks --------------------------------------------------------------------

    def add_order(self, **fields: Any) -> int:
        """Seed an order (defaults make a valid paid courier order); returns its id."""
        with self._lock:
            self._next_order += 1
            order_id = int(fields.pop("order_id", self._next_order))
            now = int(time.time())
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
            self.journal.append(
                {
                    "id": len(self.journal) + 1,
                    "order_id": order_id,
                    "log_type": 1,
                    "object_id": 0,
                    "date": order["date_add"],
                }
            )
            return order_id

    def reset_counters(self) -> None:
        """Forget call counts and the rate-limit window."""
        with self._lock:
            self.calls.clear()
            self._recent.clear()
            self.blocked_responses = 0
            self._blocked_until = 0.0

    # -- the API -----------------------------------------------------------------------

    def _error(self, code: str, message: str) -> dict[str, Any]:
        return {"status": "ERROR", "error_code": code, "error_message": message}

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

    def _dispatch(self, method: str, token: str, parameters: Any) -> dict[str, Any]:
        with self._lock:
            if token != self.token:
                return self._error("ERROR_BAD_TOKEN", "Invalid user token")
            if self._rate_limited():
                self.blocked_responses += 1
                return self._error(
                    "ERROR_USER_ACCOUNT_BLOCKED",
                    "Query limit exceeded, account temporarily blocked",
                )
            handler = getattr(self, f"_api_{method}", None)
            if handler is None:
                return self._error("ERROR_UNKNOWN_METHOD", f"Unknown method {method!r}")
            if not isinstance(parameters, dict):
                return self._error("ERROR_BAD_PARAMETERS", "parameters must be a JSON object")
            try:
                result: dict[str, Any] = handler(parameters)
            except (KeyError, TypeError, ValueError) as exc:
                return self._error("ERROR_BAD_PARAMETERS", f"{type(exc).__name__}: {exc}")
            return {"status": "SUCCESS", **result}

    def _api_getOrders(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        found = list(self.orders.values())
        if not p.get("get_unconfirmed_orders"):
            found = [o for o in found if o.get("confirmed", True)]
        if "order_id" in p:
            found = [o for o in found if o["order_id"] == int(p["order_id"])]
        if "date_confirmed_from" in p:
            found = [o for o in found if int(o["date_confirmed"]) >= int(p["date_confirmed_from"])]
        if "date_from" in p:
            found = [o for o in found if int(o["date_add"]) >= int(p["date_from"])]
        if "id_from" in p:
            found = [o for o in found if o["order_id"] >= int(p["id_from"])]
        if "status_id" in p:
            found = [o for o in found if o["order_status_id"] == int(p["status_id"])]
        found.sort(key=lambda o: (int(o["date_confirmed"]), o["order_id"]))
        return {"orders": found[:100]}

    def _api_getOrderStatusList(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {"statuses": self.statuses}

    def _api_setOrderStatus(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        order = self.orders[int(p["order_id"])]
        status_id = int(p["status_id"])
        if status_id not in {s["id"] for s in self.statuses}:
            raise ValueError(f"unknown status_id {status_id}")
        if order["order_status_id"] != status_id:
            order["order_status_id"] = status_id
            self.journal.append(
                {
                    "id": len(self.journal) + 1,
                    "order_id": order["order_id"],
                    "log_type": 18,
                    "object_id": status_id,
                    "date": int(time.time()),
                }
            )
        return {}

    def _api_setOrderFields(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        order = self.orders[int(p.pop("order_id"))]
        order.update(p)
        return {}

    def _api_getJournalList(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        last = int(p.get("last_log_id", 0))
        types = set(p.get("logs_types") or [])
        logs = [e for e in self.journal if e["id"] > last and (not types or e["log_type"] in types)]
        return {"logs": logs[:100]}

    def _api_addOrder(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {"order_id": self.add_order(**p)}

    def _api_getInventories(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {"inventories": self.inventories}

    def _api_getInventoryProductsStock(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        stock = self.stock[int(p["inventory_id"])]
        page = int(p.get("page", 1))
        items = sorted(stock.items())[(page - 1) * 1000 : page * 1000]
        return {"products": {pid: {"product_id": pid, "stock": wh} for pid, wh in items}}

    def _api_updateInventoryProductsStock(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        products: dict[str, dict[str, int]] = p["products"]
        if len(products) > 1000:
            raise ValueError("at most 1000 products per call")
        stock = self.stock.setdefault(int(p["inventory_id"]), {})
        warnings: dict[str, str] = {}
        counter = 0
        for product_id, warehouses in products.items():
            if any(not str(w).startswith("bl_") for w in warehouses):
                warnings[product_id] = "Stock cannot be set on a shop or wholesaler warehouse"
                continue
            stock.setdefault(str(product_id), {}).update({w: int(q) for w, q in warehouses.items()})
            counter += 1
        return {"counter": counter, "warnings": warnings or ""}

    def _api_createPackageManual(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        order_id = int(p["order_id"])
        if order_id not in self.orders:
            raise KeyError(f"order {order_id}")
        if len(str(p["package_number"])) > 40:
            raise ValueError("package_number longer than 40")
        self._next_package += 1
        package = {
            "package_id": self._next_package,
            "courier_package_nr": p["package_number"],
            "courier_inner_number": "",
            "courier_code": p["courier_code"],
            "courier_other_name": "",
            "account_id": 0,
            "tracking_status_date": 0,
            "tracking_delivery_days": 0,
            "tracking_status": 1,
        }
        self.packages.setdefault(order_id, []).append(package)
        self.journal.append(
            {
                "id": len(self.journal) + 1,
                "order_id": order_id,
                "log_type": 9,
                "object_id": self._next_package,
                "date": int(time.time()),
            }
        )
        return {"package_id": self._next_package, "package_number": p["package_number"]}

    def _api_createPackage(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        number = f"BL{self._next_package + 1:012d}"
        answer = self._api_createPackageManual({**p, "package_number": number})
        return {**answer, "courier_inner_number": number}

    def _api_getOrderPackages(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {"packages": self.packages.get(int(p["order_id"]), [])}

    def _api_getLabel(self, p: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        wanted_id, wanted_nr = p.get("package_id"), p.get("package_number")
        for packages in self.packages.values():
            for package in packages:
                if package["package_id"] == wanted_id or package["courier_package_nr"] == wanted_nr:
                    return {"extension": "pdf", "label": _PDF.decode()}
        raise KeyError("package not found")


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
