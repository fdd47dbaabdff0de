"""Adapters' notes kept in the store: shared by every worker, kept across restarts.

Some adapters remember small facts between calls — BaseLinker remembers the
statuses it wrote so that their echo in the order journal costs no second
read. In one process a dictionary does; with several workers (or after a
restart) the worker that reads the journal is often not the one that wrote the
status. :class:`StoreNotes` is a ``MutableMapping[str, str]`` on the store,
one ``scope`` per adapter, whose entries expire after ``ttl`` (nothing grows
with history). The Orchestrator hands one to every adapter that
:class:`~ecomflow.adapters.protocols.KeepsNotes`.

>>> from datetime import UTC, datetime, timedelta
>>> from ecomflow.storage import open_store
>>> from ecomflow.testing import FrozenClock
>>> clock = FrozenClock(datetime(2026, 12, 7, 9, tzinfo=UTC))
>>> store = open_store("memory://")
>>> notes = StoreNotes(store, "channels:shop", ttl=timedelta(days=3), clock=clock)
>>> notes.update({"5000001": "1005", "5000002": "1005"})
>>> notes["5000001"], len(notes), "7" in notes
('1005', 2, False)
>>> del notes["5000001"]
>>> StoreNotes(store, "channels:shop", clock=clock).get("5000002")  # another worker sees it
'1005'
>>> _ = clock.advance(days=4)
>>> notes.get("5000002") is None   # expired
True
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from datetime import timedelta
from typing import Any

from ecomflow.clock import Clock, utc_now
from ecomflow.storage import Store, to_db_time

__all__ = ["NOTES_MIGRATIONS", "StoreNotes"]

#: The notes table, per dialect (component ``notes``).
NOTES_MIGRATIONS: list[list[str]] = [
    [
        "CREATE TABLE ef_notes (scope TEXT NOT NULL, key TEXT NOT NULL, value TEXT NOT NULL, "
        "at TEXT NOT NULL, PRIMARY KEY (scope, key))",
        "CREATE INDEX ef_notes_at ON ef_notes (scope, at)",
    ]
]

#: Expired entries are deleted every this many writes (and ignored until then).
_PRUNE_EVERY = 500

_UPSERT = (
    "INSERT INTO ef_notes (scope, key, value, at) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (scope, key) DO UPDATE SET value = excluded.value, at = excluded.at"
)


class StoreNotes(MutableMapping[str, str]):
    """A ``scope`` of string notes in ``store``; entries older than ``ttl`` are gone."""

    def __init__(
        self,
        store: Store,
        scope: str,
        *,
        ttl: timedelta = timedelta(days=7),
        clock: Clock = utc_now,
    ) -> None:
        if ttl <= timedelta(0):
            raise ValueError("ttl must be positive")
        store.ensure_schema("notes", NOTES_MIGRATIONS)
        self.store = store
        self.scope = scope
        self.ttl = ttl
        self._clock = clock
        self._writes = 0

    def _since(self) -> str:
        return to_db_time(self._clock() - self.ttl)

    def __getitem__(self, key: str) -> str:
        with self.store.transaction() as tx:
            row = tx.execute(
                "SELECT value FROM ef_notes WHERE scope = ? AND key = ? AND at >= ?",
                (self.scope, key, self._since()),
            ).fetchone()
        if row is None:
            raise KeyError(key)
        return str(row[0])

    def __setitem__(self, key: str, value: str) -> None:
        self.update({key: value})

    def update(self, other: Any = (), /, **kwargs: str) -> None:
        """Set many notes in one transaction."""
        items = {**dict(other), **kwargs}
        if not items:
            return
        stamp = to_db_time(self._clock())
        with self.store.transaction() as tx:
            for key, value in items.items():
                tx.execute(_UPSERT, (self.scope, str(key), str(value), stamp))
            self._writes += len(items)
            if self._writes >= _PRUNE_EVERY:
                self._writes = 0
                tx.execute(
                    "DELETE FROM ef_notes WHERE scope = ? AND at < ?", (self.scope, self._since())
                )

    def __delitem__(self, key: str) -> None:
        with self.store.transaction() as tx:
            tx.execute("DELETE FROM ef_notes WHERE scope = ? AND key = ?", (self.scope, key))
            if tx.rowcount == 0:
                raise KeyError(key)

    def __iter__(self) -> Iterator[str]:
        with self.store.transaction() as tx:
            rows = tx.execute(
                "SELECT key FROM ef_notes WHERE scope = ? AND at >= ? ORDER BY key",
                (self.scope, self._since()),
            ).fetchall()
        return iter([str(row[0]) for row in rows])

    def __len__(self) -> int:
        with self.store.transaction() as tx:
            row = tx.execute(
                "SELECT COUNT(*) FROM ef_notes WHERE scope = ? AND at >= ?",
                (self.scope, self._since()),
            ).fetchone()
        return int(row[0])

    def __repr__(self) -> str:
        return f"StoreNotes({self.scope!r}, ttl={self.ttl})"
