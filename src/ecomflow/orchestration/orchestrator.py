"""The Orchestrator: channels → checks → stock → carrier → channel write-back → messages.

It is the one object most users touch. Build it from ``ecomflow.toml``
(:meth:`Orchestrator.from_config`) or in Python; call :meth:`~Orchestrator.cycle`
on a schedule (``ecomflow worker`` does), or each step on its own: :meth:`sync`,
:meth:`dispatch`, :meth:`expire`, :meth:`poll_tracking`, :meth:`publish_stock`.

State changes and the effects they cause are saved in one transaction (the
order with its version, and outbox rows with idempotency keys); the
dispatcher executes effects afterwards under a fenced lease. A crash at any
point leaves either the old state with no effects or the new state with its
effects queued — never a lost order, a second label or a second message.
Stages live in their own modules: :mod:`~ecomflow.orchestration.intake`,
:mod:`~ecomflow.orchestration.pipeline`, :mod:`~ecomflow.orchestration.dispatch`,
:mod:`~ecomflow.orchestration.handlers`, :mod:`~ecomflow.orchestration.carrier_events`.
"""

from __future__ import annotations

import os
import socket
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from ecomflow.adapters.protocols import (
    IntakeFailure,
    KeepsNotes,
    OrderSource,
    ShipmentProvider,
    WebhookRequest,
)
from ecomflow.calendar import BusinessCalendar
from ecomflow.checks import CheckPolicy
from ecomflow.clock import Clock, utc_now
from ecomflow.errors import ConfigurationError, EcomflowError, UnknownOrder
from ecomflow.notify import MessageKind, Notifier, ShopSettings, build_notifier
from ecomflow.orchestration import carrier_events, intake
from ecomflow.orchestration.carrier_events import WebhookReport
from ecomflow.orchestration.config import OrchestratorConfig, PipelineSettings
from ecomflow.orchestration.context import Change, Core, Counters, change, logger
from ecomflow.orchestration.dispatch import DispatchReport, dispatch
from ecomflow.orchestration.effects import PublishStock
from ecomflow.orchestration.events import EventSink, LogEventSink
from ecomflow.orchestration.intake import SyncReport
from ecomflow.orchestration.notes import StoreNotes
from ecomflow.orchestration.pipeline import advance, schedule_label
from ecomflow.orchestration.repository import EffectRow, OrderRepository
from ecomflow.orchestration.returns import ReturnsDesk
from ecomflow.orchestration.router import Router
from ecomflow.orders.models import HoldReason, Order
from ecomflow.orders.status import OrderStatus
from ecomflow.orders.tags import TagPolicy
from ecomflow.returns.models import ReturnPolicy
from ecomflow.rules import RuleSet
from ecomflow.shipping.boxes import Box
from ecomflow.shipping.catalogue import Catalogue
from ecomflow.shipping.packing import DEFAULT_BOXES, Products, load_boxes
from ecomflow.shipping.selection import SelectionPolicy
from ecomflow.shipping.tracking import TrackingStatus
from ecomflow.stock.ledger import StockLedger
from ecomflow.storage import Store, open_store

__all__ = ["CycleReport", "Orchestrator"]


@dataclass
class CycleReport:
    """What one :meth:`Orchestrator.cycle` did."""

    sync: SyncReport = field(default_factory=SyncReport)
    dispatch: DispatchReport = field(default_factory=DispatchReport)
    expired: int = 0
    released: int = 0


