"""BaseLinker client twins: typed methods over the one connector endpoint.

Wire (reference §1): ``POST connector.php`` with header ``X-BLToken`` and form
fields ``method`` and ``parameters`` (JSON). Success is decided from the
envelope's ``status`` (``SUCCESS``/``ERROR`` with ``error_code`` and
``error_message``), never from the HTTP code.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import httpx

from ecomflow.adapters.baselinker.mapper import package_manual_params, stock_payloads, to_order
from ecomflow.adapters.baselinker.paging import OrderCursor
from ecomflow.adapters.baselinker.settings import BaseLinkerSettings
from ecomflow.adapters.baselinker.wire import BLOrder, BLStatus, BLStockResult
from ecomflow.adapters.protocols import OrderBatch, PublishResult
from ecomflow.errors import (
    AuthenticationFailed,
    ConfigurationError,
    InvalidRequest,
    NotFound,
    RateLimited,
    RemoteAPIError,
    TransportError,
)
from ecomflow.http import AsyncClient, Call, Client, RateLimiter, RetryPolicy
from ecomflow.orders.models import Order
from ecomflow.orders.status import StatusMap
from ecomflow.stock.updates import StockUpdate

__all__ = ["AsyncBaseLinkerClient", "BaseLinkerClient", "limiter_for"]

#: How long BaseLinker blocks an account that broke the limit (reference §2: "about 5 minutes").
BLOCK_SECONDS = 300.0

_LIMITERS: dict[str, RateLimiter] = {}


def limiter_for(token: str, per_minute: int, clock: object | None = None) -> RateLimiter:
    """The one rate limiter of a BaseLinker account, shared by its clients and twins."""
    key = f"{hash(token)}:{per_minute}:{id(clock)}"
    if key not in _LIMITERS:
        _LIMITERS[key] = RateLimiter(per_minute, 60.0, clock=clock)
    return _LIMITERS[key]


class _BaseLinkerWire:
    """Pure request building and envelope parsing shared by the twins."""

    settings: BaseLinkerSettings
    status_map: StatusMap
    product_ids: dict[str, str]
    _status_names: dict[int, str] | None

    def _setup(
        self,
        settings: BaseLinkerSettings,
        status_map: StatusMap | None,
        product_ids: Mapping[str, str] | None,
    ) -> dict[str, Any]:
        if not settings.token.get_secret_value():
            raise ConfigurationError("BaseLinker token is empty; set settings.token.")
        self.settings = settings
        self.status_map = status_map or StatusMap.default()
        self.product_ids = dict(product_ids or {})
        self._status_names = None
        url = settings.url
        base, _, path = url.rpartition("/")
        self._path = "/" + path
        return {
            "base_url": base,
            "secrets": (settings.token.get_secret_value(),),
            "timeout": settings.timeout,
        }

    def auth_headers(self) -> dict[str, str]:
        """``X-BLToken`` (the POST-field token is deprecated, reference §1)."""
        return {"X-BLToken": self.settings.token.get_secret_value()}

    def _call(
        self, method: str, parameters: Mapping[str, Any] | None = None, *, idempotent: bool = True
    ) -> Call:
        return Call(
            method="POST",
            path=self._path,
            endpoint=method,
            data={"method": method, "parameters": json.dumps(dict(parameters or {}))},
            idempotent=idempotent,
        )

    def check_payload(self, payload: Any, response: httpx.Response, call: Call) -> Any:
        """Map the ``status: ERROR`` envelope to typed errors."""
        if not isinstance(payload, dict) or "status" not in payload:
            raise RemoteAPIError(
                "answer without a status envelope",
                status=response.status_code,
                body=response.text,
                endpoint=call.endpoint,
            )
        if payload["status"] == "SUCCESS":
            return payload
        code = str(payload.get("error_code") or "ERROR")
        message = str(payload.get("error_message") or code)
        common: dict[str, Any] = {
            "status": None,
            "code": code,
            "body": response.text,
            "endpoint": call.endpoint,
        }
        if code == "ERROR_USER_ACCOUNT_BLOCKED":
            raise RateLimited(
                message + " — wait before calling again", retry_after=BLOCK_SECONDS, **common
            )
        if "TOKEN" in code or "AUTH" in code:
            raise AuthenticationFailed(message + " — check the BaseLinker token", **common)
        if code in ("ERROR_UNKNOWN_METHOD", "ERROR_BAD_PARAMETERS") or "PARAM" in code:
            raise InvalidRequest(message, **common)
        if "NOT_FOUND" in code:
            raise NotFound(message, **common)
        raise RemoteAPIError(message, **common)

    def _order(self, raw: dict[str, Any], names: dict[int, str]) -> Order:
        return to_order(BLOrder.parse(raw), self.status_map, names, channel=self.settings.channel)

    def _status_id(self, names: dict[int, str], channel_status: str) -> int:
        for status_id, name in names.items():
            if name == channel_status or str(status_id) == channel_status:
                return status_id
        raise InvalidRequest(
            f"BaseLinker has no status {channel_status!r} (known: {sorted(names.values())})",
            endpoint="setOrderStatus",
        )

    def _stock_calls(self, updates: Sequence[StockUpdate]) -> list[Call]:
        if self.settings.inventory_id is None:
            raise ConfigurationError("Publishing stock needs settings.inventory_id.")
        return [
            self._call("updateInventoryProductsStock", payload)
            for payload in stock_payloads(
                updates,
                inventory_id=self.settings.inventory_id,
                warehouse_id=self.settings.warehouse_id,
                product_ids=self.product_ids,
            )
        ]


def _limits(
    settings: BaseLinkerSettings, limiter: RateLimiter | None, retry: RetryPolicy | None
) -> dict[str, Any]:
    return {
        "limiter": limiter
        or limiter_for(settings.token.get_secret_value(), settings.requests_per_minute),
        "retry": retry or RetryPolicy(attempts=4, max_time=60.0),
    }


class BaseLinkerClient(_BaseLinkerWire, Client):
    """Sync BaseLinker client; implements ``OrderSource`` and ``StockSink``.

    >>> BaseLinkerClient(BaseLinkerSettings(token="secret-token"))
    BaseLinkerClient(base_url='https://api.baselinker.com')
    """

    def __init__(
        self,
        settings: BaseLinkerSettings,
        *,
        status_map: StatusMap | None = None,
        product_ids: Mapping[str, str] | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        config = self._setup(settings, status_map, product_ids)
        Client.__init__(
            self,
            http_client=http_client,
            transport=transport,
            **config,
            **_limits(settings, limiter, retry),
        )

    def _send(
        self, method: str, parameters: Mapping[str, Any] | None = None, *, idempotent: bool = True
    ) -> dict[str, Any]:
        result: dict[str, Any] = self.request(self._call(method, parameters, idempotent=idempotent))
        return result

    # -- orders ------------------------------------------------------------------------

    def get_order_status_list(self) -> list[BLStatus]:
        """GetOrderStatusList."""
        return [BLStatus.model_validate(s) for s in self._send("getOrderStatusList")["statuses"]]

    def status_names(self) -> dict[int, str]:
        """Status id → name (cached after the first call)."""
        if self._status_names is None:
            self._status_names = {s.id: s.name for s in self.get_order_status_list()}
        return self._status_names

    def iter_order_pages(self, cursor: str | None = None) -> Iterator[tuple[list[BLOrder], str]]:
        """Pages of new orders since ``cursor`` with the cursor after each page."""
        position = OrderCursor.decode(cursor)
        while True:
            raw = self._send("getOrders", position.query())["orders"]
            page = [BLOrder.parse(o) for o in raw]
            fresh, position, done = position.take(page)
            yield fresh, position.encode()
            if done:
                return

    def get_orders(self, cursor: str | None = None) -> list[BLOrder]:
        """Every order confirmed since ``cursor`` (auto-paging, 100 per call)."""
        return [o for page, _ in self.iter_order_pages(cursor) for o in page]

    def fetch_orders(self, cursor: str | None = None) -> OrderBatch:
        """``OrderSource``: new orders since ``cursor``, as :class:`Order` objects."""
        names = self.status_names()
        orders: list[Order] = []
        position, count = cursor, 0
        for page, after in self.iter_order_pages(cursor):
            count += len(page)
            orders += [self._order(o.raw, names) for o in page]
            position = after
        return OrderBatch(orders, position, count)

    def set_order_status(self, order_id: int | str, status_id: int) -> None:
        """SetOrderStatus (idempotent: setting the same status twice changes nothing)."""
        self._send("setOrderStatus", {"order_id": int(order_id), "status_id": status_id})

    def set_order_fields(self, order_id: int | str, **fields: Any) -> None:
        """SetOrderFields with only the fields to change."""
        self._send("setOrderFields", {"order_id": int(order_id), **fields})

    def write_status(self, order: Order, channel_status: str) -> None:
        """``OrderSource``: set the order's status by its BaseLinker name or id."""
        self.set_order_status(
            order.channel_order_id, self._status_id(self.status_names(), channel_status)
        )

    def write_tracking(self, order: Order, carrier: str, tracking_number: str) -> None:
        """``OrderSource``: record the shipment on the order (once, even on retries)."""
        self.record_package(
            order.channel_order_id,
            carrier,
            tracking_number,
            pickup_date=order.updated_at or order.created_at,
        )

    def get_journal_list(
        self, last_log_id: int = 0, logs_types: Sequence[int] | None = None
    ) -> list[dict[str, Any]]:
        """GetJournalList (events of the last 3 days; must be enabled by Base support)."""
        params: dict[str, Any] = {"last_log_id": last_log_id}
        if logs_types:
            params["logs_types"] = list(logs_types)
        logs: list[dict[str, Any]] = self._send("getJournalList", params).get("logs", [])
        return logs

    def add_order(self, **fields: Any) -> int:
        """AddOrder — not idempotent, so never retried automatically."""
        return int(self._send("addOrder", fields, idempotent=False)["order_id"])

    # -- stock -------------------------------------------------------------------------

    def get_inventories(self) -> list[dict[str, Any]]:
        """GetInventories."""
        inventories: list[dict[str, Any]] = self._send("getInventories")["inventories"]
        return inventories

    def get_inventory_products_stock(self, inventory_id: int) -> dict[str, dict[str, int]]:
        """Product id → {warehouse id: quantity}, every page of 1000."""
        stock: dict[str, dict[str, int]] = {}
        page = 1
        while True:
            products = self._send(
                "getInventoryProductsStock", {"inventory_id": inventory_id, "page": page}
            )["products"]
            for product_id, data in (products or {}).items():
                stock[str(product_id)] = {k: int(v) for k, v in data.get("stock", {}).items()}
            if len(products or {}) < 1000:
                return stock
            page += 1

    def update_inventory_products_stock(self, updates: Sequence[StockUpdate]) -> PublishResult:
        """Chunks of 1000 products a call; per-product warnings collected."""
        result = PublishResult()
        for call in self._stock_calls(updates):
            answer = BLStockResult.model_validate(self.request(call))
            result.calls += 1
            result.updated += answer.counter
            result.warnings.update(answer.warnings)
        return result

    def publish_stock(self, updates: Sequence[StockUpdate]) -> PublishResult:
        """``StockSink``: publish quantities in the fewest calls (1000 per call)."""
        return self.update_inventory_products_stock(updates)

    # -- packages ----------------------------------------------------------------------

    def create_package_manual(
        self, order_id: int | str, courier_code: str, package_number: str, *, pickup_date: datetime
    ) -> dict[str, Any]:
        """CreatePackageManual — not retried blindly; see :meth:`record_package`."""
        params = package_manual_params(
            order_id, courier_code, package_number, pickup_date=pickup_date
        )
        return self._send("createPackageManual", params, idempotent=False)

    def record_package(
        self,
        order_id: int | str,
        courier_code: str,
        package_number: str,
        *,
        pickup_date: datetime,
        first_attempt: bool = False,
    ) -> dict[str, Any]:
        """Record a shipment exactly once: look for it first, and again after a lost answer.

        ``first_attempt=True`` skips the first look-up (the caller knows no earlier
        attempt was made).
        """
        for package in [] if first_attempt else self.get_order_packages(order_id):
            if package.get("courier_package_nr") == package_number:
                return package
        try:
            return self.create_package_manual(
                order_id, courier_code, package_number, pickup_date=pickup_date
            )
        except (TransportError, RemoteAPIError) as error:
            if isinstance(error, RemoteAPIError) and (error.status or 0) < 500:
                raise
            for package in self.get_order_packages(order_id):
                if package.get("courier_package_nr") == package_number:
                    return package
            raise

    def create_package(
        self,
        order_id: int | str,
        courier_code: str,
        packages: Sequence[Mapping[str, Any]],
        fields: Sequence[Mapping[str, Any]] = (),
    ) -> dict[str, Any]:
        """CreatePackage through a courier account connected in BaseLinker (not retried)."""
        return self._send(
            "createPackage",
            {
                "order_id": int(order_id),
                "courier_code": courier_code,
                "packages": list(packages),
                "fields": list(fields),
            },
            idempotent=False,
        )

    def get_label(
        self, courier_code: str, *, package_id: int | None = None, package_number: str | None = None
    ) -> tuple[str, str]:
        """(extension, base64 label) of a package."""
        params: dict[str, Any] = {"courier_code": courier_code}
        if package_id is not None:
            params["package_id"] = package_id
        if package_number is not None:
            params["package_number"] = package_number
        answer = self._send("getLabel", params)
        return str(answer["extension"]), str(answer["label"])

    def get_order_packages(self, order_id: int | str) -> list[dict[str, Any]]:
        """GetOrderPackages."""
        packages: list[dict[str, Any]] = self._send(
            "getOrderPackages", {"order_id": int(order_id)}
        )["packages"]
        return packages


