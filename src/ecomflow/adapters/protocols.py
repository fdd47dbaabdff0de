"""What an adapter can do: capability protocols, sync and async.

An adapter implements the ones it supports; the orchestrator only needs the
protocol, never the concrete class.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from ecomflow.orders.models import Order
from ecomflow.stock.updates import StockUpdate

__all__ = [
    "AsyncOrderSource",
    "AsyncStockSink",
    "OrderBatch",
    "OrderSource",
    "PublishResult",
    "ShipmentProvider",
    "StockSink",
    "TrackingSource",
]


@dataclass(frozen=True)
class OrderBatch:
    """Orders fetched from a channel, and the cursor to continue from next time."""

    orders: list[Order]
    cursor: str | None
    raw_count: int = 0


@dataclass
class PublishResult:
    """What a stock publication did: calls made, products updated, per-SKU warnings."""

    calls: int = 0
    updated: int = 0
    warnings: dict[str, str] = field(default_factory=dict)


@runtime_checkable
class OrderSource(Protocol):
    """A channel orders come from, and status/tracking go back to."""

    def fetch_orders(self, cursor: str | None = None) -> OrderBatch:
        """Every order new or changed since ``cursor`` (no loss, no duplicates)."""

    def write_status(self, order: Order, channel_status: str) -> None:
        """Set the order's status on the channel."""

    def write_tracking(self, order: Order, carrier: str, tracking_number: str) -> None:
        """Record the shipment's tracking number on the channel."""


@runtime_checkable
class AsyncOrderSource(Protocol):
    """The async twin of :class:`OrderSource`."""

    async def fetch_orders(self, cursor: str | None = None) -> OrderBatch:
        """Every order new or changed since ``cursor``."""

    async def write_status(self, order: Order, channel_status: str) -> None:
        """Set the order's status on the channel."""

    async def write_tracking(self, order: Order, carrier: str, tracking_number: str) -> None:
        """Record the tracking number on the channel."""


@runtime_checkable
class StockSink(Protocol):
    """A channel that shows stock."""

    def publish_stock(self, updates: Sequence[StockUpdate]) -> PublishResult:
        """Send quantities in as few calls as the API allows."""


@runtime_checkable
class AsyncStockSink(Protocol):
    """The async twin of :class:`StockSink`."""

    async def publish_stock(self, updates: Sequence[StockUpdate]) -> PublishResult:
        """Send quantities in as few calls as the API allows."""


@runtime_checkable
class ShipmentProvider(Protocol):
    """A carrier that creates shipments and labels."""

    def create_shipment(self, request: Any) -> Any:
        """Create exactly one shipment for the request (idempotent by reference)."""

    def get_label(self, shipment_id: str, *, format: str = "pdf") -> bytes:
        """The label of a shipment."""

    def cancel_shipment(self, shipment_id: str) -> None:
        """Cancel a shipment that has not been picked up."""


@runtime_checkable
class TrackingSource(Protocol):
    """A carrier that reports where parcels are."""

    def get_tracking(self, tracking_number: str) -> list[Any]:
        """Tracking events, oldest first."""

    def parse_webhook(self, headers: dict[str, str], body: bytes) -> Any:
        """A verified webhook as a domain event."""
