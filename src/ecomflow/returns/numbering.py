"""RMA numbers: readable, unique, and safe under concurrency (a store-backed sequence).

>>> from datetime import UTC, datetime
>>> from ecomflow.storage import open_store
>>> numbers = RmaNumbering(open_store("memory://"))
>>> numbers.next(datetime(2026, 11, 24, tzinfo=UTC)), numbers.next(datetime(2026, 11, 25, tzinfo=UTC))
('RMA/2026/11/000001', 'RMA/2026/11/000002')
"""

from __future__ import annotations

from datetime import datetime

from ecomflow.storage import Store

__all__ = ["RmaNumbering"]

_MIGRATIONS = [["CREATE TABLE ef_sequences (name TEXT PRIMARY KEY, value INTEGER NOT NULL)"]]


class RmaNumbering:
    """Numbers like ``RMA/2026/11/000123``: a counter per period, kept in the store.

    Args:
        store: the shared store (the counter is one atomic upsert there).
        pattern: a ``str.format`` pattern with ``year``, ``month`` and ``seq``.
        per: ``"month"`` (the counter restarts monthly), ``"year"`` or ``"ever"``.
    """

    def __init__(
        self,
        store: Store,
        *,
        pattern: str = "RMA/{year}/{month:02d}/{seq:06d}",
        per: str = "month",
    ) -> None:
        if per not in ("month", "year", "ever"):
            raise ValueError("per must be 'month', 'year' or 'ever'")
        self.store = store
        self.pattern = pattern
        self.per = per
        store.ensure_schema("rma_numbers", _MIGRATIONS)

    def _counter(self, when: datetime) -> str:
        if self.per == "month":
            return f"rma:{when:%Y-%m}"
        return f"rma:{when:%Y}" if self.per == "year" else "rma"

    def next(self, when: datetime) -> str:
        """The next number for an RMA made at ``when`` (never repeats, even across processes)."""
        name = self._counter(when)
        with self.store.transaction() as tx:
            row = tx.execute(
                "INSERT INTO ef_sequences (name, value) VALUES (?, 1) ON CONFLICT (name) "
                "DO UPDATE SET value = ef_sequences.value + 1 RETURNING value",
                (name,),
            ).fetchone()
        value = int(row[0])
        return self.pattern.format(year=when.year, month=when.month, seq=value)