class Orchestrator:
    """Wires the pure core to the stores and adapters (see the module docstring).

    Args:
        store: the database (orders, outbox, stock, RMAs); or give ``repository``
            and ``ledger`` built on one store.
        router: channels and carriers; or give ``channels`` and ``carriers``.
        catalogue: carrier services to select from.
        calendar: the warehouse's business calendar.
        notifier: where customer messages go (required: no silent default).
        rules: the rule set (optional).
        products: SKU weights and dimensions; ``boxes``: box sizes.
        settings: the pipeline's settings (TTL, label opening, leases, retries).
        events: where refund and correction requests go (a log by default).
        shop: the shop's name, sender and links, used in every customer message.
        worker_id: names this process in leases, heartbeats and logs.
        return_policy: the return rules of :attr:`returns` (``[returns]``).
        invoice_series: correcting invoices' numbering series per channel.
    """

    def __init__(
        self,
        *,
        notifier: Notifier,
        catalogue: Catalogue,
        store: Store | None = None,
        repository: OrderRepository | None = None,
        ledger: StockLedger | None = None,
        router: Router | None = None,
        channels: Mapping[str, OrderSource] | None = None,
        carriers: Mapping[str, ShipmentProvider] | None = None,
        calendar: BusinessCalendar | None = None,
        rules: RuleSet | None = None,
        check_policy: CheckPolicy | None = None,
        tag_policy: TagPolicy | None = None,
        selection: SelectionPolicy | None = None,
        settings: PipelineSettings | None = None,
        products: Products | None = None,
        boxes: Sequence[Box] | None = None,
        events: EventSink | None = None,
        shop: ShopSettings | None = None,
        clock: Clock = utc_now,
        worker_id: str | None = None,
        return_policy: ReturnPolicy | None = None,
        invoice_series: Mapping[str, str] | None = None,
    ) -> None:
        if repository is None:
            if store is None:
                raise ConfigurationError("Orchestrator needs a store (or a repository).")
            repository = OrderRepository(store)
        if router is None:
            router = Router(dict(channels or {}), dict(carriers or {}))
        elif channels or carriers:
            raise ConfigurationError("give either router= or channels=/carriers=, not both")
        self.core = Core(
            repository=repository,
            ledger=ledger or StockLedger(repository.store, clock=clock),
            router=router,
            catalogue=catalogue,
            calendar=calendar or BusinessCalendar(),
            notifier=notifier,
            clock=clock,
            rules=rules,
            check_policy=check_policy or CheckPolicy(),
            tag_policy=tag_policy or TagPolicy(),
            selection=selection or SelectionPolicy(),
            settings=settings or PipelineSettings(),
            products=products or Products(),
            boxes=tuple(boxes) if boxes else DEFAULT_BOXES,
            events=events or LogEventSink(),
            shop=shop,
        )
        self.worker_id = worker_id or f"{socket.gethostname()}:{os.getpid()}"
        self.return_policy = return_policy or ReturnPolicy()
        self.invoice_series = dict(invoice_series or {})
        self._share_notes()
        self._warn_unroutable()

    def _share_notes(self) -> None:
        """Adapters that keep notes keep them in the store, shared by every worker."""
        router, store = self.core.router, self.core.repository.store
        for kind, adapters in (("channels", router.channels), ("carriers", router.carriers)):
            for name, adapter in adapters.items():
                if isinstance(adapter, KeepsNotes):
                    adapter.keep_notes_in(StoreNotes(store, f"{kind}:{name}", clock=self.clock))

    # -- construction ----------------------------------------------------------------

    @classmethod
    def from_config(
        cls,
        config: OrchestratorConfig,
        *,
        notifier: Notifier | None = None,
        events: EventSink | None = None,
        clock: Clock = utc_now,
        worker_id: str | None = None,
    ) -> Orchestrator:
        """Build everything from :class:`OrchestratorConfig` (``ecomflow.toml``).

        Adapters come from the plugin registry by the names in ``[channels.*]`` and
        ``[carriers.*]``; the notifier from ``[notify]`` unless given here.
        """
        store = open_store(config.store)
        router = Router(
            {a.name: a.build() for a in config.adapters("channels")},
            {a.name: a.build() for a in config.adapters("carriers")},
        )
        calendar = BusinessCalendar(
            config.calendar.country,
            config.calendar.timezone,
            closed=config.calendar.closed,
            open=config.calendar.open,
        )
        catalogue = (
            Catalogue.from_toml(config.catalogue) if config.catalogue else Catalogue.example()
        )
        rules = None
        if config.rules:
            templates = [kind.value for kind in MessageKind]
            rules = RuleSet.load(config.rules, services=catalogue, templates=templates)
        return cls(
            store=store,
            router=router,
            catalogue=catalogue,
            calendar=calendar,
            rules=rules,
            selection=config.selection,
            settings=config.pipeline,
            products=Products.from_toml(config.products) if config.products else None,
            boxes=load_boxes(config.boxes) if config.boxes else None,
            notifier=notifier or build_notifier(config.notifier_settings()),
            shop=config.shop_settings(),
            events=events,
            clock=clock,
            worker_id=worker_id,
            return_policy=config.returns.policy(),
            invoice_series=config.returns.invoice_series,
        )

    def _warn_unroutable(self) -> None:
        offered = self.core.router.offered
        missing = sorted(
            {s.carrier for s in self.core.catalogue if s.carrier not in self.core.router.carriers}
        )
        if self.core.router.carriers and missing:
            logger.info(
                "catalogue carriers without a configured adapter (never selected): %s",
                ", ".join(missing),
            )
        unknown = sorted(s for s in offered if s not in self.core.catalogue)
        if unknown:
            logger.info("services offered by carriers but not in the catalogue: %s", unknown)

    # -- properties ------------------------------------------------------------------

    @property
    def repository(self) -> OrderRepository:
        """Orders, the outbox and records."""
        return self.core.repository

    @property
    def ledger(self) -> StockLedger:
        """The stock ledger."""
        return self.core.ledger

    @property
    def router(self) -> Router:
        """The configured channels and carriers."""
        return self.core.router

    @property
    def calendar(self) -> BusinessCalendar:
        """The warehouse's business calendar."""
        return self.core.calendar

    @property
    def counters(self) -> Counters:
        """API calls, failures and effects run by this process."""
        return self.core.counters

    @property
    def clock(self) -> Clock:
        """Where "now" comes from."""
        return self.core.clock

    @cached_property
    def returns(self) -> ReturnsDesk:
        """The returns desk: RMAs in the same transactions and outbox as the orders."""
        return ReturnsDesk(self.core, self.return_policy, self.invoice_series)

    # -- intake ----------------------------------------------------------------------

    def sync(self, channels: list[str] | None = None) -> SyncReport:
        """Take in new and changed orders from every channel (or the named ones)."""
        return intake.sync(self.core, channels)

    def ingest(self, order: Order) -> str:
        """Take in one channel order: ``new``, ``updated`` or ``unchanged``."""
        return intake.ingest(self.core, order)

    def retake_failures(self) -> SyncReport:
        """Read every kept intake failure from its channel again; take in what maps now."""
        report = SyncReport()
        for failure in self.repository.intake_failures():
            if failure.channel_order_id.startswith("?"):
                continue  # not even an id to read it again by; a person must look
            try:
                channel = self.router.channel(failure.channel)
                fresh = channel.get_order(failure.channel_order_id)
            except EcomflowError as error:
                report.failed[f"{failure.channel}-{failure.channel_order_id}"] = str(error)
                with self.repository.unit(self.clock()) as unit:
                    unit.keep_failure(
                        IntakeFailure(
                            failure.channel,
                            failure.channel_order_id,
                            str(error),
                            failure.raw,
                            type(error).__name__,
                        )
                    )
                continue
            outcome = self.ingest(fresh)
            with self.repository.unit(self.clock()) as unit:
                unit.resolve_failure(failure.channel, failure.channel_order_id)
            setattr(report, outcome, getattr(report, outcome) + 1)
        return report

    # -- processing --------------------------------------------------------------------

    def process(self, order_id: str) -> Order:
        """Move one order as far as it can go now."""
        return change(self.core, order_id, advance)[0]

    def dispatch(self, limit: int = 500, *, stop: threading.Event | None = None) -> DispatchReport:
        """Run due effects; failures are retried with backoff, then parked, never dropped."""
        return dispatch(self.core, limit=limit, worker=self.worker_id, stop=stop)

    def expire(self) -> int:
        """Release the stock of unpaid orders whose reservation expired; returns how many."""
        expired = self.ledger.expire(self.clock())
        for reservation in expired:
            try:
                change(self.core, reservation.order_id, _forget(reservation.id))
            except UnknownOrder:
                continue
        return len(expired)

    def release_stock_holds(self) -> int:
        """Release out-of-stock holds whose stock arrived (oldest hold first); returns how many."""
        held = self.repository.find(
            status=OrderStatus.ON_HOLD.value, hold_code=HoldReason.OUT_OF_STOCK.value
        )
        held.sort(key=lambda o: (-o.priority, _held_at(o), o.id))
        released = 0
        for order in held:

            def retry(c: Change) -> bool:
                if intake.release_checked_hold(c):
                    advance(c)
                    return True
                return False

            released += change(self.core, order.id, retry)[1]
        return released

    def cycle(
        self, *, stop: threading.Event | None = None, dispatch_limit: int = 500
    ) -> CycleReport:
        """One round of everything: intake, expiry, stock holds, due effects."""
        report = CycleReport()
        report.sync = self.sync()
        report.expired = self.expire()
        report.released = self.release_stock_holds()
        report.dispatch = self.dispatch(dispatch_limit, stop=stop)
        return report

    # -- carriers and webhooks ---------------------------------------------------------

    def handle_webhook(
        self,
        source: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        remote_addr: str | None = None,
        path_token: str | None = None,
    ) -> WebhookReport:
        """Verify, parse, de-duplicate and apply a webhook from channel or carrier ``source``."""
        request = WebhookRequest(dict(headers), body, remote_addr, path_token)
        return carrier_events.handle_webhook(self.core, source, request)

    def poll_tracking(self) -> int:
        """Read shipped orders' shipments again; returns how many moved."""
        return carrier_events.poll_tracking(self.core)

    def check_exceptions(self) -> int:
        """Tracking polls for delays: one delay message per incident; returns the incidents."""
        return carrier_events.check_exceptions(self.core)

    # -- stock ----------------------------------------------------------------------

    def publish_stock(self, channels: Sequence[str] | None = None, *, batch: str = "") -> int:
        """Queue publishing the ledger's available stock to every channel that shows stock."""
        skus = tuple(sorted({level.sku for level in self.ledger.levels()}))
        stamp = batch or self.clock().isoformat()
        queued = 0
        with self.repository.unit(self.clock()) as unit:
            for name in channels or sorted(self.router.stock_sinks()):
                queued += unit.add(PublishStock(channel=name, skus=skus, batch=stamp))
        return queued

    # -- operator actions ---------------------------------------------------------------

    def release(self, order_id: str, reason: str, *, actor: str = "user") -> Order:
        """Release a held order (recorded in its audit trail) and move it on."""

        def release(c: Change) -> None:
            if c.order.status is not OrderStatus.ON_HOLD:
                raise EcomflowError(f"order {order_id} is {c.order.status.value}, not on hold")
            c.flow.release(reason=reason, actor=actor)
            c.unit.audit(actor, "release", f"order {order_id}", reason)
            advance(c)

        return change(self.core, order_id, release)[0]

    def cancel(self, order_id: str, reason: str, *, actor: str = "user") -> str:
        """Cancel an order by stage (see :func:`~ecomflow.orchestration.intake.cancel_order`)."""

        def cancel(c: Change) -> str:
            c.unit.audit(actor, "cancel", f"order {order_id}", reason)
            return intake.cancel_order(c, reason, actor=actor)

        return change(self.core, order_id, cancel)[1]

    def retry(
        self,
        *,
        effect_id: int | None = None,
        order_id: str | None = None,
        all_parked: bool = False,
        reason: str = "",
        actor: str = "user",
    ) -> list[EffectRow]:
        """Put parked effects back in the queue — one, one order's, or all — audited."""
        return self.repository.retry(
            self.clock(),
            actor=actor,
            reason=reason or "retried by an operator",
            effect_id=effect_id,
            order_id=order_id,
            all_parked=all_parked,
        )

    def confirm_delivery(
        self, order_id: str, *, reason: str = "collected by the customer", actor: str = "user"
    ) -> Order:
        """Record a delivery nobody else reports (a parcel collected at the shop)."""

        def deliver(c: Change) -> None:
            if not c.flow.can("deliver"):
                raise EcomflowError(
                    f"order {order_id} is {c.order.status.value}; only a shipped order is delivered"
                )
            c.unit.audit(actor, "delivered", f"order {order_id}", reason)
            carrier_events.track(c, TrackingStatus.DELIVERED, reason, None, actor=actor)

        return change(self.core, order_id, deliver)[0]

    def request_label(self, order_id: str, *, actor: str = "user") -> bool:
        """Queue the label of a packed order whose rules asked for a person to decide.

        ``False`` when there is nothing to decide: the order is not packed, or its
        label was never held back or is already queued (a repeat does nothing).
        """

        def request(c: Change) -> bool:
            order = c.order
            waiting = "label-by-hand" in order.tags
            if order.status is not OrderStatus.PACKED or order.shipping is None or not waiting:
                return False
            c.order.tags.discard("label-by-hand")
            c.unit.audit(actor, "request-label", f"order {order_id}", "")
            schedule_label(c)
            return True

        return change(self.core, order_id, request)[1]

    # -- views -------------------------------------------------------------------------

    def order(self, order_id: str) -> Order:
        """One order; :class:`~ecomflow.errors.UnknownOrder` when there is none."""
        found = self.repository.get(order_id)
        if found is None:
            raise UnknownOrder(order_id)
        return found

    def stuck(self, statuses: Sequence[OrderStatus] = (OrderStatus.ON_HOLD,)) -> list[Order]:
        """Orders waiting in the given statuses (default: on hold), for people to look at."""
        return [o for s in statuses for o in self.repository.find(status=s.value)]

    def status(self) -> dict[str, Any]:
        """Orders by status and hold reason, RMAs by status, outbox, intake failures, workers."""
        now = self.clock()
        counts = self.repository.counts()
        return {
            "at": now.isoformat(),
            "orders": counts["status"],
            "holds": counts["hold"],
            "returns": self.returns.counts(),
            "effects": self.repository.outbox_summary(now),
            "intake_failures": len(self.repository.intake_failures()),
            "cursors": self.repository.records("cursor:"),
            "workers": [
                {
                    **w,
                    "started_at": w["started_at"].isoformat(),
                    "last_seen": w["last_seen"].isoformat(),
                }
                for w in self.repository.workers()
            ],
        }

    def close(self) -> None:
        """Close the adapters' connections and the store."""
        self.router.close()
        self.repository.store.close()


def _forget(reservation_id: str) -> Callable[[Change], None]:
    """A step that forgets an expired reservation (a payment will reserve again)."""

    def forget(c: Change) -> None:
        if c.order.reservation_id == reservation_id:
            c.order.reservation_id = None
            c.order.tags.add("reservation-expired")

    return forget


def _held_at(order: Order) -> str:
    for record in reversed(order.history):
        if record.event == "hold":
            return record.at.isoformat()
    return ""
