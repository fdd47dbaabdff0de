"""WooCommerce REST v3 client twins.

Auth (reference B1): over HTTPS, HTTP Basic with the consumer key and secret;
over plain HTTP (only with ``allow_http``), one-legged OAuth 1.0a with an
HMAC-SHA256 signature in the query string, as WooCommerce and its official
Python client do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote, unquote

import httpx

from ecomflow.adapters.protocols import OrderBatch, PublishResult
from ecomflow.adapters.woocommerce.mapper import WOO_STATUSES, batch_payloads, to_order
from ecomflow.adapters.woocommerce.settings import WooCommerceSettings
from ecomflow.errors import ConfigurationError, NotFound
from ecomflow.http import AsyncClient, Call, Client, RetryPolicy
from ecomflow.orders.models import Order
from ecomflow.orders.status import StatusMap
from ecomflow.stock.updates import StockUpdate

__all__ = ["AsyncWooCommerceClient", "WooCommerceClient", "oauth_signature"]

_API = "/wp-json/wc/v3"
TRACKING_META = "_ecomflow_tracking"


def _norm(value: str) -> str:
    return quote(unquote(value)).replace("%", "%25")


def oauth_signature(method: str, url: str, params: Mapping[str, str], secret: str) -> str:
    """The one-legged OAuth 1.0a HMAC-SHA256 signature WooCommerce checks.

    Built as WooCommerce's official Python client builds it (reference B2):
    ``METHOD&quote(url, '')&`` then the sorted ``key%3Dvalue`` pairs joined
    with ``%26``, each part ``quote(unquote(x))`` with ``%`` escaped, signed
    with the key ``secret&``.
    """
    pairs = "%26".join(
        f"{_norm(k)}%3D{_norm(v)}" for k, v in sorted(params.items()) if k != "oauth_signature"
    )
    base = f"{method.upper()}&{quote(url, '')}&{pairs}"
    digest = hmac.new(f"{secret}&".encode(), base.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


class _WooWire:
    settings: WooCommerceSettings
    status_map: StatusMap
    product_ids: dict[str, int]

    def _setup(self, settings: WooCommerceSettings, status_map: StatusMap | None) -> dict[str, Any]:
        if settings.url.startswith("http://") and not settings.allow_http:
            raise ConfigurationError(
                f"{settings.url} is plain HTTP; use HTTPS or set allow_http=True for a local shop."
            )
        self.settings = settings
        self.status_map = status_map or WOO_STATUSES
        self.product_ids = {}
        return {
            "base_url": settings.url.rstrip("/") + _API,
            "timeout": settings.timeout,
            "secrets": (
                settings.consumer_key.get_secret_value(),
                settings.consumer_secret.get_secret_value(),
            ),
        }

    @property
    def _https(self) -> bool:
        return self.settings.url.startswith("https://")

    def auth_headers(self) -> dict[str, str]:
        """HTTP Basic over HTTPS (reference B1)."""
        if not self._https:
            return {}
        pair = (
            f"{self.settings.consumer_key.get_secret_value()}:"
            f"{self.settings.consumer_secret.get_secret_value()}"
        )
        return {"Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}

    def _call(
        self,
        method: str,
        path: str,
        endpoint: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        idempotent: bool = True,
    ) -> Call:
        query = {k: str(v) for k, v in (params or {}).items()}
        return Call(method, path, endpoint, params=query, json=json, idempotent=idempotent)

    def _sign(self, args: dict[str, Any], call: Call) -> dict[str, Any]:
        """Sign each attempt afresh over plain HTTP (a nonce must never repeat)."""
        if self._https:
            return args
        url = self.settings.url.rstrip("/") + _API + call.path
        query = dict(call.params or {})
        oauth = {
            "oauth_consumer_key": self.settings.consumer_key.get_secret_value(),
            "oauth_timestamp": str(int(time.time())),
            "oauth_nonce": secrets.token_hex(20),
            "oauth_signature_method": "HMAC-SHA256",
        }
        oauth["oauth_signature"] = oauth_signature(
            call.method, url, {**query, **oauth}, self.settings.consumer_secret.get_secret_value()
        )
        return {**args, "params": {**query, **oauth}}

    @staticmethod
    def _query_for(cursor: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"orderby": "id", "order": "asc", "dates_are_gmt": "true"}
        if cursor:
            stamp = datetime.fromisoformat(cursor.split("|")[0]).replace(tzinfo=UTC)
            params["modified_after"] = (stamp - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")
        return params

    def _batch_after(self, cursor: str | None, raws: list[dict[str, Any]]) -> OrderBatch:
        """Drop what the cursor already covers; the new cursor is the newest (time, id)."""
        if cursor:
            stamp, _, last = cursor.partition("|")
            seen = (stamp, int(last or 0))
            raws = [r for r in raws if (str(r.get("date_modified_gmt") or ""), int(r["id"])) > seen]
        orders = [to_order(raw, self.status_map, channel=self.settings.channel) for raw in raws]
        if raws:
            newest = max(raws, key=lambda r: (str(r.get("date_modified_gmt") or ""), int(r["id"])))
            cursor = f"{newest.get('date_modified_gmt')}|{newest['id']}"
        return OrderBatch(orders, cursor, len(raws))

    def _order_id(self, order: Order) -> int:
        raw = order.raw or {}
        return int(raw.get("id") or order.channel_order_id)

    def _tracking_body(self, carrier: str, number: str) -> dict[str, Any]:
        meta: list[dict[str, Any]] = [{"key": TRACKING_META, "value": number}]
        if self.settings.tracking_meta:
            # The Shipment Tracking extension's order meta (reference B7).
            meta.append(
                {
                    "key": "_wc_shipment_tracking_items",
                    "value": [
                        {
                            "tracking_provider": carrier,
                            "custom_tracking_provider": "",
                            "custom_tracking_link": "",
                            "tracking_number": number,
                            "date_shipped": int(time.time()),
                            "tracking_id": number,
                        }
                    ],
                }
            )
        return {"meta_data": meta}

    @staticmethod
    def _has_tracking(raw: Mapping[str, Any], number: str) -> bool:
        return any(
            m.get("key") == TRACKING_META and m.get("value") == number
            for m in raw.get("meta_data") or []
        )


class WooCommerceClient(_WooWire, Client):
    """Sync WooCommerce client; an ``OrderSource`` and ``StockSink``."""

    def _request_args(self, call: Call) -> dict[str, Any]:
        return self._sign(Client._request_args(self, call), call)

    def __init__(
        self,
        settings: WooCommerceSettings,
        *,
        status_map: StatusMap | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        Client.__init__(
            self,
            http_client=http_client,
            transport=transport,
            retry=retry or RetryPolicy(attempts=4, max_time=60.0),
            **self._setup(settings, status_map),
        )
        self.last_pages = 0

    def _get_pages(self, path: str, endpoint: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            call = self._call(
                "GET",
                path,
                endpoint,
                params={**params, "page": page, "per_page": self.settings.per_page},
            )
            found, response = self.exchange(call)
            items.extend(found)
            total_pages = int(response.headers.get("x-wp-totalpages") or 1)
            self.last_pages = page
            if page >= total_pages or not found:
                return items
            page += 1

    def fetch_orders(self, cursor: str | None = None) -> OrderBatch:
        """Orders modified since ``cursor``, every page (``per_page`` ≤ 100), oldest id first.

        The cursor is the newest ``(date_modified_gmt, id)`` seen. The query asks from
        one second before it (``modified_after`` is exclusive and has one-second
        precision) and drops what the cursor covers: no loss, no duplicates.
        """
        return self._batch_after(
            cursor, self._get_pages("/orders", "list_orders", self._query_for(cursor))
        )

    def get_order(self, order_id: int) -> dict[str, Any]:
        """One order as WooCommerce returns it."""
        found: dict[str, Any] = self.request(self._call("GET", f"/orders/{order_id}", "get_order"))
        return found

    def write_status(self, order: Order, channel_status: str) -> None:
        """Set the order's WooCommerce status (idempotent)."""
        self.request(
            self._call(
                "PUT",
                f"/orders/{self._order_id(order)}",
                "update_order",
                json={"status": channel_status},
            )
        )

    def write_tracking(self, order: Order, carrier: str, tracking_number: str) -> None:
        """Record the tracking number once: order meta, plus a note for the shop staff."""
        order_id = self._order_id(order)
        if self._has_tracking(self.get_order(order_id), tracking_number):
            return
        self.request(
            self._call(
                "PUT",
                f"/orders/{order_id}",
                "update_order",
                json=self._tracking_body(carrier, tracking_number),
            )
        )
        self.request(
            self._call(
                "POST",
                f"/orders/{order_id}/notes",
                "add_note",
                json={
                    "note": f"{carrier.upper()} tracking: {tracking_number}",
                    "customer_note": False,
                },
                idempotent=False,
            )
        )

    def product_id(self, sku: str) -> int:
        """The product id of ``sku`` (looked up once, then cached)."""
        if sku not in self.product_ids:
            found = self.request(
                self._call("GET", "/products", "find_product", params={"sku": sku})
            )
            if not found:
                raise NotFound(f"no WooCommerce product with SKU {sku!r}", endpoint="find_product")
            self.product_ids[sku] = int(found[0]["id"])
        return self.product_ids[sku]

    def load_product_ids(self) -> dict[str, int]:
        """Map every SKU in the shop to its product id (100 a page) and cache it."""
        for product in self._get_pages("/products", "list_products", {"orderby": "id"}):
            if product.get("sku"):
                self.product_ids[str(product["sku"])] = int(product["id"])
        return dict(self.product_ids)

    def publish_stock(self, updates: Sequence[StockUpdate]) -> PublishResult:
        """``stock_quantity`` in ``products/batch`` calls of at most 100 products.

        SKU → product id is resolved once and cached: many unknown SKUs at once
        are resolved by listing the catalogue (100 a page), a few by one look-up each.
        """
        result = PublishResult()
        unknown = {u.sku for u in updates} - set(self.product_ids)
        if len(unknown) > self.settings.per_page:
            self.load_product_ids()
        ids = {u.sku: self.product_id(u.sku) for u in updates}
        for body in batch_payloads(updates, ids):
            answer = self.request(
                self._call("POST", "/products/batch", "batch_products", json=body)
            )
            result.calls += 1
            for item in answer.get("update", []):
                if "error" in item:
                    result.warnings[str(item.get("id"))] = str(item["error"].get("message"))
                else:
                    result.updated += 1
        return result


