"""The adapter contract: what the Orchestrator calls, typed with domain types.

An adapter implements the protocols it supports; the Orchestrator needs only
the protocol, never the concrete class, and an adapter's capabilities are
*derived* from the protocols it really implements (:func:`capabilities`), so a
plugin cannot claim what it lacks.

=====================  =======================================================
protocol               methods
=====================  =======================================================
``OrderSource``        ``fetch_orders``, ``get_order``, ``write_status``,
                       ``write_tracking``
``BulkStatusWriter``   ``write_statuses`` (one call for many orders)
``StockSink``          ``publish_stock``
``ShipmentProvider``   ``services``, ``create_shipment``, ``get_shipment``,
                       ``get_label``, ``cancel_shipment``, ``tracking_url``
``ShipmentLister``     ``get_shipments`` (many shipments in one call)
``TrackingSource``     ``get_tracking``
``WebhookSource``      ``parse_webhook`` (verify, then events)
=====================  =======================================================

Each I/O protocol has an async twin (``AsyncOrderSource``…) with the same
methods as coroutines; ``parse_webhook`` does no I/O and is the same on both.

Rules every implementation keeps (the conformance kits in
:mod:`ecomflow.testing.conformance` check them):

- ``fetch_orders`` returns every order created **or changed** since the cursor,
  exactly once per change, never losing one in the boundary instant of a page;
  an order that cannot be mapped is returned as an :class:`IntakeFailure`
  (raw payload kept), never raised, so one bad order does not block the rest.
- ``create_shipment`` creates at most one shipment per ``request.reference``,
  also when an answer is lost; ``first_attempt=True`` (the caller's durable
  note that no earlier attempt was made) lets it skip the look-up.
- ``write_tracking`` records a shipment on the channel at most once.
- Every error is an :class:`~ecomflow.errors.EcomflowError`; no ``KeyError``,
  ``ValueError`` or pydantic ``ValidationError`` escapes an adapter.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from ecomflow.orders.models import Order, ShipmentRef
from ecomflow.orders.status import OrderStatus
from ecomflow.shipping.request import ShipmentRequest
from ecomflow.shipping.shipments import Label, LabelFormat, Shipment
from ecomflow.shipping.tracking import TrackingEvent
from ecomflow.stock.updates import StockUpdate

__all__ = [
    "PROTOCOLS",
    "AsyncBulkStatusWriter",
    "AsyncOrderSource",
    "AsyncShipmentLister",
    "AsyncShipmentProvider",
    "AsyncStockSink",
    "AsyncTrackingSource",
    "BulkStatusWriter",
    "IntakeFailure",
    "KeepsNotes",
    "OrderBatch",
    "OrderEvent",
    "OrderSource",
    "PublishResult",
    "ShipmentEvent",
    "ShipmentLister",
    "ShipmentProvider",
    "StatusChange",
    "StatusWriteResult",
    "StockSink",
    "TrackingSource",
    "WebhookEvent",
    "WebhookRequest",
    "WebhookSource",
    "capabilities",
]


# -- the domain types that cross the seam -------------------------------------------------


@dataclass(frozen=True)
class IntakeFailure:
    """A channel order that could not be mapped; kept whole so it can be taken in later.

    Attributes:
        channel: the channel name.
        channel_order_id: the channel's id of the order (``None`` when unreadable).
        reason: what is wrong and what to do, e.g. the unmapped status and the map to fix.
        raw: the order exactly as the channel sent it (JSON-serialisable).
        error: the error's class name (``UnmappedStatus``, ``MappingError``…).
    """

    channel: str
    channel_order_id: str | None
    reason: str
    raw: Any
    error: str = "MappingError"


@dataclass(frozen=True)
class OrderBatch:
    """Orders fetched from a channel, what could not be mapped, and where to go on from."""

    orders: list[Order]
    cursor: str | None
    raw_count: int = 0
    failures: list[IntakeFailure] = field(default_factory=list)


@dataclass(frozen=True)
class StatusChange:
    """One order's master status to write back to its channel."""

    order: Order
    status: OrderStatus


@dataclass
class StatusWriteResult:
    """What a bulk status write did: order ids written, and order id → error for the rest."""

    written: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    skipped: dict[str, str] = field(default_factory=dict)
    calls: int = 0


