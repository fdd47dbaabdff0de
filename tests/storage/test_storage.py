"""The one storage layer: every store kind rolls back, nests, and never shows a password."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecomflow.errors import ConfigurationError
from ecomflow.storage import Store, open_store, redact_url

SCHEMA = [["CREATE TABLE t_notes (id INTEGER PRIMARY KEY, text TEXT NOT NULL)"]]


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    if request.param == "memory":
        url = "memory://"
    elif request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 's.db'}"
    else:
        from tests.stock.conftest import postgres_schema_url

        url = postgres_schema_url(request.getfixturevalue("postgres_url"))
    opened = open_store(url)
    opened.ensure_schema("t", SCHEMA)
    yield opened
    if request.param == "postgresql":
        opened.drop_schema()  # type: ignore[union-attr]
    opened.close()


def texts(store: Store) -> list[str]:
    with store.transaction() as tx:
        return [r[0] for r in tx.execute("SELECT text FROM t_notes ORDER BY id").fetchall()]


def test_a_failed_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction() as tx:
        tx.execute("INSERT INTO t_notes (id, text) VALUES (?, ?)", (1, "lost"))
        raise RuntimeError("boom")
    assert texts(store) == []


def test_a_nested_failure_rolls_back_only_the_inner_part(store: Store) -> None:
    with store.transaction() as outer:
        outer.execute("INSERT INTO t_notes (id, text) VALUES (?, ?)", (1, "kept"))
        with pytest.raises(RuntimeError), store.transaction() as inner:
            inner.execute("INSERT INTO t_notes (id, text) VALUES (?, ?)", (2, "undone"))
            raise RuntimeError("inner")
    assert texts(store) == ["kept"]


def test_schema_versions_are_reported(store: Store) -> None:
    assert store.schema_versions()["t"] == 1
    assert store.ensure_schema("t", SCHEMA) == 0


def test_memory_is_shared_by_threads_and_private_to_the_store() -> None:
    store = open_store("memory://")
    store.ensure_schema("t", SCHEMA)

    def insert(start: int) -> None:
        for i in range(start, start + 50):
            with store.transaction() as tx:
                tx.execute("INSERT INTO t_notes (id, text) VALUES (?, ?)", (i, str(i)))

    threads = [threading.Thread(target=insert, args=(n * 100,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(texts(store)) == 200
    other = open_store("memory://")
    assert "t" not in other.schema_versions()


def test_passwords_never_appear_in_errors_or_reprs() -> None:
    url = "postgresql://shop:Sup3rSecret@127.0.0.1:1/shop"
    store = open_store(url)
    assert "Sup3rSecret" not in repr(store)
    with pytest.raises(ConfigurationError) as info:
        store.schema_versions()
    assert "Sup3rSecret" not in str(info.value)
    assert "shop:***@" in str(info.value)
    with pytest.raises(ConfigurationError) as unsupported:
        open_store("mysql://shop:Sup3rSecret@db/shop")
    assert "Sup3rSecret" not in str(unsupported.value)
    assert redact_url(url) == "postgresql://shop:***@127.0.0.1:1/shop"


def test_one_statement_is_a_transaction_of_its_own(store: Store) -> None:
    assert store.execute("INSERT INTO t_notes (id, text) VALUES (?, ?)", (1, "one")) == []
    rows = store.execute("UPDATE t_notes SET text = ? WHERE id = ? RETURNING id, text", ("1", 1))
    assert [tuple(row) for row in rows] == [(1, "1")]
    with pytest.raises(Exception) as info:  # the second row is a duplicate: neither stays
        store.execute("INSERT INTO t_notes (id, text) VALUES (?, ?), (?, ?)", (2, "two", 1, "x"))
    assert store.is_retryable(info.value)
    assert texts(store) == ["1"]
    with pytest.raises(RuntimeError), store.transaction():
        store.execute("INSERT INTO t_notes (id, text) VALUES (?, ?)", (3, "inside"))
        assert texts(store) == ["1", "inside"]  # it joined the open transaction…
        with pytest.raises(Exception) as duplicate:  # …as a savepoint: the outer one goes on
            store.execute("INSERT INTO t_notes (id, text) VALUES (?, ?)", (3, "again"))
        assert store.is_retryable(duplicate.value)
        assert texts(store) == ["1", "inside"]
        raise RuntimeError("boom")
    assert texts(store) == ["1"]  # …and was rolled back with it
