"""RMAs kept in the same store as orders and stock (so they survive restarts).

>>> from datetime import UTC, datetime
>>> from ecomflow.returns.models import ReturnLine, ReturnReason, Rma
>>> from ecomflow.stock import open_store
>>> rmas = RmaStore(open_store("memory://"))
>>> rmas.save(Rma(number="RMA/1", order_id="o-1", channel="shop", reason=ReturnReason.OTHER,
...               lines=[ReturnLine(sku="A", quantity=1)],
...               requested_at=datetime(2026, 11, 24, tzinfo=UTC)))
>>> [r.number for r in rmas.all()]
['RMA/1']
"""

from __future__ import annotations

from typing import Any

from ecomflow.returns.models import Rma
from ecomflow.stock.stores import MemoryStore, PostgresStore, SqliteStore

__all__ = ["RmaStore"]

_MIGRATIONS = [
    [
        "CREATE TABLE ef_rmas (number TEXT PRIMARY KEY, order_id TEXT NOT NULL, data TEXT NOT NULL)",
        "CREATE INDEX ef_rmas_order ON ef_rmas (order_id)",
    ]
]


class RmaStore:
    """Save and load RMAs as JSON rows (component ``rmas`` in ``ecomflow_schema``)."""

    def __init__(self, store: MemoryStore | SqliteStore | PostgresStore) -> None:
        self.store = store
        self._memory: dict[str, str] | None = None
        self._mark = "%s" if isinstance(store, PostgresStore) else "?"
        if isinstance(store, MemoryStore):
            self._memory = store.tables.setdefault("rmas", {})
        else:
            store.ensure_schema("rmas", _MIGRATIONS)

    def save(self, rma: Rma) -> None:
        """Insert or replace ``rma``."""
        data = rma.model_dump_json()
        if self._memory is not None:
            self._memory[rma.number] = data
            return
        assert not isinstance(self.store, MemoryStore)
        m = self._mark
        with self.store.transaction() as cursor:
            cursor.execute(
                f"INSERT INTO ef_rmas (number, order_id, data) VALUES ({m}, {m}, {m}) "
                "ON CONFLICT (number) DO UPDATE SET data = excluded.data",
                (rma.number, rma.order_id, data),
            )

    def all(self, order_id: str | None = None) -> list[Rma]:
        """Every RMA (of one order), by number."""
        if self._memory is not None:
            rows: list[Any] = sorted(self._memory.items())
            found = [Rma.model_validate_json(data) for _, data in rows]
            return [r for r in found if order_id is None or r.order_id == order_id]
        assert not isinstance(self.store, MemoryStore)
        sql = "SELECT number, data FROM ef_rmas"
        params: tuple[str, ...] = ()
        if order_id is not None:
            sql += f" WHERE order_id = {self._mark}"
            params = (order_id,)
        with self.store.transaction() as cursor:
            cursor.execute(sql + " ORDER BY number", params)
            rows = cursor.fetchall()
        return [Rma.model_validate_json(data) for _, data in rows]