@dataclass
class PublishResult:
    """What a stock publication did: calls made, products updated, per-SKU warnings."""

    calls: int = 0
    updated: int = 0
    warnings: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class WebhookRequest:
    """An incoming webhook as the HTTP layer received it (before any trust).

    Attributes:
        headers: request headers (looked up case-insensitively by adapters).
        body: the raw body bytes (signatures are over these exact bytes).
        remote_addr: the peer address, for source-network checks.
        path_token: a secret carried in the URL path, when the source uses one.
    """

    headers: Mapping[str, str]
    body: bytes
    remote_addr: str | None = None
    path_token: str | None = None

    def header(self, name: str) -> str | None:
        """A header's value, whatever the case of its name."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    source: str = Field(description="The adapter id the webhook came through.")
    topic: str = Field(description="The source's own event name, e.g. 'orders/paid'.")
    delivery_id: str = Field(description="Unique per delivery; repeats are applied once.")


class OrderEvent(_Event):
    """A channel says an order changed; the Orchestrator re-reads it with ``get_order``."""

    kind: Literal["order"] = "order"
    channel_order_id: str


class ShipmentEvent(_Event):
    """A carrier says a shipment changed; the Orchestrator re-reads it with ``get_shipment``."""

    kind: Literal["shipment"] = "shipment"
    shipment_id: str
    tracking_number: str | None = None


#: A verified webhook's meaning. The payload is only a hint: the Orchestrator
#: re-reads the order or shipment from the API before acting on it.
WebhookEvent = Annotated[OrderEvent | ShipmentEvent, Field(discriminator="kind")]


# -- sync protocols ----------------------------------------------------------------------


@runtime_checkable
class OrderSource(Protocol):
    """A channel orders come from, and status and tracking go back to."""

    def fetch_orders(self, cursor: str | None = None) -> OrderBatch:
        """Every order created or changed since ``cursor`` (no loss, no duplicates)."""
        ...

    def get_order(self, channel_order_id: str) -> Order:
        """One order as the channel has it now (:class:`~ecomflow.errors.MappingError` if bad)."""
        ...

    def write_status(self, order: Order, status: OrderStatus) -> None:
        """Set the order's status on the channel (mapped through the channel's status map).

        :class:`~ecomflow.errors.UnmappedStatus` when the channel has no status for it.
        """
        ...

    def write_tracking(
        self, order: Order, shipment: ShipmentRef, *, first_attempt: bool = False
    ) -> None:
        """Record the shipment (carrier, tracking number) on the order, at most once."""
        ...


@runtime_checkable
class BulkStatusWriter(Protocol):
    """A channel that sets many orders' statuses in few calls."""

    def write_statuses(self, changes: Sequence[StatusChange]) -> StatusWriteResult:
        """Write every change; per-order failures are reported, not raised."""
        ...


@runtime_checkable
class StockSink(Protocol):
    """A channel that shows stock."""

    def publish_stock(self, updates: Sequence[StockUpdate]) -> PublishResult:
        """Send quantities in as few calls as the API allows (unknown SKUs are warnings)."""
        ...


@runtime_checkable
class ShipmentProvider(Protocol):
    """A carrier that creates shipments and labels."""

    def services(self) -> frozenset[str]:
        """The catalogue service ids this carrier can create."""
        ...

    def create_shipment(self, request: ShipmentRequest, *, first_attempt: bool = False) -> Shipment:
        """Create exactly one shipment for ``request.reference`` with ``request.service_id``.

        :class:`~ecomflow.errors.UnsupportedService` for a service it does not offer.
        The shipment may come back unconfirmed (no tracking number yet).
        """
        ...

    def get_shipment(self, shipment_id: str) -> Shipment:
        """The shipment as the carrier has it now."""
        ...

    def get_label(self, shipment_id: str, *, format: LabelFormat = LabelFormat.PDF) -> Label:
        """The label file (:class:`~ecomflow.errors.LabelNotReady` until confirmed)."""
        ...

    def cancel_shipment(self, shipment_id: str) -> None:
        """Cancel a shipment that has not been picked up (a repeat is harmless)."""
        ...

    def tracking_url(self, tracking_number: str) -> str | None:
        """The public page where a customer follows the parcel (``None`` when there is none)."""
        ...


@runtime_checkable
class ShipmentLister(Protocol):
    """A carrier that reads many shipments in one call (confirmation without one call each)."""

    def get_shipments(self, shipment_ids: Sequence[str]) -> list[Shipment]:
        """The shipments with these ids, as the carrier has them now (unknown ids left out)."""
        ...


@runtime_checkable
class TrackingSource(Protocol):
    """A carrier that reports where parcels are."""

    def get_tracking(self, tracking_number: str) -> list[TrackingEvent]:
        """Tracking events, oldest first."""
        ...


@runtime_checkable
class WebhookSource(Protocol):
    """A channel or carrier that pushes changes."""

    def parse_webhook(self, request: WebhookRequest) -> list[WebhookEvent]:
        """Verify ``request`` (signature, token, source network), then its events.

        :class:`~ecomflow.errors.SignatureVerificationError` when it cannot be
        trusted; :class:`~ecomflow.errors.MappingError` when it is malformed;
        ``[]`` for a ping or a topic the adapter ignores.
        """
        ...


@runtime_checkable
class KeepsNotes(Protocol):
    """An adapter that remembers small facts between calls (an optional hook).

    BaseLinker, for one, notes the statuses it wrote so that their echo in the
    order journal costs no second read. Alone, an adapter keeps its notes in
    memory; the Orchestrator hands it a mapping kept in the store
    (:class:`~ecomflow.orchestration.notes.StoreNotes`), shared by every worker
    and kept across restarts. Keys and values are strings; entries may expire.
    """

    def keep_notes_in(self, notes: MutableMapping[str, str]) -> None:
        """Keep notes in ``notes`` from now on (sync and async twins share one)."""
        ...


