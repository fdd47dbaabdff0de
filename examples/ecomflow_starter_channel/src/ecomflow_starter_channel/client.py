"""The channel's client twins; every operation is written once as a flow.

- ``fetch_orders`` pages with the lossless boundary-second technique of
  :mod:`.paging`; an order that cannot be mapped becomes an
  :class:`~ecomflow.adapters.IntakeFailure` and the rest still come through.
- ``write_tracking`` records a shipment at most once: it looks first (unless
  ``first_attempt``) and looks again when the answer to the record is lost —
  the API would happily record it twice.
- ``write_status`` / ``write_statuses`` map master statuses through the
  channel's status map; ``publish_stock`` reports unknown SKUs per SKU.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import httpx

from ecomflow.adapters import (
    IntakeFailure,
    OrderBatch,
    PublishResult,
    StatusChange,
    StatusWriteResult,
    WebhookEvent,
    WebhookRequest,
)
from ecomflow.errors import (
    EcomflowError,
    MappingError,
    RemoteAPIError,
    TransportError,
    UnmappedDeliveryMethod,
    UnmappedStatus,
    ValidationFailed,
)
from ecomflow.http import AsyncClient, Call, Client, Flow, RateLimiter, RetryPolicy, operation
from ecomflow.orders.models import Order, ShipmentRef
from ecomflow.orders.status import OrderStatus
from ecomflow.stock.updates import StockUpdate
from ecomflow_starter_channel.mapper import intake_failure, to_order
from ecomflow_starter_channel.paging import Cursor, OrderPager, head_of
from ecomflow_starter_channel.settings import (
    DEFAULT_DELIVERIES,
    DEFAULT_KEY,
    DEFAULT_MAP,
    ExampleShopSettings,
)
from ecomflow_starter_channel.webhooks import parse_webhook

__all__ = ["AsyncExampleShopClient", "ExampleShopClient"]

#: README.md: at most 50 status changes and 100 stock items per call.
MAX_STATUSES, MAX_STOCK = 50, 100
_UNMAPPABLE = (MappingError, UnmappedStatus, UnmappedDeliveryMethod)


def _list(data: Any, key: str, endpoint: str) -> list[Any]:
    items = data.get(key) if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise MappingError(f"{endpoint} answered without a '{key}' list", source=DEFAULT_KEY)
    return items


class _Operations:
    """Configuration, pure helpers and every flow, shared by the twins."""

    settings: ExampleShopSettings

    def _setup(self, settings: ExampleShopSettings) -> dict[str, Any]:
        self.settings = settings
        self.statuses = settings.status_map(DEFAULT_MAP, DEFAULT_KEY)
        self.deliveries = settings.delivery_map(DEFAULT_DELIVERIES, DEFAULT_KEY)
        secrets = (settings.api_key, settings.webhook_secret)
        return {
            "base_url": settings.url,
            "timeout": settings.timeout,
            "secrets": tuple(s.get_secret_value() for s in secrets if s is not None),
            "user_agent": "ecomflow-starter-channel/0.1",
        }

    def auth_headers(self) -> dict[str, str]:
        """``X-Api-Key: <key>`` (README.md, "Authentication")."""
        return {"X-Api-Key": self.settings.api_key.get_secret_value()}

    # -- pure --------------------------------------------------------------------------

    def map_order(self, raw: Any) -> Order:
        """One raw order as an :class:`Order` (typed errors when it cannot be mapped)."""
        return to_order(
            raw, channel=self.settings.channel, statuses=self.statuses, deliveries=self.deliveries
        )

    def parse_webhook(self, request: WebhookRequest) -> list[WebhookEvent]:
        """Verify a webhook, then the order it names."""
        secret = self.settings.webhook_secret
        return parse_webhook(request, secret=secret.get_secret_value() if secret else None)

    @staticmethod
    def _order_path(channel_order_id: str, tail: str = "") -> str:
        return f"/api/v1/orders/{quote(channel_order_id, safe='')}{tail}"

    def _shipments_call(self, order: Order) -> Call:
        return Call("GET", self._order_path(order.channel_order_id, "/shipments"), "list_shipments")

    @staticmethod
    def _recorded(data: Any, shipment: ShipmentRef) -> bool:
        return any(
            isinstance(s, dict)
            and s.get("tracking_number") == shipment.tracking_number
            and s.get("carrier") == shipment.carrier
            for s in _list(data, "shipments", "list_shipments")
        )

    # -- OrderSource ---------------------------------------------------------------------

    @operation
    def fetch_orders(self, cursor: str | None = None) -> Flow[OrderBatch]:
        """Every order created or changed since ``cursor``, each change once."""
        per_page = self.settings.page_size
        pager = OrderPager(
            Cursor.decode(cursor), per_page=per_page, max_rows=self.settings.max_orders_per_fetch
        )
        while (page := pager.next_request()) is not None:
            data = yield Call("GET", "/api/v1/orders", "list_orders", params=page.params(per_page))
            pager.feed([(head_of(raw), raw) for raw in _list(data, "orders", "list_orders")])
        orders: list[Order] = []
        failures: list[IntakeFailure] = []
        for raw in pager.rows:
            try:
                orders.append(self.map_order(raw))
            except _UNMAPPABLE as error:
                failures.append(intake_failure(raw, error, channel=self.settings.channel))
        return OrderBatch(orders, pager.cursor().encode(), len(pager.rows), failures)

    @operation
    def get_order(self, channel_order_id: str) -> Flow[Order]:
        """One order as the shop has it now."""
        raw = yield Call("GET", self._order_path(channel_order_id), "get_order")
        return self.map_order(raw)

    @operation
    def write_status(self, order: Order, status: OrderStatus) -> Flow[None]:
        """Set the shop's status (``UnmappedStatus`` when the map has none for it)."""
        channel_status = self.statuses.to_channel(self.settings.channel, status)
        yield Call(
            "PUT",
            self._order_path(order.channel_order_id, "/status"),
            "write_status",
            json={"status": channel_status},
        )

    @operation
    def write_tracking(
        self, order: Order, shipment: ShipmentRef, *, first_attempt: bool = False
    ) -> Flow[None]:
        """Record the shipment on the order, at most once (see the module docstring)."""
        if not shipment.tracking_number:
            raise ValidationFailed(
                f"order {order.id}: the shipment has no tracking number yet; record it once "
                "the carrier confirms it"
            )
        if not first_attempt:
            found = yield self._shipments_call(order)
            if self._recorded(found, shipment):
                return
        body = {
            "carrier": shipment.carrier,
            "tracking_number": shipment.tracking_number,
            "tracking_url": shipment.tracking_url,
            "service": shipment.service_id,
        }
        path = self._order_path(order.channel_order_id, "/shipments")
        try:
            yield Call("POST", path, "add_shipment", json=body, idempotent=False)
        except (TransportError, RemoteAPIError) as error:
            if isinstance(error, RemoteAPIError) and (error.status or 500) < 500:
                raise  # refused: nothing was recorded
            found = yield self._shipments_call(order)  # the answer was lost: look again
            if not self._recorded(found, shipment):
                raise

    # -- BulkStatusWriter ----------------------------------------------------------------

    @operation
    def write_statuses(self, changes: Sequence[StatusChange]) -> Flow[StatusWriteResult]:
        """Many statuses, 50 per call; per-order failures are reported, not raised."""
        result = StatusWriteResult()
        wanted: list[tuple[Order, str]] = []
        for change in changes:
            try:
                wanted.append(
                    (change.order, self.statuses.to_channel(self.settings.channel, change.status))
                )
            except UnmappedStatus as error:
                result.skipped[change.order.id] = str(error)
        for start in range(0, len(wanted), MAX_STATUSES):
            chunk = wanted[start : start + MAX_STATUSES]
            by_id = {o.channel_order_id: o.id for o, _ in chunk}
            body = {"changes": [{"id": o.channel_order_id, "status": s} for o, s in chunk]}
            result.calls += 1
            try:
                data = yield Call("POST", "/api/v1/orders/statuses", "write_statuses", json=body)
                answers = {
                    str(r.get("id")): r
                    for r in _list(data, "results", "write_statuses")
                    if isinstance(r, dict)
                }
            except EcomflowError as error:  # the whole call failed: every order in it
                result.failed.update({order_id: str(error) for order_id in by_id.values()})
                continue
            for channel_id, order_id in by_id.items():
                answer = answers.get(channel_id)
                if answer is not None and answer.get("ok") is True:
                    result.written.append(order_id)
                else:
                    error_text = answer.get("error") if answer else "no result for this order"
                    result.failed[order_id] = f"the shop refused the status: {error_text}"
        return result

    # -- StockSink -----------------------------------------------------------------------

    @operation
    def publish_stock(self, updates: Sequence[StockUpdate]) -> Flow[PublishResult]:
        """Quantities, 100 SKUs per call; an unknown SKU is a warning, the rest go on."""
        result = PublishResult()
        latest = {u.sku: u.quantity for u in updates}  # the last update of a SKU wins
        skus = list(latest)
        for start in range(0, len(skus), MAX_STOCK):
            chunk = skus[start : start + MAX_STOCK]
            body = {"items": [{"sku": sku, "quantity": latest[sku]} for sku in chunk]}
            result.calls += 1
            data = yield Call("POST", "/api/v1/stock", "publish_stock", json=body)
            answers = {
                str(r.get("sku")): r
                for r in _list(data, "results", "publish_stock")
                if isinstance(r, dict)
            }
            for sku in chunk:
                answer = answers.get(sku)
                if answer is not None and answer.get("ok") is True:
                    result.updated += 1
                else:
                    why = answer.get("error") if answer else "no result"
                    result.warnings[sku] = (
                        f"not published ({why}); check the SKU exists in the shop"
                    )
        return result


class ExampleShopClient(_Operations, Client):
    """The sync client: ``OrderSource``, ``BulkStatusWriter``, ``StockSink``, webhooks."""

    def __init__(
        self,
        settings: ExampleShopSettings,
        *,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        Client.__init__(
            self,
            http_client=http_client,
            transport=transport,
            retry=retry,
            limiter=limiter,
            **self._setup(settings),
        )


class AsyncExampleShopClient(_Operations, AsyncClient):
    """The async twin: the same flows, awaited."""

    def __init__(
        self,
        settings: ExampleShopSettings,
        *,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        AsyncClient.__init__(
            self,
            http_client=http_client,
            transport=transport,
            retry=retry,
            limiter=limiter,
            **self._setup(settings),
        )
