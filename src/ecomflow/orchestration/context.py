"""The unit of work every stage runs in: load one order, change it, record its effects.

:class:`Core` holds what the stages need (stores, router, catalogue, rules…);
:func:`change` loads an order in a transaction, lets a step change it through
:class:`Change` — its :class:`~ecomflow.orders.OrderFlow`, the effects it queues,
its notes — and saves the order with its effects in that same transaction,
so a crash leaves either the old state with no effects or the new state with
all of them.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TypeVar

from ecomflow.calendar import BusinessCalendar
from ecomflow.checks import CheckPolicy
from ecomflow.clock import Clock, utc_now
from ecomflow.errors import ConcurrentUpdate, UnknownOrder
from ecomflow.notify import Notifier, ShopSettings
from ecomflow.orchestration.config import PipelineSettings
from ecomflow.orchestration.effects import Effect, SendMessage, WriteStatus
from ecomflow.orchestration.events import EventSink, LogEventSink
from ecomflow.orchestration.repository import Claimed, OrderRepository, Unit
from ecomflow.orchestration.router import Router
from ecomflow.orders.flow import OrderFlow
from ecomflow.orders.models import HoldReason, Order
from ecomflow.orders.status import OrderStatus
from ecomflow.orders.tags import TagPolicy
from ecomflow.rules import RuleSet
from ecomflow.shipping.boxes import Box
from ecomflow.shipping.catalogue import Catalogue
from ecomflow.shipping.exceptions import DelayReason
from ecomflow.shipping.packing import DEFAULT_BOXES, PackingDefaults, Products
from ecomflow.shipping.selection import SelectionPolicy
from ecomflow.stock.ledger import StockLedger

__all__ = ["Change", "Core", "Counters", "change", "log_stages", "logger"]

logger = logging.getLogger("ecomflow.orchestrator")

T = TypeVar("T")


@dataclass
class Counters:
    """What the Orchestrator did, for status screens, reports and metrics."""

    api_calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    api_failures: Counter[tuple[str, str]] = field(default_factory=Counter)
    effects: Counter[tuple[str, str]] = field(default_factory=Counter)
    intake: Counter[str] = field(default_factory=Counter)

    @property
    def failed_api_calls(self) -> int:
        """Failed calls to any adapter."""
        return sum(self.api_failures.values())

    def drain(self) -> dict[tuple[str, str], int]:
        """Everything counted since the last drain, as (name, labels) → delta; then zero."""
        deltas: dict[tuple[str, str], int] = {}
        for name, counter in (
            ("api_calls", self.api_calls),
            ("api_failures", self.api_failures),
        ):
            for (adapter, method), value in counter.items():
                deltas[(name, f"adapter={adapter},method={method}")] = value
            counter.clear()
        for (kind, outcome), value in self.effects.items():
            deltas[("effects", f"kind={kind},outcome={outcome}")] = value
        self.effects.clear()
        for what, value in self.intake.items():
            deltas[("intake", f"what={what}")] = value
        self.intake.clear()
        return deltas


@dataclass
class Core:
    """Everything the stages need; built by :class:`~ecomflow.orchestration.Orchestrator`."""

    repository: OrderRepository
    ledger: StockLedger
    router: Router
    catalogue: Catalogue
    calendar: BusinessCalendar
    notifier: Notifier
    clock: Clock = utc_now
    rules: RuleSet | None = None
    check_policy: CheckPolicy = field(default_factory=CheckPolicy)
    tag_policy: TagPolicy = field(default_factory=TagPolicy)
    selection: SelectionPolicy = field(default_factory=SelectionPolicy)
    settings: PipelineSettings = field(default_factory=PipelineSettings)
    products: Products = field(default_factory=Products)
    boxes: tuple[Box, ...] = DEFAULT_BOXES
    counters: Counters = field(default_factory=Counters)
    events: EventSink = field(default_factory=LogEventSink)
    shop: ShopSettings | None = None

    @property
    def packing_defaults(self) -> PackingDefaults:
        """The documented fallback for products without data."""
        from decimal import Decimal  # noqa: PLC0415

        length, width, height = self.settings.default_dimensions_cm
        return PackingDefaults(
            dimensions_cm=(Decimal(str(length)), Decimal(str(width)), Decimal(str(height))),
            weight_kg=Decimal(str(self.settings.default_weight_kg)),
        )

    @property
    def unpaid_ttl(self) -> timedelta:
        """How long stock is held for an unpaid order."""
        return timedelta(minutes=self.settings.unpaid_ttl_minutes)

    def opening(self, day: datetime | None) -> datetime | None:
        """The local instant labels start being bought on ``day`` (a date or ``None``)."""
        if day is None:
            return None
        opening: time = self.settings.label_opening
        return datetime.combine(day, opening, tzinfo=self.calendar.zone)


@dataclass
class Change:
    """One order being changed inside one transaction."""

    core: Core
    order: Order
    flow: OrderFlow
    unit: Unit

    @property
    def now(self) -> datetime:
        """The transaction's instant."""
        return self.unit.now

    def queue(self, effect: Effect, *, not_before: datetime | None = None) -> bool:
        """Queue ``effect`` (once per key) with the order's priority."""
        return self.unit.add(effect, not_before=not_before, priority=self.order.priority)

    def message(
        self,
        message: str,
        *,
        incident: str = "",
        ship_date: date | None = None,
        delivery_date: date | None = None,
        delay_reason: DelayReason | None = None,
    ) -> bool:
        """Queue a customer message of kind ``message`` (a MessageKind value or template)."""
        return self.queue(
            SendMessage(
                order_id=self.order.id,
                message=message,
                incident=incident,
                ship_date=ship_date,
                delivery_date=delivery_date,
                delay_reason=delay_reason,
            )
        )

    def write_back(self) -> bool:
        """Queue writing the order's current master status back to its channel."""
        return self.queue(
            WriteStatus(
                order_id=self.order.id, channel=self.order.channel, status=self.order.status
            )
        )

    def hold(self, code: HoldReason, reason: str, *, actor: str) -> bool:
        """Put the order on hold (``False`` when it cannot be held now)."""
        if self.order.status is OrderStatus.ON_HOLD or not self.flow.can("hold"):
            return False
        self.flow.hold(reason, code=code, actor=actor)
        logger.info(
            "order %s held: %s", self.order.id, code.value, extra={"order_id": self.order.id}
        )
        return True


