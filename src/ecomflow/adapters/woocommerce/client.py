"""WooCommerce REST v3 client twins: every operation written once, as a flow both twins drive.

``WooCommerceClient`` and ``AsyncWooCommerceClient`` share :class:`_WooOps`;
each multi-call operation is a generator decorated with
:func:`~ecomflow.http.operation` (see :mod:`ecomflow.http.flow`), so the twins
cannot drift apart. Auth is in :mod:`.auth`, the update cursor in
:mod:`.cursor`, the mapping in :mod:`.mapper`, webhooks in :mod:`.webhooks`.

Wire details used here (reference Part B):

- base path ``<home>/wp-json/wc/v3``; lists take ``page`` (from 1) and ``per_page``
  (1–100) and answer ``X-WP-Total`` / ``X-WP-TotalPages`` (WC-src
  ``class-wc-rest-crud-controller.php`` ``get_items``; ``TotalPages`` is 0 for an
  empty list);
- orders: ``GET orders`` (``modified_after``, ``dates_are_gmt``, ``orderby=id``,
  ``order=asc`` — see :mod:`.cursor`), ``GET orders/<id>``, ``PUT orders/<id>``
  (``status``, ``meta_data``), ``GET``/``POST orders/<id>/notes``
  (WC-doc ``_order-notes.md``);
- products: ``GET products`` (``sku`` takes a comma-separated list — WC-src
  ``class-wc-rest-products-controller.php`` ``prepare_objects_query``; ``include``
  a list of ids), ``GET products/<id>/variations``, ``POST products/batch`` and
  ``POST products/<id>/variations/batch`` (≤ 100 objects; failed items come back as
  ``{"id", "error": {"code", "message", "data"}}`` with HTTP 200 — WC-src
  ``class-wc-rest-controller.php`` ``batch_items``).
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from ecomflow.adapters.protocols import (
    IntakeFailure,
    OrderBatch,
    PublishResult,
    WebhookEvent,
    WebhookRequest,
)
from ecomflow.adapters.woocommerce.auth import basic_authorization, oauth_query
from ecomflow.adapters.woocommerce.cursor import OrderCursor
from ecomflow.adapters.woocommerce.mapper import (
    DEFAULT_KEY,
    MAX_BATCH,
    WOO_STATUSES,
    StockTarget,
    batch_payloads,
    catalogue,
    intake,
    parents_needed,
    to_order,
)
from ecomflow.adapters.woocommerce.settings import WooCommerceSettings
from ecomflow.adapters.woocommerce.webhooks import parse_webhook
from ecomflow.errors import (
    AuthenticationFailed,
    ConfigurationError,
    MappingError,
    RemoteAPIError,
    TransportError,
)
from ecomflow.http import MALFORMED, AsyncClient, BaseClient, Call, Client, Flow, Sleep, operation
from ecomflow.http.ratelimit import RateLimiter
from ecomflow.http.retry import RetryPolicy
from ecomflow.orders.delivery import DeliveryMap
from ecomflow.orders.models import Order, ShipmentRef
from ecomflow.orders.status import OrderStatus, StatusMap
from ecomflow.stock.updates import StockUpdate

__all__ = ["TRACKING_META", "AsyncWooCommerceClient", "WooCommerceClient"]

_API = "/wp-json/wc/v3"

#: The order meta key where ecomflow records the shipments it wrote back (a list).
TRACKING_META = "_ecomflow_tracking"

#: The Shipment Tracking extension's order meta (reference B7; UNCONFIRMED whether a
#: shop's extension reads it from REST-written meta — it is the documented storage key).
EXTENSION_META = "_wc_shipment_tracking_items"

#: At most this many unknown SKUs are looked up with ``products?sku=a,b,…``; more
#: load the whole catalogue.
_SKU_SEARCH = 50


def _error(endpoint: str, text: str) -> RemoteAPIError:
    return RemoteAPIError(
        text + "; the shop may be having trouble", code=MALFORMED, endpoint=endpoint
    )


def _objects(payload: Any, endpoint: str) -> list[dict[str, Any]]:
    if not isinstance(payload, list):
        raise _error(endpoint, f"{endpoint} answered {type(payload).__name__}, not a list")
    return [item for item in payload if isinstance(item, dict)]


def _header_int(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name)
    return int(value) if value is not None and value.strip().isdigit() else None


@dataclass(frozen=True)
class _Listing:
    items: list[dict[str, Any]]
    pages: int
    started: str | None  # the shop's time when it answered the first page (GMT, seconds)


def _server_time(response: httpx.Response) -> str | None:
    """The ``Date`` header as ``YYYY-MM-DDTHH:MM:SS`` GMT, minus one second (its precision)."""
    value = response.headers.get("date")
    if not value:
        return None
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is None:
        return None
    return (moment.astimezone(UTC) - timedelta(seconds=1)).strftime("%Y-%m-%dT%H:%M:%S")


def _order_number(channel_order_id: str) -> int:
    text = str(channel_order_id).strip()
    if not text.isdigit():
        raise MappingError(
            f"WooCommerce order ids are numbers; {channel_order_id!r} is not one",
            source=DEFAULT_KEY,
            object_id=text,
            field="channel_order_id",
        )
    return int(text)


def _records(value: Any) -> list[dict[str, Any]]:
    """Our tracking meta as a list (an earlier version stored the bare number)."""
    if isinstance(value, str) and value:
        return [{"tracking_number": value}]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, dict)]
    return []


def _meta_value(raw: Mapping[str, Any], key: str) -> Any:
    for meta in raw.get("meta_data") or []:
        if isinstance(meta, dict) and meta.get("key") == key:
            return meta.get("value")
    return None


class _WooOps(BaseClient):
    """What the twins share: configuration, auth, pure helpers and the flows."""

    settings: WooCommerceSettings
    status_map: StatusMap
    deliveries: DeliveryMap

    def _setup(self, settings: WooCommerceSettings) -> dict[str, Any]:
        if not isinstance(settings, WooCommerceSettings):
            settings = WooCommerceSettings.model_validate(settings)
        if settings.url.startswith("http://") and not settings.allow_http:
            raise ConfigurationError(
                f"{settings.url} is plain HTTP; use HTTPS or set allow_http = true for a local shop."
            )
        self.settings = settings
        self.status_map = settings.status_map(WOO_STATUSES, DEFAULT_KEY)
        self.deliveries = settings.delivery_map(DeliveryMap.default(), DEFAULT_KEY)
        self._targets: dict[str, StockTarget] = {}
        self._parent_sku: dict[int, str | None] = {}
        self._catalogue_at: float | None = None
        return {
            "base_url": settings.url + _API,
            "timeout": settings.timeout,
            "secrets": (
                settings.consumer_key.get_secret_value(),
                settings.consumer_secret.get_secret_value(),
            ),
        }

    # -- auth and errors ---------------------------------------------------------------

    @property
    def _https(self) -> bool:
        return self.settings.url.startswith("https://")

    def auth_headers(self) -> dict[str, str]:
        """HTTP Basic over HTTPS (reference B1); over HTTP each request is signed instead."""
        if not self._https:
            return {}
        return {
            "Authorization": basic_authorization(
                self.settings.consumer_key.get_secret_value(),
                self.settings.consumer_secret.get_secret_value(),
            )
        }

    def _request_args(self, call: Call) -> dict[str, Any]:
        """Over plain HTTP, sign every attempt afresh (a nonce is never accepted twice)."""
        args = super()._request_args(call)
        if self._https:
            return args
        args["params"] = oauth_query(
            call.method,
            self.base_url + call.path,
            {k: str(v) for k, v in (call.params or {}).items()},
            key=self.settings.consumer_key.get_secret_value(),
            secret=self.settings.consumer_secret.get_secret_value(),
        )
        return args

    def error_fields(
        self, response: httpx.Response
    ) -> tuple[str | None, str | None, dict[str, Any]]:
        """WordPress errors are ``{"code", "message", "data": {"status", "params"?}}`` (B6)."""
        try:
            payload = response.json()
        except ValueError:
            return None, None, {}
        if not isinstance(payload, dict):
            return None, None, {}
        data = payload.get("data")
        params = data.get("params") if isinstance(data, dict) else None
        message = payload.get("message")
        code = payload.get("code")
        return (
            message if isinstance(message, str) else None,
            code if isinstance(code, str) else None,
            params if isinstance(params, dict) else {},
        )

    def _call(
        self,
        method: str,
        path: str,
        endpoint: str,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        idempotent: bool = True,
        full: bool = False,
    ) -> Call:
        query = {k: str(v) for k, v in (params or {}).items()}
        return Call(
            method, path, endpoint, params=query, json=json, idempotent=idempotent, full=full
        )

    # -- reading -----------------------------------------------------------------------

    def _list_all(
        self, path: str, endpoint: str, params: Mapping[str, Any]
    ) -> Flow[list[dict[str, Any]]]:
        """Every item of a list, page by page (see :meth:`_listing`)."""
        listing = yield from self._listing(path, endpoint, params)
        return listing.items

    def _listing(self, path: str, endpoint: str, params: Mapping[str, Any]) -> Flow[_Listing]:
        """Every page of a list, how many pages, and when the shop answered the first.

        If the list shrank while it was read (offset paging may then skip an item),
        it is read once more from the first page (items are merged).
        """
        items: list[dict[str, Any]] = []
        page, first_total, restarts, pages_read = 1, None, 0, 0
        started: str | None = None
        while True:
            payload, response = yield self._call(
                "GET",
                path,
                endpoint,
                params={**params, "page": page, "per_page": self.settings.per_page},
                full=True,
            )
            pages_read += 1
            if started is None:
                started = _server_time(response)
            found = _objects(payload, endpoint)
            items.extend(found)
            total = _header_int(response, "x-wp-total")
            pages = _header_int(response, "x-wp-totalpages")
            if first_total is None:
                first_total = total
            elif total is not None and total < first_total and restarts < 2:
                page, first_total, restarts = 1, None, restarts + 1
                continue
            if (
                not payload
                or (pages is not None and page >= pages)
                or (pages is None and len(payload) < self.settings.per_page)
            ):
                return _Listing(items, pages_read, started)
            page += 1

    def _parent_skus(self, raws: Iterable[Mapping[str, Any]]) -> Flow[dict[int, str | None]]:
        """The SKUs of the parents of variation lines (cached): one call per 100 parents."""
        missing = sorted(parents_needed(raws) - self._parent_sku.keys())
        for start in range(0, len(missing), MAX_BATCH):
            chunk = missing[start : start + MAX_BATCH]
            payload = yield self._call(
                "GET",
                "/products",
                "list_products",
                params={"include": ",".join(map(str, chunk)), "per_page": MAX_BATCH},
            )
            for product in _objects(payload, "list_products"):
                if isinstance(product.get("id"), int):
                    sku = product.get("sku")
                    self._parent_sku[product["id"]] = sku if isinstance(sku, str) else None
            for parent in chunk:
                self._parent_sku.setdefault(parent, None)  # deleted: its lines keep their SKU
        return self._parent_sku

    def _intake(self, raw: Any) -> Order | IntakeFailure:
        return intake(
            raw,
            self.status_map,
            self.deliveries,
            channel=self.settings.channel,
            parent_skus=self._parent_sku,
            point_keys=self.settings.point_meta_keys,
        )

    @operation
    def fetch_orders(self, cursor: str | None = None) -> Flow[OrderBatch]:
        """Every order created or changed since ``cursor``, once per change (see :mod:`.cursor`).

        An order that cannot be mapped comes back in ``failures`` (raw payload
        kept) and the cursor moves past it; it comes back when it changes again.
        """
        state = OrderCursor.decode(cursor)
        params = {**state.query(), "orderby": "id", "order": "asc"}
        listing = yield from self._listing("/orders", "list_orders", params)
        raws = listing.items
        # Over several pages, an order on an early page may change again before the last
        # page is read: the next boundary stays at the second the first page was answered.
        until = listing.started if listing.pages > 1 else None
        changed, after = state.advance(raws, until=until)
        yield from self._parent_skus(changed)
        orders: list[Order] = []
        failures: list[IntakeFailure] = []
        for raw in changed:
            result = self._intake(raw)
            if isinstance(result, Order):
                orders.append(result)
            else:
                failures.append(result)
        return OrderBatch(orders, after.encode() or cursor, len(raws), failures)

    @operation
    def check_credentials(self) -> Flow[None]:
        """One cheap authenticated call (one order listed): the REST API keys are accepted.

        :class:`~ecomflow.errors.AuthenticationFailed` when they are not.
        """
        yield self._call("GET", "/orders", "check_credentials", params={"per_page": 1})

    @operation
    def get_order(self, channel_order_id: str) -> Flow[Order]:
        """One order as the shop has it now (:class:`~ecomflow.errors.MappingError` if bad)."""
        number = _order_number(channel_order_id)
        raw = yield self._call("GET", f"/orders/{number}", "get_order")
        if not isinstance(raw, dict):
            raise _error("get_order", f"order {number} is not a JSON object")
        yield from self._parent_skus([raw])
        return to_order(
            raw,
            self.status_map,
            self.deliveries,
            channel=self.settings.channel,
            parent_skus=self._parent_sku,
            point_keys=self.settings.point_meta_keys,
        )

    # -- writing back ------------------------------------------------------------------

    def _id_of(self, order: Order) -> int:
        raw_id = (order.raw or {}).get("id")
        if isinstance(raw_id, int) and not isinstance(raw_id, bool):
            return raw_id
        return _order_number(order.channel_order_id)

    @operation
    def write_status(self, order: Order, status: OrderStatus) -> Flow[None]:
        """Set the order's WooCommerce status, mapped through the channel's status map.

        :class:`~ecomflow.errors.UnmappedStatus` when the channel has no status for it
        (the default map writes ``completed``, ``cancelled`` and ``refunded``).
        """
        value = self.status_map.to_channel(self.settings.channel, status)
        yield self._call(
            "PUT", f"/orders/{self._id_of(order)}", "update_order", json={"status": value}
        )

    @staticmethod
    def _identity(shipment: ShipmentRef) -> str:
        if shipment.tracking_number:
            return shipment.tracking_number
        if shipment.shipment_id:
            return f"shipment {shipment.shipment_id}"
        raise MappingError(
            "a shipment to write back needs a tracking number or a shipment id",
            field="shipment",
        )

    def _note_text(self, shipment: ShipmentRef, identity: str) -> str:
        service = f" ({shipment.service_id})" if shipment.service_id else ""
        link = f" {shipment.tracking_url}" if shipment.tracking_url else ""
        return f"{shipment.carrier.upper()}{service} tracking: {identity}{link} [ecomflow]"

    @staticmethod
    def _noted(notes: Any, identity: str) -> bool:
        """Whether one of the notes is ours for this shipment (``tracking: <identity>``)."""
        mark = re.compile(rf"tracking: {re.escape(identity)}(?:\s|$)")
        return isinstance(notes, list) and any(
            isinstance(note, dict) and mark.search(str(note.get("note") or "")) for note in notes
        )

    def _meta_body(
        self, raw: Mapping[str, Any] | None, shipment: ShipmentRef, identity: str
    ) -> dict[str, Any]:
        record = {
            "carrier": shipment.carrier,
            "service_id": shipment.service_id,
            "shipment_id": shipment.shipment_id,
            "tracking_number": shipment.tracking_number,
        }
        ours = _records(_meta_value(raw or {}, TRACKING_META))
        if not any(
            identity in (r.get("tracking_number"), f"shipment {r.get('shipment_id')}") for r in ours
        ):
            ours.append(record)
        meta: list[dict[str, Any]] = [{"key": TRACKING_META, "value": ours}]
        if self.settings.tracking_meta and shipment.tracking_number:
            items = _records(_meta_value(raw or {}, EXTENSION_META))
            if not any(i.get("tracking_number") == shipment.tracking_number for i in items):
                items.append(
                    {
                        "tracking_provider": shipment.carrier,
                        "custom_tracking_provider": "",
                        "custom_tracking_link": shipment.tracking_url or "",
                        "tracking_number": shipment.tracking_number,
                        "date_shipped": int(time.time()),
                        "tracking_id": shipment.tracking_number,
                    }
                )
            meta.append({"key": EXTENSION_META, "value": items})
        return {"meta_data": meta}

    @operation
    def write_tracking(
        self, order: Order, shipment: ShipmentRef, *, first_attempt: bool = False
    ) -> Flow[None]:
        """Record the shipment on the order once: a staff note, then the order meta.

        The meta (``_ecomflow_tracking``, plus the Shipment Tracking extension's when
        ``tracking_meta`` is set) marks the shipment recorded. Unless
        ``first_attempt`` (the caller's durable note that nothing was written yet),
        the order and its notes are read first, so a repeat finds it done and a
        note left by an interrupted attempt is not added again. A note whose answer
        was lost is looked for before it is sent again.
        """
        number = self._id_of(order)
        identity = self._identity(shipment)
        raw: dict[str, Any] | None = None
        if not first_attempt or self.settings.tracking_meta:  # the extension's list is merged
            found = yield self._call("GET", f"/orders/{number}", "get_order")
            raw = found if isinstance(found, dict) else None
            ours = _records(_meta_value(raw or {}, TRACKING_META))
            if any(
                identity in (r.get("tracking_number"), f"shipment {r.get('shipment_id')}")
                for r in ours
            ):
                return
        notes_path = f"/orders/{number}/notes"
        noted = False
        if not first_attempt:
            notes = yield self._call("GET", notes_path, "list_notes", params={"type": "internal"})
            noted = self._noted(notes, identity)
        attempt = 0
        while not noted:
            attempt += 1
            try:
                yield self._call(
                    "POST",
                    notes_path,
                    "add_note",
                    json={"note": self._note_text(shipment, identity), "customer_note": False},
                    idempotent=False,
                )
                noted = True
            except (TransportError, RemoteAPIError) as error:
                if not self.retry.should_retry(error) or attempt >= self.retry.attempts:
                    raise
                notes = yield self._call(
                    "GET", notes_path, "list_notes", params={"type": "internal"}
                )
                noted = self._noted(notes, identity)  # the lost answer's note may be there
                if not noted:
                    yield Sleep(self.retry.delay(attempt, error))
        yield self._call(
            "PUT",
            f"/orders/{number}",
            "update_order",
            json=self._meta_body(raw, shipment, identity),
        )

    # -- stock -------------------------------------------------------------------------

    def _load(self) -> Flow[dict[str, StockTarget]]:
        products = yield from self._list_all(
            "/products", "list_products", {"orderby": "id", "order": "asc"}
        )
        variations: dict[int, list[dict[str, Any]]] = {}
        for product in products:
            if product.get("type") == "variable" and isinstance(product.get("id"), int):
                variations[product["id"]] = yield from self._list_all(
                    f"/products/{product['id']}/variations",
                    "list_variations",
                    {"orderby": "id", "order": "asc"},
                )
        self._targets = catalogue(products, variations)
        for product in products:
            if isinstance(product.get("id"), int):
                sku = product.get("sku")
                self._parent_sku[product["id"]] = sku if isinstance(sku, str) else None
        self._catalogue_at = time.monotonic()
        return dict(self._targets)

    @operation
    def load_catalogue(self) -> Flow[dict[str, StockTarget]]:
        """Read every product and variation now: SKU → where its stock lives (cached)."""
        return (yield from self._load())

    def _resolve(self, skus: set[str]) -> Flow[str | None]:
        """Make the SKUs known; returns why some could not be looked up (``None``: fine).

        A few are looked up with ``products?sku=a,b``; the rest (variations among
        them) by reading the whole catalogue — at most once per
        ``catalogue_refresh_seconds``. A failed look-up leaves its SKUs unknown
        (per-SKU warnings) instead of stopping the publication.
        """
        unknown = {s for s in skus if s not in self._targets}
        for sku in list(unknown):
            tail = sku.removeprefix("woo-product-")
            if tail != sku and tail.isdigit():
                self._targets[sku] = StockTarget(int(tail))
                unknown.discard(sku)
        try:
            if unknown and len(unknown) <= _SKU_SEARCH:
                # WooCommerce splits ``sku`` at commas and adds the whole string: SKUs
                # without a comma go in one query, a SKU with a comma alone.
                plain = sorted(s for s in unknown if "," not in s)
                queries = [",".join(plain)] if plain else []
                queries += sorted(s for s in unknown if "," in s)
                for query in queries:
                    payload = yield self._call(
                        "GET",
                        "/products",
                        "list_products",
                        params={"sku": query, "per_page": MAX_BATCH},
                    )
                    for product in _objects(payload, "list_products"):
                        found = product.get("sku")
                        if (
                            isinstance(found, str)
                            and found in unknown
                            and isinstance(product.get("id"), int)
                        ):
                            self._targets[found] = StockTarget(product["id"])
                            unknown.discard(found)
            stale = self._catalogue_at is None or (
                time.monotonic() - self._catalogue_at >= self.settings.catalogue_refresh_seconds
            )
            if unknown and stale:
                yield from self._load()
        except AuthenticationFailed:
            raise
        except (RemoteAPIError, TransportError) as error:
            return f"the SKU could not be looked up ({error})"
        return None

    def _send_batch(
        self,
        path: str,
        endpoint: str,
        body: dict[str, Any],
        names: Mapping[int, str],
        result: PublishResult,
    ) -> Flow[None]:
        result.calls += 1
        try:
            answer = yield self._call("POST", path, endpoint, json=body)
        except AuthenticationFailed:
            raise
        except (RemoteAPIError, TransportError) as error:  # one batch failed, not the rest
            for item in body["update"]:
                result.warnings[names[item["id"]]] = f"not published: {error}"
            return
        echoed = answer.get("update") if isinstance(answer, dict) else None
        done: set[int] = set()
        for item in echoed if isinstance(echoed, list) else []:
            if not isinstance(item, dict) or item.get("id") not in names:
                continue
            done.add(item["id"])
            refused = item.get("error")
            if isinstance(refused, dict):
                sku = names[item["id"]]
                result.warnings[sku] = f"{refused.get('message')} ({refused.get('code')})"
                self._targets.pop(sku, None)  # deleted since it was resolved: resolve again
            else:
                result.updated += 1
        for item in body["update"]:
            if item["id"] not in done:
                result.warnings[names[item["id"]]] = "WooCommerce did not confirm this item"

    @operation
    def publish_stock(self, updates: Sequence[StockUpdate]) -> Flow[PublishResult]:
        """Publish ``stock_quantity`` of products and variations, ≤ 100 a call.

        Products go through ``products/batch``, variations through
        ``products/<parent>/variations/batch``.

        An unknown SKU, an item WooCommerce refuses or a failed batch is a per-SKU
        warning; the rest is published. SKU → product or variation is resolved
        once and cached (see :meth:`load_catalogue`).
        """
        result = PublishResult()
        latest = {u.sku: u for u in updates}  # the last quantity per SKU wins
        direct = {
            sku: StockTarget(int(u.product_id))
            for sku, u in latest.items()
            if u.product_id and u.product_id.isdigit()
        }
        problem = yield from self._resolve(set(latest) - set(direct))
        products: list[tuple[int, int]] = []
        product_names: dict[int, str] = {}
        variations: dict[int, list[tuple[int, int]]] = {}
        variation_names: dict[int, dict[int, str]] = {}
        for sku, update in latest.items():
            target = direct.get(sku) or self._targets.get(sku)
            if target is None:
                result.warnings[sku] = problem or (
                    f"no product or variation with SKU {sku!r} in WooCommerce; give the product "
                    "(or its variation) this SKU, or stop publishing it to this channel"
                )
            elif target.variation_id is None:
                products.append((target.product_id, update.quantity))
                product_names[target.product_id] = sku
            else:
                variations.setdefault(target.product_id, []).append(
                    (target.variation_id, update.quantity)
                )
                variation_names.setdefault(target.product_id, {})[target.variation_id] = sku
        for body in batch_payloads(products):
            yield from self._send_batch(
                "/products/batch", "batch_products", body, product_names, result
            )
        for parent, items in variations.items():
            for body in batch_payloads(items):
                yield from self._send_batch(
                    f"/products/{parent}/variations/batch",
                    "batch_variations",
                    body,
                    variation_names[parent],
                    result,
                )
        return result

    # -- webhooks ----------------------------------------------------------------------

    def parse_webhook(self, request: WebhookRequest) -> list[WebhookEvent]:
        """Verify a delivery (see :func:`~ecomflow.adapters.woocommerce.webhooks.parse_webhook`)."""
        secret = self.settings.webhook_secret
        return parse_webhook(
            request,
            secret=secret.get_secret_value() if secret is not None else None,
            source=self.settings.channel,
        )


class WooCommerceClient(_WooOps, Client):
    """The sync WooCommerce client: ``OrderSource``, ``StockSink`` and ``WebhookSource``.

    Built as ``WooCommerceClient(settings)`` (what the registry does); ``retry``,
    ``limiter``, ``http_client`` and ``transport`` are optional.
    """

    def __init__(
        self,
        settings: WooCommerceSettings,
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
            retry=retry or RetryPolicy(attempts=4, max_time=60.0),
            limiter=limiter,
            **self._setup(settings),
        )


class AsyncWooCommerceClient(_WooOps, AsyncClient):
    """The async twin of :class:`WooCommerceClient` (the same methods, as coroutines)."""

    def __init__(
        self,
        settings: WooCommerceSettings,
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
            retry=retry or RetryPolicy(attempts=4, max_time=60.0),
            limiter=limiter,
            **self._setup(settings),
        )