# -- async twins -------------------------------------------------------------------------


@runtime_checkable
class AsyncOrderSource(Protocol):
    """The async twin of :class:`OrderSource`."""

    async def fetch_orders(self, cursor: str | None = None) -> OrderBatch:
        """See :meth:`OrderSource.fetch_orders`."""
        ...

    async def get_order(self, channel_order_id: str) -> Order:
        """See :meth:`OrderSource.get_order`."""
        ...

    async def write_status(self, order: Order, status: OrderStatus) -> None:
        """See :meth:`OrderSource.write_status`."""
        ...

    async def write_tracking(
        self, order: Order, shipment: ShipmentRef, *, first_attempt: bool = False
    ) -> None:
        """See :meth:`OrderSource.write_tracking`."""
        ...


@runtime_checkable
class AsyncBulkStatusWriter(Protocol):
    """The async twin of :class:`BulkStatusWriter`."""

    async def write_statuses(self, changes: Sequence[StatusChange]) -> StatusWriteResult:
        """See :meth:`BulkStatusWriter.write_statuses`."""
        ...


@runtime_checkable
class AsyncStockSink(Protocol):
    """The async twin of :class:`StockSink`."""

    async def publish_stock(self, updates: Sequence[StockUpdate]) -> PublishResult:
        """See :meth:`StockSink.publish_stock`."""
        ...


@runtime_checkable
class AsyncShipmentProvider(Protocol):
    """The async twin of :class:`ShipmentProvider`."""

    def services(self) -> frozenset[str]:
        """See :meth:`ShipmentProvider.services`."""
        ...

    async def create_shipment(
        self, request: ShipmentRequest, *, first_attempt: bool = False
    ) -> Shipment:
        """See :meth:`ShipmentProvider.create_shipment`."""
        ...

    async def get_shipment(self, shipment_id: str) -> Shipment:
        """See :meth:`ShipmentProvider.get_shipment`."""
        ...

    async def get_label(self, shipment_id: str, *, format: LabelFormat = LabelFormat.PDF) -> Label:
        """See :meth:`ShipmentProvider.get_label`."""
        ...

    async def cancel_shipment(self, shipment_id: str) -> None:
        """See :meth:`ShipmentProvider.cancel_shipment`."""
        ...

    def tracking_url(self, tracking_number: str) -> str | None:
        """See :meth:`ShipmentProvider.tracking_url`."""
        ...


@runtime_checkable
class AsyncShipmentLister(Protocol):
    """The async twin of :class:`ShipmentLister`."""

    async def get_shipments(self, shipment_ids: Sequence[str]) -> list[Shipment]:
        """See :meth:`ShipmentLister.get_shipments`."""
        ...


@runtime_checkable
class AsyncTrackingSource(Protocol):
    """The async twin of :class:`TrackingSource`."""

    async def get_tracking(self, tracking_number: str) -> list[TrackingEvent]:
        """See :meth:`TrackingSource.get_tracking`."""
        ...


#: Capability name → (sync protocol, async protocol) — what ``ecomflow adapters`` shows.
PROTOCOLS: dict[str, tuple[type, type]] = {
    "orders": (OrderSource, AsyncOrderSource),
    "bulk_status": (BulkStatusWriter, AsyncBulkStatusWriter),
    "stock": (StockSink, AsyncStockSink),
    "shipments": (ShipmentProvider, AsyncShipmentProvider),
    "shipment_listing": (ShipmentLister, AsyncShipmentLister),
    "tracking": (TrackingSource, AsyncTrackingSource),
    "webhooks": (WebhookSource, WebhookSource),
}


def capabilities(client: type | object) -> frozenset[str]:
    """The capabilities a client class (or instance) really implements.

    Derived from the protocols' methods, as karrio derives a carrier's
    capabilities from the methods its proxy has — a plugin cannot claim one
    it lacks.

    >>> class Tracker:
    ...     def get_tracking(self, tracking_number: str) -> list[TrackingEvent]:
    ...         return []
    >>> sorted(capabilities(Tracker))
    ['tracking']
    """
    cls = client if isinstance(client, type) else type(client)
    found = set()
    for name, (sync, _) in PROTOCOLS.items():
        members = _members(sync)
        if all(callable(getattr(cls, m, None)) or _is_operation(cls, m) for m in members):
            found.add(name)
    return frozenset(found)


def _members(protocol: type) -> list[str]:
    return [
        name
        for name, value in vars(protocol).items()
        if callable(value) and not name.startswith("_")
    ]


def _is_operation(cls: type, name: str) -> bool:
    from ecomflow.http.flow import operation  # noqa: PLC0415 - avoids an import cycle

    return any(isinstance(vars(base).get(name), operation) for base in cls.__mro__)
