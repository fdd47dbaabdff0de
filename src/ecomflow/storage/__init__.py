"""Storage: one database for orders, the outbox, RMAs and the stock ledger.

>>> store = open_store("memory://")
>>> store.kind, store.dialect
('memory', 'sqlite')
>>> open_store("mysql://localhost/shop")
Traceback (most recent call last):
...
ecomflow.errors.ConfigurationError: Unsupported store URL 'mysql://localhost/shop'; use memory://, sqlite:///path/to/file.db or postgresql://user@host:port/db.
"""

from __future__ import annotations

from ecomflow.errors import ConfigurationError
from ecomflow.storage.base import (
    Dialect,
    Migrations,
    Store,
    StoreKind,
    StoreStats,
    Tx,
    from_db_time,
    redact_url,
    to_db_time,
)
from ecomflow.storage.postgres import PostgresStore
from ecomflow.storage.sqlite import SqliteStore

__all__ = [
    "Dialect",
    "Migrations",
    "PostgresStore",
    "SqliteStore",
    "Store",
    "StoreKind",
    "StoreStats",
    "Tx",
    "from_db_time",
    "open_store",
    "redact_url",
    "to_db_time",
]


def open_store(url: str) -> SqliteStore | PostgresStore:
    """Open the store at ``url`` (components create their tables on first use).

    - ``memory://`` — a private in-memory SQLite database (tests, notebooks);
    - ``sqlite:///relative.db``, ``sqlite:////absolute/path.db``;
    - ``postgresql://user:password@host:port/db`` (optionally ``?schema=name``),
      with the ``postgres`` extra installed.
    """
    if url.startswith("memory://"):
        return SqliteStore(":memory:", url=url)
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if not path:
            raise ConfigurationError(f"{url!r} names no file; write sqlite:///path/to/file.db.")
        return SqliteStore(path, url=url)
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(url)
    raise ConfigurationError(
        f"Unsupported store URL {redact_url(url)!r}; use memory://, sqlite:///path/to/file.db "
        "or postgresql://user@host:port/db."
    )
