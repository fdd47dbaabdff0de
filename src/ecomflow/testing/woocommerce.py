r"""FakeWooCommerce: the WooCommerce REST API v3 on loopback, with state, faults and webhooks.

Written from WooCommerce's documentation and server source (reference Part B),
not from ecomflow's client, so it can catch the client being wrong:

- **Auth as WooCommerce checks it** (WC-src ``includes/class-wc-rest-authentication.php``).
  Over plain HTTP only one-legged OAuth 1.0a: the parameters are read the way PHP
  fills ``$_GET`` (``+`` is a space, the last of repeated names wins) plus an
  ``Authorization: OAuth`` header; the signature is rebuilt as
  ``check_oauth_signature`` does — the shop's home URL and the raw request path,
  the names sorted with ``strcmp``, every name and value ``rawurlencode``-d, each
  ``name=value`` encoded again, joined with ``%26`` — over UTF-8 bytes by this
  module's own ``rawurlencode``; timestamps more than 15 minutes off and reused
  nonces are refused. HTTP Basic and ``consumer_key``/``consumer_secret`` in the
  query are accepted only when the shop acts as if served over HTTPS
  (``ssl=True``: ``is_ssl()``), as WooCommerce does.
- **Lists** page with ``page``/``per_page`` (1–100, else ``400 rest_invalid_param``),
  answer ``X-WP-Total``, ``X-WP-TotalPages`` (0 for an empty list) and ``Link``;
  orders filter by ``modified_after``/``modified_before``/``after``/``before`` compared
  strictly, to the second, with the local or (``dates_are_gmt``) GMT column, and a
  date with a zone converted to the shop's time zone first (``WP_Date_Query``).
- **Products and variations**: a variation without its own SKU shows its parent's
  (``get_sku`` in the ``view`` context) in its own answer and in order lines;
  ``products?sku=a,b`` matches products, not variations; batches over 100 objects
  get ``413``, unknown ids come back as per-item errors with HTTP 200.
- **Webhooks**: signed deliveries with the ``X-WC-Webhook-*`` headers and the body
  as ``wp_json_encode`` writes it (``\/`` for ``/``), a delivery id that repeats within
  one second (``wp_hash(id . time)``), and the unsigned ``webhook_id=N`` ping.

>>> import httpx
>>> with FakeWooCommerce(ssl=True) as fake:
...     order_id = fake.add_order()
...     answer = httpx.get(f"{fake.url}/wp-json/wc/v3/orders/{order_id}",
...                        params={"consumer_key": fake.key, "consumer_secret": fake.secret})
...     refused = httpx.get(f"{fake.url}/wp-json/wc/v3/orders/{order_id}")
>>> answer.status_code, answer.json()["status"], refused.status_code
(200, 'processing', 401)
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import math
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import unquote_to_bytes

import httpx

from ecomflow.adapters.protocols import WebhookRequest
from ecomflow.testing.server import LoopbackServer, Reply, Request, Route

__all__ = ["FakeWooCommerce"]

_API = "/wp-json/wc/v3"
_STAMP = "%Y-%m-%dT%H:%M:%S"
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~")
_ORDER_STATUSES = (
    "pending",
    "processing",
    "on-hold",
    "completed",
    "cancelled",
    "refunded",
    "failed",
    "checkout-draft",
)
_ORDERBY = ("date", "id", "include", "title", "slug", "modified")
_RFC3339 = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}:\d{2})(?:\.\d+)?(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)
_OAUTH_HEADER = re.compile(r'(oauth_[a-z_-]*)=(:?"([^"]*)"|([^,]*))')
_OAUTH_REQUIRED = (
    "oauth_consumer_key",
    "oauth_timestamp",
    "oauth_nonce",
    "oauth_signature",
    "oauth_signature_method",
)


# -- PHP's string functions, as WooCommerce's authentication uses them ------------------


def _rawurlencode(text: str) -> str:
    """PHP ``rawurlencode``: every byte of the UTF-8 text but ``A-Za-z0-9-_.~`` as ``%XX``."""
    return "".join(chr(b) if b in _UNRESERVED else f"%{b:02X}" for b in text.encode("utf-8"))


def _wc_rest_urlencode_rfc3986(text: str) -> str:
    """WC-src ``includes/wc-rest-functions.php`` ``wc_rest_urlencode_rfc3986``."""
    return _rawurlencode(text).replace("+", " ").replace("%7E", "~")


def _rawurldecode(text: str) -> str:
    return unquote_to_bytes(text).decode("utf-8", errors="replace")


def _urldecode(text: str) -> str:
    return _rawurldecode(text.replace("+", " "))


def _php_get(request: Request) -> dict[str, str]:
    """``$_GET`` as PHP fills it.

    Decoded with ``+`` as a space (as ``parse_qs`` does), a ``.`` or space in a
    name turned into ``_``, the last of repeated names winning (array names
    ``a[]`` are not modelled).
    """
    return {
        name.replace(".", "_").replace(" ", "_"): values[-1]
        for name, values in request.query.items()
        if name and values
    }


def _int_id(item: Any) -> int:
    value = item.get("id") if isinstance(item, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else -1


def _gmt(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(_STAMP)


class FakeWooCommerce(LoopbackServer):
    """A stateful WooCommerce shop on ``127.0.0.1``.

    Args:
        key, secret: the REST API key pair it accepts.
        webhook_secret: the secret its webhooks are signed with.
        ssl: act as a shop served over HTTPS (HTTP Basic and query-string keys accepted).
        utc_offset: the shop's time zone (``date_*`` fields are local, ``date_*_gmt`` UTC).
        clock: the shop's clock for modification times (default: now).
    """

    def __init__(
        self,
        *,
        key: str = "ck_test",
        secret: str = "cs_test",
        port: int = 0,
        webhook_secret: str = "whsec",
        ssl: bool = False,
        utc_offset: timedelta = timedelta(hours=1),
        clock: Callable[[], datetime] | None = None,
        keep_alive: bool = False,
    ) -> None:
        super().__init__(port=port, keep_alive=keep_alive)
        self.key = key
        self.secret = secret
        self.webhook_secret = webhook_secret
        self.ssl = ssl
        self.utc_offset = utc_offset
        self.clock = clock or (lambda: datetime.now(UTC))
        self.orders: dict[int, dict[str, Any]] = {}
        self.notes: dict[int, list[dict[str, Any]]] = {}
        self.products: dict[int, dict[str, Any]] = {}
        self.variations: dict[int, dict[str, Any]] = {}
        self.statuses: list[str] = list(_ORDER_STATUSES)
        self.webhooks_sent: list[tuple[dict[str, str], bytes]] = []
        self.nonces: dict[str, int] = {}
        self._next = 700
        api = re.escape(_API)
        self.routes = [
            Route("GET", "list_orders", re.compile(rf"^{api}/orders/?$"), self._list_orders),
            Route("GET", "get_order", re.compile(rf"^{api}/orders/(\d+)/?$"), self._get_order),
            *(
                Route(
                    verb, "update_order", re.compile(rf"^{api}/orders/(\d+)/?$"), self._update_order
                )
                for verb in ("PUT", "POST", "PATCH")
            ),
            Route(
                "GET", "list_notes", re.compile(rf"^{api}/orders/(\d+)/notes/?$"), self._list_notes
            ),
            Route("POST", "add_note", re.compile(rf"^{api}/orders/(\d+)/notes/?$"), self._add_note),
            Route("GET", "list_products", re.compile(rf"^{api}/products/?$"), self._list_products),
            *(
                Route(verb, "batch_products", re.compile(rf"^{api}/products/batch/?$"), self._batch)
                for verb in ("POST", "PUT", "PATCH")
            ),
            Route(
                "GET", "get_product", re.compile(rf"^{api}/products/(\d+)/?$"), self._get_product
            ),
            Route(
                "GET",
                "list_variations",
                re.compile(rf"^{api}/products/(\d+)/variations/?$"),
                self._list_variations,
            ),
            *(
                Route(
                    verb,
                    "batch_variations",
                    re.compile(rf"^{api}/products/(\d+)/variations/batch/?$"),
                    self._batch_variations,
                )
                for verb in ("POST", "PUT", "PATCH")
            ),
        ]

    @property
    def url(self) -> str:
        """The shop's home URL (``http://127.0.0.1:<port>``)."""
        return self.base_url

    # -- answers -----------------------------------------------------------------------

    @staticmethod
    def _error(status: int, code: str, message: str, **data: Any) -> Reply:
        return Reply(status, {"code": code, "message": message, "data": {"status": status, **data}})

    def _invalid(self, name: str, detail: str) -> Reply:
        return self._error(
            400, "rest_invalid_param", f"Invalid parameter(s): {name}", params={name: detail}
        )

    def handle(self, route: Route | None, args: tuple[str, ...], request: Request) -> Reply:
        """Authenticate first (as WordPress does for every REST request), then route."""
        refused = self._authenticate(request)
        if refused is not None:
            return refused
        if route is None:
            return self._error(
                404, "rest_no_route", "No route was found matching the URL and request method"
            )
        reply: Reply = route.handler(request, *args)
        return reply

    # -- authentication (WC-src class-wc-rest-authentication.php) -----------------------

    def _authenticate(self, request: Request) -> Reply | None:
        params = _php_get(request)
        user: bool | None = None  # None: nobody, True: authenticated
        error: Reply | None = None
        if self.ssl:
            key = secret = ""
            if params.get("consumer_key") and params.get("consumer_secret"):
                key, secret = params["consumer_key"], params["consumer_secret"]
            header = request.header("Authorization") or ""
            if not key and header.startswith("Basic "):
                try:
                    key, _, secret = base64.b64decode(header[6:]).decode().partition(":")
                except (ValueError, UnicodeDecodeError):
                    key = secret = ""
            if key and secret and key == self.key:
                if hmac.compare_digest(secret.encode(), self.secret.encode()):
                    user = True
                else:
                    error = self._auth_error("Consumer secret is invalid.")
        if user is None:
            outcome = self._oauth(request, params)
            if isinstance(outcome, Reply):
                return outcome
            user = outcome or None
        if user:
            return None
        if error is not None:
            return error
        code = (
            "woocommerce_rest_cannot_view"
            if request.method == "GET"
            else "woocommerce_rest_cannot_edit"
        )
        return self._error(401, code, "Sorry, you cannot list resources.")

    @staticmethod
    def _auth_error(message: str) -> Reply:
        return FakeWooCommerce._error(401, "woocommerce_rest_authentication_error", message)

    def _oauth(self, request: Request, params: dict[str, str]) -> bool | Reply:
        merged = dict(params)
        header = (request.header("Authorization") or "").strip()
        if header.startswith("OAuth "):
            for match in _OAUTH_HEADER.finditer(header):
                merged[match.group(1)] = _urldecode(match.group(3) or match.group(4))
        present = [p for p in _OAUTH_REQUIRED if merged.get(p)]
        if not present:
            return False
        missing = [p for p in _OAUTH_REQUIRED if not merged.get(p)]
        if missing:
            return self._error(
                401,
                "woocommerce_rest_authentication_missing_parameter",
                f"Missing OAuth parameter{'s' if len(missing) > 1 else ''} {', '.join(missing)}",
            )
        if merged["oauth_consumer_key"] != self.key:
            return self._auth_error("Consumer key is invalid.")
        # check_oauth_signature()
        path = request.path
        base_uri = _rawurlencode(self.url.rstrip("/") + "/" + path.lstrip("/"))
        given = _rawurldecode(merged["oauth_signature"].replace(" ", "+"))
        rest = {k: v for k, v in merged.items() if k != "oauth_signature"}
        ordered = sorted(rest.items(), key=lambda kv: kv[0].encode("utf-8"))  # strcmp
        normalized = [
            (_wc_rest_urlencode_rfc3986(k), _wc_rest_urlencode_rfc3986(v)) for k, v in ordered
        ]
        query = "%26".join(_wc_rest_urlencode_rfc3986(f"{k}={v}") for k, v in normalized)
        to_sign = f"{request.method.upper()}&{base_uri}&{query}"
        method = merged["oauth_signature_method"]
        if method not in ("HMAC-SHA1", "HMAC-SHA256"):
            return self._auth_error("Invalid signature - signature method is invalid.")
        digest = hashlib.sha1 if method == "HMAC-SHA1" else hashlib.sha256
        mac = hmac.new(f"{self.secret}&".encode(), to_sign.encode(), digest).digest()
        if not hmac.compare_digest(base64.b64encode(mac), given.encode()):
            return self._auth_error("Invalid signature - provided signature does not match.")
        # check_oauth_timestamp_and_nonce(): 15 minutes, nonces never reused
        now = int(time.time())
        try:
            stamp = int(merged["oauth_timestamp"])
        except ValueError:
            return self._auth_error("Invalid timestamp.")
        if stamp < now - 900 or stamp > now + 900:
            return self._auth_error("Invalid timestamp.")
        nonce = merged["oauth_nonce"]
        with self._lock:
            if nonce in self.nonces:
                return self._auth_error("Invalid nonce - nonce has already been used.")
            self.nonces[nonce] = stamp
            for old, when in list(self.nonces.items()):
                if when < now - 900:
                    del self.nonces[old]
        return True

    # -- time --------------------------------------------------------------------------

    def _local(self, gmt: str | None) -> str | None:
        if not gmt:
            return None
        return (datetime.strptime(gmt, _STAMP) + self.utc_offset).strftime(_STAMP)

    def _date_param(self, value: str) -> str | None:
        """A date filter as ``WP_Date_Query`` compares it (``None``: not a valid date)."""
        found = _RFC3339.match(value.strip())
        if found is None:
            return None
        naive = f"{found.group(1)}T{found.group(2)}"
        if found.group(3):  # a zone: converted to the site's time zone first
            zone = found.group(3).upper()
            moment = datetime.fromisoformat(naive + ("+00:00" if zone == "Z" else zone))
            return (moment.astimezone(UTC).replace(tzinfo=None) + self.utc_offset).strftime(_STAMP)
        return naive

    def _now(self) -> str:
        return _gmt(self.clock())

    def latest_modified(self) -> datetime:
        """The newest ``date_modified_gmt`` of any order (the shop's clock when there is none)."""
        stamps = [o["date_modified_gmt"] for o in self.orders.values()]
        if not stamps:
            return self.clock().astimezone(UTC)
        return datetime.strptime(max(stamps), _STAMP).replace(tzinfo=UTC)

    # -- seeding -----------------------------------------------------------------------

    def _new_id(self) -> int:
        self._next += 1
        return self._next

    def add_product(
        self, sku: str = "", stock: int | None = 0, *, name: str = "", kind: str = "simple"
    ) -> int:
        """Seed a product (``simple`` by default); returns its id."""
        with self._lock:
            product_id = self._new_id()
            self.products[product_id] = {
                "id": product_id,
                "name": name or sku or f"Product {product_id}",
                "type": kind,
                "status": "publish",
                "sku": sku,
                "manage_stock": stock is not None,
                "stock_quantity": stock,
                "variations": [],
                "date_modified_gmt": self._now(),
            }
            return product_id

    def add_variable_product(
        self, sku: str = "", variations: Sequence[Mapping[str, Any]] = (), *, name: str = ""
    ) -> tuple[int, list[int]]:
        """Seed a variable product and its variations (``{"sku", "stock"}`` each)."""
        parent = self.add_product(sku, None, name=name or sku or "Variable", kind="variable")
        return parent, [
            self.add_variation(parent, v.get("sku", ""), v.get("stock", 0)) for v in variations
        ]

    def add_variation(self, parent_id: int, sku: str = "", stock: int | None = 0) -> int:
        """Seed a variation of a variable product; returns its id."""
        with self._lock:
            parent = self.products[parent_id]
            if parent["type"] != "variable":
                raise ValueError(f"product {parent_id} is not variable")
            variation_id = self._new_id()
            self.variations[variation_id] = {
                "id": variation_id,
                "parent_id": parent_id,
                "sku": sku,
                "manage_stock": stock is not None,
                "stock_quantity": stock,
                "date_modified_gmt": self._now(),
            }
            parent["variations"].append(variation_id)
            return variation_id

    def _product_with_sku(self, sku: str) -> int:
        for product in self.products.values():
            if product["sku"] == sku:
                return int(product["id"])
        return self.add_product(sku, 0)

    def _view_sku(self, product_id: Any, variation_id: Any) -> str | None:
        """``$product->get_sku()`` in the ``view`` context (a variation inherits its parent's)."""
        if isinstance(variation_id, int) and variation_id in self.variations:
            own = self.variations[variation_id]["sku"]
            parent = self.products.get(self.variations[variation_id]["parent_id"], {})
            return str(own or parent.get("sku") or "")
        if isinstance(product_id, int) and product_id in self.products:
            return str(self.products[product_id]["sku"])
        return None

    def add_order(
        self,
        *,
        status: str = "processing",
        modified: datetime | None = None,
        sku: str = "MUG-RED",
        lines: Sequence[Mapping[str, Any]] | None = None,
        shipping: tuple[str, str] = ("flat_rate", "Flat rate"),
        **fields: Any,
    ) -> int:
        """Seed an order (REST v3 shape); returns its id.

        ``lines`` are ``{"product_id" | "sku", "variation_id"?, "quantity"?, "price"?}``;
        without them, one line of ``sku`` (a simple product made if needed).
        ``fields`` replace anything in the stored order (to seed broken orders).
        """
        with self._lock:
            line_specs = list(lines) if lines is not None else [{"sku": sku, "quantity": 2}]
            order_id = self._new_id()
            stamp = _gmt(modified) if modified else self._now()
            items: list[dict[str, Any]] = []
            subtotal = 0.0
            for index, spec in enumerate(line_specs):
                product_id = spec.get("product_id")
                variation_id = int(spec.get("variation_id") or 0)
                if product_id is None:
                    product_id = self._product_with_sku(str(spec.get("sku") or "MUG-RED"))
                if (
                    variation_id
                    and self.variations.get(variation_id, {}).get("parent_id") != product_id
                ):
                    raise ValueError(f"variation {variation_id} is not a child of {product_id}")
                quantity = int(spec.get("quantity", 1))
                price = float(spec.get("price", 24.5))
                line_total = price * quantity
                subtotal += line_total
                items.append(
                    {
                        "id": order_id * 10 + index,
                        "name": str(spec.get("name") or f"Product {product_id}"),
                        "product_id": product_id,
                        "variation_id": variation_id,
                        "quantity": quantity,
                        "tax_class": "",
                        "subtotal": f"{line_total:.2f}",
                        "subtotal_tax": "0.00",
                        "total": f"{line_total:.2f}",
                        "total_tax": "0.00",
                        "taxes": [],
                        "meta_data": [],
                        "sku": None,
                        "price": price,
                    }
                )
            paid = status in ("processing", "completed")
            order: dict[str, Any] = {
                "id": order_id,
                "parent_id": 0,
                "number": str(order_id),
                "order_key": f"wc_order_{order_id:x}",
                "created_via": "checkout",
                "status": status,
                "currency": "PLN",
                "date_created_gmt": stamp,
                "date_modified_gmt": stamp,
                "date_paid_gmt": stamp if paid else None,
                "date_completed_gmt": None,
                "discount_total": "0.00",
                "discount_tax": "0.00",
                "shipping_total": "0.00",
                "shipping_tax": "0.00",
                "cart_tax": "0.00",
                "total": f"{subtotal:.2f}",
                "total_tax": "0.00",
                "prices_include_tax": True,
                "customer_id": 0,
                "customer_note": "",
                "billing": {
                    "first_name": "Anna",
                    "last_name": "Nowak",
                    "company": "",
                    "address_1": "Długa 1",
                    "address_2": "",
                    "city": "Kraków",
                    "state": "",
                    "postcode": "31-147",
                    "country": "PL",
                    "email": "anna@example.com",
                    "phone": "600100200",
                },
                "shipping": {
                    "first_name": "Anna",
                    "last_name": "Nowak",
                    "company": "",
                    "address_1": "Długa 1",
                    "address_2": "",
                    "city": "Kraków",
                    "state": "",
                    "postcode": "31-147",
                    "country": "PL",
                },
                "payment_method": "przelewy24",
                "payment_method_title": "Przelewy24",
                "transaction_id": "",
                "meta_data": [],
                "line_items": items,
                "tax_lines": [],
                "shipping_lines": [
                    {
                        "id": order_id * 10 + 9,
                        "method_title": shipping[1],
                        "method_id": shipping[0],
                        "total": "0.00",
                        "total_tax": "0.00",
                        "taxes": [],
                        "meta_data": [],
                    }
                ],
                "fee_lines": [],
                "coupon_lines": [],
                "refunds": [],
            }
            order.update(copy.deepcopy(fields))
            self.orders[order_id] = order
            return order_id

    def change_order(
        self, order_id: int, *, modified: datetime | None = None, **fields: Any
    ) -> None:
        """Change an order as the shop would (``date_modified_gmt`` moves to ``modified``/now)."""
        with self._lock:
            order = self.orders[order_id]
            order.update(copy.deepcopy(fields))
            order["date_modified_gmt"] = _gmt(modified) if modified else self._now()

    def stock_of(self, sku: str) -> int | None:
        """The stock shown for a product or variation with this (own) SKU."""
        for item in (*self.products.values(), *self.variations.values()):
            if item["sku"] == sku:
                quantity = item["stock_quantity"]
                return int(quantity) if quantity is not None else None
        return None

    # -- rendering ---------------------------------------------------------------------

    def _render_order(self, order: Mapping[str, Any]) -> dict[str, Any]:
        out = copy.deepcopy(dict(order))
        for field in ("date_created", "date_modified", "date_paid", "date_completed"):
            out[field] = self._local(out.get(f"{field}_gmt"))
        for item in out.get("line_items") or []:
            if isinstance(item, dict) and "product_id" in item and item.get("sku") is None:
                item["sku"] = self._view_sku(
                    item.get("product_id"), item.get("variation_id") or None
                )
        out["_links"] = {
            "self": [{"href": f"{self.url}{_API}/orders/{order.get('id')}"}],
            "collection": [{"href": f"{self.url}{_API}/orders"}],
        }
        return out

    def _render_product(self, product: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in product.items() if k != "date_modified_gmt"}
        out["date_modified_gmt"] = product.get("date_modified_gmt")
        out["stock_status"] = (
            "instock" if (product.get("stock_quantity") or 0) > 0 else "outofstock"
        )
        out["variations"] = list(product.get("variations") or [])
        return out

    def _render_variation(self, variation: Mapping[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in variation.items() if k != "parent_id"}
        out["sku"] = self._view_sku(variation["parent_id"], variation["id"])
        out["stock_status"] = (
            "instock" if (variation.get("stock_quantity") or 0) > 0 else "outofstock"
        )
        return out

    # -- lists -------------------------------------------------------------------------

    def _paging(self, request: Request) -> tuple[int, int] | Reply:
        try:
            page = int(request.param("page") or 1)
        except ValueError:
            return self._invalid("page", "page is not of type integer.")
        try:
            per_page = int(request.param("per_page") or 10)
        except ValueError:
            return self._invalid("per_page", "per_page is not of type integer.")
        if page < 1:
            return self._invalid("page", "page must be greater than or equal to 1")
        if not 1 <= per_page <= 100:
            return self._invalid(
                "per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)"
            )
        return page, per_page

    def _page(
        self, request: Request, path: str, found: list[dict[str, Any]], page: int, per_page: int
    ) -> Reply:
        total = len(found)
        pages = math.ceil(total / per_page)
        items = found[(page - 1) * per_page : page * per_page]
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        links = []
        base = f"{self.url}{path}"
        if page > 1:
            links.append(f'<{base}?page={min(page - 1, max(pages, 1))}>; rel="prev"')
        if pages > page:
            links.append(f'<{base}?page={page + 1}>; rel="next"')
        if links:
            headers["Link"] = ", ".join(links)
        return Reply(200, items, headers=headers)

    def _sorted(
        self, request: Request, found: list[dict[str, Any]], *, date_field: str
    ) -> list[dict[str, Any]] | Reply:
        orderby = request.param("orderby") or "date"
        direction = request.param("order") or "desc"
        if orderby not in _ORDERBY:
            return self._invalid("orderby", f"orderby is not one of {', '.join(_ORDERBY)}.")
        if direction not in ("asc", "desc"):
            return self._invalid("order", "order is not one of asc, desc.")
        column = {"date": "date_created_gmt", "modified": date_field}.get(orderby)

        def key(item: dict[str, Any]) -> tuple[str, int]:
            return (str(item.get(column) or "") if column else "", int(item["id"]))

        return sorted(found, key=key, reverse=direction == "desc")

    @staticmethod
    def _ids(value: str | None) -> set[int] | None:
        if not value:
            return None
        return {int(p) for p in re.split(r"[,\s]+", value) if p.strip().isdigit()}

    def _list_orders(self, request: Request) -> Reply:
        paging = self._paging(request)
        if isinstance(paging, Reply):
            return paging
        gmt = (request.param("dates_are_gmt") or "").lower() in ("1", "true")
        with self._lock:
            found = [self._render_order(o) for o in self.orders.values()]
        status = request.param("status") or "any"
        wanted = set(status.split(","))
        found = [
            o
            for o in found
            if (o.get("status") in wanted) or ("any" in wanted and o.get("status") != "trash")
        ]
        include = self._ids(request.param("include"))
        if include is not None:
            found = [o for o in found if o["id"] in include]
        for name, field, after in (
            ("after", "date_created", True),
            ("before", "date_created", False),
            ("modified_after", "date_modified", True),
            ("modified_before", "date_modified", False),
        ):
            value = request.param(name)
            if value is None:
                continue
            bound = self._date_param(value)
            if bound is None:
                return self._invalid(name, "Invalid date.")
            column = f"{field}_gmt" if gmt else field
            if after:  # WP_Date_Query without "inclusive": strictly after, to the second
                found = [o for o in found if (o.get(column) or "") > bound]
            else:
                found = [o for o in found if (o.get(column) or "") < bound]
        ordered = self._sorted(request, found, date_field="date_modified_gmt")
        if isinstance(ordered, Reply):
            return ordered
        return self._page(request, f"{_API}/orders", ordered, *paging)

    def _get_order(self, request: Request, order_id: str) -> Reply:
        with self._lock:
            order = self.orders.get(int(order_id))
            if order is None:
                return self._error(404, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
            return Reply(200, self._render_order(order))

    def _body(self, request: Request) -> dict[str, Any] | Reply:
        try:
            body = request.json()
        except ValueError:
            return self._error(400, "rest_invalid_json", "Invalid JSON body passed.")
        if body is None:
            return {}
        if not isinstance(body, dict):
            return self._error(400, "rest_invalid_json", "Invalid JSON body passed.")
        return body

    def _update_order(self, request: Request, order_id: str) -> Reply:
        body = self._body(request)
        if isinstance(body, Reply):
            return body
        with self._lock:
            order = self.orders.get(int(order_id))
            if order is None:  # update_item() answers 400 for an unknown id
                return self._error(400, "woocommerce_rest_shop_order_invalid_id", "Invalid ID.")
            status = body.get("status")
            if status is not None and str(status).removeprefix("wc-") not in self.statuses:
                return self._invalid("status", f"status is not one of {', '.join(self.statuses)}.")
            for key, value in body.items():
                if key == "meta_data":
                    if not isinstance(value, list):
                        return self._invalid("meta_data", "meta_data is not of type array.")
                    self._update_meta(order, value)
                elif key == "status":
                    order["status"] = str(value).removeprefix("wc-")
                    if order["status"] in ("processing", "completed") and not order.get(
                        "date_paid_gmt"
                    ):
                        order["date_paid_gmt"] = self._now()
                    if order["status"] == "completed":
                        order["date_completed_gmt"] = self._now()
                elif key in ("id", "number", "date_modified_gmt", "date_created_gmt"):
                    continue  # read-only
                else:
                    order[key] = copy.deepcopy(value)
            order["date_modified_gmt"] = self._now()
            return Reply(200, self._render_order(order))

    def _update_meta(self, order: dict[str, Any], items: list[Any]) -> None:
        """``update_meta_data($key, $value, $id)``: by id, else the first with the key, else add."""
        meta: list[dict[str, Any]] = order.setdefault("meta_data", [])
        for item in items:
            if not isinstance(item, dict) or "key" not in item:
                continue
            target = next((m for m in meta if item.get("id") and m["id"] == item["id"]), None)
            target = target or next((m for m in meta if m["key"] == item["key"]), None)
            if target is None:
                meta.append(
                    {
                        "id": self._new_id(),
                        "key": item["key"],
                        "value": copy.deepcopy(item.get("value")),
                    }
                )
            else:
                target["value"] = copy.deepcopy(item.get("value"))

    def _list_notes(self, request: Request, order_id: str) -> Reply:
        with self._lock:
            if int(order_id) not in self.orders:
                return self._error(404, "woocommerce_rest_order_invalid_id", "Invalid order ID.")
            notes = list(self.notes.get(int(order_id), []))
        kind = request.param("type") or "any"
        if kind == "customer":
            notes = [n for n in notes if n["customer_note"]]
        elif kind == "internal":
            notes = [n for n in notes if not n["customer_note"]]
        return Reply(200, notes)

    def _add_note(self, request: Request, order_id: str) -> Reply:
        body = self._body(request)
        if isinstance(body, Reply):
            return body
        if not body.get("note"):
            return self._error(
                400, "rest_missing_callback_param", "Missing parameter(s): note", params=["note"]
            )
        with self._lock:
            if int(order_id) not in self.orders:
                return self._error(404, "woocommerce_rest_order_invalid_id", "Invalid order ID.")
            notes = self.notes.setdefault(int(order_id), [])
            now = self._now()
            note = {
                "id": self._new_id(),
                "author": "system",
                "date_created": self._local(now),
                "date_created_gmt": now,
                "note": str(body["note"]),
                "customer_note": bool(body.get("customer_note")),
                "added_by_user": bool(body.get("added_by_user")),
            }
            notes.append(note)
            return Reply(201, note)

    def _list_products(self, request: Request) -> Reply:
        paging = self._paging(request)
        if isinstance(paging, Reply):
            return paging
        with self._lock:
            found = [self._render_product(p) for p in self.products.values()]
        sku = request.param("sku")
        if sku:  # comma-separated SKUs, and the whole string too; products only
            wanted = set(sku.split(",")) | {sku}
            found = [p for p in found if p["sku"] in wanted]
        include = self._ids(request.param("include"))
        if include is not None:
            found = [p for p in found if p["id"] in include]
        kind = request.param("type")
        if kind:
            found = [p for p in found if p["type"] == kind]
        ordered = self._sorted(request, found, date_field="date_modified_gmt")
        if isinstance(ordered, Reply):
            return ordered
        return self._page(request, f"{_API}/products", ordered, *paging)

    def _get_product(self, request: Request, product_id: str) -> Reply:
        with self._lock:
            product = self.products.get(int(product_id))
            if product is None:
                return self._error(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
            return Reply(200, self._render_product(product))

    def _list_variations(self, request: Request, product_id: str) -> Reply:
        paging = self._paging(request)
        if isinstance(paging, Reply):
            return paging
        with self._lock:
            parent = self.products.get(int(product_id))
            if parent is None:
                return self._error(404, "woocommerce_rest_product_invalid_id", "Invalid ID.")
            found = [self._render_variation(self.variations[v]) for v in parent["variations"]]
        sku = request.param("sku")
        if sku:
            wanted = set(sku.split(",")) | {sku}
            found = [v for v in found if v["sku"] in wanted]
        ordered = self._sorted(request, found, date_field="date_modified_gmt")
        if isinstance(ordered, Reply):
            return ordered
        return self._page(request, f"{_API}/products/{product_id}/variations", ordered, *paging)

    def _batch_items(self, request: Request) -> dict[str, Any] | Reply:
        body = self._body(request)
        if isinstance(body, Reply):
            return body
        count = sum(len(body.get(k) or []) for k in ("create", "update", "delete"))
        if count > 100:
            return self._error(
                413,
                "woocommerce_rest_request_entity_too_large",
                "Unable to accept more than 100 items for this request.",
            )
        return body

    def _apply_stock(self, target: dict[str, Any], item: Mapping[str, Any]) -> str | None:
        if "manage_stock" in item:
            target["manage_stock"] = bool(item["manage_stock"])
        if "stock_quantity" in item:
            quantity = item["stock_quantity"]
            if isinstance(quantity, bool) or not isinstance(quantity, int | float | str):
                return "stock_quantity is not of type integer."
            try:
                target["stock_quantity"] = int(float(quantity))
            except ValueError:
                return "stock_quantity is not of type integer."
        target["date_modified_gmt"] = self._now()
        return None

    @staticmethod
    def _item_error(item_id: Any, status: int, code: str, message: str) -> dict[str, Any]:
        return {
            "id": item_id,
            "error": {"code": code, "message": message, "data": {"status": status}},
        }

    def _batch(self, request: Request) -> Reply:
        body = self._batch_items(request)
        if isinstance(body, Reply):
            return body
        updated: list[dict[str, Any]] = []
        with self._lock:
            for item in body.get("update") or []:
                product = self.products.get(_int_id(item))
                if product is None:
                    item_id = item.get("id") if isinstance(item, dict) else None
                    updated.append(
                        self._item_error(
                            item_id, 400, "woocommerce_rest_product_invalid_id", "Invalid ID."
                        )
                    )
                    continue
                problem = self._apply_stock(product, item)
                if problem:
                    updated.append(self._item_error(item["id"], 400, "rest_invalid_param", problem))
                else:
                    updated.append(self._render_product(product))
        return Reply(200, {"update": updated} if updated else [])

    def _batch_variations(self, request: Request, product_id: str) -> Reply:
        body = self._batch_items(request)
        if isinstance(body, Reply):
            return body
        updated: list[dict[str, Any]] = []
        with self._lock:
            for item in body.get("update") or []:
                variation = self.variations.get(_int_id(item))
                if variation is None or variation["parent_id"] != int(product_id):
                    item_id = item.get("id") if isinstance(item, dict) else None
                    updated.append(
                        self._item_error(
                            item_id,
                            400,
                            "woocommerce_rest_product_variation_invalid_id",
                            "Invalid ID.",
                        )
                    )
                    continue
                problem = self._apply_stock(variation, item)
                if problem:
                    updated.append(self._item_error(item["id"], 400, "rest_invalid_param", problem))
                else:
                    updated.append(self._render_variation(variation))
        return Reply(200, {"update": updated} if updated else [])

    # -- webhooks (WC-src includes/class-wc-webhook.php) ---------------------------------

    def delivery_id(self, webhook_id: int = 1) -> str:
        """``wp_hash($webhook_id . strtotime('now'))``: the same for one webhook within a second."""
        return hmac.new(
            b"wp-salt", f"{webhook_id}{int(time.time())}".encode(), hashlib.md5
        ).hexdigest()

    def webhook_request(
        self,
        topic: str,
        order_id: int,
        *,
        webhook_id: int = 1,
        delivery_id: str | None = None,
        tamper: bool = False,
    ) -> WebhookRequest:
        """A signed delivery of ``topic`` for an order, as WooCommerce would POST it."""
        with self._lock:
            if topic.endswith(".deleted"):
                payload: Any = {"id": order_id}
            else:
                payload = self._render_order(self.orders[order_id])
        # trim(wp_json_encode($payload)): PHP's json_encode escapes "/" and non-ASCII
        body = json.dumps(payload, separators=(",", ":")).replace("/", "\\/").strip().encode()
        signature = base64.b64encode(
            hmac.new(self.webhook_secret.encode(), body, hashlib.sha256).digest()
        ).decode()
        resource, _, event = topic.partition(".")
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "WooCommerce/9.0.0 Hookshot (WordPress/6.5)",
            "X-WC-Webhook-Source": f"{self.url}/",
            "X-WC-Webhook-Topic": topic,
            "X-WC-Webhook-Resource": resource,
            "X-WC-Webhook-Event": event,
            "X-WC-Webhook-Signature": signature,
            "X-WC-Webhook-ID": str(webhook_id),
            "X-WC-Webhook-Delivery-ID": delivery_id or self.delivery_id(webhook_id),
        }
        if tamper:
            body = body.replace(b"processing", b"completed")
        return WebhookRequest(headers, body)

    def send_webhook(
        self,
        url: str,
        topic: str,
        order_id: int,
        *,
        delivery_id: str | None = None,
        tamper: bool = False,
    ) -> httpx.Response:
        """POST a signed ``topic`` delivery of an order to ``url`` (never retried, as WooCommerce)."""
        request = self.webhook_request(topic, order_id, delivery_id=delivery_id, tamper=tamper)
        headers = dict(request.headers)
        self.webhooks_sent.append((headers, request.body))
        return httpx.post(url, content=request.body, headers=headers, timeout=5)

    def ping_request(self, webhook_id: int = 1) -> WebhookRequest:
        """The unsigned ping a new webhook sends: ``webhook_id=N``, no ``X-WC-Webhook-*``."""
        return WebhookRequest(
            {
                "User-Agent": "WooCommerce/9.0.0 Hookshot (WordPress/6.5)",
                "Content-Type": "application/x-www-form-urlencoded",  # UNCONFIRMED (reference B5)
            },
            f"webhook_id={webhook_id}".encode(),
        )

    def send_ping(self, url: str, webhook_id: int = 1) -> httpx.Response:
        """POST the ping; WooCommerce wants exactly HTTP 200 back."""
        request = self.ping_request(webhook_id)
        return httpx.post(url, content=request.body, headers=dict(request.headers), timeout=5)
