"""OrderFlow: the order lifecycle as a python-statemachine machine.

The machine is bound to an :class:`~ecomflow.orders.Order`: its state lives in
``order.status``, so an order loaded from storage resumes where it was.  Every
transition appends a :class:`~ecomflow.orders.Transition` to ``order.history``
(the audit trail), and listeners hear about it without touching this code.

::

    new ──pay──► paid ──mark_ready──► ready_to_pack ──start_fulfilment──► in_fulfilment
                  │                        │                                   │
                  └──start_fulfilment──────┼───────────────────────────────────┤
                                           └──────────pack──► packed ◄──pack───┘
    packed ──ship──► shipped ──deliver──► delivered ──mark_returned──► returned
    shipped ──mark_returned──► returned
    any state before shipped ──hold──► on_hold ──release──► the state it was held from
    any state before shipped ──cancel──► cancelled

Guards (pure predicates, see :data:`GUARDS`): ``pay`` needs the paid amount to
cover the total or cash on delivery; ``pack`` needs a confirmed stock
reservation; ``ship`` needs a label with a tracking number.

>>> from ecomflow.testing import FrozenClock, sample_order
>>> order = sample_order(paid=True)
>>> flow = OrderFlow(order, clock=FrozenClock())
>>> flow.pay(reason="payment booked").target
'paid'
>>> flow.hold("address needs checking", actor="check:postcode").target
'on_hold'
>>> flow.release(reason="customer confirmed").target
'paid'
>>> flow.ship()
Traceback (most recent call last):
...
ecomflow.errors.InvalidTransition: Order shop-1001 cannot 'ship' while it is 'paid'; allowed now: cancel, hold, mark_ready, start_fulfilment.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import ClassVar, Final

from statemachine import State, StateMachine

from ecomflow.clock import Clock, utc_now
from ecomflow.errors import GuardFailed, InvalidTransition
from ecomflow.orders.models import HoldReason, Order, Transition
from ecomflow.orders.status import OrderStatus

__all__ = [
    "EVENTS",
    "GUARDS",
    "Guard",
    "OrderFlow",
    "TransitionListener",
    "has_confirmed_reservation",
    "has_tracking_label",
    "label_voided",
    "payment_covers_total",
]

#: Called after every transition with the order and the new audit record.
TransitionListener = Callable[[Order, Transition], None]

#: The public event names, in lifecycle order.
EVENTS: Final = (
    "pay",
    "hold",
    "release",
    "mark_ready",
    "start_fulfilment",
    "pack",
    "ship",
    "deliver",
    "cancel",
    "mark_returned",
)

_PRE_SHIPPING: Final = (
    OrderStatus.NEW,
    OrderStatus.PAID,
    OrderStatus.READY_TO_PACK,
    OrderStatus.IN_FULFILMENT,
    OrderStatus.PACKED,
)


def payment_covers_total(order: Order) -> bool:
    """``pay`` guard: the paid amount covers the total, or the order is cash on delivery."""
    return order.payment.cod or order.is_paid


def has_confirmed_reservation(order: Order) -> bool:
    """``pack`` guard: the stock ledger confirmed a reservation (``reservation_id`` set)."""
    return bool(order.reservation_id)


def has_tracking_label(order: Order) -> bool:
    """``ship`` guard: a label exists and carries a tracking number."""
    return order.shipment is not None and bool(order.shipment.tracking_number)


def label_voided(order: Order) -> bool:
    """``cancel`` guard after the label: the carrier cancelled it before it took the parcel."""
    shipment = order.shipment
    return shipment is not None and shipment.voided_at is not None and shipment.picked_up_at is None


@dataclass(frozen=True, slots=True)
class Guard:
    """A named guard: the predicate and what to tell the user when it fails."""

    name: str
    predicate: Callable[[Order], bool]
    explain: Callable[[Order], str]


def _explain_payment(order: Order) -> str:
    paid = order.payment.paid_amount
    paid_text = str(paid) if paid is not None else "nothing"
    return (
        f"paid {paid_text} of {order.total} and not cash on delivery; "
        "book the payment or mark the order COD"
    )


#: Every guard by name (the names used in the machine's ``cond=``).
GUARDS: Final[dict[str, Guard]] = {
    g.name: g
    for g in (
        Guard("payment_covers_total", payment_covers_total, _explain_payment),
        Guard(
            "has_confirmed_reservation",
            has_confirmed_reservation,
            lambda o: "no confirmed stock reservation; reserve the order's lines first",
        ),
        Guard(
            "has_tracking_label",
            has_tracking_label,
            lambda o: "no label with a tracking number; create the shipment first",
        ),
        Guard(
            "label_voided",
            label_voided,
            lambda o: (
                "the parcel has shipped; cancel its label at the carrier before pickup, "
                "or start a return (RMA)"
            ),
        ),
    )
}

_HINTS: Final = {
    "cancel": "An order that has shipped cannot be cancelled; start a return (RMA) instead.",
    "hold": "Only orders that have not shipped can be held.",
}


def _before_hold(order: Order, source: OrderStatus, reason: str | None) -> None:
    """``hold`` action, before the move: remember where the order was held from and why."""
    order.held_from = source
    order.hold_reason = reason


def _after_release(order: Order) -> None:
    """``release`` action, after the move: the hold is over."""
    order.held_from = None
    order.hold_reason = None
    order.hold_code = None


def _held_from(status: OrderStatus) -> Callable[[Order], bool]:
    def predicate(order: Order) -> bool:
        return order.held_from == status

    predicate.__name__ = f"held_from_{status.value}"
    return predicate


class _OrderMachine(StateMachine):
    """The machine definition; :class:`OrderFlow` is the public face."""

    new = State("New", value=OrderStatus.NEW, initial=True)
    paid = State("Paid", value=OrderStatus.PAID)
    on_hold = State("On hold", value=OrderStatus.ON_HOLD)
    ready_to_pack = State("Ready to pack", value=OrderStatus.READY_TO_PACK)
    in_fulfilment = State("In fulfilment", value=OrderStatus.IN_FULFILMENT)
    packed = State("Packed", value=OrderStatus.PACKED)
    shipped = State("Shipped", value=OrderStatus.SHIPPED)
    delivered = State("Delivered", value=OrderStatus.DELIVERED)
    cancelled = State("Cancelled", value=OrderStatus.CANCELLED, final=True)
    returned = State("Returned", value=OrderStatus.RETURNED, final=True)

    pay = new.to(paid, cond="payment_covers_total")
    mark_ready = paid.to(ready_to_pack)
    start_fulfilment = paid.to(in_fulfilment) | ready_to_pack.to(in_fulfilment)
    pack = ready_to_pack.to(packed, cond="has_confirmed_reservation") | in_fulfilment.to(
        packed, cond="has_confirmed_reservation"
    )
    ship = packed.to(shipped, cond="has_tracking_label")
    deliver = shipped.to(delivered)
    cancel = (
        new.to(cancelled)
        | paid.to(cancelled)
        | on_hold.to(cancelled)
        | ready_to_pack.to(cancelled)
        | in_fulfilment.to(cancelled)
        | packed.to(cancelled)
        | shipped.to(cancelled, cond="label_voided")
    )
    mark_returned = shipped.to(returned) | delivered.to(returned)
    hold = (
        new.to(on_hold)
        | paid.to(on_hold)
        | ready_to_pack.to(on_hold)
        | in_fulfilment.to(on_hold)
        | packed.to(on_hold)
    )
    release = (
        on_hold.to(new, cond="held_from_new")
        | on_hold.to(paid, cond="held_from_paid")
        | on_hold.to(ready_to_pack, cond="held_from_ready_to_pack")
        | on_hold.to(in_fulfilment, cond="held_from_in_fulfilment")
        | on_hold.to(packed, cond="held_from_packed")
    )

    def __init__(self, order: Order, flow: OrderFlow) -> None:
        self._flow = flow
        super().__init__(model=order, state_field="status")

    # Guards: the machine resolves cond="name" to these methods.
    def payment_covers_total(self) -> bool:
        return payment_covers_total(self.model)

    def has_confirmed_reservation(self) -> bool:
        return has_confirmed_reservation(self.model)

    def has_tracking_label(self) -> bool:
        return has_tracking_label(self.model)

    def label_voided(self) -> bool:
        return label_voided(self.model)

    def held_from_new(self) -> bool:
        return _held_from(OrderStatus.NEW)(self.model)

    def held_from_paid(self) -> bool:
        return _held_from(OrderStatus.PAID)(self.model)

    def held_from_ready_to_pack(self) -> bool:
        return _held_from(OrderStatus.READY_TO_PACK)(self.model)

    def held_from_in_fulfilment(self) -> bool:
        return _held_from(OrderStatus.IN_FULFILMENT)(self.model)

    def held_from_packed(self) -> bool:
        return _held_from(OrderStatus.PACKED)(self.model)

    # Actions (the same functions run when OrderFlow moves the order from the table)
    def before_hold(self, source: State, reason: str | None = None) -> None:
        _before_hold(self.model, OrderStatus(source.value), reason)

    def after_release(self) -> None:
        _after_release(self.model)

    def after_transition(
        self,
        event: str,
        source: State,
        target: State,
        reason: str | None = None,
        actor: str = "system",
    ) -> None:
        self._flow._record(str(event), source.value, target.value, reason, actor)


class OrderFlow:
    """The lifecycle of one order, bound to it.

    Args:
        order: the order; its ``status`` is the machine's state.
        clock: where transition times come from (default: UTC now).
        listeners: callables ``(order, transition)`` told after every transition.

    Each event is a method returning the new :class:`Transition`.  The moves,
    guards and actions are those of the python-statemachine definition, read
    once per process into a table (building a machine per order cost more
    than the rest of an order's intake).  Illegal events raise :class:`~ecomflow.errors.InvalidTransition` with the events
    allowed now; a refusing guard raises :class:`~ecomflow.errors.GuardFailed`.
    """

    events: ClassVar[tuple[str, ...]] = EVENTS

    def __init__(
        self,
        order: Order,
        *,
        clock: Clock = utc_now,
        listeners: Iterable[TransitionListener] = (),
    ) -> None:
        self.order = order
        self._clock = clock
        self._listeners: list[TransitionListener] = list(listeners)
        self._last: Transition | None = None
        self._hold_code: HoldReason | None = None

    # -- introspection ------------------------------------------------------------------

    @property
    def state(self) -> OrderStatus:
        """The order's current master status."""
        return self.order.status

    @property
    def allowed_events(self) -> list[str]:
        """Events defined from the current state (guards not evaluated), sorted."""
        return list(_ALLOWED.get(self.order.status.value, ()))

    def can(self, event: str) -> bool:
        """Whether ``event`` would succeed now (state and guards)."""
        try:
            self._select(event)
        except InvalidTransition:
            return False
        return True

    def subscribe(self, listener: TransitionListener) -> Callable[[], None]:
        """Call ``listener(order, transition)`` after each transition; returns an unsubscribe."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    # -- events -------------------------------------------------------------------------

    def send(self, event: str, *, reason: str | None = None, actor: str = "system") -> Transition:
        """Fire ``event`` by name; returns the audit record of the transition."""
        if event not in EVENTS:
            raise InvalidTransition(
                order_id=self.order.id,
                state=self.order.status.value,
                event=event,
                allowed=self.allowed_events,
                hint=f"Unknown event; the events are: {', '.join(EVENTS)}.",
            )
        order = self.order
        source = order.status
        target = OrderStatus(self._select(event))
        before, after = _ACTIONS.get(event, (None, None))
        if before is not None:
            before(order, source, reason)
        order.status = target
        if after is not None:
            after(order)
        self._last = None
        self._record(event, source.value, target.value, reason, actor)
        assert self._last is not None
        return self._last

    def pay(self, *, reason: str | None = None, actor: str = "system") -> Transition:
        """New → Paid (guard: payment covers the total, or cash on delivery)."""
        return self.send("pay", reason=reason, actor=actor)

    def hold(
        self, reason: str, *, code: HoldReason = HoldReason.MANUAL, actor: str = "system"
    ) -> Transition:
        """Put an unshipped order on hold; :meth:`release` returns it where it was.

        ``code`` says what kind of hold it is (out of stock, verification…);
        ``reason`` the details.
        """
        self._hold_code = code
        try:
            transition = self.send("hold", reason=reason, actor=actor)
        finally:
            self._hold_code = None
        self.order.hold_code = code
        return transition

    def release(self, *, reason: str | None = None, actor: str = "system") -> Transition:
        """On hold → the status the order was held from."""
        return self.send("release", reason=reason, actor=actor)

    def mark_ready(self, *, reason: str | None = None, actor: str = "system") -> Transition:
        """Paid → Ready to pack."""
        return self.send("mark_ready", reason=reason, actor=actor)

    def start_fulfilment(self, *, reason: str | None = None, actor: str = "system") -> Transition:
        """Paid or Ready to pack → In fulfilment."""
        return self.send("start_fulfilment", reason=reason, actor=actor)

    def pack(self, *, reason: str | None = None, actor: str = "system") -> Transition:
        """→ Packed (guard: a confirmed stock reservation)."""
        return self.send("pack", reason=reason, actor=actor)

    def ship(self, *, reason: str | None = None, actor: str = "system") -> Transition:
        """Packed → Shipped (guard: a label with a tracking number)."""
        return self.send("ship", reason=reason, actor=actor)

    def deliver(self, *, reason: str | None = None, actor: str = "system") -> Transition:
        """Shipped → Delivered."""
        return self.send("deliver", reason=reason, actor=actor)

    def cancel(self, *, reason: str | None = None, actor: str = "system") -> Transition:
        """Any unshipped status → Cancelled (after shipping, start a return instead).

        A shipped order whose label the carrier cancelled before taking the parcel
        (``label_voided``) can be cancelled too: it never left.
        """
        return self.send("cancel", reason=reason, actor=actor)

    def mark_returned(self, *, reason: str | None = None, actor: str = "system") -> Transition:
        """Shipped or Delivered → Returned (everything came back)."""
        return self.send("mark_returned", reason=reason, actor=actor)

    @classmethod
    def mermaid(cls) -> str:
        """The lifecycle as a Mermaid ``stateDiagram-v2`` (drawn by python-statemachine).

        >>> print(OrderFlow.mermaid().splitlines()[0])
        stateDiagram-v2
        """
        return format(_OrderMachine, "mermaid")

    @staticmethod
    def label(status: str, locale: str = "pl") -> str:
        """The human name of a status value in ``locale`` (``"paid"`` → ``Opłacone``)."""
        return OrderStatus(status).label(locale)

    # -- replay -------------------------------------------------------------------------

    @classmethod
    def replay(
        cls,
        order: Order,
        history: Sequence[Transition],
        *,
        clock: Clock = utc_now,
    ) -> OrderFlow:
        """Rebuild the state of ``order`` from an audit trail.

        The order's status is reset to ``new`` and its history replaced by
        ``history``, each record checked to be a legal move of the machine from
        the state the previous one left (guards are not re-run: the trail is a
        record of what happened).  The result is the flow in the final state.
        """
        order.status = OrderStatus.NEW
        order.held_from = None
        order.hold_reason = None
        order.hold_code = None
        order.history = []
        for record in history:
            if record.event.startswith("rma."):  # a return's step, recorded for the story
                order.history.append(record)
                continue
            current = order.status
            targets = _TARGETS.get((current.value, record.event), ())
            if record.source != current.value or record.target not in targets:
                raise InvalidTransition(
                    order_id=order.id,
                    state=current.value,
                    event=record.event,
                    allowed=sorted({ev for (src, ev) in _TARGETS if src == current.value}),
                    hint=(
                        f"The audit trail says {record.source} → {record.target}, "
                        "which does not follow from the records before it."
                    ),
                )
            if record.event == "hold":
                order.held_from = current
                order.hold_reason = record.reason
                order.hold_code = record.code
            elif record.event == "release":
                order.held_from = None
                order.hold_reason = None
                order.hold_code = None
            order.status = OrderStatus(record.target)
            order.history.append(record)
        return cls(order, clock=clock)

    # -- internals ----------------------------------------------------------------------

    def _not_allowed(self, event: str) -> InvalidTransition:
        return InvalidTransition(
            order_id=self.order.id,
            state=self.order.status.value,
            event=event,
            allowed=self.allowed_events,
            hint=_HINTS.get(event),
        )

    def _select(self, event: str) -> str:
        """The target state ``event`` leads to now, or the error explaining why not."""
        candidates = _CANDIDATES.get((self.order.status.value, event))
        if not candidates:
            raise self._not_allowed(event)
        failed: str | None = None
        for target, guard_names in candidates:
            for name in guard_names:
                if not _check_guard(name, self.order):
                    failed = failed or name
                    break
            else:
                return target
        assert failed is not None
        guard = GUARDS.get(failed)
        reason = (
            guard.explain(self.order)
            if guard
            else f"the order was held from {self.order.held_from or 'an unknown status'}"
        )
        raise GuardFailed(
            order_id=self.order.id,
            state=self.order.status.value,
            event=event,
            guard=failed,
            reason=reason,
            allowed=self.allowed_events,
        )

    def _record(self, event: str, source: str, target: str, reason: str | None, actor: str) -> None:
        record = Transition(
            order_id=self.order.id,
            source=str(source),
            target=str(target),
            event=event,
            at=self._clock(),
            reason=reason,
            actor=actor,
            code=self._hold_code if event == "hold" else None,
        )
        self.order.history.append(record)
        self.order.updated_at = record.at
        self._last = record
        for listener in list(self._listeners):
            listener(self.order, record)

    def __repr__(self) -> str:
        return f"OrderFlow({self.order.id}, state={self.order.status.value})"


def _check_guard(name: str, order: Order) -> bool:
    if name.startswith("held_from_"):
        return _held_from(OrderStatus(name.removeprefix("held_from_")))(order)
    return GUARDS[name].predicate(order)


def _transition_table() -> dict[tuple[str, str], list[tuple[str, tuple[str, ...]]]]:
    table: dict[tuple[str, str], list[tuple[str, tuple[str, ...]]]] = {}
    for state in _OrderMachine.states:
        for transition in state.transitions:
            conds = tuple(str(spec.func) for spec in transition.cond)
            for event in transition.events:
                key = (str(state.value), str(event))
                table.setdefault(key, []).append((str(transition.target.value), conds))
    return table


#: (state, event) → the machine's transitions for it: (target, guard names), in order.
_CANDIDATES: Final = _transition_table()
_TARGETS: Final = {key: tuple(t for t, _ in value) for key, value in _CANDIDATES.items()}
#: state → the events defined from it, sorted (what ``allowed_events`` reports).
_ALLOWED: Final = {
    str(state.value): tuple(sorted({ev for (src, ev) in _CANDIDATES if src == state.value}))
    for state in _OrderMachine.states
}

_Before = Callable[[Order, OrderStatus, str | None], None]
#: event → the machine's actions around the move (``before_<event>``, ``after_<event>``).
_ACTIONS: Final[dict[str, tuple[_Before | None, Callable[[Order], None] | None]]] = {
    "hold": (_before_hold, None),
    "release": (None, _after_release),
}
