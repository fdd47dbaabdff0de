"""Store fixtures: the same tests run on memory, SQLite and PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ecomflow.stock import StockLedger, open_store
from ecomflow.storage import PostgresStore, Store
from ecomflow.testing import FrozenClock

StoreFactory = Callable[[], Store]


def postgres_schema_url(base: str) -> str:
    """A URL with a fresh schema of its own."""
    joiner = "&" if "?" in base else "?"
    return f"{base}{joiner}schema=ecomflow_test_{uuid.uuid4().hex[:10]}"


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """One URL per store kind; the PostgreSQL schema is dropped afterwards."""
    kind = request.param
    if kind == "memory":
        yield "memory://"
    elif kind == "sqlite":
        yield f"sqlite:///{tmp_path / 'ledger.db'}"
    else:
        url = postgres_schema_url(request.getfixturevalue("postgres_url"))
        yield url
        cleanup = open_store(url)
        assert isinstance(cleanup, PostgresStore)
        cleanup.drop_schema()
        cleanup.close()


@pytest.fixture
def ledger(store_url: str, clock: FrozenClock) -> Iterator[StockLedger]:
    """A ledger on each store kind, with a frozen clock."""
    store = open_store(store_url)
    yield StockLedger(store, clock=clock, warehouse_priority=["main", "north"])
    store.close()
