"""A database written by the first release of the ledger schema upgrades in place."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from ecomflow.stock import MovementKind, ReservationState, StockLedger, open_store
from ecomflow.stock.sql import LEDGER_MIGRATIONS
from ecomflow.storage import Store
from ecomflow.testing import FrozenClock

T0 = "2026-11-24T09:00:00.000000+00:00"
T1 = "2026-11-24T09:05:00.000000+00:00"
DUE = "2026-11-24T09:35:00.000000+00:00"
RESERVED = (
    '{"id":"res_1","order_id":"O-1","warehouse":"main","lines":[{"sku":"MUG","quantity":2,'
    '"backordered":0}],"state":"active","created_at":"2026-11-24T09:05:00Z",'
    '"expires_at":"2026-11-24T09:35:00Z","updated_at":"2026-11-24T09:05:00Z"}'
)


def _write_v1_database(store: Store) -> None:
    """What version 1 wrote: 5 MUG received, 2 reserved for O-1 with a TTL and a key."""
    v1 = {dialect: steps[:1] for dialect, steps in LEDGER_MIGRATIONS.items()}
    assert store.ensure_schema("stock", v1) == 1
    with store.transaction() as tx:
        tx.execute(
            "INSERT INTO stock_levels (sku, warehouse, on_hand, reserved) VALUES (?, ?, ?, ?)",
            ("MUG", "main", 5, 2),
        )
        move = (
            "INSERT INTO stock_movements (at, kind, sku, warehouse, on_hand, reserved, "
            "quarantined, backordered, order_id, key, reason) "
            "VALUES (?, ?, 'MUG', 'main', ?, ?, 0, 0, ?, ?, NULL)"
        )
        tx.execute(move, (T0, "receipt", 5, 0, None, "po-1"))
        tx.execute(move, (T1, "reservation", 0, 2, "O-1", "webhook-1"))
        tx.execute(
            "INSERT INTO stock_reservations (order_id, id, warehouse, state, lines, "
            "created_at, expires_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            ("O-1", "res_1", "main", "active", '[["MUG", 2, 0]]', T1, DUE, T1),
        )
        tx.execute(
            "INSERT INTO stock_keys (key, operation, fingerprint, result) VALUES (?, ?, ?, ?)",
            ("webhook-1", "reserve", _fingerprint_of_first_reservation(), RESERVED),
        )


def _fingerprint_of_first_reservation() -> str:
    """How version 1 fingerprinted ``reserve("O-1", {"MUG": 2}, ttl=30 min)``."""
    payload = {"order": "O-1", "lines": {"MUG": 2}, "wh": None, "ttl": 1800.0}
    text = json.dumps(["reserve", payload], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def test_a_version_1_database_upgrades_and_keeps_its_history(
    store_url: str, clock: FrozenClock
) -> None:
    with open_store(store_url) as store:
        _write_v1_database(store)
        ledger = StockLedger(store, clock=clock)
        assert store.schema_versions()["stock"] == len(LEDGER_MIGRATIONS["sqlite"])
        assert ledger.verify().ok, ledger.verify()
        old = ledger.movements("MUG")
        assert [(m.kind, m.key) for m in old] == [
            (MovementKind.RECEIPT, "po-1"),
            (MovementKind.RESERVATION, "webhook-1"),
        ]
        # The key written by version 1 still replays its first result.
        again = ledger.reserve("O-1", {"MUG": 2}, ttl=timedelta(minutes=30), key="webhook-1")
        assert (again.id, again.state) == ("res_1", ReservationState.ACTIVE)
        # New journal entries continue after the old ones.
        ledger.receive("MUG", 1, key="po-2")
        moves = ledger.movements("MUG")
        assert moves[-1].id > old[-1].id
        assert len({m.id for m in moves}) == len(moves)
        # The migrated reservation still expires (the new expiry index finds it).
        clock.advance(minutes=36)
        assert [r.order_id for r in ledger.expire()] == ["O-1"]
        assert ledger.level("MUG").available == 6
        assert ledger.verify().ok
        # Opening it again applies nothing.
        assert store.ensure_schema("stock", LEDGER_MIGRATIONS) == 0