class AsyncWooCommerceClient(_WooWire, AsyncClient):
    """The async twin of :class:`WooCommerceClient`."""

    def _request_args(self, call: Call) -> dict[str, Any]:
        return self._sign(AsyncClient._request_args(self, call), call)

    def __init__(
        self,
        settings: WooCommerceSettings,
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
            retry=retry or RetryPolicy(attempts=4, max_time=60.0),
            **self._setup(settings, status_map),
        )

    async def fetch_orders(self, cursor: str | None = None) -> OrderBatch:
        """Orders modified since ``cursor`` (see the sync twin)."""
        params = self._query_for(cursor)
        raws: list[dict[str, Any]] = []
        page = 1
        while True:
            call = self._call(
                "GET",
                "/orders",
                "list_orders",
                params={**params, "page": page, "per_page": self.settings.per_page},
            )
            found, response = await self.exchange(call)
            raws.extend(found)
            if page >= int(response.headers.get("x-wp-totalpages") or 1) or not found:
                return self._batch_after(cursor, raws)
            page += 1

    async def write_status(self, order: Order, channel_status: str) -> None:
        """Set the order's WooCommerce status."""
        await self.request(
            self._call(
                "PUT",
                f"/orders/{self._order_id(order)}",
                "update_order",
                json={"status": channel_status},
            )
        )