def change(
    core: Core,
    order_id: str,
    step: Callable[[Change], T],
    *,
    finishing: Claimed | None = None,
    result: str = "",
) -> tuple[Order, T]:
    """Load ``order_id``, run ``step`` on it, save it and its effects in one transaction.

    With ``finishing``, the claimed effect is marked done in the same
    transaction — only while this worker still holds its claim
    (:class:`~ecomflow.errors.LeaseLost` rolls everything back otherwise).
    """
    for _ in range(8):
        try:
            with core.repository.unit(core.clock()) as unit:
                found = unit.get(order_id)
                if found is None:
                    raise UnknownOrder(order_id)
                order, version = found
                known = len(order.history)
                current = Change(core, order, OrderFlow(order, clock=core.clock), unit)
                outcome = step(current)
                unit.save(order, version)
                if finishing is not None:
                    unit.finish(finishing, result)
        except ConcurrentUpdate:
            continue
        log_stages(order, known)
        return order, outcome
    raise ConcurrentUpdate(object_id=order_id, expected=0, actual=None)


def log_stages(order: Order, known: int = 0) -> None:
    """One INFO line per stage ``order`` moved through after its first ``known`` records.

    Called once the change is saved; ids and statuses only (a reason may quote a person).
    """
    for record in order.history[known:]:
        logger.info(
            "order %s: %s → %s (%s)",
            order.id,
            record.source,
            record.target,
            record.event,
            extra={
                "order_id": order.id,
                "channel": order.channel,
                "event": record.event,
                "status": record.target,
            },
        )
