"""The return process, step by step: each step is one store transaction that checks first.

Request (saved at once, one RMA per request key), receipt into quarantine,
quality control, then refund or exchange — or a rejection. Every step loads
the RMA again under a lock, checks that its event is allowed **before** it
moves stock or money, and saves the RMA with the stock movements it made; a
refused step changes nothing and emits nothing.

:class:`Returns` is the process on its own (a script, a notebook): events go
to ``events`` (or ``emit``) and messages to ``listeners`` as they happen.
:class:`~ecomflow.orchestration.returns.ReturnsDesk` runs the same steps
inside the Orchestrator's transactions, with events and messages as outbox
effects — use it in a shop.

>>> from datetime import UTC, datetime, timedelta
>>> from ecomflow.stock import StockLedger, open_store
>>> from ecomflow.testing import sample_order
>>> from ecomflow.orders import OrderFlow, ShipmentRef
>>> store = open_store("memory://")
>>> order = sample_order(paid=True); order.reservation_id = "r"
>>> order.shipment = ShipmentRef(carrier="inpost", tracking_number="6001")
>>> flow = OrderFlow(order, clock=lambda: datetime(2026, 11, 10, 12, tzinfo=UTC))
>>> for event in ("pay", "mark_ready", "pack", "ship", "deliver"): _ = flow.send(event)
>>> returns = Returns(StockLedger(store), RmaNumbering(store))
>>> rma = returns.request(order, {"MUG-RED": 1}, ReturnReason.WRONG_COLOUR,
...                       now=datetime(2026, 11, 24, 12, tzinfo=UTC), key="form-1")
>>> rma.number, rma.status.value
('RMA/2026/11/000001', 'requested')
>>> returns.request(order, {"MUG-RED": 1}, ReturnReason.WRONG_COLOUR,
...                 now=datetime(2026, 11, 24, 12, tzinfo=UTC), key="form-1").number
'RMA/2026/11/000001'
>>> returns.request(order, {"MUG-RED": 1}, ReturnReason.CHANGED_MIND,
...                 now=datetime(2026, 11, 25, 12, tzinfo=UTC)).message
'Outside the 14-day return window by 1 day (delivered 2026-11-10).'
>>> returns.refund(rma, order)
Traceback (most recent call last):
...
ecomflow.errors.InvalidTransition: RMA RMA/2026/11/000001 cannot 'refund' while it is 'requested'; allowed now: reject, send_back.
>>> returns.events
[]
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from ecomflow.clock import Clock, utc_now
from ecomflow.errors import (
    ConfigurationError,
    GuardFailed,
    IdempotencyConflict,
    ValidationFailed,
)
from ecomflow.money import Money
from ecomflow.notify.catalog import language_of
from ecomflow.notify.messages import MessageKind, Notifier, render
from ecomflow.orders.flow import OrderFlow
from ecomflow.orders.models import Order, OrderLine, Payment, Transition
from ecomflow.orders.status import OrderStatus
from ecomflow.returns.eligibility import check_request, returned_quantities
from ecomflow.returns.flow import RmaFlow
from ecomflow.returns.models import (
    DEFAULT_TIMEZONE,
    LineOutcome,
    Refusal,
    ReturnLine,
    ReturnPolicy,
    ReturnReason,
    Rma,
    RmaStatus,
)
from ecomflow.returns.numbering import RmaNumbering
from ecomflow.returns.refunds import plan_refund
from ecomflow.returns.store import RmaStore
from ecomflow.shipping.tracking import TrackingStatus
from ecomflow.stock.ledger import StockLedger

__all__ = [
    "EXCHANGE_TAG",
    "CorrectionInvoiceRequested",
    "RefundRequested",
    "ReturnEvent",
    "Returns",
    "customer_messages",
    "replacement_order",
    "returned_quantities",
]

#: The tag of a replacement order sent for an exchange.
EXCHANGE_TAG = "exchange"


@dataclass(frozen=True)
class RefundRequested:
    """For the payment system: pay this back."""

    rma_number: str
    order_id: str
    amount: Money
    method: str
    key: str


@dataclass(frozen=True)
class CorrectionInvoiceRequested:
    """For the accounting system: correct the original document by these lines.

    ``original_invoice`` is the number of a document the shop's accounting
    knows (given to :meth:`Returns.refund`), or ``None``: the accounting system
    then finds the document by the order. ``series`` is the channel's numbering
    series for the correction, when the shop names one.
    """

    rma_number: str
    order_id: str
    original_invoice: str | None
    series: str | None
    lines: dict[str, int]
    amount: Money
    key: str


#: What a refund emits, in this order.
ReturnEvent = RefundRequested | CorrectionInvoiceRequested


def customer_messages(
    notifier: Notifier, order_of: Callable[[str], Order | None]
) -> Callable[[Rma, Transition], None]:
    """A listener that tells the customer about every RMA state change (pl/en).

    Each message carries the key ``rma:<number>:<state>``, so it goes out once.
    It sends at once, inside the step's transaction; the returns desk queues
    messages in its outbox instead.
    """

    def listener(rma: Rma, transition: Transition) -> None:
        order = order_of(rma.order_id)
        if order is None:
            return
        status = RmaStatus(transition.target)
        notifier.send(
            render(
                MessageKind.RETURN_UPDATE,
                order,
                rma=rma.number,
                rma_status=status.label(language_of(order.customer.language)),
                key=f"rma:{rma.number}:{status.value}",
            )
        )

    return listener


def replacement_order(order: Order, rma: Rma, lines: Mapping[str, int], *, at: datetime) -> Order:
    """The order that sends ``lines`` in exchange for ``rma``: free, unpaid shipping, new.

    Its id is ``<order id>-X<n>`` (the n-th exchange of the order); it keeps the
    channel's order number, so write-backs land on the order the customer knows.
    """
    currency = order.currency
    number = 1 + sum(1 for t in order.history if t.event == "rma.exchange")
    data = order.model_dump() | {
        "id": f"{order.id}-X{number}",
        "status": OrderStatus.NEW,
        "lines": [
            OrderLine(
                sku=sku,
                name=f"{sku} (exchange for {rma.number})",
                quantity=quantity,
                unit_price=Money.zero(currency),
            )
            for sku, quantity in lines.items()
        ],
        "payment": Payment(method="exchange", paid_amount=Money.zero(currency), paid_at=at),
        "tags": {EXCHANGE_TAG},
        "created_at": at,
        "updated_at": None,
        "history": [],
        "shipment": None,
        "shipping": None,
        "reservation_id": None,
        "discount": None,
        "shipping_price": None,
        "priority": order.priority,
        "held_from": None,
        "hold_reason": None,
        "hold_code": None,
        "raw": None,
    }
    return Order.model_validate(data)


class _KeyTaken(Exception):
    """Another request with the same key was saved first (rolls the savepoint back)."""


def _copy_into(target: Rma, source: Rma) -> None:
    if target is not source:
        for name in Rma.model_fields:
            setattr(target, name, getattr(source, name))


def _splits(
    rma: Rma, outcomes: Mapping[str, LineOutcome | Mapping[str, int]]
) -> list[tuple[int, int]]:
    """(restocked, written off) per line, checked whole before anything moves."""
    unknown = sorted(set(outcomes) - {line.sku for line in rma.lines})
    if unknown:
        raise ValidationFailed(
            f"RMA {rma.number} has no {', '.join(unknown)}; decide only about its lines."
        )
    splits = []
    for line in rma.lines:
        decided = outcomes.get(line.sku, LineOutcome.RESTOCK)
        if isinstance(decided, LineOutcome):
            split = {decided.value: line.quantity}
        else:
            split = dict(decided)
        extra = sorted(set(split) - {o.value for o in LineOutcome})
        restock, write_off = split.get("restock", 0), split.get("write_off", 0)
        if extra or restock < 0 or write_off < 0 or restock + write_off != line.quantity:
            raise ValidationFailed(
                f"RMA {rma.number}, {line.sku}: say what happens to all {line.quantity} units, "
                f'e.g. {{"restock": {line.quantity}, "write_off": 0}} (got {dict(split)}).'
            )
        splits.append((restock, write_off))
    return splits


@dataclass
class Returns:
    """Runs returns against the stock ledger and the RMA store (one database).

    Args:
        ledger: the stock ledger; its store keeps the RMAs too.
        numbering: RMA numbers (on the same store).
        policy: the return rules.
        clock: where "now" comes from (transitions, the replacement order).
        invoice_series: the correction's numbering series per channel.
        events: what refunds emitted (when ``emit`` is not given).
        listeners: called with every RMA transition (messages are rendered from them).
        store: the RMAs (default: on the ledger's store).
        emit: where refund and correction events go (default: appended to ``events``).
        timezone: the zone the window's days are counted in when the policy names none.
    """

    ledger: StockLedger
    numbering: RmaNumbering
    policy: ReturnPolicy = field(default_factory=ReturnPolicy)
    clock: Clock = utc_now
    invoice_series: Mapping[str, str] = field(
        default_factory=lambda: {"allegro": "AL", "shop": "WWW"}
    )
    events: list[ReturnEvent] = field(default_factory=list)
    listeners: list[Callable[[Rma, Transition], None]] = field(default_factory=list)
    store: RmaStore | None = None
    emit: Callable[[ReturnEvent], None] | None = None
    timezone: str = DEFAULT_TIMEZONE
    rma_store: RmaStore = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.rma_store = self.store or RmaStore.of(self.ledger.store)
        for what, other in (("RMAs", self.rma_store.store), ("numbers", self.numbering.store)):
            if other is not self.ledger.store:
                raise ConfigurationError(
                    f"Returns keeps its {what} in another store than the stock ledger; "
                    "open one store and give it to StockLedger, RmaNumbering and RmaStore, "
                    "so a step commits stock and RMA together."
                )

    @property
    def rmas(self) -> list[Rma]:
        """Every RMA in the store, by number."""
        return self.rma_store.all()

    # -- the unit of work ----------------------------------------------------------------

    @contextmanager
    def _step(self, rma: Rma | str, order: Order | None) -> Iterator[tuple[Rma, RmaFlow]]:
        """Load the RMA again under a lock, let the step change it, save it — or nothing."""
        number = rma if isinstance(rma, str) else rma.number
        with self.rma_store.store.transaction():
            seen = self.rma_store.get(number)
            if seen is None:
                raise ValidationFailed(
                    f"RMA {number} is not in the store; open it with request() first."
                )
            if order is not None and order.id != seen.order_id:
                raise ValidationFailed(f"RMA {number} belongs to {seen.order_id}, not {order.id}.")
            self.rma_store.lock_order(seen.order_id)
            current = self.rma_store.get(number, lock=True)
            assert current is not None
            flow = RmaFlow(current, order=order, clock=self.clock, listeners=self.listeners)
            yield current, flow
            self.rma_store.save(current)
        if isinstance(rma, Rma):
            _copy_into(rma, current)

    def _emit(self, event: ReturnEvent) -> None:
        (self.emit or self.events.append)(event)

    # -- the steps -------------------------------------------------------------------

    def request(
        self,
        order: Order,
        lines: Mapping[str, int],
        reason: ReturnReason,
        *,
        now: datetime,
        text: str = "",
        key: str | None = None,
    ) -> Rma | Refusal:
        """Check the return and open (and save) an RMA, or say why not (a :class:`Refusal`).

        A request with the ``key`` of an earlier one returns that RMA — after a
        restart or on another worker too (the key is unique in the store).
        """
        return self.open(order, lines, reason, now=now, text=text, key=key)[0]

    def open(
        self,
        order: Order,
        lines: Mapping[str, int],
        reason: ReturnReason,
        *,
        now: datetime,
        text: str = "",
        key: str | None = None,
    ) -> tuple[Rma | Refusal, bool]:
        """:meth:`request`, and whether this call opened the RMA (``False``: refused or repeated).

        The opening is recorded in the order's history (``rma.request``).
        """
        wanted = dict(lines)
        zone = self.policy.zone(self.timezone)
        with self.rma_store.store.transaction():
            self.rma_store.lock_order(order.id)
            if key is not None:
                earlier = self.rma_store.by_key(key)
                if earlier is not None:
                    return _repeated(earlier, order, wanted, key), False
            refusal = check_request(
                order,
                wanted,
                self.policy,
                earlier=self.rma_store.all(order.id),
                now=now,
                zone=zone,
            )
            if refusal is not None:
                return refusal, False
            try:
                with self.rma_store.store.transaction():  # the number and the row, or neither
                    rma = Rma(
                        number=self.numbering.next(now.astimezone(zone)),
                        order_id=order.id,
                        channel=order.channel,
                        lines=[ReturnLine(sku=s, quantity=q) for s, q in wanted.items()],
                        reason=reason,
                        reason_text=text,
                        requested_at=now,
                        key=key,
                    )
                    if not self.rma_store.insert(rma):
                        raise _KeyTaken
            except _KeyTaken:
                assert key is not None
                earlier = self.rma_store.by_key(key)
                assert earlier is not None
                return _repeated(earlier, order, wanted, key), False
            order.history.append(
                Transition(
                    order_id=order.id,
                    source="rma:",
                    target=f"rma:{RmaStatus.REQUESTED.value}",
                    event="rma.request",
                    at=now,
                    reason=f"{rma.number}: {reason.value} {text}".strip(),
                    actor="customer",
                )
            )
            return rma, True

    def apply_tracking(
        self, rma: Rma | str, status: TrackingStatus, order: Order | None = None
    ) -> None:
        """Move the RMA from the return parcel's tracking (repeats change nothing).

        The carrier having the parcel means "sent back"; delivered to the shop
        means "received" (units into quarantine).
        """
        if status is TrackingStatus.DELIVERED:
            self.receive(rma, order)
        elif status.has_left_warehouse and status is not TrackingStatus.RETURNED:
            self.sent_back(rma, order)

    def sent_back(self, rma: Rma | str, order: Order | None = None) -> None:
        """The return parcel was posted (the carrier's tracking says so); repeats do nothing."""
        with self._step(rma, order) as (current, flow):
            if current.status is RmaStatus.REQUESTED:
                flow.send("send_back", reason="return parcel posted", actor="carrier")

    def receive(self, rma: Rma | str, order: Order | None = None) -> None:
        """The parcel arrived: its units go to quarantine (once; repeats do nothing)."""
        with self._step(rma, order) as (current, flow):
            if current.status is RmaStatus.REQUESTED:
                flow.send("send_back", reason="return parcel posted", actor="carrier")
            if current.status is RmaStatus.SENT_BACK:
                for line in current.lines:
                    self.ledger.receive_return(
                        line.sku,
                        line.quantity,
                        order_id=current.order_id,
                        key=f"{current.number}:receive:{line.sku}",
                        reason=current.reason.value,
                    )
                flow.send("receive", reason="parcel received", actor="warehouse")

    def verify(
        self,
        rma: Rma | str,
        outcomes: Mapping[str, LineOutcome | Mapping[str, int]],
        order: Order | None = None,
        *,
        actor: str = "warehouse",
    ) -> None:
        """Quality control of a received RMA: restock or write off each line.

        An outcome is a :class:`LineOutcome` for the whole line or a split
        ``{"restock": n, "write_off": m}``; lines not named are restocked. Only
        this RMA's units leave quarantine, and only once it was received.
        """
        with self._step(rma, order) as (current, flow):
            flow.require("verify")
            for line, (restock, write_off) in zip(
                current.lines, _splits(current, outcomes), strict=True
            ):
                if restock:
                    self.ledger.restock(
                        line.sku,
                        restock,
                        order_id=current.order_id,
                        key=f"{current.number}:restock:{line.sku}",
                    )
                if write_off:
                    self.ledger.write_off(
                        line.sku,
                        write_off,
                        reason="failed quality control",
                        order_id=current.order_id,
                        key=f"{current.number}:write_off:{line.sku}",
                    )
                line.restocked, line.written_off = restock, write_off
            flow.send("verify", reason="quality control done", actor=actor)

    def refund(self, rma: Rma | str, order: Order, *, invoice_number: str | None = None) -> Money:
        """Refund a verified RMA: emit the refund and the correction; returns the amount.

        The amount is what the returned units paid, and the delivery cost when
        this refund completes the return of the whole order (see
        :mod:`ecomflow.returns.refunds`). The order becomes RETURNED then.
        ``invoice_number`` is the original document the correction refers to.
        """
        with self._step(rma, order) as (current, flow):
            flow.require("refund")
            done = [
                r
                for r in self.rma_store.all(order.id)
                if r.status is RmaStatus.REFUNDED and r.number != current.number
            ]
            plan = plan_refund(
                order,
                current.quantities(),
                self.policy,
                refunded=returned_quantities(done, order.id),
                refunded_total=Money.sum(
                    (r.refund_total for r in done if r.refund_total is not None), order.currency
                ),
            )
            if plan.shipping.amount > 0 and not self.policy.refund_shipping:
                raise GuardFailed(
                    order_id=current.number,
                    state=current.status.value,
                    event="refund",
                    guard="full_withdrawal_refunds_delivery",
                    reason=(
                        f"this refund completes the return of order {order.id}, and on a "
                        "withdrawal from the whole contract the delivery cost goes back too "
                        "(art. 32 ust. 1 ustawy o prawach konsumenta); set "
                        "ReturnPolicy(refund_shipping=True), with standard_delivery= to refund "
                        "only the cheapest standard delivery."
                    ),
                    allowed=flow.allowed_events,
                    subject="RMA",
                )
            for line in current.lines:
                line.refund = plan.lines[line.sku]
            current.refund_total = plan.total
            current.shipping_refund = plan.shipping if plan.completes else None
            flow.send("refund", reason=f"refund {plan.total}", actor="returns")
            self._emit(
                RefundRequested(
                    current.number,
                    order.id,
                    plan.total,
                    self.policy.refund_method,
                    f"refund:{current.number}",
                )
            )
            self._emit(
                CorrectionInvoiceRequested(
                    current.number,
                    order.id,
                    invoice_number,
                    self.invoice_series.get(order.channel),
                    current.quantities(),
                    plan.total,
                    f"correction:{current.number}",
                )
            )
            if plan.completes:
                returned = OrderFlow(order, clock=self.clock)
                if returned.can("mark_returned"):
                    returned.mark_returned(reason="everything came back", actor="returns")
        return plan.total

    def exchange(self, rma: Rma | str, order: Order, replacement: Mapping[str, int]) -> Order:
        """Send a replacement for a verified RMA: a new free order, its stock reserved.

        All or nothing: when the stock is short
        (:class:`~ecomflow.errors.InsufficientStock`) the RMA stays verified.
        """
        wanted = dict(replacement)
        with self._step(rma, order) as (current, flow):
            flow.require("exchange")
            if not wanted or any(q <= 0 for q in wanted.values()):
                raise ValidationFailed(
                    f"RMA {current.number}: name the replacement SKUs and positive quantities."
                )
            new = replacement_order(order, current, wanted, at=self.clock())
            reservation = self.ledger.reserve(new.id, wanted, key=f"{current.number}:exchange")
            new.reservation_id = reservation.id
            flow.send("exchange", reason=f"replacement order {new.id}", actor="returns")
        return new

    def reject(
        self,
        rma: Rma | str,
        reason: str,
        order: Order | None = None,
        *,
        actor: str = "support",
        manual: bool = True,
    ) -> None:
        """Refuse the return (from Requested or Verified); saved as handled by a person."""
        with self._step(rma, order) as (current, flow):
            flow.require("reject")
            current.manual = manual
            flow.send("reject", reason=reason, actor=actor)


def _repeated(earlier: Rma, order: Order, wanted: Mapping[str, int], key: str) -> Rma:
    """The RMA of an earlier request with ``key`` — if it asked for the same thing."""
    if earlier.order_id != order.id or earlier.quantities() != dict(wanted):
        raise IdempotencyConflict(
            key, f"first used for {earlier.number} ({earlier.order_id}, {earlier.quantities()})"
        )
    return earlier
