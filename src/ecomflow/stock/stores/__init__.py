"""Stock stores: memory, SQLite (the embedded default) and PostgreSQL (many workers).

>>> store = open_store("memory://")
>>> store.kind
'memory'
>>> open_store("mysql://localhost/shop")
Traceback (most recent call last):
...
ecomflow.errors.ConfigurationError: Unsupported store URL 'mysql://localhost/shop'; use memory://, sqlite:///path/to/file.db or postgresql://user@host:port/db.
"""

from __future__ import annotations

from ecomflow.errors import ConfigurationError
from ecomflow.stock.stores.base import (
    IdempotencyRecord,
    LedgerTx,
    LevelRow,
    MovementDraft,
    Store,
    StoreKind,
)
from ecomflow.stock.stores.memory import MemoryStore
from ecomflow.stock.stores.postgres import PostgresStore
from ecomflow.stock.stores.sqlite import SqliteStore

__all__ = [
    "IdempotencyRecord",
    "LedgerTx",
    "LevelRow",
    "MemoryStore",
    "MovementDraft",
    "PostgresStore",
    "SqliteStore",
    "Store",
    "StoreKind",
    "open_store",
]


def open_store(url: str) -> MemoryStore | SqliteStore | PostgresStore:
    """Open (and migrate) the store at ``url``.

    - ``memory://`` — in this process only (tests, notebooks);
    - ``sqlite:///relative.db``, ``sqlite:////absolute/path.db``, ``sqlite:///:memory:``;
    - ``postgresql://user@host:port/db`` (optionally ``?schema=name``), with the
      ``postgres`` extra installed.
    """
    if url.startswith("memory://"):
        return MemoryStore(url)
    if url.startswith("sqlite:///"):
        path = url.removeprefix("sqlite:///")
        if not path:
            raise ConfigurationError(f"{url!r} names no file; write sqlite:///path/to/file.db.")
        return SqliteStore(path, url=url)
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresStore(url)
    raise ConfigurationError(
        f"Unsupported store URL {url!r}; use memory://, sqlite:///path/to/file.db "
        "or postgresql://user@host:port/db."
    )
