"""An Orchestrator on the in-memory store with in-process channel and carriers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from ecomflow.notify import RecordingNotifier
from ecomflow.orchestration import Orchestrator, PipelineSettings, RecordingEventSink
from ecomflow.shipping import Catalogue
from ecomflow.storage import open_store
from ecomflow.testing import FrozenClock, MemoryCarrier, MemoryChannel, sample_order

#: Tuesday 2026-11-24, 10:00 in Warsaw: before the 15:00 cut-off of a working day.
MORNING = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)

SKUS = {"MUG-RED": 50, "MUG-BLUE": 50, "DESK": 5, "RARE": 1}


@dataclass
class Shop:
    """Everything a test needs to drive and inspect one shop."""

    orchestrator: Orchestrator
    channel: MemoryChannel
    inpost: MemoryCarrier
    dpd: MemoryCarrier
    notifier: RecordingNotifier
    events: RecordingEventSink
    clock: FrozenClock

    def order(self, number: str, **kw: Any) -> Any:
        """Put a sample order on the channel (see ``sample_order``)."""
        order = sample_order(number, channel="shop", **kw)
        self.channel.put(order)
        return order

    def run(self, rounds: int = 3) -> None:
        """Sync and dispatch a few times."""
        for _ in range(rounds):
            self.orchestrator.sync()
            self.orchestrator.dispatch()

    def get(self, number: str) -> Any:
        """The stored order ``shop-<number>``."""
        return self.orchestrator.order(f"shop-{number}")

    def messages(self, number: str) -> list[str]:
        """Kinds of the messages sent for an order, in order (repeats included)."""
        return [m.kind.value for m in self.notifier.sent if m.order_id == f"shop-{number}"]


@pytest.fixture
def make_shop() -> Iterator[Callable[..., Shop]]:
    """Build a shop; keyword arguments go to the Orchestrator."""
    made: list[Orchestrator] = []

    def build(
        *,
        dpd: bool = False,
        inpost: MemoryCarrier | None = None,
        stock: dict[str, int] | None = None,
        **kw: Any,
    ) -> Shop:
        clock = FrozenClock(MORNING)
        channel = MemoryChannel("shop")
        inpost = inpost or MemoryCarrier("inpost")
        dpd_carrier = MemoryCarrier("dpd", ("dpd_classic",))
        carriers: dict[str, Any] = {"inpost": inpost}
        if dpd:
            carriers["dpd"] = dpd_carrier
        notifier = RecordingNotifier()
        events = RecordingEventSink()
        kw.setdefault("settings", PipelineSettings(confirm_poll_seconds=1))
        orchestrator = Orchestrator(
            store=open_store("memory://"),
            channels={"shop": channel},
            carriers=carriers,
            catalogue=Catalogue.example(),
            notifier=notifier,
            events=events,
            clock=clock,
            **kw,
        )
        for sku, quantity in (stock if stock is not None else SKUS).items():
            orchestrator.ledger.receive(sku, quantity, key=f"stock:{sku}")
        made.append(orchestrator)
        return Shop(orchestrator, channel, inpost, dpd_carrier, notifier, events, clock)

    yield build
    for orchestrator in made:
        orchestrator.close()
