"""The shared conformance suite: every store behaves the same."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from ecomflow.errors import (
    IdempotencyConflict,
    InsufficientStock,
    InvalidTransition,
    ReservationExists,
    ReservationExpired,
    ReservationNotFound,
    ValidationFailed,
)
from ecomflow.stock import MovementKind, ReservationState, StockLedger
from ecomflow.testing import FrozenClock


def test_receive_and_level(ledger: StockLedger) -> None:
    level = ledger.receive("MUG", 5, note="PO-1")
    assert (level.on_hand, level.reserved, level.available) == (5, 0, 5)
    ledger.receive("MUG", 2, warehouse="north")
    assert ledger.level("MUG").on_hand == 7
    assert ledger.level("MUG", "north").available == 2
    assert ledger.level("NEVER-SEEN").available == 0
    assert [(lv.sku, lv.warehouse) for lv in ledger.levels()] == [("MUG", "main"), ("MUG", "north")]


def test_reserve_is_all_or_nothing(ledger: StockLedger) -> None:
    ledger.receive("MUG", 5)
    ledger.receive("CUP", 1)
    with pytest.raises(InsufficientStock) as info:
        ledger.reserve("O-1", {"MUG": 2, "CUP": 3, "NEW": 1})
    shortages = {s.sku: (s.requested, s.available) for s in info.value.shortages}
    assert shortages == {"CUP": (3, 1), "NEW": (1, 0)}
    assert ledger.level("MUG").reserved == 0
    assert ledger.reservation("O-1") is None
    reservation = ledger.reserve("O-1", {"MUG": 2, "CUP": 1})
    assert reservation.state is ReservationState.CONFIRMED
    assert reservation.quantities == {"MUG": 2, "CUP": 1}
    assert ledger.level("MUG").available == 3
    assert ledger.level("CUP").available == 0
    assert ledger.verify().ok


def test_warehouse_choice_by_priority(ledger: StockLedger) -> None:
    ledger.receive("MUG", 1, warehouse="main")
    ledger.receive("MUG", 5, warehouse="north")
    ledger.receive("CUP", 5, warehouse="main")
    ledger.receive("CUP", 5, warehouse="north")
    assert ledger.reserve("O-1", {"CUP": 1}).warehouse == "main"
    # main cannot serve 2 MUG, north can serve the whole order.
    assert ledger.reserve("O-2", {"MUG": 2, "CUP": 1}).warehouse == "north"
    assert ledger.reserve("O-3", {"MUG": 1}, warehouse="main").warehouse == "main"
    with pytest.raises(InsufficientStock):
        ledger.reserve("O-4", {"MUG": 1}, warehouse="main")


def test_one_warehouse_must_serve_the_whole_order(ledger: StockLedger) -> None:
    ledger.receive("MUG", 1, warehouse="main")
    ledger.receive("CUP", 1, warehouse="north")
    with pytest.raises(InsufficientStock) as info:
        ledger.reserve("O-1", {"MUG": 1, "CUP": 1})
    # Reported against the warehouse that came closest (a tie goes to priority: main).
    assert [(s.sku, s.available, s.warehouse) for s in info.value.shortages] == [("CUP", 0, "main")]


def test_ttl_confirm_and_expire(ledger: StockLedger, clock: FrozenClock) -> None:
    ledger.receive("MUG", 3)
    unpaid = ledger.reserve("O-1", {"MUG": 1}, ttl=timedelta(minutes=30))
    assert unpaid.state is ReservationState.ACTIVE
    assert unpaid.expires_at == clock() + timedelta(minutes=30)
    ledger.reserve("O-2", {"MUG": 1}, ttl=timedelta(minutes=30))
    paid = ledger.confirm("O-2")
    assert paid.state is ReservationState.CONFIRMED
    assert paid.expires_at is None
    assert ledger.expire() == []
    clock.advance(minutes=31)
    expired = ledger.expire()
    assert [r.order_id for r in expired] == ["O-1"]
    assert expired[0].state is ReservationState.EXPIRED
    assert ledger.level("MUG").available == 2
    assert ledger.expire() == []
    with pytest.raises(ReservationExpired):
        ledger.confirm("O-1")


def test_confirm_after_ttl_but_before_expire_runs(ledger: StockLedger, clock: FrozenClock) -> None:
    ledger.receive("MUG", 1)
    ledger.reserve("O-1", {"MUG": 1}, ttl=timedelta(minutes=5))
    clock.advance(minutes=6)
    with pytest.raises(ReservationExpired):
        ledger.confirm("O-1")


def test_release_and_commit(ledger: StockLedger) -> None:
    ledger.receive("MUG", 4)
    ledger.reserve("O-1", {"MUG": 3})
    released = ledger.release("O-1")
    assert released.state is ReservationState.RELEASED
    assert ledger.level("MUG").available == 4
    assert ledger.release("O-1").state is ReservationState.RELEASED  # twice: nothing changes
    assert ledger.level("MUG").available == 4
    ledger.reserve("O-1", {"MUG": 2})  # a released order may reserve again
    committed = ledger.commit("O-1")
    assert committed.state is ReservationState.COMMITTED
    assert ledger.commit("O-1").state is ReservationState.COMMITTED
    level = ledger.level("MUG")
    assert (level.on_hand, level.reserved) == (2, 0)
    with pytest.raises(InvalidTransition, match="receive_return"):
        ledger.release("O-1")
    with pytest.raises(ReservationNotFound):
        ledger.commit("NOPE")
    with pytest.raises(ReservationNotFound):
        ledger.release("NOPE")
    assert ledger.verify().ok


def test_reserving_twice_for_one_order(ledger: StockLedger) -> None:
    ledger.receive("MUG", 5)
    ledger.reserve("O-1", {"MUG": 1})
    with pytest.raises(ReservationExists):
        ledger.reserve("O-1", {"MUG": 1})
    assert ledger.level("MUG").reserved == 1


def test_idempotency_keys(ledger: StockLedger) -> None:
    first = ledger.receive("MUG", 5, key="po-1")
    again = ledger.receive("MUG", 5, key="po-1")
    assert first == again
    assert ledger.level("MUG").on_hand == 5
    with pytest.raises(IdempotencyConflict):
        ledger.receive("MUG", 6, key="po-1")
    reservation = ledger.reserve("O-1", {"MUG": 2}, key="webhook-77")
    assert ledger.reserve("O-1", {"MUG": 2}, key="webhook-77") == reservation
    assert ledger.level("MUG").reserved == 2
    with pytest.raises(IdempotencyConflict):
        ledger.reserve("O-1", {"MUG": 3}, key="webhook-77")
    with pytest.raises(IdempotencyConflict):
        ledger.release("O-1", key="webhook-77")
    ledger.commit("O-1", key="ship-1")
    ledger.commit("O-1", key="ship-1")
    assert ledger.level("MUG").on_hand == 3
    assert ledger.verify().ok


def test_failed_operation_leaves_no_key_behind(ledger: StockLedger) -> None:
    with pytest.raises(InsufficientStock):
        ledger.reserve("O-1", {"MUG": 1}, key="k")
    ledger.receive("MUG", 1)
    assert ledger.reserve("O-1", {"MUG": 1}, key="k").quantities == {"MUG": 1}


@pytest.mark.parametrize(
    "lines",
    [{}, {"MUG": 0}, {"MUG": -1}, [("MUG", 1), ("MUG", 1)], {"": 1}],
)
def test_bad_reservation_input(ledger: StockLedger, lines: object) -> None:
    ledger.receive("MUG", 5)
    with pytest.raises(ValidationFailed):
        ledger.reserve("O-1", lines)  # type: ignore[arg-type]
    assert ledger.level("MUG").reserved == 0


def test_bad_quantities(ledger: StockLedger) -> None:
    for bad in (0, -1):
        with pytest.raises(ValidationFailed):
            ledger.receive("MUG", bad)
    with pytest.raises(ValidationFailed):
        ledger.reserve("O-1", {"MUG": 1}, ttl=timedelta(0))


def test_adjust_never_below_reserved(ledger: StockLedger) -> None:
    ledger.receive("MUG", 5)
    ledger.reserve("O-1", {"MUG": 3})
    assert ledger.adjust("MUG", -1, reason="stock-take").on_hand == 4
    assert ledger.adjust("MUG", new_level=3, reason="stock-take").on_hand == 3
    with pytest.raises(ValidationFailed, match="release reservations first"):
        ledger.adjust("MUG", new_level=2, reason="stock-take")
    with pytest.raises(ValidationFailed):
        ledger.adjust("MUG", 1, new_level=2, reason="x")
    assert ledger.level("MUG").on_hand == 3
    assert ledger.verify().ok


def test_returns_quarantine_restock_write_off(ledger: StockLedger) -> None:
    ledger.receive("MUG", 1)
    ledger.reserve("O-1", {"MUG": 1})
    ledger.commit("O-1")
    level = ledger.receive_return("MUG", 2, order_id="O-1", key="rma-1")
    assert (level.on_hand, level.quarantined, level.available) == (0, 2, 0)
    ledger.receive_return("MUG", 2, order_id="O-1", key="rma-1")
    assert ledger.level("MUG").quarantined == 2
    assert ledger.restock("MUG", 1, order_id="O-1").available == 1
    assert ledger.write_off("MUG", 1, reason="damaged").quarantined == 0
    assert ledger.level("MUG").on_hand == 1
    with pytest.raises(ValidationFailed, match="quarantine"):
        ledger.write_off("MUG", 1, reason="damaged")
    kinds = [m.kind for m in ledger.movements("MUG")]
    assert kinds[-3:] == [
        MovementKind.RETURN_TO_QUARANTINE,
        MovementKind.RESTOCK,
        MovementKind.WRITE_OFF,
    ]
    assert ledger.verify().ok


def test_backorders(ledger: StockLedger) -> None:
    ledger.receive("BOOK", 1)
    with pytest.raises(InsufficientStock):
        ledger.reserve("O-0", {"BOOK": 2})
    ledger.set_backorder("BOOK", date(2026, 12, 10), limit=3)
    reservation = ledger.reserve("O-1", {"BOOK": 2})
    assert reservation.backordered
    level = ledger.level("BOOK")
    assert (level.on_hand, level.reserved, level.backordered) == (1, 1, 1)
    with pytest.raises(InsufficientStock):
        ledger.commit("O-1")  # cannot ship what has not arrived
    ledger.reserve("O-2", {"BOOK": 2})
    with pytest.raises(InsufficientStock):
        ledger.reserve("O-3", {"BOOK": 1})  # limit of 3 backordered reached
    ledger.receive("BOOK", 2)  # fills O-1 first, then one of O-2
    assert not ledger.reservation("O-1").backordered  # type: ignore[union-attr]
    assert ledger.level("BOOK").backordered == 1
    ledger.commit("O-1")
    ledger.release("O-2")
    level = ledger.level("BOOK")
    assert (level.on_hand, level.reserved, level.backordered) == (1, 0, 0)
    assert ledger.backorder("BOOK") is not None
    ledger.clear_backorder("BOOK")
    assert ledger.backorder("BOOK") is None
    assert ledger.verify().ok


def test_journal_and_verify(ledger: StockLedger, clock: FrozenClock) -> None:
    start = clock()
    ledger.receive("MUG", 5, key="po")
    clock.advance(minutes=1)
    ledger.reserve("O-1", {"MUG": 2}, key="r")
    ledger.commit("O-1", key="c")
    moves = ledger.movements("MUG")
    assert [m.kind for m in moves] == [
        MovementKind.RECEIPT,
        MovementKind.RESERVATION,
        MovementKind.COMMIT,
    ]
    assert [m.key for m in moves] == ["po", "r", "c"]
    assert moves[1].order_id == "O-1"
    assert len(ledger.movements(since=start + timedelta(seconds=30))) == 2
    assert ledger.verify().ok
    assert str(ledger.verify()) == "stock ledger: ok"
