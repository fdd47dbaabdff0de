"""The returns desk: the return process inside the Orchestrator's transactions and outbox.

Each step loads the order (locked) and the RMA, runs the returns logic of
:class:`~ecomflow.returns.Returns`, and saves in **one** transaction the RMA,
the stock it moved, the order (its history records the RMA's steps as
``rma.<event>``) and the effects the step causes: the customer's messages
(:class:`~ecomflow.orchestration.effects.SendReturnUpdate`, one per state), the
return label (:class:`~ecomflow.orchestration.effects.CreateReturnLabel`), the
refund and the correcting invoice
(:class:`~ecomflow.orchestration.effects.RequestRefund`,
:class:`~ecomflow.orchestration.effects.RequestCorrectionInvoice`). A crash
leaves either the step undone or done with all its effects queued; the
dispatcher carries the effects out exactly once.

A request with a key that was used before gives back the first RMA (one RMA
per key, across restarts and workers). The return parcel's tracking — a
carrier's webhook or :meth:`ReturnsDesk.poll` — moves the RMA: in transit →
sent back, delivered to the shop → received into quarantine, once per
webhook delivery.

>>> from datetime import UTC, datetime
>>> from ecomflow.notify import RecordingNotifier
>>> from ecomflow.orchestration import Orchestrator
>>> from ecomflow.shipping import Catalogue
>>> from ecomflow.storage import open_store
>>> from ecomflow.testing import FrozenClock
>>> shop = Orchestrator(store=open_store("memory://"), catalogue=Catalogue.example(),
...                     notifier=RecordingNotifier(),
...                     clock=FrozenClock(datetime(2026, 11, 24, 9, tzinfo=UTC)))
>>> shop.returns.rmas()
[]
>>> shop.returns.request("shop-404", {"MUG": 1}, ReturnReason.OTHER, key="form-1")
Traceback (most recent call last):
...
ecomflow.errors.UnknownOrder: ...
>>> shop.close()
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from ecomflow.errors import ConfigurationError, EcomflowError, ValidationFailed
from ecomflow.money import Money
from ecomflow.orchestration.context import Change, Core, change, logger
from ecomflow.orchestration.effects import (
    CreateReturnLabel,
    RequestCorrectionInvoice,
    RequestRefund,
    SendReturnUpdate,
)
from ecomflow.orchestration.handlers import return_shipment_link
from ecomflow.orchestration.pipeline import advance
from ecomflow.orders.flow import OrderFlow
from ecomflow.orders.models import Order, Transition
from ecomflow.returns.models import LineOutcome, Refusal, ReturnPolicy, ReturnReason, Rma, RmaStatus
from ecomflow.returns.numbering import RmaNumbering
from ecomflow.returns.reports import ReturnsReport, returns_report
from ecomflow.returns.service import RefundRequested, ReturnEvent, Returns
from ecomflow.returns.store import RmaStore
from ecomflow.shipping.shipments import Shipment

__all__ = ["ReturnsDesk", "apply_return_shipment", "invoice_record"]

T = TypeVar("T")


def invoice_record(order_id: str) -> str:
    """The record name under which an order's invoice (or receipt) number is kept."""
    return f"document:invoice:{order_id}"


