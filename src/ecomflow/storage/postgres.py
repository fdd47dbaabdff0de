"""The store for many workers and hosts: PostgreSQL through psycopg 3.

Each thread gets its own connection (``autocommit`` on, explicit
transactions; a nested transaction is a savepoint). Components lock rows with
``Tx.for_update`` in a fixed order and claim work with ``Tx.skip_locked``.
``?schema=NAME`` in the URL keeps every table in that schema (created if
missing). The password in the URL never appears in an error or a repr.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Self
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ecomflow.errors import ConfigurationError
from ecomflow.storage.base import (
    Dialect,
    Migrations,
    StoreKind,
    StoreStats,
    Tx,
    apply_migrations,
    read_schema_versions,
    redact_url,
)

__all__ = ["PostgresStore"]

_SCHEMA = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,62}$")


def _import_psycopg() -> Any:
    try:
        import psycopg  # noqa: PLC0415 - optional extra, imported only when used
    except ImportError:  # pragma: no cover - exercised only without the extra
        raise ConfigurationError(
            "The PostgreSQL store needs psycopg 3: pip install 'ecomflow[postgres]'."
        ) from None
    return psycopg


class PostgresStore:
    """A PostgreSQL database (``postgresql://user@host:port/db[?schema=name]``)."""

    kind: StoreKind = "postgresql"
    dialect: Dialect = "postgresql"

    def __init__(self, url: str, *, connect_timeout: int = 10) -> None:
        self._psycopg = _import_psycopg()
        self._idle = self._psycopg.pq.TransactionStatus.IDLE
        self._tuples = self._psycopg.pq.ExecStatus.TUPLES_OK
        self.url = redact_url(url)
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        self.schema = query.pop("schema", None)
        if self.schema is not None and not _SCHEMA.match(self.schema):
            raise ConfigurationError(
                f"schema {self.schema!r} in {self.url} is not a plain SQL identifier."
            )
        self._password = parts.password or ""
        self._dsn = urlunsplit(parts._replace(query=urlencode(query)))
        self._connect_timeout = connect_timeout
        self._local = threading.local()
        self._all: list[Any] = []
        self._guard = threading.Lock()
        self.stats = StoreStats()

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None or conn.closed:
            try:
                conn = self._psycopg.connect(
                    self._dsn, autocommit=True, connect_timeout=self._connect_timeout
                )
            except self._psycopg.OperationalError as exc:
                detail = str(exc).replace(self._password, "***") if self._password else str(exc)
                raise ConfigurationError(
                    f"Cannot connect to {redact_url(self._dsn)}: {detail.strip()} — check that "
                    "the server runs and the URL, user and password are right."
                ) from None
            if self.schema:
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                conn.execute(f'SET search_path TO "{self.schema}"')
            self._local.conn = conn
            with self._guard:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One transaction on this thread's connection (a savepoint when nested)."""
        conn = self._connection()
        if conn.pgconn.transaction_status == self._idle:
            self.stats.transactions += 1
        else:
            self.stats.savepoints += 1
        with conn.transaction(), conn.cursor() as cursor:
            yield Tx(cursor, "postgresql", self.stats)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Run one statement as a transaction of its own and return its rows.

        One round trip: the connection is in autocommit mode, so PostgreSQL
        commits the statement — every row it changed, through any function it
        calls — or nothing. Inside a transaction this thread has open, it is a
        savepoint of that transaction, as a nested :meth:`transaction` is.
        """
        conn = self._connection()
        self.stats.statements += 1
        if conn.pgconn.transaction_status != self._idle:
            self.stats.savepoints += 1
            with conn.transaction(), conn.cursor() as cursor:
                return self._rows(cursor, sql, params)
        self.stats.transactions += 1
        cursor = getattr(self._local, "cursor", None)
        if cursor is None or cursor.closed or cursor.connection is not conn:
            cursor = self._local.cursor = conn.cursor()  # kept: a new one per call costs ~30 µs
        return self._rows(cursor, sql, params)

    def _rows(self, cursor: Any, sql: str, params: Sequence[Any]) -> list[Any]:
        cursor.execute(sql.replace("?", "%s"), params)
        # pgresult, not description: that builds column objects on every call.
        return list(cursor.fetchall()) if cursor.pgresult.status == self._tuples else []

    def ensure_schema(self, component: str, migrations: Migrations) -> int:
        """Apply ``component``'s pending migrations; an advisory lock serialises openers."""
        with self.transaction() as tx:
            tx.execute("SELECT pg_advisory_xact_lock(hashtext('ecomflow_schema'))")
            return apply_migrations(tx, component, migrations)

    def schema_versions(self) -> dict[str, int]:
        """Each component's schema version in this database."""
        with self.transaction() as tx:
            tx.execute("SELECT pg_advisory_xact_lock(hashtext('ecomflow_schema'))")
            return read_schema_versions(tx)

    def is_retryable(self, error: BaseException) -> bool:
        """Duplicate keys, deadlocks and serialisation failures are worth another try."""
        errors = self._psycopg.errors
        return isinstance(
            error, errors.UniqueViolation | errors.DeadlockDetected | errors.SerializationFailure
        )

    def drop_schema(self) -> None:
        """Drop this store's schema and everything in it (tests clean up with this)."""
        if not self.schema:
            raise ConfigurationError("drop_schema() needs a store opened with ?schema=NAME.")
        conn = self._connection()
        conn.execute(f'DROP SCHEMA IF EXISTS "{self.schema}" CASCADE')

    def close(self) -> None:
        """Close every connection this store opened."""
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
        return f"PostgresStore({self.url!r})"
