"""The in-memory store: for tests and notebooks (one process, thread-safe).

Transactions hold one lock and keep an undo log, so a failing operation leaves
nothing behind, exactly like the SQL stores.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from ecomflow.stock.models import Backorder, Movement, MovementKind, Reservation
from ecomflow.stock.stores.base import IdempotencyRecord, LevelRow, MovementDraft, StoreKind

__all__ = ["MemoryStore", "MemoryTx"]


class _DuplicateKey(Exception):
    """An idempotency key inserted twice (cannot happen under the store lock)."""


class MemoryTx:
    """A ledger transaction on the in-memory store."""

    def __init__(self, store: MemoryStore) -> None:
        self._store = store
        self._undo: list[tuple[dict[Any, Any], Any, Any]] = []
        self._journal_length = len(store._movements)

    def _set(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        self._undo.append((table, key, table.get(key, _MISSING)))
        table[key] = value

    def _rollback(self) -> None:
        for table, key, old in reversed(self._undo):
            if old is _MISSING:
                table.pop(key, None)
            else:
                table[key] = old
        del self._store._movements[self._journal_length :]

    # -- levels -------------------------------------------------------------------------

    def levels(
        self, skus: Sequence[str], warehouse: str | None, *, lock: bool
    ) -> dict[tuple[str, str], LevelRow]:
        wanted = set(skus)
        return {
            key: row.copy()
            for key, row in self._store._levels.items()
            if key[0] in wanted and (warehouse is None or key[1] == warehouse)
        }

    def all_levels(self, skus: Sequence[str] | None) -> list[LevelRow]:
        wanted = set(skus) if skus is not None else None
        rows = [
            row.copy()
            for key, row in self._store._levels.items()
            if wanted is None or key[0] in wanted
        ]
        return sorted(rows, key=lambda r: (r.sku, r.warehouse))

    def save_level(self, row: LevelRow) -> None:
        self._set(self._store._levels, (row.sku, row.warehouse), row.copy())

    def reserve_units(self, sku: str, warehouse: str, quantity: int) -> bool:
        row = self._store._levels.get((sku, warehouse))
        if row is None or row.on_hand - row.reserved < quantity:
            return False
        updated = row.copy()
        updated.reserved += quantity
        self.save_level(updated)
        return True

    # -- reservations -------------------------------------------------------------------

    def reservation(self, order_id: str, *, lock: bool) -> Reservation | None:
        return self._store._reservations.get(order_id)

    def save_reservation(self, reservation: Reservation) -> None:
        self._set(self._store._reservations, reservation.order_id, reservation)

    def due_reservations(self, now: datetime, limit: int) -> list[str]:
        due = [
            r
            for r in self._store._reservations.values()
            if r.state == "active" and r.expires_at is not None and r.expires_at <= now
        ]
        due.sort(key=lambda r: (r.expires_at, r.order_id))
        return [r.order_id for r in due[:limit]]

    def backordered_reservations(self, sku: str, warehouse: str) -> list[Reservation]:
        found = [
            r
            for r in self._store._reservations.values()
            if r.warehouse == warehouse
            and r.state.holds_stock
            and any(line.sku == sku and line.backordered for line in r.lines)
        ]
        return sorted(found, key=lambda r: (r.created_at, r.order_id))

    # -- journal ------------------------------------------------------------------------

    def add_movements(self, drafts: Sequence[MovementDraft]) -> None:
        journal = self._store._movements
        for draft in drafts:
            journal.append(
                Movement(
                    id=len(journal) + 1,
                    at=draft.at,
                    kind=MovementKind(draft.kind),
                    sku=draft.sku,
                    warehouse=draft.warehouse,
                    on_hand=draft.on_hand,
                    reserved=draft.reserved,
                    quarantined=draft.quarantined,
                    backordered=draft.backordered,
                    order_id=draft.order_id,
                    key=draft.key,
                    reason=draft.reason,
                )
            )

    def movements(self, sku: str | None, since: datetime | None) -> list[Movement]:
        return [
            m
            for m in self._store._movements
            if (sku is None or m.sku == sku) and (since is None or m.at >= since)
        ]

    def movement_sums(self) -> dict[tuple[str, str], tuple[int, int, int, int]]:
        sums: dict[tuple[str, str], tuple[int, int, int, int]] = {}
        for m in self._store._movements:
            a, b, c, d = sums.get((m.sku, m.warehouse), (0, 0, 0, 0))
            sums[(m.sku, m.warehouse)] = (
                a + m.on_hand,
                b + m.reserved,
                c + m.quarantined,
                d + m.backordered,
            )
        return sums

    # -- idempotency and backorders -----------------------------------------------------

    def idempotency(self, key: str) -> IdempotencyRecord | None:
        return self._store._keys.get(key)

    def save_idempotency(self, record: IdempotencyRecord) -> None:
        if record.key in self._store._keys:
            raise _DuplicateKey(record.key)
        self._set(self._store._keys, record.key, record)

    def backorder(self, sku: str, warehouse: str) -> Backorder | None:
        return self._store._backorders.get((sku, warehouse))

    def save_backorder(self, backorder: Backorder) -> None:
        self._set(self._store._backorders, (backorder.sku, backorder.warehouse), backorder)

    def delete_backorder(self, sku: str, warehouse: str) -> None:
        table = self._store._backorders
        if (sku, warehouse) in table:
            self._undo.append((table, (sku, warehouse), table.pop((sku, warehouse))))


_MISSING: Any = object()


class MemoryStore:
    """Everything in dictionaries, guarded by one re-entrant lock.

    >>> store = MemoryStore()
    >>> store.kind, store.url
    ('memory', 'memory://')
    """

    kind: StoreKind = "memory"

    def __init__(self, url: str = "memory://") -> None:
        self.url = url
        self._lock = threading.RLock()
        self._levels: dict[tuple[str, str], LevelRow] = {}
        self._reservations: dict[str, Reservation] = {}
        self._movements: list[Movement] = []
        self._keys: dict[str, IdempotencyRecord] = {}
        self._backorders: dict[tuple[str, str], Backorder] = {}
        #: Free space for other components' in-memory tables (orders, outbox…).
        self.tables: dict[str, Any] = {}

    @contextmanager
    def ledger(self) -> Iterator[MemoryTx]:
        """One transaction: all changes or none."""
        with self._lock:
            tx = MemoryTx(self)
            try:
                yield tx
            except BaseException:
                tx._rollback()
                raise

    @contextmanager
    def transaction(self) -> Iterator[MemoryStore]:
        """Hold the store lock (other components' atomic sections on the memory store)."""
        with self._lock:
            yield self

    def is_retryable(self, error: BaseException) -> bool:
        """Nothing is transient in memory."""
        return False

    def close(self) -> None:
        """Nothing to release."""

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"MemoryStore({len(self._levels)} levels, {len(self._reservations)} reservations)"
