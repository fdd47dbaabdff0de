"""Where business events for other systems go: refunds and correcting invoices.

ecomflow is not a payment or accounting system; when a return is refunded it
emits a :class:`~ecomflow.orchestration.effects.RequestRefund` and a
:class:`~ecomflow.orchestration.effects.RequestCorrectionInvoice` through the
outbox (exactly once per RMA), and an :class:`EventSink` hands them on — to a
log by default, or to the shop's own adapter.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from ecomflow.orchestration.effects import RequestCorrectionInvoice, RequestRefund

__all__ = ["EventSink", "LogEventSink", "RecordingEventSink"]

MoneyEvent = RequestRefund | RequestCorrectionInvoice


@runtime_checkable
class EventSink(Protocol):
    """Hands a business event on; raises an ``EcomflowError`` when it could not."""

    def emit(self, event: MoneyEvent) -> None:
        """Deliver ``event`` (its ``key`` is unique: a receiver can drop repeats)."""


class LogEventSink:
    """Writes each event to the ``ecomflow.events`` logger (ids and amounts only)."""

    def __init__(self) -> None:
        self.logger = logging.getLogger("ecomflow.events")

    def emit(self, event: MoneyEvent) -> None:
        """Log ``event``."""
        self.logger.info(
            "%s %s for order %s: %s",
            event.kind,
            event.rma,
            event.order_id,
            event.amount,
            extra={"event_key": event.key, "order_id": event.order_id},
        )


@dataclass
class RecordingEventSink:
    """Keeps every event it was given (tests, the demo); repeats are kept too."""

    events: list[MoneyEvent] = field(default_factory=list)

    def emit(self, event: MoneyEvent) -> None:
        """Record ``event``."""
        self.events.append(event)
