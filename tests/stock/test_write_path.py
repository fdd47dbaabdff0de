"""The reservation write path stays lean: round trips and statements are counted, not guessed."""

from __future__ import annotations

import ctypes
import tempfile
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ecomflow.errors import IdempotencyConflict, InsufficientStock, ReservationExists
from ecomflow.stock import MovementKind, Reservation, StockLedger, open_store
from ecomflow.stock.sql import MovementDraft, SqlLedgerTx
from ecomflow.storage import PostgresStore, SqliteStore
from tests.stock.conftest import postgres_schema_url


@pytest.fixture
def postgres_store(postgres_url: str) -> Iterator[PostgresStore]:
    store = open_store(postgres_schema_url(postgres_url))
    assert isinstance(store, PostgresStore)
    yield store
    store.drop_schema()
    store.close()


def _round_trips(store: PostgresStore, action: object) -> tuple[int, int]:
    """(round trips, statements run) by ``action()``, read from libpq's protocol trace."""
    conn = store._connection()
    with tempfile.TemporaryFile("w+") as trace:
        conn.pgconn.trace(trace.fileno())
        try:
            action()  # type: ignore[operator]
        finally:
            conn.pgconn.untrace()
            ctypes.CDLL(None).fflush(None)  # libpq writes through a buffered FILE
        trace.seek(0)
        # Lines read: timestamp, F(rontend) or B(ackend), length, message, ...
        messages = [line.split("\t")[1:4:2] for line in trace if line.count("\t") >= 3]
    round_trips = sum(1 for side, kind in messages if side == "B" and kind == "ReadyForQuery")
    statements = sum(1 for side, kind in messages if side == "B" and kind == "CommandComplete")
    return round_trips, statements


@pytest.mark.postgres
def test_a_reservation_is_one_round_trip_on_postgres(postgres_store: PostgresStore) -> None:
    ledger = StockLedger(postgres_store)
    for sku in ("A", "B", "C"):
        ledger.receive(sku, 100)
    for n in range(6):  # past psycopg's prepare threshold: steady state
        ledger.reserve(f"warm-{n}", {"A": 1, "B": 1}, key=f"warm-{n}")
    # One statement — stock_reserve_at_once — committed by the server on its own.
    reserve = lambda: ledger.reserve("O-1", {"A": 1, "B": 2, "C": 3}, key="k-1")  # noqa: E731
    assert _round_trips(postgres_store, reserve) == (1, 1)
    assert _round_trips(postgres_store, lambda: ledger.reserve("O-2", {"A": 1})) == (1, 1)
    # A repeated key (a retried webhook) adds the look-up of its first result.
    assert _round_trips(postgres_store, reserve)[0] == 4
    # Short of stock: the full algorithm reads the levels and names the short SKUs.
    with pytest.raises(InsufficientStock):
        ledger.reserve("O-3", {"A": 1000})
    assert ledger.level("C").reserved == 3
    assert ledger.verify().ok


def test_a_reservation_is_five_writes_and_no_read_on_sqlite(tmp_path: Path) -> None:
    store = open_store(f"sqlite:///{tmp_path / 'ledger.db'}")
    assert isinstance(store, SqliteStore)
    ledger = StockLedger(store)
    ledger.receive("A", 10)
    ledger.receive("B", 10)
    seen: list[str] = []
    store._connection().set_trace_callback(seen.append)
    ledger.reserve("O-1", {"A": 1, "B": 2}, key="k-1")
    store._connection().set_trace_callback(None)
    verbs = [statement.split()[0].upper() for statement in seen]
    # No reads: BEGIN IMMEDIATE, key, reservation, two conditional updates, journal, COMMIT.
    assert verbs == ["BEGIN", "INSERT", "INSERT", "UPDATE", "UPDATE", "INSERT", "COMMIT"]
    store.close()


