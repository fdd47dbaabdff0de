"""RMAs kept in the same store as orders and stock (so they survive restarts).

An RMA is saved when it is requested. Its request key is unique in the table
(a retried form post, a second worker, a restart: one RMA per key), and its
status is a column, so open returns are found without reading every RMA.
Every method runs in the caller's transaction when there is one.

>>> from datetime import UTC, datetime
>>> from ecomflow.returns.models import ReturnLine, ReturnReason, Rma
>>> from ecomflow.storage import open_store
>>> rmas = RmaStore(open_store("memory://"))
>>> rma = Rma(number="RMA/1", order_id="o-1", channel="shop", reason=ReturnReason.OTHER,
...           lines=[ReturnLine(sku="A", quantity=1)], key="form-1",
...           requested_at=datetime(2026, 11, 24, tzinfo=UTC))
>>> rmas.insert(rma), rmas.insert(rma.model_copy(update={"number": "RMA/2"}))
(True, False)
>>> [r.number for r in rmas.all()], rmas.by_key("form-1").number
(['RMA/1'], 'RMA/1')
>>> rmas.counts()
{'requested': 1}
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence

from ecomflow.returns.models import Rma, RmaStatus
from ecomflow.storage import Dialect, Store

__all__ = ["MIGRATIONS", "RmaStore"]

_V1 = [
    "CREATE TABLE ef_rmas (number TEXT PRIMARY KEY, order_id TEXT NOT NULL, data TEXT NOT NULL)",
    "CREATE INDEX ef_rmas_order ON ef_rmas (order_id)",
]


def _v2(key: str, status: str) -> list[str]:
    """The request key (unique) and the status as columns, filled from the JSON.

    Stores written before this version may hold several RMAs of one key (the
    bug this fixes): the first by number keeps the key, the others keep theirs
    only in their JSON.
    """
    return [
        "ALTER TABLE ef_rmas ADD COLUMN request_key TEXT",
        "ALTER TABLE ef_rmas ADD COLUMN status TEXT",
        f"UPDATE ef_rmas SET status = {status}",
        f"UPDATE ef_rmas SET request_key = {key} WHERE number IN (SELECT MIN(number) "
        f"FROM ef_rmas WHERE {key} IS NOT NULL GROUP BY {key})",
        "CREATE UNIQUE INDEX ef_rmas_request_key ON ef_rmas (request_key)",
        "CREATE INDEX ef_rmas_status ON ef_rmas (status)",
    ]


#: The ``rmas`` component's schema, version by version, per dialect.
MIGRATIONS: dict[Dialect, list[list[str]]] = {
    "sqlite": [_V1, _v2("json_extract(data, '$.key')", "json_extract(data, '$.status')")],
    "postgresql": [_V1, _v2("(data::jsonb ->> 'key')", "(data::jsonb ->> 'status')")],
}

_OPEN = (RmaStatus.REQUESTED, RmaStatus.SENT_BACK, RmaStatus.RECEIVED, RmaStatus.VERIFIED)

_shared: weakref.WeakKeyDictionary[Store, RmaStore] = weakref.WeakKeyDictionary()


class RmaStore:
    """Save and load RMAs as JSON rows (component ``rmas`` in ``ecomflow_schema``)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.ensure_schema("rmas", MIGRATIONS)

    @classmethod
    def of(cls, store: Store) -> RmaStore:
        """The RMAs of ``store`` (made once per store object, its schema checked once)."""
        found = _shared.get(store)
        if found is None:
            found = _shared[store] = cls(store)
        return found

    def insert(self, rma: Rma) -> bool:
        """Add a new RMA; ``False`` (nothing written) when its request key is taken."""
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO ef_rmas (number, order_id, data, request_key, status) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (rma.number, rma.order_id, rma.model_dump_json(), rma.key, rma.status.value),
            )
            return tx.rowcount == 1

    def save(self, rma: Rma) -> None:
        """Store ``rma``'s current state (inserted when it is new)."""
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO ef_rmas (number, order_id, data, request_key, status) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (number) DO UPDATE SET "
                "data = excluded.data, status = excluded.status",
                (rma.number, rma.order_id, rma.model_dump_json(), rma.key, rma.status.value),
            )

    def get(self, number: str, *, lock: bool = False) -> Rma | None:
        """One RMA by number (``lock``: held by this transaction until it ends), or ``None``."""
        with self.store.transaction() as tx:
            row = tx.execute(
                "SELECT data FROM ef_rmas WHERE number = ?" + (tx.for_update if lock else ""),
                (number,),
            ).fetchone()
        return Rma.model_validate_json(row[0]) if row else None

    def by_key(self, key: str) -> Rma | None:
        """The RMA opened by the request with ``key``, or ``None``."""
        with self.store.transaction() as tx:
            row = tx.execute("SELECT data FROM ef_rmas WHERE request_key = ?", (key,)).fetchone()
        return Rma.model_validate_json(row[0]) if row else None

    def all(self, order_id: str | None = None) -> list[Rma]:
        """Every RMA (of one order), by number."""
        sql = "SELECT data FROM ef_rmas"
        params: tuple[str, ...] = ()
        if order_id is not None:
            sql += " WHERE order_id = ?"
            params = (order_id,)
        with self.store.transaction() as tx:
            rows = tx.execute(sql + " ORDER BY number", params).fetchall()
        return [Rma.model_validate_json(data) for (data,) in rows]

    def in_status(self, statuses: Sequence[RmaStatus] = _OPEN) -> list[Rma]:
        """RMAs in any of ``statuses`` (default: every open one), by number."""
        with self.store.transaction() as tx:
            rows = tx.execute(
                f"SELECT data FROM ef_rmas WHERE status IN ({tx.marks(statuses)}) ORDER BY number",
                [s.value for s in statuses],
            ).fetchall()
        return [Rma.model_validate_json(data) for (data,) in rows]

    def counts(self) -> dict[str, int]:
        """How many RMAs are in each status (statuses without any left out)."""
        with self.store.transaction() as tx:
            rows = tx.execute("SELECT status, COUNT(*) FROM ef_rmas GROUP BY status").fetchall()
        return {str(status): int(count) for status, count in sorted(rows)}

    def lock_order(self, order_id: str) -> None:
        """Serialise the return steps of one order until this transaction ends.

        SQLite writers are alone already (``BEGIN IMMEDIATE``); PostgreSQL takes
        a transaction-scoped advisory lock on the order id.
        """
        with self.store.transaction() as tx:
            if tx.dialect == "postgresql":
                tx.execute("SELECT pg_advisory_xact_lock(hashtext(?))", (f"rma:{order_id}",))
