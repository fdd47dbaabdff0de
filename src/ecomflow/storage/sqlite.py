"""The embedded default store: one SQLite file, safe across processes (or ``memory://``).

WAL journal, a busy timeout, and ``BEGIN IMMEDIATE`` for every write
transaction, so writers queue instead of failing and a read-then-write happens
with no other writer in between. ``memory://`` is a private in-memory SQLite
database shared by the threads of one process (one connection behind a lock):
it behaves exactly like a file, rollback included, and is gone when closed.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Self

from ecomflow.errors import ConfigurationError
from ecomflow.storage.base import (
    Dialect,
    Migrations,
    StoreKind,
    StoreStats,
    Tx,
    apply_migrations,
    read_schema_versions,
)

__all__ = ["SqliteStore"]


class SqliteStore:
    """A SQLite database (created on first use; components add their tables).

    Args:
        path: the database file, or ``":memory:"`` for a private in-memory database.
        url: the URL it was opened from (for messages).
        busy_timeout: seconds a writer waits for another before giving up.
    """

    dialect: Dialect = "sqlite"

    def __init__(self, path: str, *, url: str | None = None, busy_timeout: float = 30.0) -> None:
        self.path = path
        self.url = url or f"sqlite:///{path}"
        self.kind: StoreKind = "memory" if path == ":memory:" else "sqlite"
        self.stats = StoreStats()
        self._busy_timeout = busy_timeout
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        # memory: one connection for every thread, one transaction at a time.
        self._shared_lock = threading.RLock() if self.kind == "memory" else None
        if self.kind == "sqlite":
            parent = Path(path).expanduser().resolve().parent
            if not parent.is_dir():
                raise ConfigurationError(
                    f"SQLite store {self.url}: folder {parent} does not exist; create it first."
                )

    def _open(self) -> sqlite3.Connection:
        conn = sqlite3.connect(
            self.path,
            timeout=self._busy_timeout,
            isolation_level=None,
            check_same_thread=False,
        )
        conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
        if self.kind == "sqlite":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        with self._guard:
            self._all.append(conn)
        return conn

    def _connection(self) -> sqlite3.Connection:
        if self._shared_lock is not None:
            with self._guard:
                shared = self._all[0] if self._all else None
            return shared or self._open()
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._open()
            self._local.conn = conn
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """A write transaction (``BEGIN IMMEDIATE``); nested, a savepoint of the outer one.

        Commits when the block ends, rolls back on an exception.
        """
        if self._shared_lock is None:
            yield from self._transaction(self._local)
            return
        with self._shared_lock:
            yield from self._transaction(self)

    def _transaction(self, holder: object) -> Iterator[Tx]:
        conn = self._connection()
        cursor = conn.cursor()
        tx = Tx(cursor, "sqlite", self.stats)
        try:
            if conn.in_transaction:
                self.stats.savepoints += 1
                depth = getattr(holder, "_depth", 0) + 1
                setattr(holder, "_depth", depth)  # noqa: B010 - a thread-local or the store
                cursor.execute(f"SAVEPOINT ecomflow_{depth}")
                try:
                    yield tx
                except BaseException:
                    cursor.execute(f"ROLLBACK TO ecomflow_{depth}")
                    raise
                finally:
                    cursor.execute(f"RELEASE ecomflow_{depth}")
                    setattr(holder, "_depth", depth - 1)  # noqa: B010
                return
            self.stats.transactions += 1
            cursor.execute("BEGIN IMMEDIATE")
            try:
                yield tx
            except BaseException:
                conn.rollback()
                raise
            else:
                conn.commit()
        finally:
            cursor.close()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Run one statement as a transaction of its own (a savepoint in an open one)."""
        with self.transaction() as tx:
            return tx.execute(sql, params).fetchall()

    def ensure_schema(self, component: str, migrations: Migrations) -> int:
        """Apply ``component``'s pending migrations (each a list of statements); idempotent."""
        with self.transaction() as tx:
            return apply_migrations(tx, component, migrations)

    def schema_versions(self) -> dict[str, int]:
        """Each component's schema version in this database."""
        with self.transaction() as tx:
            return read_schema_versions(tx)

    def is_retryable(self, error: BaseException) -> bool:
        """A duplicate key (a concurrent first use of a key) or a busy database."""
        if isinstance(error, sqlite3.IntegrityError):
            return "UNIQUE" in str(error) or "PRIMARY KEY" in str(error)
        return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)

    def close(self) -> None:
        """Close every connection this store opened (a ``memory://`` database is gone)."""
        with self._guard:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"SqliteStore({self.url!r})"
