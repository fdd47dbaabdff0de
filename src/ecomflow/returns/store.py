"""RMAs kept in the same store as orders and stock (so they survive restarts).

>>> from datetime import UTC, datetime
>>> from ecomflow.returns.models import ReturnLine, ReturnReason, Rma
>>> from ecomflow.storage import open_store
>>> rmas = RmaStore(open_store("memory://"))
>>> rmas.save(Rma(number="RMA/1", order_id="o-1", channel="shop", reason=ReturnReason.OTHER,
...               lines=[ReturnLine(sku="A", quantity=1)],
...               requested_at=datetime(2026, 11, 24, tzinfo=UTC)))
>>> [r.number for r in rmas.all()]
['RMA/1']
"""

from __future__ import annotations

from ecomflow.returns.models import Rma
from ecomflow.storage import Store

__all__ = ["RmaStore"]

_MIGRATIONS = [
    [
        "CREATE TABLE ef_rmas (number TEXT PRIMARY KEY, order_id TEXT NOT NULL, data TEXT NOT NULL)",
        "CREATE INDEX ef_rmas_order ON ef_rmas (order_id)",
    ]
]


class RmaStore:
    """Save and load RMAs as JSON rows (component ``rmas`` in ``ecomflow_schema``)."""

    def __init__(self, store: Store) -> None:
        self.store = store
        store.ensure_schema("rmas", _MIGRATIONS)

    def save(self, rma: Rma) -> None:
        """Insert or replace ``rma``."""
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO ef_rmas (number, order_id, data) VALUES (?, ?, ?) "
                "ON CONFLICT (number) DO UPDATE SET data = excluded.data",
                (rma.number, rma.order_id, rma.model_dump_json()),
            )

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
