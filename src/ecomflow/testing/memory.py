"""In-process channel and carrier: the adapter protocols without HTTP, for tests and notebooks.

:class:`MemoryChannel` is an ``OrderSource`` (with bulk status writes, stock and
webhooks) whose orders live in a dict; :class:`MemoryCarrier` is a
``ShipmentProvider`` (with bulk reads, tracking and webhooks). Both keep a
record of everything done to them — packages recorded, statuses written,
shipments created and cancelled — so a test can count what the outside world
received, and both can be told to fail (``fail_next``) or to lose the answer
of a call after doing it (``lose_next_answer``), to exercise the unhappy paths.

They are not fakes of a remote API (those live next to each adapter and speak
its wire format); they are the smallest honest implementations of the
protocols in :mod:`ecomflow.adapters.protocols`.

>>> from ecomflow.testing import sample_order
>>> channel = MemoryChannel("shop")
>>> channel.put(sample_order("1001", channel="shop"))
>>> [o.id for o in channel.fetch_orders(None).orders]
['shop-1001']
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ecomflow.adapters.protocols import (
    IntakeFailure,
    OrderBatch,
    OrderEvent,
    PublishResult,
    ShipmentEvent,
    StatusChange,
    StatusWriteResult,
    WebhookEvent,
    WebhookRequest,
)
from ecomflow.errors import (
    InvalidRequest,
    MappingError,
    NotFound,
    SignatureVerificationError,
    TransportError,
    UnsupportedService,
)
from ecomflow.orders.models import Order, ShipmentRef
from ecomflow.orders.status import OrderStatus
from ecomflow.shipping.request import ShipmentRequest
from ecomflow.shipping.shipments import Label, LabelFormat, LabelSize, Shipment
from ecomflow.shipping.tracking import TrackingEvent, TrackingStatus
from ecomflow.stock.updates import StockUpdate

__all__ = ["MemoryCarrier", "MemoryChannel"]


class _Faults:
    """Per-method faults: raise before doing it, or do it and lose the answer."""

    def __init__(self) -> None:
        self.fail: Counter[str] = Counter()
        self.lose: Counter[str] = Counter()
        self.calls: Counter[str] = Counter()
        self.lock = threading.RLock()

    def before(self, method: str) -> None:
        with self.lock:
            self.calls[method] += 1
            if self.fail[method] > 0:
                self.fail[method] -= 1
                raise TransportError(f"{method}: injected failure", endpoint=method)

    def after(self, method: str) -> None:
        with self.lock:
            if self.lose[method] > 0:
                self.lose[method] -= 1
                raise TransportError(f"{method}: answer lost (injected)", endpoint=method)


class MemoryChannel:
    """A channel whose orders live in memory (see the module docstring).

    ``put`` adds or changes an order (a change is "seen" by the next
    ``fetch_orders``); ``put_raw`` adds a record that cannot be mapped.
    """

    def __init__(self, name: str = "shop", *, secret: str = "memory-secret") -> None:
        self.name = name
        self.secret = secret
        self._orders: dict[str, Order] = {}
        self._raw: dict[str, dict[str, Any]] = {}
        self._changes: list[str] = []
        self.statuses: dict[str, list[OrderStatus]] = {}
        self.packages: dict[str, list[str]] = {}
        self.stock: dict[str, int] = {}
        self.faults = _Faults()
        self._lock = threading.RLock()

    # -- the shop's side ---------------------------------------------------------------

    def put(self, order: Order) -> None:
        """Add an order or replace it with a changed copy (the channel's own edit)."""
        with self._lock:
            self._orders[order.channel_order_id] = order.model_copy(deep=True)
            self._raw.pop(order.channel_order_id, None)
            self._changes.append(order.channel_order_id)

    def put_raw(self, channel_order_id: str, raw: dict[str, Any]) -> None:
        """Add a record the channel cannot map (a poison order)."""
        with self._lock:
            self._raw[channel_order_id] = raw
            self._orders.pop(channel_order_id, None)
            self._changes.append(channel_order_id)

    def fail_next(self, method: str, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` fail before doing anything."""
        self.faults.fail[method] += times

    def lose_next_answer(self, method: str, times: int = 1) -> None:
        """Make the next calls of ``method`` do their work, then fail as a lost answer."""
        self.faults.lose[method] += times

    def webhook(self, channel_order_id: str, delivery_id: str) -> WebhookRequest:
        """A signed "order changed" webhook for ``channel_order_id``."""
        body = f"{channel_order_id}|{delivery_id}".encode()
        return WebhookRequest({"X-Memory-Signature": self.secret}, body)

    # -- OrderSource -------------------------------------------------------------------

    def fetch_orders(self, cursor: str | None = None) -> OrderBatch:
        """Orders created or changed since ``cursor`` (a position in the change log)."""
        self.faults.before("fetch_orders")
        with self._lock:
            start = int(cursor or 0)
            ids = list(dict.fromkeys(self._changes[start:]))
            orders = [self._orders[i].model_copy(deep=True) for i in ids if i in self._orders]
            failures = [
                IntakeFailure(self.name, i, f"order {i} cannot be mapped", self._raw[i])
                for i in ids
                if i in self._raw
            ]
            return OrderBatch(orders, str(len(self._changes)), len(ids), failures)

    def get_order(self, channel_order_id: str) -> Order:
        """One order as the channel has it now."""
        self.faults.before("get_order")
        with self._lock:
            if channel_order_id in self._raw:
                raise MappingError(
                    f"order {channel_order_id} cannot be mapped",
                    source=self.name,
                    object_id=channel_order_id,
                )
            if channel_order_id not in self._orders:
                raise NotFound(f"no order {channel_order_id}", endpoint="get_order")
            return self._orders[channel_order_id].model_copy(deep=True)

    def write_status(self, order: Order, status: OrderStatus) -> None:
        """Record the status written back."""
        self.faults.before("write_status")
        with self._lock:
            self.statuses.setdefault(order.channel_order_id, []).append(status)
        self.faults.after("write_status")

    def write_tracking(
        self, order: Order, shipment: ShipmentRef, *, first_attempt: bool = False
    ) -> None:
        """Record the package once (look first unless ``first_attempt``)."""
        self.faults.before("write_tracking")
        number = shipment.tracking_number or ""
        with self._lock:
            recorded = self.packages.setdefault(order.channel_order_id, [])
            if first_attempt or number not in recorded:
                recorded.append(number)
        self.faults.after("write_tracking")

    def write_statuses(self, changes: Sequence[StatusChange]) -> StatusWriteResult:
        """Record many statuses in one call."""
        self.faults.before("write_statuses")
        result = StatusWriteResult(calls=1)
        with self._lock:
            for item in changes:
                self.statuses.setdefault(item.order.channel_order_id, []).append(item.status)
                result.written.append(item.order.id)
        return result

    def publish_stock(self, updates: Sequence[StockUpdate]) -> PublishResult:
        """Show the quantities (a SKU starting with ``UNKNOWN`` is a warning)."""
        self.faults.before("publish_stock")
        result = PublishResult(calls=1)
        with self._lock:
            for update in updates:
                if update.sku.startswith("UNKNOWN"):
                    result.warnings[update.sku] = "no such product on the channel"
                    continue
                self.stock[update.sku] = update.quantity
                result.updated += 1
        return result

    def parse_webhook(self, request: WebhookRequest) -> list[WebhookEvent]:
        """``<order id>|<delivery id>`` with the shared secret in a header."""
        if request.header("X-Memory-Signature") != self.secret:
            raise SignatureVerificationError("bad signature; nothing applied", source=self.name)
        try:
            order_id, delivery = request.body.decode().split("|")
        except (UnicodeDecodeError, ValueError):
            raise MappingError("malformed webhook body", source=self.name) from None
        return [
            OrderEvent(
                source=self.name,
                topic="order/changed",
                delivery_id=delivery,
                channel_order_id=order_id,
            )
        ]


@dataclass
class _Parcel:
    shipment: Shipment
    events: list[TrackingEvent] = field(default_factory=list)


class MemoryCarrier:
    """A carrier whose shipments live in memory (see the module docstring).

    ``confirm_after`` (calls of ``get_shipment``) makes new shipments unconfirmed
    at first; ``create_delay`` (seconds) makes creating slow, for lease tests.
    """

    def __init__(
        self,
        carrier: str = "inpost",
        services: Sequence[str] = ("inpost_locker_standard", "inpost_courier_standard"),
        *,
        confirm_after: int = 0,
        create_delay: float = 0.0,
        secret: str = "memory-secret",
    ) -> None:
        self.carrier = carrier
        self._services = frozenset(services)
        self.confirm_after = confirm_after
        self.create_delay = create_delay
        self.secret = secret
        self.parcels: dict[str, _Parcel] = {}
        self.created: list[str] = []
        self.cancelled: list[str] = []
        self.refuse_cancel_after_pickup = True
        #: Like ShipX: a shipment whose label was bought cannot be cancelled.
        self.refuse_cancel_when_confirmed = False
        self.faults = _Faults()
        self._reads: Counter[str] = Counter()
        self._lock = threading.RLock()

    # -- the carrier's side ------------------------------------------------------------

    def fail_next(self, method: str, times: int = 1) -> None:
        """Make the next ``times`` calls of ``method`` fail before doing anything."""
        self.faults.fail[method] += times

    def lose_next_answer(self, method: str, times: int = 1) -> None:
        """Make the next calls of ``method`` do their work, then fail as a lost answer."""
        self.faults.lose[method] += times

    def advance(self, shipment_id: str, status: TrackingStatus, carrier_status: str = "") -> None:
        """Move a parcel on (the carrier's own work), adding a tracking event."""
        with self._lock:
            parcel = self.parcels[shipment_id]
            now = datetime.now(UTC)
            parcel.shipment = parcel.shipment.model_copy(
                update={
                    "status": status,
                    "carrier_status": carrier_status or status.value,
                    "updated_at": now,
                }
            )
            parcel.events.append(
                TrackingEvent(
                    tracking_number=parcel.shipment.tracking_number or "",
                    at=now,
                    carrier=self.carrier,
                    carrier_status=carrier_status or status.value,
                    status=status,
                )
            )

    def webhook(self, shipment_id: str, delivery_id: str) -> WebhookRequest:
        """A trusted "shipment changed" webhook."""
        body = f"{shipment_id}|{delivery_id}".encode()
        return WebhookRequest({"X-Memory-Signature": self.secret}, body)

    def with_reference(self, reference: str) -> list[Shipment]:
        """Live shipments with ``reference``."""
        with self._lock:
            return [
                p.shipment
                for p in self.parcels.values()
                if p.shipment.reference == reference
                and p.shipment.status is not TrackingStatus.CANCELLED
            ]

    # -- ShipmentProvider --------------------------------------------------------------

    def services(self) -> frozenset[str]:
        """The services this carrier sells."""
        return self._services

    def create_shipment(self, request: ShipmentRequest, *, first_attempt: bool = False) -> Shipment:
        """One shipment per reference (looked up unless ``first_attempt``)."""
        if request.service_id not in self._services:
            raise UnsupportedService(
                carrier=self.carrier, service_id=request.service_id, supported=self._services
            )
        self.faults.before("create_shipment")
        if not first_attempt:
            found = self.with_reference(request.reference)
            if found:
                return found[0]
        if self.create_delay:
            time.sleep(self.create_delay)
        with self._lock:
            shipment_id = str(100000 + len(self.parcels) + 1)
            confirmed = self.confirm_after == 0
            shipment = Shipment(
                id=shipment_id,
                carrier=self.carrier,
                service=request.service_id or "",
                status=TrackingStatus.LABEL_READY if confirmed else TrackingStatus.CREATED,
                carrier_status="confirmed" if confirmed else "created",
                tracking_number=f"6{int(shipment_id):023d}" if confirmed else None,
                reference=request.reference,
                parcels=list(request.parcels),
            )
            self.parcels[shipment_id] = _Parcel(shipment)
            self.created.append(request.reference)
        try:
            self.faults.after("create_shipment")
        except TransportError:
            found = self.with_reference(request.reference)
            if found:
                return found[0]
            raise
        return shipment

    def get_shipment(self, shipment_id: str) -> Shipment:
        """The shipment now (confirmed after ``confirm_after`` reads)."""
        self.faults.before("get_shipment")
        with self._lock:
            parcel = self.parcels.get(shipment_id)
            if parcel is None:
                raise NotFound(f"no shipment {shipment_id}", endpoint="get_shipment")
            self._reads[shipment_id] += 1
            shipment = parcel.shipment
            if shipment.tracking_number is None and self._reads[shipment_id] >= self.confirm_after:
                shipment = shipment.model_copy(
                    update={
                        "status": TrackingStatus.LABEL_READY,
                        "carrier_status": "confirmed",
                        "tracking_number": f"6{int(shipment_id):023d}",
                    }
                )
                parcel.shipment = shipment
            return shipment

    def get_shipments(self, shipment_ids: Sequence[str]) -> list[Shipment]:
        """Many shipments in one read."""
        self.faults.before("get_shipments")
        found = []
        for shipment_id in shipment_ids:
            if shipment_id in self.parcels:
                found.append(self.get_shipment(shipment_id))
        return found

    def get_label(self, shipment_id: str, *, format: LabelFormat = LabelFormat.PDF) -> Label:
        """A tiny PDF label."""
        shipment = self.get_shipment(shipment_id)
        if not shipment.confirmed:
            raise InvalidRequest("not confirmed yet", endpoint="get_label")
        return Label(
            shipment_id=shipment_id,
            format=LabelFormat(format),
            size=LabelSize.A6,
            content=b"%PDF-1.4 " + (shipment.tracking_number or "").encode(),
        )

    def cancel_shipment(self, shipment_id: str) -> None:
        """Cancel before pickup; refused (``InvalidRequest``) once the carrier has it."""
        self.faults.before("cancel_shipment")
        with self._lock:
            parcel = self.parcels.get(shipment_id)
            if parcel is None:
                raise NotFound(f"no shipment {shipment_id}", endpoint="cancel_shipment")
            if self.refuse_cancel_after_pickup and parcel.shipment.status.has_left_warehouse:
                raise InvalidRequest(
                    "the parcel was taken by the courier", endpoint="cancel_shipment"
                )
            if self.refuse_cancel_when_confirmed and parcel.shipment.confirmed:
                raise InvalidRequest("the label was bought", endpoint="cancel_shipment")
            if parcel.shipment.status is not TrackingStatus.CANCELLED:
                self.cancelled.append(shipment_id)
            parcel.shipment = parcel.shipment.model_copy(
                update={"status": TrackingStatus.CANCELLED, "carrier_status": "canceled"}
            )

    def tracking_url(self, tracking_number: str) -> str | None:
        """A tracking page on a made-up host."""
        return f"https://tracking.example/{self.carrier}/{tracking_number}"

    def get_tracking(self, tracking_number: str) -> list[TrackingEvent]:
        """The events of the parcel with this number, oldest first."""
        self.faults.before("get_tracking")
        with self._lock:
            for parcel in self.parcels.values():
                if parcel.shipment.tracking_number == tracking_number:
                    return list(parcel.events)
        return []

    def parse_webhook(self, request: WebhookRequest) -> list[WebhookEvent]:
        """``<shipment id>|<delivery id>`` with the shared secret in a header."""
        if request.header("X-Memory-Signature") != self.secret:
            raise SignatureVerificationError("bad signature; nothing applied", source=self.carrier)
        try:
            shipment_id, delivery = request.body.decode().split("|")
        except (UnicodeDecodeError, ValueError):
            raise MappingError("malformed webhook body", source=self.carrier) from None
        return [
            ShipmentEvent(
                source=self.carrier,
                topic="shipment/changed",
                delivery_id=delivery,
                shipment_id=shipment_id,
            )
        ]