@dataclass
class ReturnsDesk:
    """Returns through the Orchestrator (``Orchestrator.returns``); see the module docstring.

    Args:
        core: the Orchestrator's stores, router, calendar and clock.
        policy: the return rules (the window's days are counted in the
            calendar's zone unless the policy names one).
        invoice_series: the correction's numbering series per channel, if the
            shop's accounting wants one named.
    """

    core: Core
    policy: ReturnPolicy = field(default_factory=ReturnPolicy)
    invoice_series: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        store = self.core.repository.store
        if self.core.ledger.store is not store:
            raise ConfigurationError(
                "The returns desk needs orders and stock in one store: build the Orchestrator "
                "with store= (or a ledger on the repository's store)."
            )
        self.store = RmaStore.of(store)
        self.numbering = RmaNumbering(store)

    # -- the returns logic, bound to one change --------------------------------------

    def _process(self, c: Change) -> Returns:
        """The returns logic whose messages and events go to ``c``'s outbox."""

        def message(rma: Rma, transition: Transition) -> None:
            c.queue(
                SendReturnUpdate(
                    order_id=rma.order_id, rma=rma.number, status=RmaStatus(transition.target)
                )
            )

        def emit(event: ReturnEvent) -> None:
            if isinstance(event, RefundRequested):
                c.queue(
                    RequestRefund(
                        order_id=event.order_id,
                        rma=event.rma_number,
                        amount=event.amount,
                        method=event.method,
                    )
                )
            else:
                c.queue(
                    RequestCorrectionInvoice(
                        order_id=event.order_id,
                        rma=event.rma_number,
                        original_document=event.original_invoice,
                        amount=event.amount,
                    )
                )

        return Returns(
            self.core.ledger,
            self.numbering,
            policy=self.policy,
            clock=self.core.clock,
            invoice_series=self.invoice_series,
            listeners=[message],
            store=self.store,
            emit=emit,
            timezone=self.core.calendar.tz,
        )

    def _on_rma(self, number: str, step: Callable[[Returns, Change], T]) -> T:
        """Run ``step`` on the order of RMA ``number``, in one transaction."""
        rma = self.store.get(number)
        if rma is None:
            raise ValidationFailed(f"No RMA {number}; see ReturnsDesk.rmas() for the open ones.")
        return change(self.core, rma.order_id, lambda c: step(self._process(c), c))[1]

    # -- the steps -------------------------------------------------------------------

    def request(
        self,
        order_id: str,
        lines: Mapping[str, int],
        reason: ReturnReason,
        *,
        key: str,
        text: str = "",
    ) -> Rma | Refusal:
        """Open an RMA for ``lines`` (SKU → units) of ``order_id``, or say why not.

        ``key`` identifies the request (the form post, the message): a retry
        with it returns the first RMA and queues nothing new. A new RMA queues
        its return label when the shop pays the return and the order's carrier
        is configured — the customer's first message follows the label — or
        that message at once.
        """

        def step(c: Change) -> Rma | Refusal:
            result, opened = self._process(c).open(
                c.order, lines, reason, now=c.now, text=text, key=key
            )
            if opened and isinstance(result, Rma):
                self._first_steps(c, result)
            return result

        return change(self.core, order_id, step)[1]

    def _first_steps(self, c: Change, rma: Rma) -> None:
        shipment = c.order.shipment
        carrier = shipment.carrier if shipment is not None else None
        if self.policy.shop_pays_return and carrier in self.core.router.carriers:
            assert shipment is not None
            assert carrier is not None
            plan = c.order.shipping
            service = shipment.service_id or (plan.service_id if plan is not None else None)
            c.queue(
                CreateReturnLabel(
                    order_id=c.order.id, rma=rma.number, carrier=carrier, service_id=service
                )
            )
        else:
            c.queue(SendReturnUpdate(order_id=c.order.id, rma=rma.number, status=rma.status))

    def receive(self, number: str) -> Rma:
        """The parcel arrived at the shop: its units go to quarantine (repeats do nothing)."""
        self._on_rma(number, lambda r, c: r.receive(number, c.order))
        return self.rma(number)

    def verify(
        self,
        number: str,
        outcomes: Mapping[str, LineOutcome | Mapping[str, int]] | None = None,
        *,
        actor: str = "warehouse",
    ) -> Rma:
        """Quality control of a received RMA (see :meth:`Returns.verify`)."""
        self._on_rma(number, lambda r, c: r.verify(number, outcomes or {}, c.order, actor=actor))
        return self.rma(number)

    def refund(self, number: str, *, invoice_number: str | None = None) -> Money:
        """Refund a verified RMA; the refund and the correcting invoice go to the outbox.

        The correction refers to ``invoice_number``, else to the number kept with
        :meth:`remember_invoice`, else to none (the accounting system matches
        by order) — never a made-up number.
        """

        def step(r: Returns, c: Change) -> Money:
            document = invoice_number or c.unit.record(invoice_record(c.order.id))
            return r.refund(number, c.order, invoice_number=document)

        return self._on_rma(number, step)

    def exchange(self, number: str, replacement: Mapping[str, int]) -> Order:
        """Send ``replacement`` (SKU → units) for a verified RMA, as a new free order.

        The replacement order (``<order id>-X<n>``, tagged ``exchange``) is
        stored with its stock reserved and moved as far as it can go (packed,
        its label queued) in the same transaction; when stock is short nothing
        happens (:class:`~ecomflow.errors.InsufficientStock`).
        """

        def step(r: Returns, c: Change) -> Order:
            new = r.exchange(number, c.order, replacement)
            replacing = Change(c.core, new, OrderFlow(new, clock=c.core.clock), c.unit)
            advance(replacing)
            c.unit.save(new, None)
            return new

        return self._on_rma(number, step)

    def reject(self, number: str, reason: str, *, actor: str = "support") -> Rma:
        """Refuse the return (from Requested or Verified); saved as handled by a person."""
        self._on_rma(number, lambda r, c: r.reject(number, reason, c.order, actor=actor))
        return self.rma(number)

    def apply_return_shipment(
        self, carrier: str, shipment: Shipment, delivery: str | None = None
    ) -> Order | None:
        """Move the RMA whose return parcel ``shipment`` is (see :func:`apply_return_shipment`)."""
        return apply_return_shipment(self.core, carrier, shipment, delivery=delivery)

    def poll(self) -> int:
        """Read the return parcels of open RMAs again; returns how many RMAs moved."""
        waiting: dict[str, list[Rma]] = defaultdict(list)
        for rma in self.store.in_status((RmaStatus.REQUESTED, RmaStatus.SENT_BACK)):
            if rma.return_carrier and rma.return_shipment_id:
                waiting[rma.return_carrier].append(rma)
        moved = 0
        for carrier, rmas in sorted(waiting.items()):
            ids = [r.return_shipment_id for r in rmas if r.return_shipment_id]
            try:
                lister = self.core.router.lister(carrier)
                if lister is not None:
                    self.core.counters.api_calls[(carrier, "get_shipments")] += 1
                    shipments = lister.get_shipments(ids)
                else:
                    provider = self.core.router.carrier(carrier)
                    shipments = []
                    for shipment_id in ids:
                        self.core.counters.api_calls[(carrier, "get_shipment")] += 1
                        shipments.append(provider.get_shipment(shipment_id))
            except EcomflowError as error:
                self.core.counters.api_failures[(carrier, "poll_returns")] += 1
                logger.warning("return parcels at %s not read: %s", carrier, error)
                continue
            before = {r.return_shipment_id: r for r in rmas}
            for shipment in shipments:
                was = before.get(shipment.id)
                if was is None:
                    continue
                self._track(was.number, shipment)
                moved += self.rma(was.number).status is not was.status
        return moved

    def _track(self, number: str, shipment: Shipment, delivery: str | None = None) -> Order:
        """Move RMA ``number`` by its return parcel's status (``delivery`` recorded once)."""

        def move(r: Returns, c: Change) -> Order:
            if delivery is None or c.unit.first_time(delivery):
                r.apply_tracking(number, shipment.status, c.order)
            return c.order

        return self._on_rma(number, move)

    # -- views and records -----------------------------------------------------------

    def rma(self, number: str) -> Rma:
        """One RMA; :class:`~ecomflow.errors.ValidationFailed` when there is none."""
        found = self.store.get(number)
        if found is None:
            raise ValidationFailed(f"No RMA {number}; see ReturnsDesk.rmas() for the open ones.")
        return found

    def rmas(self, order_id: str | None = None) -> list[Rma]:
        """Every RMA (of one order), by number."""
        return self.store.all(order_id)

    def report(self, sold: Mapping[str, int] | None = None) -> ReturnsReport:
        """Returns by reason per month (the shop's months), turnaround, closed without support."""
        return returns_report(
            self.store.all(), sold, timezone=self.policy.timezone or self.core.calendar.tz
        )

    def counts(self) -> dict[str, int]:
        """RMAs by status (``Orchestrator.status()`` and ``ecomflow status`` show them)."""
        return self.store.counts()

    def figures(self) -> dict[str, Any]:
        """The returns lines of the daily report: RMAs by status, refunds, turnaround.

        ``refunded`` adds up what refunded RMAs paid back, per currency.
        """
        rmas = self.store.all()
        report = returns_report(rmas, timezone=self.policy.timezone or self.core.calendar.tz)
        refunded: dict[str, Money] = {}
        for rma in rmas:
            if rma.refund_total is not None:
                total = rma.refund_total
                before = refunded.get(total.currency)
                refunded[total.currency] = total if before is None else before + total
        return {
            "RMAs by status": self.counts(),
            "refunded": {c: str(m.rounded().amount) for c, m in sorted(refunded.items())},
            "return turnaround (h)": report.turnaround_hours,
            "RMAs closed without support": report.closed_without_agent,
        }

    def remember_invoice(self, order_id: str, number: str) -> None:
        """Keep the number of the order's invoice or receipt, for the corrections of its returns."""
        with self.core.repository.unit(self.core.clock()) as unit:
            unit.put_record(invoice_record(order_id), number)


def apply_return_shipment(
    core: Core, carrier: str, shipment: Shipment, *, delivery: str | None = None
) -> Order | None:
    """Apply a return parcel's status to its RMA; ``None`` when it is no RMA's parcel.

    In transit → sent back; delivered → received into quarantine. ``delivery``
    (a webhook's delivery id) is recorded in the same transaction, so a
    replayed webhook changes nothing; a parcel that is neither an order's nor
    an RMA's only has its delivery recorded.
    """
    number = core.repository.record(return_shipment_link(carrier, shipment.id))
    if number is None:
        if delivery is not None:
            with core.repository.unit(core.clock()) as unit:
                unit.first_time(delivery)  # not ours (or not yet recorded): nothing to do
        return None
    return ReturnsDesk(core)._track(number, shipment, delivery)
