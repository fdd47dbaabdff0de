"""The store for many workers and hosts: PostgreSQL through psycopg 3.

Each thread gets its own connection (``autocommit`` on, explicit
transactions). Ledger rows are locked with ``SELECT … FOR UPDATE`` in a fixed
(SKU, warehouse) order, so multi-line reservations never deadlock each other;
``expire()`` claims due reservations with ``FOR UPDATE SKIP LOCKED`` so workers
don't wait for each other. ``?schema=NAME`` in the URL keeps every table in
that schema (created if missing).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ecomflow.errors import ConfigurationError
from ecomflow.stock.stores.base import StoreKind
from ecomflow.stock.stores.sql import (
    LEDGER_MIGRATIONS,
    ConnectionsPerThread,
    Dialect,
    SqlLedgerTx,
    apply_migrations,
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


class PostgresStore(ConnectionsPerThread):
    """A PostgreSQL database (``postgresql://user@host:port/db[?schema=name]``)."""

    kind: StoreKind = "postgresql"
    dialect: Dialect = "postgresql"

    def __init__(self, url: str, *, connect_timeout: int = 10) -> None:
        self._psycopg = _import_psycopg()
        self.url = url
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query))
        self.schema = query.pop("schema", None)
        if self.schema is not None and not _SCHEMA.match(self.schema):
            raise ConfigurationError(
                f"schema {self.schema!r} in {url} is not a plain SQL identifier."
            )
        self._dsn = urlunsplit(parts._replace(query=urlencode(query)))
        self._connect_timeout = connect_timeout
        super().__init__()
        self.ensure_schema("stock", LEDGER_MIGRATIONS)

    def _connection(self) -> Any:
        conn = self._current()
        if conn is None or conn.closed:
            try:
                conn = self._psycopg.connect(
                    self._dsn, autocommit=True, connect_timeout=self._connect_timeout
                )
            except self._psycopg.OperationalError as exc:
                raise ConfigurationError(f"Cannot connect to {self._dsn}: {exc}") from exc
            if self.schema:
                conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{self.schema}"')
                conn.execute(f'SET search_path TO "{self.schema}"')
            self._remember(conn)
        return conn

    @contextmanager
    def transaction(self) -> Iterator[Any]:
        """One transaction on this thread's connection; yields a psycopg cursor."""
        conn = self._connection()
        with conn.transaction(), conn.cursor() as cursor:
            yield cursor

    @contextmanager
    def ledger(self) -> Iterator[SqlLedgerTx]:
        """One ledger transaction."""
        with self.transaction() as cursor:
            yield SqlLedgerTx(cursor, "postgresql")

    def ensure_schema(
        self,
        component: str,
        migrations: Sequence[Sequence[str]] | Mapping[Dialect, Sequence[Sequence[str]]],
    ) -> int:
        """Apply ``component``'s pending migrations; an advisory lock serialises openers."""
        with self.transaction() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtext('ecomflow_schema'))")
            return apply_migrations(
                cursor, "postgresql", component, migrations, lambda s: s.replace("?", "%s")
            )

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

    def __repr__(self) -> str:
        return f"PostgresStore({self._dsn!r}, schema={self.schema!r})"
