from __future__ import annotations

from collections.abc import Iterator

import pytest

from ecomflow.errors import GuardFailed, InvalidTransition
from ecomflow.money import Money
from ecomflow.orders import (
    EVENTS,
    GUARDS,
    Order,
    OrderFlow,
    OrderStatus,
    ShipmentRef,
    Transition,
    has_confirmed_reservation,
    has_tracking_label,
    payment_covers_total,
)
from ecomflow.testing import FrozenClock, sample_order

# The lifecycle as the issue describes it: (state, event) -> target (release depends on held_from).
EXPECTED: dict[tuple[OrderStatus, str], OrderStatus] = {
    (OrderStatus.NEW, "pay"): OrderStatus.PAID,
    (OrderStatus.PAID, "mark_ready"): OrderStatus.READY_TO_PACK,
    (OrderStatus.PAID, "start_fulfilment"): OrderStatus.IN_FULFILMENT,
    (OrderStatus.READY_TO_PACK, "start_fulfilment"): OrderStatus.IN_FULFILMENT,
    (OrderStatus.READY_TO_PACK, "pack"): OrderStatus.PACKED,
    (OrderStatus.IN_FULFILMENT, "pack"): OrderStatus.PACKED,
    (OrderStatus.PACKED, "ship"): OrderStatus.SHIPPED,
    (OrderStatus.SHIPPED, "deliver"): OrderStatus.DELIVERED,
    (OrderStatus.SHIPPED, "mark_returned"): OrderStatus.RETURNED,
    (OrderStatus.DELIVERED, "mark_returned"): OrderStatus.RETURNED,
}
PRE_SHIPPING = [
    OrderStatus.NEW,
    OrderStatus.PAID,
    OrderStatus.READY_TO_PACK,
    OrderStatus.IN_FULFILMENT,
    OrderStatus.PACKED,
]
for _state in PRE_SHIPPING:
    EXPECTED[(_state, "hold")] = OrderStatus.ON_HOLD
    EXPECTED[(_state, "cancel")] = OrderStatus.CANCELLED
EXPECTED[(OrderStatus.ON_HOLD, "cancel")] = OrderStatus.CANCELLED
# A label the carrier cancelled before pickup: the order never left (guard label_voided).
EXPECTED[(OrderStatus.SHIPPED, "cancel")] = OrderStatus.CANCELLED

Node = tuple[OrderStatus, OrderStatus | None]  # (status, held_from)


def ready_order() -> Order:
    """An order every guard lets through."""
    order = sample_order(paid=True)
    order.reservation_id = "res-1"
    order.shipment = ShipmentRef(carrier="inpost", tracking_number="520000011395200025754311")
    return order


def _next(node: Node) -> Iterator[tuple[str, Node]]:
    status, held_from = node
    if status is OrderStatus.ON_HOLD:
        assert held_from is not None
        yield "release", (held_from, None)
    for event in EVENTS:
        target = EXPECTED.get((status, event))
        if target is None:
            continue
        yield event, (target, status if event == "hold" else None)


def all_paths(max_releases: int = 1) -> list[list[str]]:
    """Every path from NEW to a final state, with at most one hold → release detour.

    A path never visits the same (status, held_from, releases so far) twice, so
    it is finite; every legal transition appears on some path.
    """
    paths: list[list[str]] = []

    def walk(node: Node, releases: int, seen: set[tuple[Node, int]], path: list[str]) -> None:
        moves = list(_next(node))
        if not moves:
            paths.append(path)
            return
        for event, nxt in moves:
            used = releases + (event == "release")
            key = (nxt, used)
            if used <= max_releases and key not in seen:
                walk(nxt, used, seen | {key}, [*path, event])

    start: Node = (OrderStatus.NEW, None)
    walk(start, 0, {(start, 0)}, [])
    return paths


PATHS = all_paths()


