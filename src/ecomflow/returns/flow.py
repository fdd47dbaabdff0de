"""RmaFlow: the return's lifecycle as a python-statemachine machine bound to the Rma.

Requested → SentBack → Received → Verified → Refunded | Exchanged, and
Rejected from Requested or Verified. Every transition lands in the RMA's
trail and, when the order is given, in the order's (as ``rma.<event>``).

>>> from datetime import UTC, datetime
>>> from ecomflow.returns.models import ReturnLine, ReturnReason, Rma
>>> rma = Rma(number="RMA/2026/11/000001", order_id="shop-1001", channel="shop",
...           lines=[ReturnLine(sku="MUG-RED", quantity=1)], reason=ReturnReason.WRONG_COLOUR,
...           requested_at=datetime(2026, 11, 24, tzinfo=UTC))
>>> flow = RmaFlow(rma)
>>> flow.send("send_back").target, flow.send("receive").target
('sent_back', 'received')
>>> flow.send("refund")
Traceback (most recent call last):
...
ecomflow.errors.InvalidTransition: RMA RMA/2026/11/000001 cannot 'refund' while it is 'received'; allowed now: verify.
"""

from __future__ import annotations

from collections.abc import Callable

from statemachine import State, StateMachine

from ecomflow.clock import Clock, utc_now
from ecomflow.errors import InvalidTransition
from ecomflow.orders.models import Order, Transition
from ecomflow.returns.models import Rma, RmaStatus

__all__ = ["RMA_EVENTS", "RmaFlow"]

#: The public event names.
RMA_EVENTS = ("send_back", "receive", "verify", "refund", "exchange", "reject")


class _RmaMachine(StateMachine):
    requested = State("Requested", value=RmaStatus.REQUESTED, initial=True)
    sent_back = State("Sent back", value=RmaStatus.SENT_BACK)
    received = State("Received", value=RmaStatus.RECEIVED)
    verified = State("Verified", value=RmaStatus.VERIFIED)
    refunded = State("Refunded", value=RmaStatus.REFUNDED, final=True)
    exchanged = State("Exchanged", value=RmaStatus.EXCHANGED, final=True)
    rejected = State("Rejected", value=RmaStatus.REJECTED, final=True)

    send_back = requested.to(sent_back)
    receive = sent_back.to(received)
    verify = received.to(verified)
    refund = verified.to(refunded)
    exchange = verified.to(exchanged)
    reject = requested.to(rejected) | verified.to(rejected)

    def __init__(self, rma: Rma, record: Callable[[str, str, str, str | None, str], None]):
        self._record = record
        super().__init__(model=rma, state_field="status")

    def after_transition(
        self,
        event: str,
        source: State,
        target: State,
        reason: str | None = None,
        actor: str = "system",
    ) -> None:
        self._record(str(event), str(source.value), str(target.value), reason, actor)


class RmaFlow:
    """The lifecycle of one RMA (and, optionally, the order's audit trail)."""

    def __init__(
        self,
        rma: Rma,
        *,
        order: Order | None = None,
        clock: Clock = utc_now,
        listeners: list[Callable[[Rma, Transition], None]] | None = None,
    ) -> None:
        self.rma = rma
        self.order = order
        self._clock = clock
        self._listeners = list(listeners or [])
        self._last: Transition | None = None
        self._machine = _RmaMachine(rma, self._record)

    @property
    def allowed_events(self) -> list[str]:
        """Events allowed now."""
        return sorted({str(e.id) for e in self._machine.allowed_events})

    def require(self, event: str) -> None:
        """Raise :class:`~ecomflow.errors.InvalidTransition` unless ``event`` is allowed now.

        Check first, act after: a step calls this before it moves stock or
        money, so a refused step changes nothing.
        """
        if event not in RMA_EVENTS or event not in self.allowed_events:
            raise InvalidTransition(
                order_id=self.rma.number,
                state=self.rma.status.value,
                event=event,
                allowed=self.allowed_events,
                subject="RMA",
            )

    def send(self, event: str, *, reason: str | None = None, actor: str = "system") -> Transition:
        """Fire ``event``; illegal ones raise :class:`~ecomflow.errors.InvalidTransition`."""
        self.require(event)
        self._machine.send(event, reason=reason, actor=actor)
        assert self._last is not None
        return self._last

    def _record(self, event: str, source: str, target: str, reason: str | None, actor: str) -> None:
        at = self._clock()
        record = Transition(
            order_id=self.rma.number,
            source=source,
            target=target,
            event=event,
            at=at,
            reason=reason,
            actor=actor,
        )
        self.rma.history.append(record)
        if self.order is not None:
            self.order.history.append(
                Transition(
                    order_id=self.order.id,
                    source=f"rma:{source}",
                    target=f"rma:{target}",
                    event=f"rma.{event}",
                    at=at,
                    reason=f"{self.rma.number}: {reason or ''}".strip(),
                    actor=actor,
                )
            )
        self._last = record
        for listener in self._listeners:
            listener(self.rma, record)
