"""Fixtures of the end-to-end runs: a PostgreSQL schema of their own, an SMTP server."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from ecomflow.storage import PostgresStore

from .shop import SmtpSink


@pytest.fixture
def schema_url(postgres_url: str) -> Iterator[str]:
    """The test PostgreSQL database with a fresh schema (dropped afterwards)."""
    joiner = "&" if "?" in postgres_url else "?"
    url = f"{postgres_url}{joiner}schema=ecomflow_e2e_{uuid.uuid4().hex[:10]}"
    yield url
    store = PostgresStore(url)
    try:
        store.drop_schema()
    finally:
        store.close()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    """A real SMTP server on a free loopback port, keeping what it accepts."""
    with SmtpSink().serving() as sink:
        yield sink
