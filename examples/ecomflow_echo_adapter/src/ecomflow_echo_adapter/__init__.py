"""A minimal adapter plugin: a channel whose orders live in a list (for learning and tests).

It implements ``OrderSource`` and ``StockSink`` with a page size of 2, so the
conformance ideas (cursor, no loss, no duplicates) are visible in a few lines.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from ecomflow.adapters import AdapterInfo, OrderBatch, PublishResult
from ecomflow.orders import Order
from ecomflow.stock import StockUpdate

__all__ = ["PLUGIN", "EchoChannel", "EchoSettings"]


class EchoSettings(BaseModel):
    """Nothing to configure but a name."""

    channel: str = "echo"


class EchoChannel:
    """Orders are whatever was ``put`` in; the cursor is the count already handed out."""

    page_size = 2

    def __init__(self, settings: EchoSettings | None = None) -> None:
        self.settings = settings or EchoSettings()
        self.orders: list[Order] = []
        self.statuses: dict[str, str] = {}
        self.tracking: dict[str, str] = {}
        self.stock: dict[str, int] = {}
        self.calls = 0

    def put(self, order: Order) -> None:
        """Add an order to the channel."""
        self.orders.append(order)

    def fetch_orders(self, cursor: str | None = None) -> OrderBatch:
        """Every order after ``cursor``, a page of 2 at a time."""
        position = int(cursor or 0)
        found: list[Order] = []
        while True:
            self.calls += 1
            page = self.orders[position : position + self.page_size]
            found += page
            position += len(page)
            if len(page) < self.page_size:
                return OrderBatch(found, str(position), len(found))

    def write_status(self, order: Order, channel_status: str) -> None:
        """Remember the status written back."""
        self.statuses[order.channel_order_id] = channel_status

    def write_tracking(self, order: Order, carrier: str, tracking_number: str) -> None:
        """Remember the tracking number written back."""
        self.tracking[order.channel_order_id] = f"{carrier}:{tracking_number}"

    def publish_stock(self, updates: Sequence[StockUpdate]) -> PublishResult:
        """All updates in one call."""
        self.calls += 1
        self.stock.update({u.sku: u.quantity for u in updates})
        return PublishResult(calls=1, updated=len(updates))


PLUGIN = AdapterInfo(
    id="echo",
    label="Echo (example)",
    settings=EchoSettings,
    client=EchoChannel,
    status="beta",
    description="The example plugin from docs/adapters.md.",
)
