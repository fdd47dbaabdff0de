"""The store contract every component shares: one transaction type, one SQL path.

A store owns one database — SQLite (an embedded file, or ``memory://`` for
tests and notebooks) or PostgreSQL (several workers or hosts). Components
(the stock ledger, orders and the outbox, RMAs) keep their own tables in it,
create them with :meth:`Store.ensure_schema`, and work inside
:meth:`Store.transaction`, which yields a :class:`Tx`. SQL is written once,
with ``?`` placeholders; :class:`Tx` translates them for psycopg. Transactions
nest: an inner one is a savepoint of the outer, so a ledger reservation and an
order update commit together or not at all. A write that is one statement can
skip the block: :meth:`Store.execute` runs it as a transaction of its own — on
PostgreSQL that is one round trip instead of three (``BEGIN``, it, ``COMMIT``).

>>> from ecomflow.storage import open_store
>>> store = open_store("memory://")
>>> store.ensure_schema("demo", [["CREATE TABLE demo_notes (id INTEGER PRIMARY KEY, text TEXT)"]])
1
>>> with store.transaction() as tx:
...     _ = tx.execute("INSERT INTO demo_notes (id, text) VALUES (?, ?)", (1, "hello"))
>>> try:
...     with store.transaction() as tx:
...         _ = tx.execute("INSERT INTO demo_notes (id, text) VALUES (?, ?)", (2, "lost"))
...         raise RuntimeError("boom")
... except RuntimeError:
...     pass
>>> with store.transaction() as tx:
...     tx.execute("SELECT text FROM demo_notes ORDER BY id").fetchall()
[('hello',)]
>>> store.execute("UPDATE demo_notes SET text = ? WHERE id = ? RETURNING id", ("hi", 1))
[(1,)]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, Self
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "Dialect",
    "Migrations",
    "Store",
    "StoreKind",
    "StoreStats",
    "Tx",
    "apply_migrations",
    "from_db_time",
    "redact_url",
    "to_db_time",
]

#: The SQL dialects the stores speak.
Dialect = Literal["sqlite", "postgresql"]

#: What ``open_store`` builds (``memory`` is an in-memory SQLite database).
StoreKind = Literal["memory", "sqlite", "postgresql"]

#: A component's schema, version by version: one list of statements per version,
#: either the same for both dialects or one list per dialect.
Migrations = Sequence[Sequence[str]] | Mapping[Dialect, Sequence[Sequence[str]]]


def to_db_time(value: datetime) -> str:
    """A fixed-width UTC text that sorts like the instant (both dialects store TEXT).

    >>> to_db_time(datetime(2026, 12, 7, 12, 0, tzinfo=UTC))
    '2026-12-07T12:00:00.000000+00:00'
    """
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def from_db_time(value: str) -> datetime:
    """The instant stored by :func:`to_db_time`."""
    return datetime.fromisoformat(value)


def redact_url(url: str) -> str:
    """``url`` with its password masked, for every message and repr.

    >>> redact_url("postgresql://shop:s3cret@db.example:5432/shop?schema=x")
    'postgresql://shop:***@db.example:5432/shop?schema=x'
    >>> redact_url("sqlite:///shop.db")
    'sqlite:///shop.db'
    """
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparseable store URL>"
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)
    user = (parts.username or "") + ":***"
    return urlunsplit(parts._replace(netloc=f"{user}@{netloc[-1]}"))


@dataclass
class StoreStats:
    """What a store sent to its database since it was opened (benchmarks, regression tests).

    ``transactions`` counts top-level transactions (a one-statement
    :meth:`Store.execute` included), ``savepoints`` nested ones, ``statements``
    every statement run inside them (each row of an ``executemany`` counts).
    Counted without a lock: exact for one thread, close enough for several.
    """

    transactions: int = 0
    savepoints: int = 0
    statements: int = 0

    @property
    def with_control(self) -> int:
        """Statements including the ``BEGIN``/``COMMIT`` and ``SAVEPOINT``/``RELEASE`` around them."""
        return self.statements + 2 * (self.transactions + self.savepoints)

    def snapshot(self) -> StoreStats:
        """A copy of the counts now (subtract two to measure a stretch of work)."""
        return StoreStats(self.transactions, self.savepoints, self.statements)

    def __sub__(self, other: StoreStats) -> StoreStats:
        return StoreStats(
            self.transactions - other.transactions,
            self.savepoints - other.savepoints,
            self.statements - other.statements,
        )


class Tx:
    """One open transaction: run SQL written with ``?`` placeholders on either dialect.

    ``execute`` returns the transaction itself, so a query reads
    ``tx.execute(sql, params).fetchall()``. ``for_update`` and ``skip_locked``
    are the row-lock clauses of the dialect (empty on SQLite, where
    ``BEGIN IMMEDIATE`` already makes the writer alone).
    """

    __slots__ = ("_cursor", "_stats", "_translate", "dialect", "for_update", "skip_locked")

    def __init__(self, cursor: Any, dialect: Dialect, stats: StoreStats | None = None) -> None:
        self._cursor = cursor
        self._stats = stats if stats is not None else StoreStats()
        self.dialect: Dialect = dialect
        postgres = dialect == "postgresql"
        self.for_update = " FOR UPDATE" if postgres else ""
        self.skip_locked = " FOR UPDATE SKIP LOCKED" if postgres else ""
        self._translate: Callable[[str], str] = (
            (lambda sql: sql.replace("?", "%s")) if postgres else (lambda sql: sql)
        )

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Self:
        """Run one statement."""
        self._stats.statements += 1
        self._cursor.execute(self._translate(sql), params)
        return self

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        """Run one statement for each row of parameters."""
        if rows:
            self._stats.statements += len(rows)
            self._cursor.executemany(self._translate(sql), rows)

    def fetchone(self) -> Any:
        """The next row of the last query, or ``None``."""
        return self._cursor.fetchone()

    def fetchall(self) -> list[Any]:
        """Every remaining row of the last query."""
        return list(self._cursor.fetchall())

    @property
    def rowcount(self) -> int:
        """Rows the last statement changed."""
        return int(self._cursor.rowcount)

    @staticmethod
    def marks(values: Sequence[Any]) -> str:
        """``?, ?, ?`` for an ``IN (…)`` list of ``values``."""
        return ", ".join("?" for _ in values)


class Store(Protocol):
    """What every store offers; see the module docstring."""

    url: str
    kind: StoreKind
    dialect: Dialect
    stats: StoreStats

    def transaction(self) -> AbstractContextManager[Tx]:
        """One transaction (a savepoint when nested): committed whole or rolled back."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Run one statement as a transaction of its own and return its rows.

        Inside a transaction this thread has open, it is a savepoint of it.
        """

    def ensure_schema(self, component: str, migrations: Migrations) -> int:
        """Apply ``component``'s pending migrations; returns how many were applied."""

    def schema_versions(self) -> dict[str, int]:
        """Each component's schema version in this database."""

    def is_retryable(self, error: BaseException) -> bool:
        """Whether ``error`` is a transient conflict worth retrying (lock, duplicate key)."""

    def close(self) -> None:
        """Release connections."""

    def __enter__(self) -> Self:
        """Context manager support: closes on exit."""

    def __exit__(self, *exc: object) -> None:
        """Close the store."""


