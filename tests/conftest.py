"""Shared fixtures: a frozen clock, the PostgreSQL URL, and a database several connections share."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ecomflow.storage import PostgresStore, open_store
from ecomflow.testing import FrozenClock

POSTGRES_URL = os.environ.get(
    "ECOMFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)


@pytest.fixture
def clock() -> FrozenClock:
    """A clock frozen at Tuesday 2026-11-24 09:00 UTC (10:00 in Warsaw)."""
    return FrozenClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """The test PostgreSQL URL; skips when unreachable, fails in CI (ECOMFLOW_REQUIRE_POSTGRES)."""
    try:
        import psycopg

        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except Exception as exc:
        if os.environ.get("ECOMFLOW_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL at {POSTGRES_URL} is required in CI but unreachable: {exc}")
        pytest.skip(f"PostgreSQL at {POSTGRES_URL} unreachable: {exc}")
    return POSTGRES_URL


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database that threads, processes or workers share through connections of their own.

    A SQLite file, or a fresh PostgreSQL schema dropped afterwards (not ``memory://``:
    each of its connections is a database of its own).
    """
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'shared.db'}"
        return
    base: str = request.getfixturevalue("postgres_url")
    url = f"{base}{'&' if '?' in base else '?'}schema=ecomflow_test_{uuid.uuid4().hex[:10]}"
    yield url
    cleanup = open_store(url)
    assert isinstance(cleanup, PostgresStore)
    cleanup.drop_schema()
    cleanup.close()