def test_paths_cover_every_transition() -> None:
    covered = set()
    for path in PATHS:
        node: Node = (OrderStatus.NEW, None)
        for event in path:
            covered.add((node[0], event))
            node = dict(_next(node))[event]
    assert set(EXPECTED) <= covered
    assert {(OrderStatus.ON_HOLD, "release")} <= covered


@pytest.mark.parametrize("path", PATHS, ids=["-".join(p) for p in PATHS])
def test_every_legal_path(path: list[str]) -> None:
    order = ready_order()
    flow = OrderFlow(order, clock=FrozenClock())
    node: Node = (OrderStatus.NEW, None)
    for event in path:
        node = dict(_next(node))[event]
        reason = "because" if event == "hold" else None
        if event == "cancel" and order.status is OrderStatus.SHIPPED:
            assert order.shipment is not None
            order.shipment = order.shipment.model_copy(update={"voided_at": FrozenClock()()})
        record = flow.send(event, reason=reason, actor="test")
        assert record.target == node[0].value
        assert order.status is node[0]
    assert len(order.history) == len(path)
    assert [t.event for t in order.history] == path
    # The trail replays to the same state on a fresh copy.
    copy = ready_order()
    replayed = OrderFlow.replay(copy, order.history)
    assert replayed.state is order.status
    assert copy.held_from == order.held_from


def _reach(status: OrderStatus) -> tuple[Order, OrderFlow]:
    for path in PATHS:
        order = ready_order()
        flow = OrderFlow(order, clock=FrozenClock())
        for event in path:
            if order.status is status:
                return order, flow
            flow.send(event, reason="x")
        if order.status is status:
            return order, flow
    raise AssertionError(f"no path reaches {status}")


@pytest.mark.parametrize("status", list(OrderStatus))
def test_every_illegal_event_in_every_state(status: OrderStatus) -> None:
    order, flow = _reach(status)
    legal = {e for (s, e) in EXPECTED if s is status}
    if status is OrderStatus.ON_HOLD:
        legal.add("release")
    assert set(flow.allowed_events) == legal
    for event in EVENTS:
        if event in legal:
            continue
        before = (order.status, len(order.history))
        with pytest.raises(InvalidTransition) as info:
            flow.send(event, reason="try")
        err = info.value
        assert not isinstance(err, GuardFailed)
        assert (err.order_id, err.state, err.event) == (order.id, status.value, event)
        assert err.allowed == sorted(legal)
        assert (order.status, len(order.history)) == before


def test_unknown_event_is_invalid_transition() -> None:
    flow = OrderFlow(ready_order())
    with pytest.raises(InvalidTransition, match="Unknown event"):
        flow.send("teleport")


def test_cancel_after_shipping_says_start_a_return() -> None:
    _, flow = _reach(OrderStatus.SHIPPED)
    with pytest.raises(GuardFailed, match="start a return"):
        flow.cancel()


def test_cancel_after_a_voided_label_but_not_after_pickup() -> None:
    order, flow = _reach(OrderStatus.SHIPPED)
    assert order.shipment is not None
    now = FrozenClock()()
    order.shipment = order.shipment.model_copy(update={"voided_at": now, "picked_up_at": now})
    with pytest.raises(GuardFailed):
        flow.cancel()
    order.shipment = order.shipment.model_copy(update={"picked_up_at": None})
    assert flow.cancel(reason="label cancelled before pickup").target == "cancelled"


def test_pay_guard_needs_full_payment_or_cod() -> None:
    order = sample_order()
    flow = OrderFlow(order)
    assert not payment_covers_total(order)
    with pytest.raises(GuardFailed) as info:
        flow.pay()
    assert info.value.guard == "payment_covers_total"
    assert "paid nothing of 49.00 PLN" in str(info.value)
    order.payment.paid_amount = Money("10", "PLN")
    assert not flow.can("pay")
    order.payment.cod = True
    assert payment_covers_total(order)
    assert flow.pay().target == "paid"


