"""The Orchestrator: channels → checks → rules → stock → carrier → channel write-back → messages.

State changes and the effects they cause are saved in one transaction (the
order with its version, and outbox rows with idempotency keys); a dispatcher
executes the effects afterwards and marks them done. A crash at any point
leaves either the old state with no effects or the new state with its effects
queued — never a lost order, a second label or a second message:

- ``create_shipment`` is exactly-once at the carrier (look-up by reference),
- ``write_tracking`` looks for the package before recording it,
- ``send_message`` carries its key to the notifier, which sends a key once,
- the ledger's reserve/commit carry idempotency keys.
"""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from ecomflow.adapters.protocols import OrderSource
from ecomflow.calendar import BusinessCalendar
from ecomflow.checks import CheckPolicy, check_order, hold_if_needed
from ecomflow.clock import Clock, utc_now
from ecomflow.errors import (
    ConcurrentUpdate,
    ConfigurationError,
    EcomflowError,
    InsufficientStock,
)
from ecomflow.notify import DelayReason, MessageKind, Notifier, RecordingNotifier, render
from ecomflow.orchestration.config import OrchestratorConfig
from ecomflow.orchestration.repository import Effect, OrderRepository, Unit
from ecomflow.orders import Order, OrderFlow, OrderStatus, ShipmentRef, StatusMap, Tag, auto_tags
from ecomflow.rules import RuleSet, apply_outcome
from ecomflow.shipping import (
    Catalogue,
    Parcel,
    ShipmentRequest,
    TrackingStatus,
    find_exceptions,
    select_service,
)
from ecomflow.stock import StockLedger

__all__ = ["DispatchReport", "Orchestrator", "SyncReport", "default_parcel"]

logger = logging.getLogger("ecomflow.orchestrator")

_UNPAID_TTL = timedelta(minutes=30)


@dataclass
class SyncReport:
    """What one :meth:`Orchestrator.sync` did."""

    fetched: int = 0
    new: int = 0
    updated: int = 0
    failed: dict[str, str] = field(default_factory=dict)


@dataclass
class DispatchReport:
    """What one :meth:`Orchestrator.dispatch` did."""

    done: int = 0
    retried: int = 0
    parked: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


def default_parcel(order: Order) -> Parcel:
    """One parcel for the order: its weight (0.5 kg a line when unknown), a shoebox size."""
    weight = order.total_weight_kg or Decimal("0.5") * len(order.lines)
    return Parcel(
        weight_kg=max(weight, Decimal("0.1")),
        length_cm=35,
        width_cm=25,
        height_cm=8 if weight <= 5 else 30,
    )


