"""Shopify GraphQL Admin API client twins: orders, status and tracking, stock, webhooks.

Every multi-call operation is written once, as a flow on :class:`_ShopifyOps`
(:mod:`ecomflow.http.flow`), and driven by :class:`ShopifyClient` with plain calls and by
:class:`AsyncShopifyClient` with ``await``. Wire (reference A1, A5, A7):
``POST /admin/api/<version>/graphql.json`` with ``X-Shopify-Access-Token``; every
answer carries ``extensions.cost`` with the leaky bucket's state, which the flows pace
themselves by (a :class:`~ecomflow.http.Sleep` step, so the async twin awaits);
``THROTTLED`` (HTTP 200 or 429) becomes a :class:`~ecomflow.errors.RateLimited` with the
time the bucket needs, retried by the shared retry policy; ``MAX_COST_EXCEEDED`` halves
the page; mutation problems come back as ``userErrors`` with HTTP 200.

What a master status means on Shopify (:meth:`_ShopifyOps.write_status`):

=================  ==============================================================
master status      Shopify action
=================  ==============================================================
``shipped``        fulfil the open fulfillment orders (one ``fulfillmentCreate`` per
                   location), with the order's shipment as tracking when known
``cancelled``      ``orderCancel`` (no restock and no refund unless configured:
                   ecomflow's ledger and returns own those)
anything else      :class:`~ecomflow.errors.UnmappedStatus` — Shopify has no such
                   status; the Orchestrator skips the write
=================  ==============================================================

A cancelled Shopify order is never fulfilled nor changed.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx

from ecomflow.adapters.protocols import (
    IntakeFailure,
    OrderBatch,
    PublishResult,
    WebhookEvent,
    WebhookRequest,
)
from ecomflow.adapters.shopify.mapper import (
    DEFAULT_KEY,
    SHOPIFY_DELIVERIES,
    SHOPIFY_STATUSES,
    WRITE_ACTIONS,
    node_digest,
    order_ref,
    to_order,
)
from ecomflow.adapters.shopify.settings import ShopifySettings
from ecomflow.adapters.shopify.webhooks import parse_order_webhook
from ecomflow.adapters.shopify.wire import (
    FULFILLMENT_CREATE,
    FULFILLMENT_STATE,
    INVENTORY_LEVELS,
    INVENTORY_SET,
    MAX_QUANTITIES,
    ORDER_CANCEL,
    ORDER_LINES,
    ORDER_QUERY,
    ORDERS_QUERY,
    SKUS_PER_SEARCH,
    TRACKING_UPDATE,
    VARIANTS_BY_SKU,
    UpdateCursor,
    gid,
    gid_number,
    legacy_id,
    parse_time,
    quantity_index,
    sku_search,
)
from ecomflow.errors import (
    EcomflowError,
    InvalidRequest,
    InvalidTransition,
    MappingError,
    NotFound,
    RateLimited,
    RemoteAPIError,
    SignatureVerificationError,
    TransportError,
    UnmappedStatus,
)
from ecomflow.http import MALFORMED, AsyncClient, Call, Client, Flow, RetryPolicy, Sleep, operation
from ecomflow.http.ratelimit import RateLimiter
from ecomflow.orders.delivery import DeliveryMap
from ecomflow.orders.models import Order, ShipmentRef
from ecomflow.orders.status import OrderStatus, StatusMap
from ecomflow.stock.updates import StockUpdate

__all__ = ["AsyncShopifyClient", "ShopifyClient"]

#: Cost assumed for an operation before Shopify has priced it once.
_FIRST_COST = 10.0
#: Points waited for beyond the need (the bucket's figures are rounded; reference A5).
_MARGIN = 1.0
#: Sorts before every real updatedAt (aware, so it compares with them).
_EARLIEST = datetime.min.replace(tzinfo=UTC)
#: Inventory items read per baseline query.
_LEVELS_PER_QUERY = 100


@dataclass
class _Entry:
    """One quantity to set: a SKU at a location, with its compare-and-set baseline."""

    sku: str
    item: str
    location: str
    quantity: int
    baseline: int | None


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _second(node: Mapping[str, Any]) -> datetime | None:
    try:
        return parse_time(node.get("updatedAt")).replace(microsecond=0)
    except ValueError:
        return None


def _lost(error: EcomflowError) -> bool:
    """Whether a write may have happened although its answer did not arrive."""
    if isinstance(error, TransportError):
        return True
    if isinstance(error, RateLimited):
        return False
    return isinstance(error, RemoteAPIError) and (
        (error.status or 0) >= 500 or error.code == MALFORMED
    )


class _ShopifyOps:
    """The flows and pure code both twins share (one copy of every operation)."""

    settings: ShopifySettings
    status_map: StatusMap
    deliveries: DeliveryMap
    inventory_items: dict[str, str]
    throttle: dict[str, float]
    costs: dict[str, float]
    page_size: int
    retry: RetryPolicy
    _redact: Callable[[str], str]  # BaseClient's, declared for the type checker

    def _configure(
        self,
        settings: ShopifySettings,
        status_map: StatusMap | None,
        deliveries: DeliveryMap | None,
    ) -> dict[str, Any]:
        self.settings = settings
        self.status_map = status_map or settings.status_map(SHOPIFY_STATUSES, DEFAULT_KEY)
        self.deliveries = deliveries or settings.delivery_map(SHOPIFY_DELIVERIES, DEFAULT_KEY)
        self.inventory_items = {}
        self.throttle = {}
        self.costs = {}
        self.page_size = settings.page_size
        secrets = [settings.access_token.get_secret_value()]
        if settings.app_secret is not None:
            secrets.append(settings.app_secret.get_secret_value())
        return {
            "base_url": settings.shop_url,
            "timeout": settings.timeout,
            "secrets": tuple(secrets),
        }

    # -- hooks of the shared client ------------------------------------------------------

    def auth_headers(self) -> dict[str, str]:
        """``X-Shopify-Access-Token`` (reference A1)."""
        return {"X-Shopify-Access-Token": self.settings.access_token.get_secret_value()}

    def check_payload(self, payload: Any, response: httpx.Response, call: Call) -> Any:
        """Track the bucket; GraphQL ``errors`` become typed errors; returns ``data``."""
        if not isinstance(payload, dict):
            raise RemoteAPIError(
                "the answer is not a JSON object",
                code=MALFORMED,
                status=response.status_code,
                endpoint=call.endpoint,
            )
        cost = self._track(payload, call.endpoint)
        errors = payload.get("errors")
        if errors:
            raise self._graphql_error(errors, cost, response.status_code, call.endpoint)
        data = payload.get("data")
        if not isinstance(data, dict):
            raise RemoteAPIError(
                "the answer has no data",
                code=MALFORMED,
                status=response.status_code,
                endpoint=call.endpoint,
            )
        return data

    def refine_error(self, error: RemoteAPIError, call: Call) -> RemoteAPIError:
        """A 429 whose body says ``THROTTLED`` waits what the bucket needs (reference A5)."""
        if error.status != 429 or not error.body:
            return error
        try:
            payload = json.loads(error.body)
        except ValueError:
            return error
        if not isinstance(payload, dict) or not payload.get("errors"):
            return error
        cost = self._track(payload, call.endpoint)
        return self._graphql_error(payload["errors"], cost, 429, call.endpoint)

    def _track(self, payload: Mapping[str, Any], endpoint: str) -> Mapping[str, Any]:
        extensions = payload.get("extensions")
        cost = extensions.get("cost") if isinstance(extensions, Mapping) else None
        if not isinstance(cost, Mapping):
            return {}
        status = cost.get("throttleStatus")
        if isinstance(status, Mapping):
            self.throttle = {k: float(v) for k, v in status.items() if isinstance(v, int | float)}
        requested = cost.get("requestedQueryCost")
        if isinstance(requested, int | float):
            self.costs[endpoint] = float(requested)
        return cost

    def _graphql_error(
        self, errors: Any, cost: Mapping[str, Any], status: int, endpoint: str
    ) -> RemoteAPIError:
        items: list[Any] = errors if isinstance(errors, list) else [{"message": str(errors)}]
        first: Mapping[str, Any] = items[0] if items and isinstance(items[0], Mapping) else {}
        extensions = first.get("extensions")
        code = str(
            (extensions if isinstance(extensions, Mapping) else {}).get("code") or "GRAPHQL_ERROR"
        )
        message = "; ".join(
            str(e.get("message")) if isinstance(e, Mapping) else str(e) for e in items
        )
        body = self._redact(json.dumps({"errors": items})[:2000])
        if code == "THROTTLED":
            throttle = cost.get("throttleStatus") if isinstance(cost, Mapping) else None
            throttle = throttle if isinstance(throttle, Mapping) else {}
            needed = float(cost.get("requestedQueryCost") or _FIRST_COST)
            available = float(throttle.get("currentlyAvailable") or 0.0)
            rate = max(float(throttle.get("restoreRate") or 50.0), 1.0)
            return RateLimited(
                f"Shopify throttled the query: {message}",
                retry_after=max(0.0, needed - available + _MARGIN) / rate,
                status=429,
                code=code,
                body=body,
                endpoint=endpoint,
            )
        if code == "MAX_COST_EXCEEDED":
            message += "; lower page_size or line_items in the channel's settings"
        return RemoteAPIError(
            self._redact(message), status=status, code=code, body=body, endpoint=endpoint
        )

    # -- one GraphQL call, paced by the bucket ----------------------------------------------

    def _wait_for(self, root: str) -> float:
        """Seconds until the bucket holds what ``root`` cost last time (0 when unknown)."""
        if "currentlyAvailable" not in self.throttle:
            return 0.0
        missing = self.costs.get(root, _FIRST_COST) - self.throttle["currentlyAvailable"]
        if missing <= 0:
            return 0.0
        return (missing + _MARGIN) / max(self.throttle.get("restoreRate", 50.0), 1.0)

    def _query(
        self,
        root: str,
        document: str,
        variables: dict[str, Any],
        *,
        idempotent: bool = True,
    ) -> Flow[dict[str, Any]]:
        wait = self._wait_for(root)
        if wait > 0:
            yield Sleep(wait)
        data: dict[str, Any] = yield Call(
            "POST",
            f"/admin/api/{self.settings.api_version}/graphql.json",
            root,
            json={"query": document, "variables": variables},
            idempotent=idempotent,
        )
        return data

    def _mutate(self, root: str, document: str, variables: dict[str, Any]) -> Flow[dict[str, Any]]:
        """A mutation that is not idempotent: never retried blindly, except when THROTTLED.

        A throttled call was refused before it ran (reference A5), so it is sent again.
        """
        attempt = 0
        while True:
            attempt += 1
            try:
                return (yield from self._query(root, document, variables, idempotent=False))
            except RateLimited as error:
                if attempt >= self.retry.attempts:
                    raise
                yield Sleep(self.retry.delay(attempt, error))

    # -- orders ---------------------------------------------------------------------------

    @operation
    def fetch_orders(self, cursor: str | None = None) -> Flow[OrderBatch]:
        """Every order created or changed since ``cursor``, oldest change first.

        The boundary second of the cursor is read again (``updated_at:>=``) and what was
        already returned from it (same id, same content) is skipped, so a change made in
        that second is not lost and ids need not ascend within it. Orders that cannot be
        mapped come back as :class:`IntakeFailure` (raw node kept); the cursor moves on.
        """
        state = UpdateCursor.decode(cursor)
        search = state.search()
        nodes: list[dict[str, Any]] = []
        after: str | None = None
        while True:
            page = yield from self._orders_page(search, after)
            for node in page["nodes"]:
                nodes.append((yield from self._complete(node)))
            info = page.get("pageInfo") or {}
            if not info.get("hasNextPage"):
                break
            after = info.get("endCursor")
            if not after:
                raise RemoteAPIError(
                    "hasNextPage without an endCursor", code=MALFORMED, endpoint="orders"
                )
        return self._batch(nodes, state, cursor)

    def _orders_page(self, search: str | None, after: str | None) -> Flow[dict[str, Any]]:
        while True:
            variables = {
                "first": self.page_size,
                "after": after,
                "query": search,
                "lines": self.settings.line_items,
            }
            try:
                data = yield from self._query("orders", ORDERS_QUERY, variables)
            except RemoteAPIError as error:
                if error.code == "MAX_COST_EXCEEDED" and self.page_size > 1:
                    self.page_size = max(1, self.page_size // 2)
                    continue
                raise
            page = data.get("orders")
            if not isinstance(page, dict) or not isinstance(page.get("nodes"), list):
                raise RemoteAPIError(
                    "orders answer has no nodes", code=MALFORMED, endpoint="orders"
                )
            return page

    def _complete(self, node: Any) -> Flow[Any]:
        """The node with all its line items (read alone when a page cut them short)."""
        lines = node.get("lineItems") if isinstance(node, dict) else None
        more = isinstance(lines, dict) and (lines.get("pageInfo") or {}).get("hasNextPage")
        if not more or not isinstance(node.get("id"), str):
            return node
        data = yield from self._query(
            "order", ORDER_QUERY, {"id": node["id"], "lines": ORDER_LINES}
        )
        whole = data.get("order")
        return whole if isinstance(whole, dict) else node

    def _map(self, node: Any) -> Order:
        lines = node.get("lineItems") if isinstance(node, dict) else None
        if isinstance(lines, dict) and (lines.get("pageInfo") or {}).get("hasNextPage"):
            raise MappingError(
                f"Shopify order {order_ref(node)} has more than {ORDER_LINES} line items; "
                "split it in Shopify or take it in by hand",
                source=self.settings.channel,
                object_id=order_ref(node),
                field="lineItems",
            )
        return to_order(
            node,
            self.status_map,
            self.deliveries,
            channel=self.settings.channel,
            point_attribute=self.settings.point_attribute,
        )

    def _batch(self, nodes: list[Any], state: UpdateCursor, cursor: str | None) -> OrderBatch:
        latest: dict[str, Any] = {}
        for index, node in enumerate(nodes):
            key = order_ref(node) or f"?{index}"
            known = latest.get(key)
            if known is None or (_second(node) or _EARLIEST) >= (_second(known) or _EARLIEST):
                latest[key] = node
        seconds = [s for s in (_second(n) for n in latest.values() if isinstance(n, dict)) if s]
        boundary = max([*seconds, *([state.since] if state.since else [])], default=None)
        ordered = sorted(
            latest.items(),
            key=lambda kv: (
                (_second(kv[1]) if isinstance(kv[1], dict) else None) or boundary or _EARLIEST,
                gid_number(str(kv[1].get("id"))) if isinstance(kv[1], dict) else -1,
            ),
        )
        seen: dict[str, str] = {}
        orders: list[Order] = []
        failures: list[IntakeFailure] = []
        for key, node in ordered:
            ref = None if key.startswith("?") else key
            digest = node_digest(node) if isinstance(node, dict) else ""
            moment = _second(node) if isinstance(node, dict) else None
            if ref and (moment is None or moment == boundary):
                seen[ref] = digest
            if ref and state.seen.get(ref) == digest:
                continue
            try:
                orders.append(self._map(node))
            except EcomflowError as error:
                failures.append(
                    IntakeFailure(
                        channel=self.settings.channel,
                        channel_order_id=ref,
                        reason=str(error),
                        raw=node,
                        error=type(error).__name__,
                    )
                )
        encoded = UpdateCursor(boundary, seen).encode() if boundary else None
        return OrderBatch(orders, encoded or cursor, raw_count=len(nodes), failures=failures)

    @operation
    def check_credentials(self) -> Flow[None]:
        """One cheap authenticated query (the id of one order, a few points of the bucket).

        :class:`~ecomflow.errors.AuthenticationFailed` when the access token is refused.
        """
        yield from self._query("orders", "query { orders(first: 1) { nodes { id } } }", {})

    @operation
    def get_order(self, channel_order_id: str) -> Flow[Order]:
        """One order as Shopify has it now (by the number in its GID)."""
        order_gid = self._gid_for(channel_order_id)
        data = yield from self._query("order", ORDER_QUERY, {"id": order_gid, "lines": ORDER_LINES})
        node = data.get("order")
        if node is None:
            raise NotFound(f"no Shopify order {channel_order_id!r}", endpoint="order")
        return self._map(node)

    def _gid_for(self, channel_order_id: str) -> str:
        try:
            return gid("Order", legacy_id(str(channel_order_id)))
        except ValueError:
            raise NotFound(
                f"{channel_order_id!r} is not a Shopify order id (the number in "
                "gid://shopify/Order/<number>)",
                endpoint="order",
            ) from None

    def _gid_of(self, order: Order) -> str:
        raw = (order.raw or {}).get("id")
        if isinstance(raw, str) and raw.startswith("gid://shopify/Order/"):
            return raw
        return self._gid_for(order.channel_order_id)

    # -- status and tracking --------------------------------------------------------------

    @operation
    def write_status(self, order: Order, status: OrderStatus) -> Flow[None]:
        """Carry out ``status`` on Shopify (see the module docstring for what each means).

        :class:`UnmappedStatus` when the channel's write-back map has no Shopify action
        for it.
        """
        channel = self.settings.channel
        target = self.status_map.to_channel(channel, status)
        action = WRITE_ACTIONS.get(target)
        if action is None:
            raise UnmappedStatus(
                channel=channel, status=OrderStatus(status).value, mapped=self._writable()
            )
        order_gid = self._gid_of(order)
        if action == "cancel":
            yield from self._cancel(order, order_gid)
        else:
            tracking = self._tracking(order.shipment) if order.shipment else None
            yield from self._fulfil(order, order_gid, tracking)

    def _writable(self) -> list[str]:
        found = []
        for status in OrderStatus:
            try:
                target = self.status_map.to_channel(self.settings.channel, status)
            except UnmappedStatus:
                continue
            if target in WRITE_ACTIONS:
                found.append(status.value)
        return found

    @operation
    def write_tracking(
        self, order: Order, shipment: ShipmentRef, *, first_attempt: bool = False
    ) -> Flow[None]:
        """Fulfil the order's open fulfillment orders with the shipment's tracking, once.

        One ``fulfillmentCreate`` per location (a call takes the fulfillment orders of one
        location). A repeat finds the tracking recorded; after a lost answer the order is
        read again. An order fulfilled earlier without tracking gets it added
        (``fulfillmentTrackingInfoUpdate``). ``first_attempt`` changes nothing here: the
        one read a fulfilment needs also shows what is recorded.
        """
        yield from self._fulfil(order, self._gid_of(order), self._tracking(shipment))

    def _tracking(self, shipment: ShipmentRef) -> dict[str, str]:
        company = self.settings.tracking_companies.get(shipment.carrier, shipment.carrier)
        tracking = {
            "number": shipment.tracking_number,
            "company": company,
            "url": shipment.tracking_url,
        }
        return {k: v for k, v in tracking.items() if v}

    def _state(self, order_gid: str) -> Flow[dict[str, Any]]:
        data = yield from self._query("order", FULFILLMENT_STATE, {"id": order_gid})
        found = data.get("order")
        if not isinstance(found, dict):
            raise NotFound(f"no Shopify order {order_gid}", endpoint="order")
        return found

    @staticmethod
    def _open_groups(state: Mapping[str, Any]) -> list[tuple[str, list[str]]]:
        groups: dict[str, list[str]] = {}
        for fo in (state.get("fulfillmentOrders") or {}).get("nodes") or []:
            actions = {a.get("action") for a in fo.get("supportedActions") or []}
            fulfillable = fo.get("status") in ("OPEN", "IN_PROGRESS") and (
                not actions or "CREATE_FULFILLMENT" in actions
            )
            if fulfillable:
                location = str(((fo.get("assignedLocation") or {}).get("location") or {}).get("id"))
                groups.setdefault(location, []).append(str(fo["id"]))
        return sorted(groups.items())

    @staticmethod
    def _numbers(fulfillment: Mapping[str, Any]) -> set[str]:
        return {
            str(t.get("number")) for t in fulfillment.get("trackingInfo") or [] if t.get("number")
        }

    def _fulfil(self, order: Order, order_gid: str, tracking: dict[str, str] | None) -> Flow[None]:
        state = yield from self._state(order_gid)
        if state.get("cancelledAt"):
            raise InvalidTransition(
                order_id=order.id,
                state="cancelled",
                event="fulfil",
                hint=f"Shopify order {order_gid} was cancelled at {state['cancelledAt']}; it is "
                "not fulfilled. Cancel the shipment instead.",
            )
        number = (tracking or {}).get("number")
        groups = self._open_groups(state)
        if not groups:
            yield from self._track_existing(order_gid, state, tracking)
            return
        for _, ids in groups:
            fulfillment: dict[str, Any] = {
                "lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": i} for i in ids],
                "notifyCustomer": self.settings.notify_customer,
            }
            if tracking:
                fulfillment["trackingInfo"] = tracking
            try:
                data = yield from self._mutate(
                    "fulfillmentCreate", FULFILLMENT_CREATE, {"fulfillment": fulfillment}
                )
            except EcomflowError as error:
                if not _lost(error):
                    raise
                again = yield from self._state(order_gid)
                still = {i for _, group in self._open_groups(again) for i in group}
                if still.intersection(ids):
                    raise
                continue
            errors = (data.get("fulfillmentCreate") or {}).get("userErrors") or []
            if errors:
                raise InvalidRequest(
                    f"Shopify refused to fulfil {order_gid}"
                    + (f" with tracking {number}" if number else "")
                    + ": "
                    + "; ".join(str(e.get("message")) for e in errors),
                    endpoint="fulfillmentCreate",
                    details={"userErrors": errors},
                )

    def _track_existing(
        self, order_gid: str, state: Mapping[str, Any], tracking: dict[str, str] | None
    ) -> Flow[None]:
        """Nothing left to fulfil: the tracking is there, or is added to an untracked one."""
        fulfillments = [f for f in state.get("fulfillments") or [] if f.get("status") == "SUCCESS"]
        number = (tracking or {}).get("number")
        if any(number in self._numbers(f) for f in fulfillments) or (not number and fulfillments):
            return
        untracked = [f for f in fulfillments if not self._numbers(f)]
        if not untracked or tracking is None:
            statuses = sorted(
                {
                    str(fo.get("status"))
                    for fo in (state.get("fulfillmentOrders") or {}).get("nodes") or []
                }
            )
            recorded = sorted({n for f in fulfillments for n in self._numbers(f)})
            raise InvalidRequest(
                f"Shopify order {order_gid} has nothing to fulfil (fulfillment orders: "
                f"{', '.join(statuses) or 'none'}; tracking recorded: "
                f"{', '.join(recorded) or 'none'}); {number or 'the shipment'} was not recorded",
                endpoint="fulfillmentCreate",
            )
        for fulfillment in untracked:
            data = yield from self._query(
                "fulfillmentTrackingInfoUpdate",
                TRACKING_UPDATE,
                {
                    "id": fulfillment["id"],
                    "tracking": tracking,
                    "notify": self.settings.notify_customer,
                },
            )
            errors = (data.get("fulfillmentTrackingInfoUpdate") or {}).get("userErrors") or []
            if errors:
                raise InvalidRequest(
                    "; ".join(str(e.get("message")) for e in errors),
                    endpoint="fulfillmentTrackingInfoUpdate",
                    details={"userErrors": errors},
                )

    def _cancel(self, order: Order, order_gid: str) -> Flow[None]:
        state = yield from self._state(order_gid)
        if state.get("cancelledAt"):
            return
        variables = {
            "id": order_gid,
            "reason": "OTHER",
            "refund": {"originalPaymentMethodsRefund": self.settings.cancel_refund},
            "restock": False,
            "notify": self.settings.notify_customer,
            "note": f"Cancelled by ecomflow (order {order.id}).",
        }
        try:
            data = yield from self._mutate("orderCancel", ORDER_CANCEL, variables)
        except EcomflowError as error:
            if not _lost(error):
                raise
            again = yield from self._state(order_gid)
            if again.get("cancelledAt"):
                return
            raise
        errors = (data.get("orderCancel") or {}).get("orderCancelUserErrors") or []
        if errors:
            raise InvalidRequest(
                f"Shopify refused to cancel {order_gid}: "
                + "; ".join(str(e.get("message")) for e in errors),
                endpoint="orderCancel",
                details={"userErrors": errors},
            )

    # -- stock ----------------------------------------------------------------------------

    @operation
    def publish_stock(self, updates: Sequence[StockUpdate]) -> Flow[PublishResult]:
        """Set ``available`` per SKU and location with ``inventorySetQuantities``.

        Compare-and-set: ``changeFromQuantity`` is ``StockUpdate.previous`` (the quantity
        last published, kept by the Orchestrator), or — on a first publication — the
        quantity read from Shopify just before (one query per location and 100 items). A
        refused quantity (stale, unknown item, not stocked…) is a per-SKU warning and is
        not counted as updated; so is an unknown SKU or a warehouse with no location.
        """
        result = PublishResult()
        wanted: dict[tuple[str, str], StockUpdate] = {}
        for update in updates:
            location = self.settings.location_for(update.warehouse)
            if location is None:
                result.warnings[update.sku] = (
                    f"no Shopify location for warehouse {update.warehouse!r}; add it to "
                    f"[channels.{self.settings.channel}] locations (or set location_id)"
                )
                continue
            wanted[(update.sku, location)] = update
        yield from self._resolve(sorted({sku for sku, _ in wanted}), result)
        entries: list[_Entry] = []
        for (sku, location), update in wanted.items():
            item = self.inventory_items.get(sku)
            if item is None:
                result.warnings.setdefault(sku, f"no Shopify variant has SKU {sku!r}")
                continue
            entries.append(_Entry(sku, item, location, update.quantity, update.previous))
        yield from self._baselines([e for e in entries if e.baseline is None], result)
        ready = [e for e in entries if e.baseline is not None]
        for chunk in _chunks(ready, MAX_QUANTITIES):
            yield from self._set(list(chunk), result)
        return result

    def _resolve(self, skus: list[str], result: PublishResult) -> Flow[None]:
        """Find the inventory item of every SKU not known yet (cached), 50 SKUs a search."""
        missing = [s for s in skus if s not in self.inventory_items]
        for batch in _chunks(missing, SKUS_PER_SEARCH):
            wanted = set(batch)
            found: dict[str, set[str]] = {}
            after: str | None = None
            while True:
                variables = {
                    "query": sku_search(batch),
                    "first": min(250, 2 * len(batch)),
                    "after": after,
                }
                data = yield from self._query("productVariants", VARIANTS_BY_SKU, variables)
                result.calls += 1
                page = data.get("productVariants") or {}
                for node in page.get("nodes") or []:
                    sku = node.get("sku")
                    item = (node.get("inventoryItem") or {}).get("id")
                    if sku in wanted and item:
                        found.setdefault(sku, set()).add(str(item))
                info = page.get("pageInfo") or {}
                if not info.get("hasNextPage") or not info.get("endCursor"):
                    break
                after = info["endCursor"]
            for sku, items in found.items():
                if len(items) == 1:
                    self.inventory_items[sku] = next(iter(items))
                else:
                    result.warnings[sku] = (
                        f"SKU {sku!r} is on {len(items)} Shopify variants; make it unique "
                        "before its stock can be published"
                    )

    def _baselines(self, entries: list[_Entry], result: PublishResult) -> Flow[None]:
        """Read the current quantities of first publications (their compare-and-set base)."""
        by_location: dict[str, list[_Entry]] = {}
        for entry in entries:
            by_location.setdefault(entry.location, []).append(entry)
        for location, group in sorted(by_location.items()):
            items = sorted({e.item for e in group})
            levels: dict[str, int | None] = {}
            for chunk in _chunks(items, _LEVELS_PER_QUERY):
                data = yield from self._query(
                    "nodes", INVENTORY_LEVELS, {"ids": list(chunk), "location": location}
                )
                result.calls += 1
                for node in data.get("nodes") or []:
                    if not isinstance(node, dict) or not node.get("id"):
                        continue
                    level = node.get("inventoryLevel")
                    quantities = (level or {}).get("quantities") or []
                    available = [
                        q.get("quantity") for q in quantities if q.get("name") == "available"
                    ]
                    levels[str(node["id"])] = (
                        int(available[0]) if available and isinstance(available[0], int) else None
                    )
            for entry in group:
                entry.baseline = levels.get(entry.item)
                if entry.baseline is None:
                    result.warnings[entry.sku] = (
                        f"SKU {entry.sku!r} is not stocked at {location} (no available "
                        "quantity to compare with); activate it there in Shopify"
                    )

    def _set(self, chunk: list[_Entry], result: PublishResult) -> Flow[None]:
        pending = chunk
        while pending:
            key = str(uuid.uuid4())  # one per call, made before its retries (@idempotent)
            variables = {
                "key": key,
                "input": {
                    "name": "available",
                    "reason": "correction",
                    "referenceDocumentUri": f"gid://ecomflow/StockPublication/{key}",
                    "quantities": [
                        {
                            "inventoryItemId": e.item,
                            "locationId": e.location,
                            "quantity": e.quantity,
                            "changeFromQuantity": e.baseline,
                        }
                        for e in pending
                    ],
                },
            }
            data = yield from self._query("inventorySetQuantities", INVENTORY_SET, variables)
            result.calls += 1
            payload = data.get("inventorySetQuantities") or {}
            errors = payload.get("userErrors") or []
            refused: dict[int, str] = {}
            general: list[str] = []
            for error in errors:
                text = f"{error.get('code') or 'REFUSED'}: {error.get('message')}"
                index = quantity_index(error.get("field"))
                if index is not None and index < len(pending):
                    refused[index] = text
                else:
                    general.append(text)
            if general:
                for entry in pending:
                    result.warnings[entry.sku] = "; ".join(general)
                return
            for index, text in refused.items():
                entry = pending[index]
                result.warnings[entry.sku] = f"{text} (at {entry.location}, not updated)"
                if text.startswith("INVALID_INVENTORY_ITEM"):
                    self.inventory_items.pop(entry.sku, None)
            if refused and payload.get("inventoryAdjustmentGroup") is None:
                # Nothing of this call was applied (whether Shopify applies the rest of a
                # call with a refused quantity is UNCONFIRMED): send the others again.
                pending = [e for i, e in enumerate(pending) if i not in refused]
                continue
            result.updated += len(pending) - len(refused)
            return

    # -- webhooks ---------------------------------------------------------------------------

    def parse_webhook(self, request: WebhookRequest) -> list[WebhookEvent]:
        """Verify ``X-Shopify-Hmac-Sha256``, then the order event (``[]`` for other topics)."""
        secret = self.settings.app_secret
        if secret is None:
            raise SignatureVerificationError(
                f"no app_secret in [channels.{self.settings.channel}]: Shopify webhooks cannot "
                "be verified; nothing applied",
                source="shopify",
            )
        return parse_order_webhook(request, secret.get_secret_value())


class ShopifyClient(_ShopifyOps, Client):
    """The sync Shopify client: ``OrderSource``, ``StockSink`` and ``WebhookSource``.

    >>> from ecomflow.adapters.protocols import OrderSource, StockSink, WebhookSource
    >>> client = ShopifyClient(ShopifySettings(shop_url="https://x.myshopify.com",
    ...                                        access_token="shpat_secret"))
    >>> [isinstance(client, p) for p in (OrderSource, StockSink, WebhookSource)]
    [True, True, True]
    >>> "shpat_secret" in repr(client)
    False
    """

    def __init__(
        self,
        settings: ShopifySettings,
        *,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        status_map: StatusMap | None = None,
        deliveries: DeliveryMap | None = None,
    ) -> None:
        Client.__init__(
            self,
            http_client=http_client,
            transport=transport,
            retry=retry or RetryPolicy(attempts=6, max_time=120.0),
            limiter=limiter,
            **self._configure(settings, status_map, deliveries),
        )


class AsyncShopifyClient(_ShopifyOps, AsyncClient):
    """The async twin of :class:`ShopifyClient` (same methods, as coroutines; ``aclose``)."""

    def __init__(
        self,
        settings: ShopifySettings,
        *,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        status_map: StatusMap | None = None,
        deliveries: DeliveryMap | None = None,
    ) -> None:
        AsyncClient.__init__(
            self,
            http_client=http_client,
            transport=transport,
            retry=retry or RetryPolicy(attempts=6, max_time=120.0),
            limiter=limiter,
            **self._configure(settings, status_map, deliveries),
        )