def test_every_refusal_of_the_short_path_gives_the_full_answer(ledger: StockLedger) -> None:
    ledger.receive("MUG", 2, warehouse="main")
    ledger.receive("MUG", 5, warehouse="north")
    first = ledger.reserve("O-1", {"MUG": 1}, key="k-1")
    assert ledger.reserve("O-1", {"MUG": 1}, key="k-1") == first  # used key: replayed
    with pytest.raises(IdempotencyConflict):
        ledger.reserve("O-2", {"MUG": 1}, key="k-1")
    with pytest.raises(ReservationExists):  # the order holds one: nothing changes
        ledger.reserve("O-1", {"MUG": 1})
    assert ledger.reserve("O-3", {"MUG": 3}).warehouse == "north"  # main is short
    with pytest.raises(InsufficientStock) as info:
        ledger.reserve("O-4", {"MUG": 1, "NEW": 1})  # unknown SKU
    assert [s.sku for s in info.value.shortages] == ["NEW"]
    ledger.release("O-1")
    assert ledger.reserve("O-1", {"MUG": 2}).warehouse == "main"  # replaces the released one
    assert (ledger.level("MUG", "main").reserved, ledger.level("MUG", "north").reserved) == (2, 3)
    assert ledger.verify().ok


def test_without_a_warehouse_priority_the_full_algorithm_decides(store_url: str) -> None:
    with open_store(store_url) as store:
        ledger = StockLedger(store, warehouse_priority=[])
        ledger.receive("MUG", 1, warehouse="b-north")
        ledger.receive("MUG", 1, warehouse="a-south")
        assert ledger.reserve("O-1", {"MUG": 1}).warehouse == "a-south"  # by name
        assert ledger.verify().ok


def test_one_key_from_four_threads_reserves_once(shared_url: str) -> None:
    with open_store(shared_url) as store:
        ledger = StockLedger(store)
        ledger.receive("MUG", 10)
        results: list[Reservation] = []
        start = threading.Barrier(4)

        def reserve() -> None:
            start.wait()
            results.append(ledger.reserve("O-1", {"MUG": 3}, key="webhook-1"))

        threads = [threading.Thread(target=reserve) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(results) == 4
        assert len({r.id for r in results}) == 1
        assert ledger.level("MUG").reserved == 3
        assert ledger.verify().ok


def test_a_reservation_inside_a_callers_transaction_commits_and_rolls_back_with_it(
    ledger: StockLedger,
) -> None:
    ledger.receive("MUG", 3)
    with pytest.raises(RuntimeError), ledger.store.transaction():
        ledger.reserve("O-1", {"MUG": 2}, key="k-1")
        with pytest.raises(InsufficientStock):  # refused inside: the caller's work goes on
            ledger.reserve("O-2", {"MUG": 2})
        assert ledger.level("MUG").reserved == 2
        raise RuntimeError("the order could not be saved")
    assert ledger.level("MUG").reserved == 0
    assert ledger.reservation("O-1") is None
    with ledger.store.transaction():
        first = ledger.reserve("O-1", {"MUG": 2}, key="k-1")
    assert ledger.reserve("O-1", {"MUG": 2}, key="k-1") == first
    assert ledger.level("MUG").reserved == 2
    assert ledger.verify().ok


def test_a_long_journal_append_is_split_into_statements(store_url: str) -> None:
    with open_store(store_url) as store:
        StockLedger(store)  # the schema
        at = datetime(2026, 11, 24, 9, tzinfo=UTC)
        drafts = [
            MovementDraft(at, MovementKind.RECEIPT, f"SKU-{n:04d}", "main", on_hand=1)
            for n in range(600)  # 6,600 parameters: more than one statement should carry
        ]
        with store.transaction() as tx:
            SqlLedgerTx(tx).add_movements(drafts)
        with store.transaction() as tx:
            moves = SqlLedgerTx(tx).movements(None, None)
        assert [m.sku for m in moves] == [d.sku for d in drafts]
        assert sorted(m.id for m in moves) == [m.id for m in moves]
