"""Shared fixtures: a frozen clock and the PostgreSQL URL for store tests."""

from __future__ import annotations

import os
from datetime import UTC, datetime

import pytest

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
