"""The embedded default store: one SQLite file, safe across processes.

WAL journal, a busy timeout, and ``BEGIN IMMEDIATE`` for every write
transaction, so writers queue instead of failing and a reservation's read and
write happen with no other writer in between.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from ecomflow.errors import ConfigurationError
from ecomflow.stock.stores.base import StoreKind
from ecomflow.stock.stores.sql import (
    LEDGER_MIGRATIONS,
    ConnectionsPerThread,
    Dialect,
    SqlLedgerTx,
    apply_migrations,
)

__all__ = ["SqliteStore"]


class SqliteStore(ConnectionsPerThread):
    """A SQLite database file (created with its schema on first use).

    Args:
        path: the database file (``":memory:"`` for a private in-memory database).
        url: the URL it was opened from (for messages).
        busy_timeout: seconds a writer waits for another before giving up.
    """

    kind: StoreKind = "sqlite"
    dialect: Dialect = "sqlite"

    def __init__(self, path: str, *, url: str | None = None, busy_timeout: float = 30.0) -> None:
        self.path = path
        self.url = url or f"sqlite:///{path}"
        self._busy_timeout = busy_timeout
        super().__init__()
        if path != ":memory:":
            parent = Path(path).expanduser().resolve().parent
            if not parent.is_dir():
                raise ConfigurationError(
                    f"SQLite store {self.url}: folder {parent} does not exist; create it first."
                )
        self.ensure_schema("stock", LEDGER_MIGRATIONS)

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = self._current()
        if conn is None:
            conn = sqlite3.connect(
                self.path,
                timeout=self._busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
            conn.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
            if self.path != ":memory:":
                conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            self._remember(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Cursor]:
        """A write transaction (``BEGIN IMMEDIATE``) on this thread's connection.

        Yields a cursor; commits when the block ends, rolls back on an exception.
        Other components use this for their own tables in the same file. Opened
        inside another transaction it becomes a savepoint of it, so a ledger
        operation and an order update can commit together.
        """
        conn = self._connection()
        cursor = conn.cursor()
        if conn.in_transaction:
            depth = getattr(self._local, "depth", 0) + 1
            self._local.depth = depth
            cursor.execute(f"SAVEPOINT ecomflow_{depth}")
            try:
                yield cursor
            except BaseException:
                cursor.execute(f"ROLLBACK TO ecomflow_{depth}")
                raise
            finally:
                cursor.execute(f"RELEASE ecomflow_{depth}")
                self._local.depth = depth - 1
                cursor.close()
            return
        cursor.execute("BEGIN IMMEDIATE")
        try:
            yield cursor
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()
        finally:
            cursor.close()

    @contextmanager
    def ledger(self) -> Iterator[SqlLedgerTx]:
        """One ledger transaction."""
        with self.transaction() as cursor:
            yield SqlLedgerTx(cursor, "sqlite")

    def ensure_schema(
        self,
        component: str,
        migrations: Sequence[Sequence[str]] | Mapping[Dialect, Sequence[Sequence[str]]],
    ) -> int:
        """Apply ``component``'s pending migrations (each a list of statements); idempotent."""
        with self.transaction() as cursor:
            return apply_migrations(cursor, "sqlite", component, migrations, lambda s: s)

    def is_retryable(self, error: BaseException) -> bool:
        """A duplicate key (a concurrent first use of an idempotency key) or a busy database."""
        if isinstance(error, sqlite3.IntegrityError):
            return "UNIQUE" in str(error) or "PRIMARY KEY" in str(error)
        return isinstance(error, sqlite3.OperationalError) and "locked" in str(error)

    def __repr__(self) -> str:
        return f"SqliteStore({self.url!r})"