class AsyncBaseLinkerClient(_BaseLinkerWire, AsyncClient):
    """The async twin of :class:`BaseLinkerClient` (same methods, ``aclose``)."""

    def __init__(
        self,
        settings: BaseLinkerSettings,
        *,
        status_map: StatusMap | None = None,
        product_ids: Mapping[str, str] | None = None,
        limiter: RateLimiter | None = None,
        retry: RetryPolicy | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        config = self._setup(settings, status_map, product_ids)
        AsyncClient.__init__(
            self,
            http_client=http_client,
            transport=transport,
            **config,
            **_limits(settings, limiter, retry),
        )

    async def _send(
        self, method: str, parameters: Mapping[str, Any] | None = None, *, idempotent: bool = True
    ) -> dict[str, Any]:
        result: dict[str, Any] = await self.request(
            self._call(method, parameters, idempotent=idempotent)
        )
        return result

    async def get_order_status_list(self) -> list[BLStatus]:
        """GetOrderStatusList."""
        answer = await self._send("getOrderStatusList")
        return [BLStatus.model_validate(s) for s in answer["statuses"]]

    async def status_names(self) -> dict[int, str]:
        """Status id → name (cached after the first call)."""
        if self._status_names is None:
            self._status_names = {s.id: s.name for s in await self.get_order_status_list()}
        return self._status_names

    async def iter_order_pages(
        self, cursor: str | None = None
    ) -> AsyncIterator[tuple[list[BLOrder], str]]:
        """Pages of new orders since ``cursor`` with the cursor after each page."""
        position = OrderCursor.decode(cursor)
        while True:
            raw = (await self._send("getOrders", position.query()))["orders"]
            fresh, position, done = position.take([BLOrder.parse(o) for o in raw])
            yield fresh, position.encode()
            if done:
                return

    async def get_orders(self, cursor: str | None = None) -> list[BLOrder]:
        """Every order confirmed since ``cursor`` (auto-paging, 100 per call)."""
        return [o async for page, _ in self.iter_order_pages(cursor) for o in page]

    async def fetch_orders(self, cursor: str | None = None) -> OrderBatch:
        """``AsyncOrderSource``: new orders since ``cursor``."""
        names = await self.status_names()
        orders: list[Order] = []
        position, count = cursor, 0
        async for page, after in self.iter_order_pages(cursor):
            count += len(page)
            orders += [self._order(o.raw, names) for o in page]
            position = after
        return OrderBatch(orders, position, count)

    async def set_order_status(self, order_id: int | str, status_id: int) -> None:
        """SetOrderStatus."""
        await self._send("setOrderStatus", {"order_id": int(order_id), "status_id": status_id})

    async def write_status(self, order: Order, channel_status: str) -> None:
        """Set the order's status by its BaseLinker name or id."""
        status_id = self._status_id(await self.status_names(), channel_status)
        await self.set_order_status(order.channel_order_id, status_id)

    async def publish_stock(self, updates: Sequence[StockUpdate]) -> PublishResult:
        """``AsyncStockSink``: publish quantities in the fewest calls."""
        result = PublishResult()
        for call in self._stock_calls(updates):
            answer = BLStockResult.model_validate(await self.request(call))
            result.calls += 1
            result.updated += answer.counter
            result.warnings.update(answer.warnings)
        return result

    async def get_order_packages(self, order_id: int | str) -> list[dict[str, Any]]:
        """GetOrderPackages."""
        answer = await self._send("getOrderPackages", {"order_id": int(order_id)})
        packages: list[dict[str, Any]] = answer["packages"]
        return packages

    async def create_package_manual(
        self, order_id: int | str, courier_code: str, package_number: str, *, pickup_date: datetime
    ) -> dict[str, Any]:
        """CreatePackageManual (not retried blindly)."""
        params = package_manual_params(
            order_id, courier_code, package_number, pickup_date=pickup_date
        )
        return await self._send("createPackageManual", params, idempotent=False)

    async def write_tracking(self, order: Order, carrier: str, tracking_number: str) -> None:
        """Record the shipment on the order once (look first)."""
        for package in await self.get_order_packages(order.channel_order_id):
            if package.get("courier_package_nr") == tracking_number:
                return
        await self.create_package_manual(
            order.channel_order_id,
            carrier,
            tracking_number,
            pickup_date=order.updated_at or order.created_at,
        )
