"""Random operation sequences (with repeated keys) never break the ledger's invariants."""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from ecomflow.errors import DomainError
from ecomflow.stock import StockLedger, open_store
from ecomflow.storage import Store
from ecomflow.testing import FrozenClock

SKUS = st.sampled_from(["A", "B", "C"])
ORDERS = st.sampled_from([f"O-{i}" for i in range(6)])
KEYS = st.one_of(st.none(), st.sampled_from([f"k{i}" for i in range(8)]))
QTY = st.integers(min_value=1, max_value=4)


class LedgerMachine(RuleBasedStateMachine):
    """Drives a ledger with receive/reserve/confirm/release/commit/expire/adjust."""

    store_url = "memory://"

    def __init__(self) -> None:
        super().__init__()
        self._tmp = tempfile.TemporaryDirectory()
        url = self.store_url.replace("{tmp}", str(Path(self._tmp.name) / "l.db"))
        self.store: Store = open_store(url)
        self.clock = FrozenClock(datetime(2026, 11, 24, 9, tzinfo=UTC))
        self.ledger = StockLedger(self.store, clock=self.clock, warehouse_priority=["main"])

    def teardown(self) -> None:
        self.store.close()
        self._tmp.cleanup()

    def _try(self, call: Callable[[], object]) -> None:
        with contextlib.suppress(DomainError):  # refusals are fine; invariants must hold
            call()

    @rule(sku=SKUS, qty=QTY, key=KEYS)
    def receive(self, sku: str, qty: int, key: str | None) -> None:
        self._try(lambda: self.ledger.receive(sku, qty, key=key))

    @rule(
        order=ORDERS,
        lines=st.dictionaries(SKUS, QTY, min_size=1, max_size=3),
        key=KEYS,
        ttl=st.booleans(),
    )
    def reserve(self, order: str, lines: dict[str, int], key: str | None, ttl: bool) -> None:
        life = timedelta(minutes=30) if ttl else None
        self._try(lambda: self.ledger.reserve(order, lines, ttl=life, key=key))

    @rule(order=ORDERS, key=KEYS)
    def confirm(self, order: str, key: str | None) -> None:
        self._try(lambda: self.ledger.confirm(order, key=key))

    @rule(order=ORDERS, key=KEYS)
    def release(self, order: str, key: str | None) -> None:
        self._try(lambda: self.ledger.release(order, key=key))

    @rule(order=ORDERS, key=KEYS)
    def commit(self, order: str, key: str | None) -> None:
        self._try(lambda: self.ledger.commit(order, key=key))

    @rule(minutes=st.integers(min_value=1, max_value=40))
    def expire(self, minutes: int) -> None:
        self.clock.advance(minutes=minutes)
        self.ledger.expire()

    @rule(sku=SKUS, delta=st.integers(min_value=-3, max_value=3).filter(bool), key=KEYS)
    def adjust(self, sku: str, delta: int, key: str | None) -> None:
        self._try(lambda: self.ledger.adjust(sku, delta, reason="count", key=key))

    @invariant()
    def invariants_hold(self) -> None:
        for level in self.ledger.levels():
            assert 0 <= level.reserved <= level.on_hand
            assert level.available == level.on_hand - level.reserved
        report = self.ledger.verify()
        assert report.ok, str(report)


class SqliteLedgerMachine(LedgerMachine):
    store_url = "sqlite:///{tmp}"


TestMemoryLedger = LedgerMachine.TestCase
TestMemoryLedger.settings = settings(max_examples=40, stateful_step_count=30, deadline=None)
TestSqliteLedger = SqliteLedgerMachine.TestCase
TestSqliteLedger.settings = settings(max_examples=15, stateful_step_count=25, deadline=None)
