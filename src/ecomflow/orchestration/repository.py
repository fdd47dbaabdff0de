"""Orders, the outbox and small records, kept in the same store as the stock ledger.

Tables (component ``orchestrator`` in ``ecomflow_schema``):

- ``ef_orders``: every order as JSON with an optimistic ``version`` — two workers
  can't overwrite each other's update (:class:`~ecomflow.errors.ConcurrentUpdate`);
- ``ef_outbox``: every external effect (create a shipment, write a status back,
  send a message), written **in the same transaction** as the state change
  that caused it, with a unique idempotency key; claimed by dispatchers with
  ``FOR UPDATE SKIP LOCKED`` on PostgreSQL;
- ``ef_records``: cursors, webhook event ids, shipment → order links.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ecomflow.errors import ConcurrentUpdate
from ecomflow.orders.models import Order
from ecomflow.storage import Dialect, Store, Tx, to_db_time

__all__ = ["Effect", "OrderRepository", "Unit"]


def _schema(dialect: str) -> list[list[str]]:
    serial = (
        "BIGSERIAL PRIMARY KEY"
        if dialect == "postgresql"
        else ("INTEGER PRIMARY KEY AUTOINCREMENT")
    )
    return [
        [
            "CREATE TABLE ef_orders (id TEXT PRIMARY KEY, version INTEGER NOT NULL, "
            "status TEXT NOT NULL, data TEXT NOT NULL)",
            "CREATE INDEX ef_orders_status ON ef_orders (status)",
            f"CREATE TABLE ef_outbox (id {serial}, key TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, "
            "order_id TEXT, payload TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL, "
            "not_before TEXT NOT NULL, error TEXT, created_at TEXT NOT NULL, done_at TEXT)",
            "CREATE INDEX ef_outbox_due ON ef_outbox (state, not_before)",
            "CREATE TABLE ef_records (name TEXT PRIMARY KEY, value TEXT NOT NULL)",
        ]
    ]


MIGRATIONS: dict[Dialect, list[list[str]]] = {
    "sqlite": _schema("sqlite"),
    "postgresql": _schema("postgresql"),
}


@dataclass
class Effect:
    """One external effect waiting in (or taken from) the outbox."""

    key: str
    kind: str
    order_id: str | None
    payload: dict[str, Any] = field(default_factory=dict)
    id: int | None = None
    attempts: int = 0
    state: str = "pending"
    error: str | None = None
    not_before: datetime | None = None


class Unit:
    """One transaction: load and save orders, add effects and records, all or nothing."""

    def __init__(self, repo: OrderRepository, tx: Tx) -> None:
        self._repo = repo
        self.tx = tx
        self._run = tx.execute

    # -- orders ---------------------------------------------------------------------

    def get(self, order_id: str) -> tuple[Order, int] | None:
        """The order and its version, or ``None``."""
        row = self._run(
            "SELECT version, data FROM ef_orders WHERE id = ?" + self.tx.for_update, (order_id,)
        ).fetchone()
        return (Order.model_validate_json(row[1]), int(row[0])) if row else None

    def save(self, order: Order, expected: int | None) -> int:
        """Store ``order``; ``expected`` is the version it was loaded at (``None``: new)."""
        data = order.model_dump_json()
        if expected is None:
            try:
                self._run(
                    "INSERT INTO ef_orders (id, version, status, data) VALUES (?, 1, ?, ?)",
                    (order.id, order.status.value, data),
                )
            except Exception as error:
                if self._repo.store.is_retryable(error):
                    raise ConcurrentUpdate(object_id=order.id, expected=0, actual=1) from None
                raise
            return 1
        updated = self._run(
            "UPDATE ef_orders SET version = version + 1, status = ?, data = ? "
            "WHERE id = ? AND version = ?",
            (order.status.value, data, order.id, expected),
        )
        if updated.rowcount != 1:
            raise ConcurrentUpdate(object_id=order.id, expected=expected, actual=None)
        return expected + 1

    # -- outbox and records ------------------------------------------------------------

    def add(self, effect: Effect, now: datetime) -> bool:
        """Queue ``effect`` unless its key was queued before; ``True`` when added.

        It becomes due at ``effect.not_before`` (default: now).
        """
        payload = json.dumps(effect.payload, default=str)
        due = max(now, effect.not_before or now)
        cursor = self._run(
            "INSERT INTO ef_outbox (key, kind, order_id, payload, state, attempts, not_before, "
            "created_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?) ON CONFLICT (key) DO NOTHING",
            (effect.key, effect.kind, effect.order_id, payload, to_db_time(due), to_db_time(now)),
        )
        return bool(cursor.rowcount == 1)

    def record(self, name: str) -> str | None:
        """A small named value (a cursor, a link)."""
        row = self._run("SELECT value FROM ef_records WHERE name = ?", (name,)).fetchone()
        return str(row[0]) if row else None

    def put_record(self, name: str, value: str) -> None:
        """Set a named value."""
        self._run(
            "INSERT INTO ef_records (name, value) VALUES (?, ?) ON CONFLICT (name) "
            "DO UPDATE SET value = excluded.value",
            (name, value),
        )

    def first_time(self, name: str) -> bool:
        """Record ``name`` once; ``False`` when it was recorded before (deduplication)."""
        if self.record(name) is not None:
            return False
        self.put_record(name, "1")
        return True


class OrderRepository:
    """Orders, outbox and records on a store from :func:`ecomflow.stock.open_store`."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.ensure_schema("orchestrator", MIGRATIONS)

    @contextmanager
    def unit(self) -> Iterator[Unit]:
        """One transaction: committed whole or rolled back."""
        with self.store.transaction() as tx:
            yield Unit(self, tx)

    def get(self, order_id: str) -> Order | None:
        """The order, or ``None``."""
        with self.unit() as unit:
            found = unit.get(order_id)
        return found[0] if found else None

    def find(self, *, status: str | None = None, tag: str | None = None) -> list[Order]:
        """Orders by master status and/or tag, sorted by id."""
        with self.unit() as unit:
            sql = "SELECT id, data FROM ef_orders" + (" WHERE status = ?" if status else "")
            rows = unit._run(sql, (status,) if status else ()).fetchall()
        orders = [Order.model_validate_json(data) for _, data in sorted(rows)]
        return [o for o in orders if tag is None or tag in o.tags]

    # -- outbox -------------------------------------------------------------------------

    def claim(self, now: datetime, limit: int = 50, lease: float = 60.0) -> list[Effect]:
        """Take due effects for this worker (others skip them until the lease ends)."""
        until = now + timedelta(seconds=lease)
        with self.unit() as unit:
            rows = unit._run(
                "SELECT id, key, kind, order_id, payload, attempts FROM ef_outbox "
                f"WHERE state = 'pending' AND not_before <= ? ORDER BY id LIMIT {int(limit)}"
                + unit.tx.skip_locked,
                (to_db_time(now),),
            ).fetchall()
            for row in rows:
                unit._run(
                    "UPDATE ef_outbox SET not_before = ? WHERE id = ?", (to_db_time(until), row[0])
                )
        return [
            Effect(r[1], r[2], r[3], json.loads(r[4]), id=int(r[0]), attempts=int(r[5]))
            for r in rows
        ]

    def finish(self, effect: Effect, now: datetime) -> None:
        """Mark an effect done."""
        with self.unit() as unit:
            unit._run(
                "UPDATE ef_outbox SET state = 'done', done_at = ? WHERE id = ?",
                (to_db_time(now), effect.id),
            )

    def fail(self, effect: Effect, error: str, now: datetime, *, max_attempts: int) -> str:
        """Record a failure: retry later with backoff, or park as ``needs_attention``."""
        attempts = effect.attempts + 1
        state = "needs_attention" if attempts >= max_attempts else "pending"
        retry_at = now + timedelta(seconds=30 * 2 ** (attempts - 1))
        with self.unit() as unit:
            unit._run(
                "UPDATE ef_outbox SET attempts = ?, state = ?, error = ?, not_before = ? "
                "WHERE id = ?",
                (attempts, state, error[:2000], to_db_time(retry_at), effect.id),
            )
        return state

    def effects(self, state: str | None = None) -> list[Effect]:
        """Every effect (for reports and tests), optionally in one state."""
        with self.unit() as unit:
            rows = unit._run(
                "SELECT id, key, kind, order_id, payload, attempts, state, "
                "error FROM ef_outbox ORDER BY id"
            ).fetchall()
        items = [
            Effect(
                r[1],
                r[2],
                r[3],
                json.loads(r[4]),
                id=int(r[0]),
                attempts=int(r[5]),
                state=r[6],
                error=r[7],
            )
            for r in rows
        ]
        return [e for e in items if state is None or e.state == state]
