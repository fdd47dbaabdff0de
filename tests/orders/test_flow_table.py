"""OrderFlow moves orders from a table read off the python-statemachine definition.

Property: for any order (status, payment, reservation, label, hold) and any
event, OrderFlow does exactly what a python-statemachine machine built on the
same order does — the same target, the same changes to the order, the same
refusals — and reports the same allowed events.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statemachine.exceptions import TransitionNotAllowed

from ecomflow.errors import InvalidTransition
from ecomflow.orders import EVENTS, Order, OrderFlow, OrderStatus, ShipmentRef, Transition
from ecomflow.orders.flow import _ALLOWED, _OrderMachine
from ecomflow.orders.models import HoldReason
from ecomflow.testing import FrozenClock, sample_order

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


class _Reference:
    """What OrderFlow used to be: a machine per order, its ``after_transition`` recording."""

    def __init__(self, order: Order) -> None:
        self.order = order
        self.machine = _OrderMachine(order, self)  # type: ignore[arg-type]

    def _record(self, event: str, source: str, target: str, reason: str | None, actor: str) -> None:
        self.order.history.append(
            Transition(
                order_id=self.order.id,
                source=source,
                target=target,
                event=event,
                at=AT,
                reason=reason,
                actor=actor,
            )
        )


@st.composite
def orders(draw: st.DrawFn) -> Order:
    order = sample_order(paid=draw(st.booleans()))
    order.payment.cod = draw(st.booleans())
    order.status = draw(st.sampled_from(list(OrderStatus)))
    order.reservation_id = draw(st.sampled_from([None, "", "res-1"]))
    label = draw(st.sampled_from(["none", "untracked", "tracked", "voided", "picked-up"]))
    if label != "none":
        order.shipment = ShipmentRef(
            carrier="inpost",
            tracking_number=None if label == "untracked" else "520000011395200025754311",
            voided_at=AT if label in ("voided", "picked-up") else None,
            picked_up_at=AT if label == "picked-up" else None,
        )
    order.held_from = draw(st.sampled_from([None, *OrderStatus]))
    order.hold_reason = draw(st.sampled_from([None, "checking"]))
    order.hold_code = draw(st.sampled_from([None, HoldReason.VERIFICATION]))
    return order


def _facts(order: Order) -> tuple[object, ...]:
    return (
        order.status,
        order.held_from,
        order.hold_reason,
        order.hold_code,
        [(t.event, t.source, t.target, t.reason, t.actor) for t in order.history],
    )


@settings(max_examples=400, deadline=None)
@given(order=orders(), event=st.sampled_from(EVENTS), reason=st.sampled_from([None, "why"]))
def test_the_table_moves_orders_as_the_machine_does(order: Order, event: str, reason: str) -> None:
    fast, slow = order.model_copy(deep=True), order.model_copy(deep=True)
    flow = OrderFlow(fast, clock=FrozenClock(AT))
    machine = _Reference(slow).machine
    assert flow.allowed_events == sorted({str(e.id) for e in machine.allowed_events})
    try:
        machine.send(event, reason=reason, actor="test")
    except TransitionNotAllowed:
        refused = True
    else:
        refused = False
    assert flow.can(event) is not refused
    if refused:
        before = _facts(fast)
        with pytest.raises(InvalidTransition) as refusal:  # GuardFailed is one too
            flow.send(event, reason=reason, actor="test")
        assert refusal.value.allowed == flow.allowed_events
        assert _facts(fast) == before
        return
    flow.send(event, reason=reason, actor="test")
    assert _facts(fast) == _facts(slow)


def test_every_state_has_the_machines_allowed_events() -> None:
    for status in OrderStatus:
        order = sample_order()
        order.status = status
        machine = _Reference(order).machine
        assert list(_ALLOWED[status.value]) == sorted({str(e.id) for e in machine.allowed_events})


def test_the_table_knows_every_action_of_the_machine() -> None:
    """A new ``before_/on_/after_`` callback on the machine must be added to the table too."""
    callbacks = {
        name
        for name, value in vars(_OrderMachine).items()
        if callable(value) and name.startswith(("before_", "on_", "after_", "enter_", "exit_"))
    }
    assert callbacks == {"before_hold", "after_release", "after_transition"}