def apply_migrations(tx: Tx, component: str, migrations: Migrations) -> int:
    """Bring ``component`` to its last version inside ``tx``; returns the versions applied."""
    steps = migrations[tx.dialect] if isinstance(migrations, Mapping) else migrations
    tx.execute(
        "CREATE TABLE IF NOT EXISTS ecomflow_schema ("
        "component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
    )
    row = tx.execute(
        "SELECT version FROM ecomflow_schema WHERE component = ?", (component,)
    ).fetchone()
    current = int(row[0]) if row else 0
    for statements in steps[current:]:
        for statement in statements:
            tx.execute(statement)
    if len(steps) > current:
        tx.execute(
            "INSERT INTO ecomflow_schema (component, version) VALUES (?, ?) "
            "ON CONFLICT (component) DO UPDATE SET version = excluded.version",
            (component, len(steps)),
        )
    return max(0, len(steps) - current)


def read_schema_versions(tx: Tx) -> dict[str, int]:
    """Each component's version, from ``ecomflow_schema`` (empty in a new database)."""
    tx.execute(
        "CREATE TABLE IF NOT EXISTS ecomflow_schema ("
        "component TEXT PRIMARY KEY, version INTEGER NOT NULL)"
    )
    rows = tx.execute("SELECT component, version FROM ecomflow_schema").fetchall()
    return {str(name): int(version) for name, version in rows}
