"""BaseLinker client twins: every operation written once as a flow, driven sync and async.

Wire (reference §1): ``POST connector.php`` with header ``X-BLToken`` and form
fields ``method`` and ``parameters`` (JSON). Success is decided from the
envelope's ``status`` (``SUCCESS``/``ERROR`` with ``error_code`` and
``error_message``), never from the HTTP code.

The operations live on :class:`BaseLinkerOperations` as flows
(:func:`ecomflow.http.operation`): :class:`BaseLinkerClient` runs them with plain
calls and :class:`AsyncBaseLinkerClient` with ``await`` — one copy of the logic.

Calls, and what keeps them few (the Orchestrator's budget is ≤ 1.05 calls per
order under the 100 requests/minute limit):

- ``fetch_orders``: one ``getJournalList`` and one ``getOrders`` per 100 new orders;
  changed orders are re-read with ``getOrders`` (``order_id`` selects exactly one
  order — BL-doc: "Completing this field will download information about only one
  specific order" — so there is no bulk read by ids; when several changed orders
  lie among the newest ones, a range read from ``id_from`` replaces one call each);
- ``write_statuses``: one ``setOrderStatuses`` per target status (per 100 orders);
- ``write_tracking(..., first_attempt=True)``: one ``createPackageManual``;
- ``publish_stock``: one ``updateInventoryProductsStock`` per 1000 products, SKUs
  resolved once with ``getInventoryProductsList`` (1000 per call) and cached.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import logging
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from pydantic import ValidationError

from ecomflow.adapters.baselinker.journal import (
    JOURNAL_PAGE,
    JOURNAL_WINDOW,
    WANTED_TYPES,
    to_reread,
)
from ecomflow.adapters.baselinker.mapper import (
    MAX_PACKAGE_NUMBER,
    OrderMapper,
    bl_order_id,
    stock_payloads,
)
from ecomflow.adapters.baselinker.memory import Bounded, RecentOrders, digest
from ecomflow.adapters.baselinker.paging import FetchCursor, OrderPager, ref_of
from ecomflow.adapters.baselinker.settings import BaseLinkerSettings
from ecomflow.adapters.baselinker.wire import (
    BLInventoryProduct,
    BLLog,
    BLPackage,
    BLStatus,
    BLStockResult,
)
from ecomflow.adapters.protocols import (
    IntakeFailure,
    OrderBatch,
    PublishResult,
    StatusChange,
    StatusWriteResult,
)
from ecomflow.clock import Clock, utc_now
from ecomflow.errors import (
    AuthenticationFailed,
    ConfigurationError,
    CursorOverflow,
    EcomflowError,
    InvalidRequest,
    MappingError,
    NotFound,
    RateLimited,
    RemoteAPIError,
    TransportError,
    UnmappedStatus,
)
from ecomflow.http import (
    MALFORMED,
    AsyncClient,
    Call,
    Client,
    Flow,
    RateLimiter,
    RetryPolicy,
    operation,
)
from ecomflow.orders.delivery import DeliveryMap
from ecomflow.orders.models import Order, ShipmentRef
from ecomflow.orders.status import OrderStatus, StatusMap
from ecomflow.stock.updates import StockUpdate

__all__ = [
    "AsyncBaseLinkerClient",
    "BaseLinkerClient",
    "BaseLinkerOperations",
    "limiter_for",
]

logger = logging.getLogger("ecomflow.adapters.baselinker")

#: How long BaseLinker blocks an account that broke the limit (reference §2: "about 5 minutes").
BLOCK_SECONDS = 300.0

#: Orders per setOrderStatuses call. The method's limit is UNCONFIRMED (BL-det shows
#: only a two-order sample); 100 keeps a call the size of a getOrders page.
BULK_STATUS_MAX = 100

#: getInventoryProductsList answers 1000 products per page (BL-doc).
PRODUCTS_PAGE = 1000

#: An unknown SKU makes the client list the catalogue again at most this often.
PRODUCTS_REFRESH_SECONDS = 600

#: Journal pages read in one fetch at most (the rest waits for the next fetch).
MAX_JOURNAL_PAGES = 50

_LIMITERS: dict[str, RateLimiter] = {}


def limiter_for(token: str, per_minute: int, clock: object | None = None) -> RateLimiter:
    """The one rate limiter of a BaseLinker account, shared by its clients and twins."""
    key = f"{hashlib.sha256(token.encode()).hexdigest()}:{per_minute}:{id(clock)}"
    if key not in _LIMITERS:
        _LIMITERS[key] = RateLimiter(per_minute, 60.0, clock=clock)
    return _LIMITERS[key]


def _orders_of(answer: Mapping[str, Any]) -> list[Any]:
    orders = answer.get("orders")
    if orders is None:
        return []
    if isinstance(orders, Mapping):  # tolerate an object keyed by order id
        return list(orders.values())
    if not isinstance(orders, list):
        raise RemoteAPIError(
            f"getOrders answered with orders of type {type(orders).__name__}, not a list",
            code=MALFORMED,
            endpoint="getOrders",
        )
    return orders


def _find_status(names: Mapping[int, str], wanted: str) -> int | None:
    text = wanted.strip()
    for status_id, name in names.items():
        if name == text:
            return status_id
    for status_id, name in names.items():
        if name.casefold() == text.casefold():
            return status_id
    if text.isdigit() and int(text) in names:
        return int(text)
    return None


def _maybe_applied(error: EcomflowError) -> bool:
    """Whether a failed write may have been applied (its answer was lost)."""
    if isinstance(error, TransportError):
        return True
    return isinstance(error, RemoteAPIError) and (
        (error.status or 0) >= 500 or error.code == MALFORMED
    )


class BaseLinkerOperations:
    """The BaseLinker operations, each written once as a flow (shared by both twins).

    Public state the twins share: :attr:`settings`, :attr:`status_map`,
    :attr:`delivery_map` and :attr:`mapper`.
    """

    settings: BaseLinkerSettings
    status_map: StatusMap
    delivery_map: DeliveryMap
    mapper: OrderMapper
    _path: str
    _clock: Clock
    _status_names: dict[int, str] | None
    _skus: dict[str, list[str]] | None
    _skus_at: float
    _own_writes: MutableMapping[str, str]
    _sent: Bounded[int, bytes]
    _recent: RecentOrders

    def _setup(self, settings: BaseLinkerSettings, clock: Clock | None) -> dict[str, Any]:
        token = settings.token.get_secret_value()
        if not token:
            raise ConfigurationError("BaseLinker token is empty; set settings.token.")
        parts = urlsplit(settings.url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ConfigurationError(f"BaseLinker url {settings.url!r} must be an http(s) URL.")
        self.settings = settings
        self.status_map = settings.status_map(StatusMap.default(), "baselinker")
        self.delivery_map = settings.delivery_map(DeliveryMap.default(), "baselinker")
        self.mapper = OrderMapper(settings.channel, self.status_map, self.delivery_map)
        self._path = parts.path or "/"
        self._clock = clock or utc_now
        self._status_names = None
        self._skus = None
        self._skus_at = 0.0
        self._own_writes = Bounded(10_000)  # the Orchestrator's shared notes replace it
        self._sent = Bounded(50_000)
        self._recent = RecentOrders()
        return {
            "base_url": f"{parts.scheme}://{parts.netloc}",
            "secrets": (token,),
            "timeout": settings.timeout,
        }

    def keep_notes_in(self, notes: MutableMapping[str, str]) -> None:
        """``KeepsNotes``: note the statuses written here in ``notes`` (the store's).

        With several workers the one that reads the journal is often not the one
        that wrote the status; shared notes let it skip the echo all the same.
        """
        self._own_writes = notes

    # -- the wire ------------------------------------------------------------------------

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
        """Map the ``status: ERROR`` envelope to typed errors (secrets redacted)."""
        redact = self._redact  # type: ignore[attr-defined]
        if not isinstance(payload, dict) or "status" not in payload:
            raise RemoteAPIError(
                "answer without a status envelope; the API may be having trouble",
                status=response.status_code,
                code=MALFORMED,
                body=redact(response.text),
                endpoint=call.endpoint,
            )
        if payload["status"] == "SUCCESS":
            return payload
        code = redact(str(payload.get("error_code") or "ERROR"))
        message = redact(str(payload.get("error_message") or code))
        common: dict[str, Any] = {
            "status": None,
            "code": code,
            "body": redact(response.text),
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

    def error_fields(
        self, response: httpx.Response
    ) -> tuple[str | None, str | None, dict[str, Any]]:
        """An HTTP error that carries the BaseLinker envelope keeps its ``error_code``."""
        try:
            payload = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            return None, None, {}
        if isinstance(payload, dict) and payload.get("status") == "ERROR":
            message = payload.get("error_message")
            code = payload.get("error_code")
            return (
                str(message) if message else None,
                str(code) if code else None,
                {},
            )
        return None, None, {}

    def _orders(self, parameters: Mapping[str, Any]) -> Flow[list[Any]]:
        answer = yield self._call("getOrders", parameters)
        return _orders_of(answer)

    def _names(self, refresh: bool = False) -> Flow[dict[int, str]]:
        if self._status_names is None or refresh:
            answer = yield self._call("getOrderStatusList")
            names: dict[int, str] = {}
            for entry in answer.get("statuses") or []:
                try:
                    status = BLStatus.model_validate(entry)
                except ValidationError:
                    logger.warning("getOrderStatusList: unreadable status %r skipped", entry)
                    continue
                names[status.id] = status.name
            self._status_names = names
        return self._status_names

    def _names_for(self, raws: Sequence[Any]) -> Flow[dict[int, str]]:
        """Status names, read again once when an order has a status not seen before."""
        names = yield from self._names()
        for raw in raws:
            status = raw.get("order_status_id") if isinstance(raw, dict) else None
            try:
                known = status is None or int(status) in names
            except (TypeError, ValueError):
                known = True
            if not known:
                return (yield from self._names(refresh=True))
        return names

    def _status_id(self, channel_status: str) -> Flow[int]:
        for refresh in (False, True):
            names = yield from self._names(refresh)
            found = _find_status(names, channel_status)
            if found is not None:
                return found
        raise ConfigurationError(
            f"BaseLinker has no order status {channel_status!r} (it has: "
            f"{', '.join(repr(n) for n in sorted(names.values())) or 'none'}). Add it in "
            f"BaseLinker or fix [channels.{self.settings.channel}.write_back] in ecomflow.toml."
        )

    # -- orders --------------------------------------------------------------------------

    @operation
    def check_credentials(self) -> Flow[None]:
        """One cheap authenticated call (getOrderStatusList): the token is accepted.

        :class:`~ecomflow.errors.AuthenticationFailed` when it is not.
        """
        yield from self._names(refresh=True)

    @operation
    def order_statuses(self, refresh: bool = False) -> Flow[dict[int, str]]:
        """BaseLinker's order statuses, id → name (getOrderStatusList, cached)."""
        return dict((yield from self._names(refresh)))

    @operation
    def get_order(self, channel_order_id: str) -> Flow[Order]:
        """``OrderSource``: one confirmed order as BaseLinker has it now.

        ``getOrders`` with ``order_id`` (BL-doc: one specific order). Raises
        :class:`~ecomflow.errors.NotFound`, or :class:`~ecomflow.errors.MappingError` /
        ``UnmappedStatus`` / ``UnmappedDeliveryMethod`` for an order that cannot be mapped.
        """
        order_id = bl_order_id(channel_order_id)
        raws = yield from self._orders({"order_id": order_id, "get_unconfirmed_orders": False})
        found = [r for r in raws if (ref := ref_of(r)) is not None and ref.order_id == order_id]
        if not found:
            raise NotFound(
                f"BaseLinker has no confirmed order {order_id}",
                code="ORDER_NOT_FOUND",
                endpoint="getOrders",
            )
        names = yield from self._names_for(found)
        return self.mapper.order(found[0], names)

    @operation
    def fetch_orders(self, cursor: str | None = None) -> Flow[OrderBatch]:
        """``OrderSource``: orders confirmed or changed since ``cursor``, each once.

        1. the journal (``getJournalList`` from ``last_log_id``) names the orders
           changed since the cursor (see :mod:`~ecomflow.adapters.baselinker.journal`);
        2. ``getOrders`` pages take in newly confirmed orders (see :mod:`.paging`);
        3. changed orders not on those pages are read again;
        4. without the journal (``journal = "off"``, or ``"auto"`` while it has never
           answered), orders confirmed in the last ``reread_days`` are read again at
           most every ``reread_every_minutes``; the Orchestrator de-duplicates them.

        An order that cannot be mapped comes back as an :class:`IntakeFailure`; the
        cursor moves past it. :class:`~ecomflow.errors.CursorOverflow` when more
        than 100 orders share a second and getOrders cannot page through them.
        """
        state = FetchCursor.decode(cursor)
        now = int(self._clock().timestamp())
        first = state.date == 0 and cursor in (None, "")
        got: dict[int, tuple[Any, int | None]] = {}
        unreadable: list[Any] = []

        wanted: dict[int, int] = {}
        lapsed = False
        if self.settings.journal != "off":
            if state.journal_at and now - state.journal_at > JOURNAL_WINDOW - 7200:
                lapsed = True  # events older than the journal's 3 days may be gone
            logs, state = yield from self._read_journal(state, now)
            wanted = to_reread(logs, self._own_writes)

        pager = OrderPager(state.date, state.seen, source=self.settings.channel)
        while not pager.done:
            raws = yield from self._orders(pager.query())
            for raw, ref in self._take(pager, raws, unreadable):
                got[ref.order_id] = (raw, wanted.get(ref.order_id))
        state = state.paged(pager)

        yield from self._reread(wanted, got)

        if self._without_journal(state):
            if first:
                state = replace(state, reread_at=now // 60 * 60)
            elif lapsed or now - state.reread_at >= self.settings.reread_every_minutes * 60:
                yield from self._reread_recent(got, now)
                state = replace(state, reread_at=now // 60 * 60)
        elif lapsed:
            yield from self._reread_recent(got, now)

        names = yield from self._names_for([raw for raw, _ in got.values()])
        orders: list[Order] = []
        failures: list[IntakeFailure] = []
        for order_id, (raw, changed_at) in got.items():
            mapped = self.mapper.order_or_failure(raw, names, changed_at=changed_at)
            if isinstance(mapped, IntakeFailure):
                failures.append(mapped)
            else:
                orders.append(mapped)
            self._sent[order_id] = digest(raw)
        for raw in unreadable:
            failures.append(
                IntakeFailure(
                    channel=self.settings.channel,
                    channel_order_id=None,
                    reason="getOrders sent an order without a readable order_id or "
                    "date_confirmed; check it in BaseLinker",
                    raw=raw,
                    error="MappingError",
                )
            )
        return OrderBatch(
            orders, state.encode(), raw_count=len(got) + len(unreadable), failures=failures
        )

    def _without_journal(self, state: FetchCursor) -> bool:
        mode = self.settings.journal
        return mode == "off" or (mode == "auto" and state.log_id is None)

    def _take(
        self, pager: OrderPager, raws: Sequence[Any], unreadable: list[Any]
    ) -> list[tuple[Any, Any]]:
        """The fresh ``(raw, ref)`` of a page; unreadable orders are set aside once."""
        by_id: dict[int, Any] = {}
        refs = []
        for raw in raws:
            ref = ref_of(raw)
            if ref is None:
                if raw not in unreadable:
                    unreadable.append(raw)
                continue
            by_id[ref.order_id] = raw
            refs.append(ref)
        fresh = pager.take(refs)
        for ref in fresh:
            self._recent.add(ref.order_id, ref.date)
        return [(by_id[ref.order_id], ref) for ref in fresh]

    def _read_journal(self, state: FetchCursor, now: int) -> Flow[tuple[list[BLLog], FetchCursor]]:
        last = state.log_id or 0
        logs: list[BLLog] = []
        behind = False
        for page_number in range(MAX_JOURNAL_PAGES):
            answer = yield self._call(
                "getJournalList", {"last_log_id": last, "logs_types": list(WANTED_TYPES)}
            )
            new = [log for log in _logs_of(answer) if log.id > last]
            logs += new
            if new:
                last = max(log.id for log in new)
            if len(new) < JOURNAL_PAGE:
                break
            behind = page_number == MAX_JOURNAL_PAGES - 1
        read_to = max((log.date for log in logs), default=now) if behind else now
        # ``log_id`` stays unset until the journal has returned an event ("auto" mode
        # takes that as the proof that Base support has enabled it).
        log_id = last if logs or state.log_id is not None else None
        return logs, replace(state, log_id=log_id, journal_at=read_to // 3600 * 3600)

    def _reread(
        self, wanted: Mapping[int, int], got: dict[int, tuple[Any, int | None]]
    ) -> Flow[None]:
        """Read the changed orders not already read, in the fewest calls."""
        pending = {oid: date for oid, date in wanted.items() if oid not in got}
        if not pending:
            return
        plan = self._recent.plan(sorted(pending))
        if plan is not None:
            start, date_from = plan
            members = {oid for oid in pending if oid >= start}
            pager = OrderPager(date_from, id_floor=start, source=self.settings.channel)
            try:
                while not pager.done and members - got.keys():
                    raws = yield from self._orders(pager.query())
                    for raw, ref in self._take(pager, raws, []):
                        if ref.order_id in pending:
                            got[ref.order_id] = (raw, pending[ref.order_id])
            except CursorOverflow as error:
                logger.warning("range re-read stopped, reading one by one: %s", error)
        for order_id in sorted(pending):
            if order_id in got:
                continue
            raws = yield from self._orders({"order_id": order_id, "get_unconfirmed_orders": False})
            found = [r for r in raws if (ref := ref_of(r)) is not None and ref.order_id == order_id]
            if found:
                got[order_id] = (found[0], pending[order_id])
            else:  # normal for an order not confirmed yet; worth knowing for a removed one
                logger.info(
                    "BaseLinker order %s changed (journal) but getOrders has no confirmed "
                    "order with that id: removed, merged away or not confirmed yet",
                    order_id,
                )

    def _reread_recent(self, got: dict[int, tuple[Any, int | None]], now: int) -> Flow[None]:
        """Re-read orders confirmed in the last ``reread_days`` (the journal's fallback).

        Orders this client already returned unchanged are left out (an in-memory
        digest; after a restart they come back and the Orchestrator de-duplicates).
        """
        since = now - self.settings.reread_days * 86_400
        pager = OrderPager(since, source=self.settings.channel)
        try:
            while not pager.done:
                raws = yield from self._orders(pager.query())
                for raw, ref in self._take(pager, raws, []):
                    if ref.order_id in got:
                        got[ref.order_id] = (raw, got[ref.order_id][1])
                    elif self._sent.get(ref.order_id) != digest(raw):
                        got[ref.order_id] = (raw, None)
        except CursorOverflow as error:
            logger.warning("re-read of recent orders stopped early: %s", error)

    @operation
    def get_journal_list(
        self, last_log_id: int = 0, *, order_id: int | None = None
    ) -> Flow[list[BLLog]]:
        """One page of getJournalList (events of the last 3 days; must be enabled by Base)."""
        parameters: dict[str, Any] = {"last_log_id": last_log_id}
        if order_id is not None:
            parameters["order_id"] = order_id
        answer = yield self._call("getJournalList", parameters)
        return _logs_of(answer)

    # -- status write-back ---------------------------------------------------------------

    @operation
    def write_status(self, order: Order, status: OrderStatus) -> Flow[None]:
        """``OrderSource``: set the order's status (the channel's status map names it).

        :class:`~ecomflow.errors.UnmappedStatus` when the map has no channel status
        for ``status``; :class:`~ecomflow.errors.ConfigurationError` when BaseLinker
        has no status of that name.
        """
        name = self.status_map.to_channel(self.settings.channel, status)
        order_id = bl_order_id(order.channel_order_id)
        status_id = yield from self._status_id(name)
        yield self._call("setOrderStatus", {"order_id": order_id, "status_id": status_id})
        self._own_writes[str(order_id)] = str(status_id)

    @operation
    def write_statuses(self, changes: Sequence[StatusChange]) -> Flow[StatusWriteResult]:
        """``BulkStatusWriter``: one ``setOrderStatuses`` per target status (≤ 100 orders).

        How ``setOrderStatuses`` fails part-way is UNCONFIRMED (it answers SUCCESS
        or ERROR for the whole call, reference A2), so after an ERROR every order of
        that call is written again one by one with ``setOrderStatus`` (idempotent),
        to find which ones fail. An account-level error (blocked, bad token) stops
        the writes; everything not written is reported in ``failed``, never raised.
        """
        result = StatusWriteResult()
        latest = {change.order.id: change for change in changes}
        groups: dict[int, list[tuple[str, int]]] = {}
        for key, change in latest.items():
            try:
                name = self.status_map.to_channel(self.settings.channel, change.status)
                order_id = bl_order_id(change.order.channel_order_id)
                status_id = yield from self._status_id(name)
            except UnmappedStatus as error:
                result.skipped[key] = str(error)
                continue
            except (MappingError, ConfigurationError) as error:
                result.failed[key] = str(error)
                continue
            groups.setdefault(status_id, []).append((key, order_id))
        stopped: str | None = None
        for status_id, members in groups.items():
            for start in range(0, len(members), BULK_STATUS_MAX):
                chunk = members[start : start + BULK_STATUS_MAX]
                if stopped is not None:
                    result.failed.update({key: stopped for key, _ in chunk})
                    continue
                ids = [order_id for _, order_id in chunk]
                result.calls += 1
                try:
                    yield self._call("setOrderStatuses", {"order_ids": ids, "status_id": status_id})
                except (RateLimited, AuthenticationFailed) as error:
                    stopped = str(error)
                    result.failed.update({key: stopped for key, _ in chunk})
                    continue
                except RemoteAPIError as error:
                    if error.status is not None:  # HTTP trouble after retries: not per order
                        result.failed.update({key: str(error) for key, _ in chunk})
                        continue
                    stopped = yield from self._write_one_by_one(chunk, status_id, result)
                    continue
                except EcomflowError as error:
                    result.failed.update({key: str(error) for key, _ in chunk})
                    continue
                result.written += [key for key, _ in chunk]
                self._own_writes.update({str(order_id): str(status_id) for order_id in ids})
        return result

    def _write_one_by_one(
        self, chunk: Sequence[tuple[str, int]], status_id: int, result: StatusWriteResult
    ) -> Flow[str | None]:
        for index, (key, order_id) in enumerate(chunk):
            result.calls += 1
            try:
                yield self._call("setOrderStatus", {"order_id": order_id, "status_id": status_id})
            except (RateLimited, AuthenticationFailed) as error:
                result.failed.update({k: str(error) for k, _ in chunk[index:]})
                return str(error)
            except EcomflowError as error:
                result.failed[key] = str(error)
                continue
            result.written.append(key)
            self._own_writes[str(order_id)] = str(status_id)
        return None

    # -- packages ------------------------------------------------------------------------

    @operation
    def write_tracking(
        self, order: Order, shipment: ShipmentRef, *, first_attempt: bool = False
    ) -> Flow[None]:
        """``OrderSource``: record the shipment on the order at most once.

        ``createPackageManual`` with the courier code for the shipment's carrier (or
        service) from ``settings.couriers``; looks first with ``getOrderPackages``
        unless ``first_attempt``, and again after a lost answer.
        """
        number = (shipment.tracking_number or "").strip()
        if not number:
            raise MappingError(
                f"Shipment {shipment.shipment_id} of order {order.id} has no tracking number "
                "yet; record it once the carrier has confirmed it.",
                source=self.settings.channel,
                object_id=order.channel_order_id,
                field="tracking_number",
            )
        code = self.settings.courier_code(shipment.carrier, shipment.service_id)
        order_id = bl_order_id(order.channel_order_id)
        yield from self._record(order_id, code, number, None, first_attempt)

    @operation
    def record_package(
        self,
        order_id: int | str,
        courier_code: str,
        package_number: str,
        *,
        pickup_date: datetime | None = None,
        first_attempt: bool = False,
    ) -> Flow[BLPackage]:
        """Record a package made outside BaseLinker exactly once (``createPackageManual``).

        Looks for it with ``getOrderPackages`` first (unless ``first_attempt``) and
        again when the answer to the create call was lost.
        """
        number = package_number.strip()
        return (
            yield from self._record(
                bl_order_id(order_id), courier_code, number, pickup_date, first_attempt
            )
        )

    def _record(
        self,
        order_id: int,
        courier_code: str,
        number: str,
        pickup_date: datetime | None,
        first_attempt: bool,
    ) -> Flow[BLPackage]:
        if not number or len(number) > MAX_PACKAGE_NUMBER:
            raise MappingError(
                f"BaseLinker takes package numbers of 1–{MAX_PACKAGE_NUMBER} characters "
                f"(createPackageManual, BL-doc); {number!r} has {len(number)}.",
                source=self.settings.channel,
                object_id=str(order_id),
                field="package_number",
            )
        if not first_attempt:
            found = yield from self._find_package(order_id, number)
            if found is not None:
                return found
        when = pickup_date or self._clock()
        parameters = {
            "order_id": order_id,
            "courier_code": courier_code,
            "package_number": number,
            "pickup_date": int(when.timestamp()),
        }
        try:
            answer = yield self._call("createPackageManual", parameters, idempotent=False)
        except EcomflowError as error:
            if not _maybe_applied(error):
                raise
            found = yield from self._find_package(order_id, number)
            if found is not None:
                return found
            raise
        package = BLPackage.model_validate(
            {**answer, "courier_package_nr": number, "courier_code": courier_code}
        )
        return package

    def _find_package(self, order_id: int, number: str) -> Flow[BLPackage | None]:
        for package in (yield from self._packages(order_id)):
            if package.courier_package_nr.strip() == number:
                return package
        return None

    def _packages(self, order_id: int) -> Flow[list[BLPackage]]:
        answer = yield self._call("getOrderPackages", {"order_id": order_id})
        packages: list[BLPackage] = []
        for entry in answer.get("packages") or []:
            try:
                packages.append(BLPackage.model_validate(entry))
            except ValidationError:
                logger.warning("getOrderPackages %s: unreadable package %r", order_id, entry)
        return packages

    @operation
    def get_order_packages(self, order_id: int | str) -> Flow[list[BLPackage]]:
        """The packages recorded on an order (getOrderPackages)."""
        return (yield from self._packages(bl_order_id(order_id)))

    @operation
    def get_label(
        self, courier_code: str, *, package_id: int | None = None, package_number: str | None = None
    ) -> Flow[tuple[str, bytes]]:
        """(extension, file bytes) of a package's label (getLabel; base64 on the wire)."""
        parameters: dict[str, Any] = {"courier_code": courier_code}
        if package_id is not None:
            parameters["package_id"] = package_id
        if package_number is not None:
            parameters["package_number"] = package_number
        answer = yield self._call("getLabel", parameters)
        try:
            data = base64.b64decode(str(answer.get("label") or ""), validate=True)
        except (binascii.Error, ValueError):
            raise MappingError(
                "getLabel answered with a label that is not base64", source="baselinker"
            ) from None
        return str(answer.get("extension") or "pdf"), data

    # -- stock ---------------------------------------------------------------------------

    @operation
    def product_ids(self, refresh: bool = False) -> Flow[dict[str, list[str]]]:
        """SKU → product (or variant) ids of the inventory (getInventoryProductsList, cached)."""
        if self._skus is None or refresh:
            self._skus, _ = yield from self._list_products()
            self._skus_at = self._clock().timestamp()
        return {sku: list(ids) for sku, ids in self._skus.items()}

    def _list_products(self) -> Flow[tuple[dict[str, list[str]], int]]:
        inventory_id = self._inventory()
        found: dict[str, dict[str, None]] = {}
        calls = 0
        for page in range(1, 10_000):
            answer = yield self._call(
                "getInventoryProductsList",
                # include_variants: on the current method page (api-e.baselinker.com copy),
                # not on older copies; a variant id stands for the product in stock updates.
                {"inventory_id": inventory_id, "page": page, "include_variants": True},
            )
            calls += 1
            products = answer.get("products") or {}
            entries = (
                list(products.items())
                if isinstance(products, Mapping)
                else [(None, p) for p in products if isinstance(p, Mapping)]
            )
            for key, data in entries:
                if not isinstance(data, Mapping):
                    continue
                try:
                    product = BLInventoryProduct.model_validate({"id": key, **data})
                except ValidationError:
                    logger.warning("getInventoryProductsList: unreadable product %r", data)
                    continue
                if product.sku.strip():
                    found.setdefault(product.sku.strip(), {})[product.id] = None
            if len(entries) < PRODUCTS_PAGE:
                break
        return {sku: list(ids) for sku, ids in found.items()}, calls

    def _inventory(self) -> int:
        if self.settings.inventory_id is None:
            raise ConfigurationError(
                "Publishing stock needs the BaseLinker catalogue: set inventory_id in "
                f"[channels.{self.settings.channel}] (see getInventories)."
            )
        return self.settings.inventory_id

    @operation
    def publish_stock(self, updates: Sequence[StockUpdate]) -> Flow[PublishResult]:
        """``StockSink``: quantities by product id, 1000 products per call.

        SKUs become product ids through ``getInventoryProductsList`` (listed once and
        cached; listed again, at most every 10 minutes, when a SKU is missing); an
        update's own ``product_id`` wins. A SKU BaseLinker does not know, or that
        names several products, is a warning — as is every per-product warning of
        ``updateInventoryProductsStock`` (keyed back to the SKU).
        """
        inventory_id = self._inventory()
        result = PublishResult()
        need = {u.sku for u in updates if not u.product_id}
        skus: dict[str, list[str]] = {}
        if need:
            now = self._clock().timestamp()
            stale = now - self._skus_at >= PRODUCTS_REFRESH_SECONDS
            if self._skus is None or (need - self._skus.keys() and stale):
                self._skus, calls = yield from self._list_products()
                self._skus_at = now
                result.calls += calls
            skus = self._skus
        quantities: dict[str, dict[str, int]] = {}
        owners: dict[str, list[str]] = {}
        for update in updates:
            product_id = update.product_id
            if not product_id:
                found = skus.get(update.sku, [])
                if len(found) != 1:
                    result.warnings[update.sku] = (
                        f"SKU {update.sku!r} is not in BaseLinker inventory {inventory_id}; "
                        "add the product there or fix its SKU"
                        if not found
                        else f"SKU {update.sku!r} names {len(found)} BaseLinker products "
                        f"({', '.join(found)}); give each its own SKU"
                    )
                    continue
                product_id = found[0]
            warehouse = update.warehouse or self.settings.warehouse_id
            quantities.setdefault(product_id, {})[warehouse] = update.quantity
            owners.setdefault(product_id, []).append(update.sku)
        for payload in stock_payloads(quantities, inventory_id=inventory_id):
            answer = yield self._call("updateInventoryProductsStock", payload)
            result.calls += 1
            try:
                stock = BLStockResult.model_validate(answer)
            except ValidationError:
                raise RemoteAPIError(
                    "updateInventoryProductsStock answered in an unknown shape",
                    code=MALFORMED,
                    endpoint="updateInventoryProductsStock",
                ) from None
            result.updated += stock.counter
            for product_id, message in stock.warnings.items():
                for sku in owners.get(product_id, [product_id]):
                    result.warnings[sku] = f"{message} (product {product_id})"
        return result


def _logs_of(answer: Mapping[str, Any]) -> list[BLLog]:
    """The events of a getJournalList answer; an answer without ``logs`` has none."""
    logs: list[BLLog] = []
    for entry in answer.get("logs") or []:
        try:
            logs.append(BLLog.model_validate(entry))
        except ValidationError:
            order_id = entry.get("order_id") if isinstance(entry, Mapping) else None
            log_id = entry.get("id") if isinstance(entry, Mapping) else None
            try:  # an event of an unknown shape: read the order again, to be safe
                logs.append(BLLog(id=int(str(log_id)), order_id=int(str(order_id)), log_type=0))
            except (TypeError, ValueError):
                logger.warning("getJournalList: unreadable event %r skipped", entry)
    return logs


def _limits(
    settings: BaseLinkerSettings, limiter: RateLimiter | None, retry: RetryPolicy | None
) -> dict[str, Any]:
    return {
        "limiter": limiter
        or limiter_for(settings.token.get_secret_value(), settings.requests_per_minute),
        "retry": retry or RetryPolicy(attempts=4, max_time=60.0),
    }


class BaseLinkerClient(BaseLinkerOperations, Client):
    """Sync BaseLinker client: ``OrderSource``, ``BulkStatusWriter`` and ``StockSink``.

    Args:
        settings: the account and channel settings.
        retry: the retry policy (default: 4 attempts within 60 s).
        limiter: the account's rate limiter (default: one per token, ``requests_per_minute``).
        http_client: an ``httpx.Client`` to reuse.
        transport: an httpx transport (tests: ``httpx.MockTransport``).
        clock: where "now" comes from (pickup dates, the re-read schedule).

    >>> BaseLinkerClient(BaseLinkerSettings(token="secret-token"))
    BaseLinkerClient(base_url='https://api.baselinker.com')
    """

    def __init__(
        self,
        settings: BaseLinkerSettings,
        *,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        http_client: httpx.Client | None = None,
        transport: httpx.BaseTransport | None = None,
        clock: Clock | None = None,
    ) -> None:
        config = self._setup(settings, clock)
        Client.__init__(
            self,
            http_client=http_client,
            transport=transport,
            **config,
            **_limits(settings, limiter, retry),
        )


class AsyncBaseLinkerClient(BaseLinkerOperations, AsyncClient):
    """The async twin of :class:`BaseLinkerClient` (same methods as coroutines, ``aclose``)."""

    def __init__(
        self,
        settings: BaseLinkerSettings,
        *,
        retry: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        http_client: httpx.AsyncClient | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Clock | None = None,
    ) -> None:
        config = self._setup(settings, clock)
        AsyncClient.__init__(
            self,
            http_client=http_client,
            transport=transport,
            **config,
            **_limits(settings, limiter, retry),
        )