class Orchestrator:
    """Wires the pure core to the stores and adapters; the object most users touch.

    Args:
        repository: orders, outbox and records (same store as ``ledger``).
        ledger: the stock ledger.
        channels: channel name → ``OrderSource`` (e.g. a BaseLinker client).
        carrier: a carrier client (``create_shipment``, ``wait_until_confirmed``,
            ``get_shipment``) such as :class:`ecomflow.adapters.inpost.InPostClient`.
        catalogue: carrier services to select from.
        calendar: the warehouse's business calendar.
        rules: the rule set (optional; without one, paid orders go to packing).
        status_map: channel statuses for write-back.
        notifier: where customer messages go.
        parcels: how an order becomes parcels (default: :func:`default_parcel`).
        opening: local time labels start being bought on a ship date.
        lease: seconds a claimed effect is reserved for this worker; after a crash
            another worker takes it over when the lease ends.
    """

    def __init__(
        self,
        *,
        repository: OrderRepository,
        ledger: StockLedger,
        channels: Mapping[str, OrderSource],
        carrier: Any,
        catalogue: Catalogue,
        calendar: BusinessCalendar | None = None,
        rules: RuleSet | None = None,
        check_policy: CheckPolicy | None = None,
        status_map: StatusMap | None = None,
        notifier: Notifier | None = None,
        clock: Clock = utc_now,
        parcels: Callable[[Order], list[Parcel]] | None = None,
        max_attempts: int = 5,
        opening: time = time(8, 0),
        lease: float = 60.0,
    ) -> None:
        self.repository = repository
        self.ledger = ledger
        self.channels = dict(channels)
        self.carrier = carrier
        self.catalogue = catalogue
        self.calendar = calendar or BusinessCalendar()
        self.rules = rules
        self.check_policy = check_policy or CheckPolicy()
        self.status_map = status_map or StatusMap.default()
        self.notifier: Notifier = notifier or RecordingNotifier()
        self.clock = clock
        self.parcels = parcels or (lambda order: [default_parcel(order)])
        self.max_attempts = max_attempts
        self.opening = opening
        self.lease = lease
        self.api_failures = 0

    @classmethod
    def from_config(
        cls,
        config: OrchestratorConfig,
        *,
        notifier: Notifier | None = None,
        clock: Clock = utc_now,
    ) -> Orchestrator:
        """Build the whole thing from :class:`OrchestratorConfig` (``ecomflow.toml``)."""
        from ecomflow.adapters.baselinker import BaseLinkerClient  # noqa: PLC0415
        from ecomflow.adapters.inpost import InPostClient  # noqa: PLC0415
        from ecomflow.stock import open_store  # noqa: PLC0415

        if config.inpost is None:
            raise ConfigurationError("ecomflow.toml needs an [inpost] section (the carrier).")
        store = open_store(config.store)
        channels: dict[str, OrderSource] = {}
        if config.baselinker is not None:
            channels[config.baselinker.channel] = BaseLinkerClient(config.baselinker)
        calendar = BusinessCalendar(
            config.calendar.country,
            config.calendar.timezone,
            closed=config.calendar.closed,
            open=config.calendar.open,
        )
        return cls(
            repository=OrderRepository(store),
            ledger=StockLedger(store, clock=clock),
            channels=channels,
            carrier=InPostClient(config.inpost),
            catalogue=Catalogue.from_toml(config.catalogue)
            if config.catalogue
            else Catalogue.example(),
            calendar=calendar,
            rules=RuleSet.load(config.rules) if config.rules else None,
            status_map=StatusMap.from_toml(config.status_map) if config.status_map else None,
            notifier=notifier,
            clock=clock,
        )

    # -- intake ---------------------------------------------------------------------------

    def sync(self) -> SyncReport:
        """Pull new orders from every channel from its persisted cursor, and process them.

        The cursor is saved after the orders are, so a crash in between re-reads a
        page whose orders are then recognised and skipped: nothing lost, nothing twice.
        """
        report = SyncReport()
        for name, channel in sorted(self.channels.items()):
            with self.repository.unit() as unit:
                cursor = unit.record(f"cursor:{name}")
            batch = channel.fetch_orders(cursor)
            report.fetched += len(batch.orders)
            for order in batch.orders:
                try:
                    if self.ingest(order):
                        report.new += 1
                    else:
                        report.updated += 1
                except EcomflowError as error:
                    report.failed[order.id] = str(error)
                    logger.warning("order %s not processed: %s", order.id, error)
            if batch.cursor is not None:
                with self.repository.unit() as unit:
                    unit.put_record(f"cursor:{name}", batch.cursor)
        return report

    def ingest(self, order: Order) -> bool:
        """Store a channel order (new: ``True``) or apply what changed, then process it."""
        existing = self.repository.get(order.id)
        if existing is None:
            order.status = (
                OrderStatus.NEW
                if order.status is not OrderStatus.CANCELLED
                else (OrderStatus.CANCELLED)
            )
            try:
                with self.repository.unit() as unit:
                    unit.save(order, None)
            except ConcurrentUpdate:
                return False  # another worker stored it first
            self.process(order.id)
            return True
        if order.payment.paid_amount != existing.payment.paid_amount:
            self._change(order.id, lambda o, flow, unit: self._payment_update(o, order, flow))
        self.process(order.id)
        return False

    def _payment_update(self, stored: Order, fresh: Order, flow: OrderFlow) -> None:
        stored.payment = fresh.payment

    # -- processing ---------------------------------------------------------------------

    def _change(self, order_id: str, step: Callable[[Order, OrderFlow, Unit], None]) -> Order:
        """Load, change and save one order with its effects in one transaction."""
        for _ in range(5):
            with self.repository.unit() as unit:
                found = unit.get(order_id)
                if found is None:
                    raise KeyError(order_id)
                order, version = found
                flow = OrderFlow(order, clock=self.clock)
                step(order, flow, unit)
                try:
                    unit.save(order, version)
                except ConcurrentUpdate:
                    continue
                return order
        raise ConcurrentUpdate(object_id=order_id, expected=0, actual=None)

    def process(self, order_id: str) -> Order:
        """Move the order as far as it can go now, recording each step and its reason."""
        return self._change(order_id, self._advance)

    def _effect(
        self,
        unit: Unit,
        effect_kind: str,
        order: Order,
        key: str,
        *,
        not_before: datetime | None = None,
        **payload: Any,
    ) -> None:
        unit.add(Effect(key, effect_kind, order.id, payload, not_before=not_before), self.clock())

    def _message(
        self, unit: Unit, order: Order, kind: MessageKind, key: str | None = None, **context: Any
    ) -> None:
        self._effect(
            unit,
            "send_message",
            order,
            key or f"msg:{kind.value}:{order.id}",
            kind=kind.value,
            **context,
        )

    def _advance(self, order: Order, flow: OrderFlow, unit: Unit) -> None:
        now = self.clock()
        if order.status is OrderStatus.NEW and not order.history:
            order.tags |= auto_tags(order, now=now)
            request = hold_if_needed(
                order, check_order(order, self.check_policy), flow, self.check_policy
            )
            if request is not None:
                self._message(unit, order, MessageKind.DATA_REQUEST, reasons=request.reasons)
                return
        if order.status in (OrderStatus.NEW, OrderStatus.PAID) and not order.reservation_id:
            try:
                reservation = self.ledger.reserve(
                    order.id,
                    order.quantities(),
                    key=f"reserve:{order.id}",
                    ttl=None if (order.is_paid or order.payment.cod) else _UNPAID_TTL,
                )
            except InsufficientStock as short:
                order.tags.add(Tag.OUT_OF_STOCK.value)
                if flow.can("hold"):
                    flow.hold(f"out of stock: {', '.join(short.skus)}", actor="stock")
                return
            order.reservation_id = reservation.id
        if order.status is OrderStatus.NEW and flow.can("pay"):
            flow.pay(
                reason="paid in full" if order.is_paid else "cash on delivery",
                actor=f"channel:{order.channel}",
            )
            if order.reservation_id:
                self.ledger.confirm(order.id, key=f"confirm:{order.id}")
        if order.status is OrderStatus.PAID:
            if not self._promise(order, unit, flow):
                return
            moved = False
            if self.rules is not None:
                apply_outcome(self.rules.evaluate(order, now=now), flow)
                now_status = _status_of(order)
                moved = now_status is not OrderStatus.PAID
                if now_status is OrderStatus.ON_HOLD:
                    return
            if not moved:
                flow.mark_ready(reason="paid and reserved", actor="orchestrator")
        if order.status in (OrderStatus.READY_TO_PACK, OrderStatus.IN_FULFILMENT) and flow.can(
            "pack"
        ):
            flow.pack(reason="reservation confirmed", actor="orchestrator")
            # The label is bought on the ship date (after the cut-off: the next working day).
            ship_day = _date(unit.record(f"ship_date:{order.id}"))
            opening = (
                datetime.combine(ship_day, self.opening, tzinfo=self.calendar.zone)
                if ship_day
                else None
            )
            self._effect(unit, "create_shipment", order, f"ship:{order.id}", not_before=opening)

    def _promise(self, order: Order, unit: Unit, flow: OrderFlow) -> bool:
        """Choose the service and promise dates; hold the order when no service can carry it."""
        request = ShipmentRequest.from_order(order, self.parcels(order))
        selection = select_service(
            request, self.catalogue, now=order.paid_at or self.clock(), calendar=self.calendar
        )
        if selection.chosen is None:
            flow.hold(f"no carrier service: {selection.reason}", actor="shipping")
            return False
        order.delivery.service_id = selection.chosen.service_id
        order.delivery.carrier = order.delivery.carrier or selection.chosen.service.carrier
        self._message(
            unit,
            order,
            MessageKind.CONFIRMATION,
            ship_date=str(selection.ship_date or ""),
            delivery_date=str(selection.promised_delivery or ""),
        )
        unit.put_record(f"ship_date:{order.id}", selection.chosen.ship_date.isoformat())
        unit.put_record(f"promise:{order.id}", selection.chosen.promised_delivery.isoformat())
        return True

    # -- effects ----------------------------------------------------------------------

    def dispatch(self, limit: int = 500) -> DispatchReport:
        """Execute due effects; failures are retried with backoff, then parked, never dropped."""
        report = DispatchReport()
        while True:
            now = self.clock()
            batch = self.repository.claim(now, limit=min(limit, 20), lease=self.lease)
            if not batch:
                return report
            for effect in batch:
                try:
                    self._execute(effect)
                except Exception as error:
                    self.api_failures += 1
                    state = self.repository.fail(
                        effect,
                        f"{type(error).__name__}: {error}",
                        self.clock(),
                        max_attempts=self.max_attempts,
                    )
                    if state == "needs_attention":
                        report.parked += 1
                    else:
                        report.retried += 1
                    continue
                self.repository.finish(effect, self.clock())
                report.done += 1
                report.by_kind[effect.kind] = report.by_kind.get(effect.kind, 0) + 1
            limit -= len(batch)
            if limit <= 0:
                return report

    def _execute(self, effect: Effect) -> None:
        assert effect.order_id is not None
        order = self.repository.get(effect.order_id)
        if order is None:
            raise KeyError(effect.order_id)
        if effect.kind == "create_shipment":
            self._ship(order)
        elif effect.kind == "write_status":
            self.channels[order.channel].write_status(order, effect.payload["channel_status"])
        elif effect.kind == "write_tracking":
            channel = self.channels[order.channel]
            record = getattr(channel, "record_package", None)
            if record is not None:  # BaseLinker: skip the look-up on a first attempt
                record(
                    order.channel_order_id,
                    effect.payload["carrier"],
                    effect.payload["tracking_number"],
                    pickup_date=order.updated_at or order.created_at,
                    first_attempt=self._first_attempt(f"attempt:{effect.key}"),
                )
            else:
                channel.write_tracking(
                    order, effect.payload["carrier"], effect.payload["tracking_number"]
                )
        elif effect.kind == "send_message":
            kind = MessageKind(effect.payload["kind"])
            reason = effect.payload.get("reason")
            self.notifier.send(
                render(
                    kind,
                    order,
                    key=effect.key,
                    ship_date=_date(effect.payload.get("ship_date")),
                    delivery_date=_date(effect.payload.get("delivery_date")),
                    reasons=effect.payload.get("reasons"),
                    reason=DelayReason(reason) if reason else None,
                )
            )
        else:
            raise ValueError(f"unknown effect kind {effect.kind!r}")

    def _first_attempt(self, name: str) -> bool:
        """Durably note an attempt before making it; ``True`` when none was noted before.

        The note is committed before the remote call, so after a crash the next
        attempt knows to look for what the first one may have created.
        """
        with self.repository.unit() as unit:
            return unit.first_time(name)

    def _ship(self, order: Order) -> None:
        if order.shipment is None or not order.shipment.tracking_number:
            request = ShipmentRequest.from_order(order, self.parcels(order))
            create = self.carrier.create_shipment
            first = self._first_attempt(f"attempt:ship:{order.id}")
            if "first_attempt" in inspect.signature(create).parameters:
                shipment = create(request, first_attempt=first)
            else:  # a carrier without the hint guards by itself
                shipment = create(request)
            if not shipment.tracking_number:
                shipment = self.carrier.wait_until_confirmed(shipment.id)
        else:
            shipment = None

        def record(o: Order, flow: OrderFlow, unit: Unit) -> None:
            if shipment is not None and (o.shipment is None or not o.shipment.tracking_number):
                o.shipment = ShipmentRef(
                    carrier=shipment.carrier,
                    service_id=shipment.service,
                    shipment_id=shipment.id,
                    tracking_number=shipment.tracking_number,
                )
                unit.put_record(f"shipment:{shipment.id}", o.id)
            ref = o.shipment
            if o.status is OrderStatus.PACKED and flow.can("ship") and ref is not None:
                flow.ship(reason="label created", actor=f"carrier:{ref.carrier}")
                self.ledger.commit(o.id, key=f"commit:{o.id}")
                self._effect(
                    unit,
                    "write_tracking",
                    o,
                    f"tracking:{o.id}",
                    carrier=ref.carrier,
                    tracking_number=ref.tracking_number,
                )
                self._write_status(unit, o)
                self._message(unit, o, MessageKind.SHIPPED)

        self._change(order.id, record)

    def _write_status(self, unit: Unit, order: Order) -> None:
        try:
            status = self.status_map.to_channel(order.channel, order.status)
        except EcomflowError:
            return  # the channel has no status for it: nothing to write back
        self._effect(
            unit,
            "write_status",
            order,
            f"status:{order.id}:{order.status.value}",
            channel_status=status,
        )

    # -- carrier events ---------------------------------------------------------------

    def apply_tracking(
        self, shipment_id: str, status: TrackingStatus, *, event_id: str, carrier_status: str = ""
    ) -> Order | None:
        """Apply a (verified, re-fetched) tracking status to the shipment's order, once."""
        with self.repository.unit() as unit:
            order_id = unit.record(f"shipment:{shipment_id}")
            if order_id is None or not unit.first_time(f"event:{event_id}"):
                return None

        def move(order: Order, flow: OrderFlow, unit: Unit) -> None:
            if status is TrackingStatus.DELIVERED and flow.can("deliver"):
                flow.deliver(
                    reason=f"carrier: {carrier_status or 'delivered'}",
                    actor=f"webhook:{order.shipment.carrier if order.shipment else ''}",
                )
                self._write_status(unit, order)
                self._message(unit, order, MessageKind.DELIVERED)
            elif status is TrackingStatus.EXCEPTION:
                promised = unit.record(f"promise:{order.id}")
                self._message(
                    unit,
                    order,
                    MessageKind.DELAY,
                    key=f"msg:delay:{order.id}:{carrier_status}",
                    reason=DelayReason.CARRIER_EXCEPTION.value,
                    delivery_date=str(
                        self.calendar.add_business_days(_date(promised) or self.clock().date(), 1)
                    ),
                )
            elif status is TrackingStatus.RETURNED and flow.can("mark_returned"):
                flow.mark_returned(reason="returned to sender", actor="webhook")

        return self._change(order_id, move)

    def handle_webhook(
        self,
        source: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        guard: Any = None,
        path_token: str | None = None,
        remote_addr: str | None = None,
    ) -> Order | None:
        """Verify, parse, deduplicate and apply a carrier webhook (InPost ShipX)."""
        if source != "inpost":
            raise ValueError(f"no webhook handler for {source!r}")
        from ecomflow.adapters.inpost import parse_webhook  # noqa: PLC0415

        if guard is not None:
            guard.verify(path_token=path_token, remote_addr=remote_addr)
        event = parse_webhook(dict(headers), body)
        shipment = self.carrier.get_shipment(event.shipment_id)  # the payload is only a hint
        return self.apply_tracking(
            shipment.id,
            shipment.status,
            event_id=event.event_id,
            carrier_status=shipment.carrier_status,
        )

    def check_exceptions(self) -> int:
        """Poll tracking of shipped orders; queue one delay message per incident.

        Returns the number of incidents found now (new or already messaged).
        """
        shipped = self.repository.find(status=OrderStatus.SHIPPED.value)
        tracking: dict[str, list[Any]] = {}
        promises: dict[str, date] = {}
        with self.repository.unit() as unit:
            for order in shipped:
                promised = _date(unit.record(f"promise:{order.id}"))
                if promised is not None:
                    promises[order.id] = promised
        for order in shipped:
            number = order.shipment.tracking_number if order.shipment else None
            if number:
                try:
                    tracking[order.id] = self.carrier.get_tracking(number)
                except EcomflowError as error:
                    self.api_failures += 1
                    logger.warning("tracking of %s failed: %s", order.id, error)
        found = find_exceptions(
            shipped, self.clock(), self.calendar, tracking=tracking, promises=promises
        )
        for incident in found:

            def queue(order: Order, flow: OrderFlow, unit: Unit, i: Any = incident) -> None:
                self._message(
                    unit,
                    order,
                    MessageKind.DELAY,
                    key=f"msg:delay:{i.key}",
                    reason=i.reason.value,
                    delivery_date=str(self.calendar.add_business_days(self.clock(), 1)),
                )

            self._change(incident.order_id, queue)
        return len(found)

    def stuck(self, statuses: Sequence[OrderStatus] = (OrderStatus.ON_HOLD,)) -> list[Order]:
        """Orders waiting in the given statuses (default: on hold), for people to look at."""
        return [o for s in statuses for o in self.repository.find(status=s.value)]


def _status_of(order: Order) -> OrderStatus:
    """The order's status, read afresh (rules may have moved it)."""
    return OrderStatus(order.status)


def _date(value: Any) -> date | None:
    if not value:
        return None
    return value if isinstance(value, date) else date.fromisoformat(str(value))