def test_pack_guard_needs_reservation() -> None:
    order = sample_order(paid=True)
    flow = OrderFlow(order)
    flow.pay()
    flow.mark_ready()
    assert not has_confirmed_reservation(order)
    with pytest.raises(GuardFailed, match="reserve the order's lines first") as info:
        flow.pack()
    assert info.value.guard == "has_confirmed_reservation"
    assert order.status is OrderStatus.READY_TO_PACK
    order.reservation_id = "r-1"
    assert flow.pack().target == "packed"


def test_ship_guard_needs_tracking_number() -> None:
    order = sample_order(paid=True)
    order.reservation_id = "r-1"
    flow = OrderFlow(order)
    for event in ("pay", "mark_ready", "pack"):
        flow.send(event)
    order.shipment = ShipmentRef(carrier="inpost")
    assert not has_tracking_label(order)
    with pytest.raises(GuardFailed, match="tracking number"):
        flow.ship()
    order.shipment = ShipmentRef(carrier="inpost", tracking_number="123")
    assert flow.ship().target == "shipped"


def test_guards_are_named_pure_predicates() -> None:
    order = sample_order()
    for name, guard in GUARDS.items():
        assert guard.name == name
        snapshot = order.model_dump()
        assert guard.predicate(order) in (True, False)
        assert isinstance(guard.explain(order), str)
        assert order.model_dump() == snapshot


def test_hold_and_release_return_to_the_held_state() -> None:
    order = ready_order()
    flow = OrderFlow(order)
    flow.pay()
    flow.mark_ready()
    flow.hold("phone does not match", actor="check:phone")
    assert order.held_from is OrderStatus.READY_TO_PACK
    assert order.hold_reason == "phone does not match"
    assert flow.release(actor="user:anna").target == "ready_to_pack"
    assert order.held_from is None and order.hold_reason is None


def test_release_with_lost_held_from_is_refused() -> None:
    order = ready_order()
    flow = OrderFlow(order)
    flow.hold("check")
    order.held_from = None
    with pytest.raises(GuardFailed, match="held from"):
        flow.release()


def test_audit_record_and_listeners(clock: FrozenClock) -> None:
    order = ready_order()
    heard: list[tuple[str, Transition]] = []
    flow = OrderFlow(order, clock=clock, listeners=[lambda o, t: heard.append((o.id, t))])
    unsubscribe = flow.subscribe(lambda o, t: heard.append(("second", t)))
    record = flow.pay(reason="payment booked", actor="webhook:p24")
    assert record == Transition(
        order_id=order.id,
        source="new",
        target="paid",
        event="pay",
        at=clock(),
        reason="payment booked",
        actor="webhook:p24",
    )
    assert order.updated_at == clock()
    assert [h[0] for h in heard] == [order.id, "second"]
    unsubscribe()
    flow.mark_ready()
    assert len(heard) == 3
    with pytest.raises(Exception, match="frozen"):
        record.reason = "changed"  # type: ignore[misc]
    assert "new → paid (pay, by webhook:p24) — payment booked" in str(record)


def test_state_is_persisted_in_the_order(clock: FrozenClock) -> None:
    order = ready_order()
    OrderFlow(order, clock=clock).pay()
    loaded = Order.model_validate_json(order.model_dump_json())
    flow = OrderFlow(loaded, clock=clock)
    assert flow.state is OrderStatus.PAID
    assert flow.mark_ready().source == "paid"
    assert len(loaded.history) == 2


def test_replay_rejects_a_broken_trail(clock: FrozenClock) -> None:
    order = ready_order()
    flow = OrderFlow(order, clock=clock)
    flow.pay()
    flow.mark_ready()
    broken = [order.history[1]]
    with pytest.raises(InvalidTransition, match="does not follow"):
        OrderFlow.replay(ready_order(), broken)


def test_labels() -> None:
    assert OrderFlow.label("ready_to_pack") == "Do spakowania"
    assert OrderFlow.label("ready_to_pack", "en") == "Ready to pack"
    assert repr(OrderFlow(ready_order())) == "OrderFlow(shop-1001, state=new)"
