"""Adapters' notes in the store: shared, expiring, pruned, handed over by the Orchestrator."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ecomflow.adapters.baselinker import BaseLinkerClient, BaseLinkerSettings
from ecomflow.notify import RecordingNotifier
from ecomflow.orchestration import Orchestrator
from ecomflow.orchestration import notes as notes_module
from ecomflow.orchestration.notes import StoreNotes
from ecomflow.shipping import Catalogue
from ecomflow.storage import open_store
from ecomflow.testing import FrozenClock, MemoryChannel


def test_notes_expire_and_old_ones_are_deleted(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(notes_module, "_PRUNE_EVERY", 3)
    clock = FrozenClock(datetime(2026, 12, 7, 9, tzinfo=UTC))
    store = open_store("memory://")
    notes = StoreNotes(store, "channels:shop", ttl=timedelta(hours=1), clock=clock)
    other = StoreNotes(store, "channels:other", ttl=timedelta(hours=1), clock=clock)
    notes["1"] = "a"
    other["1"] = "kept apart"
    clock.advance(hours=2)
    assert "1" not in notes and list(notes) == [] and len(notes) == 0
    notes.update({"2": "b", "3": "c"})  # the third write prunes this scope
    with store.transaction() as tx:
        rows = tx.execute("SELECT scope, key FROM ef_notes ORDER BY scope, key").fetchall()
    assert [tuple(r) for r in rows] == [
        ("channels:other", "1"),
        ("channels:shop", "2"),
        ("channels:shop", "3"),
    ]
    with pytest.raises(KeyError):
        del notes["1"]
    assert dict(notes) == {"2": "b", "3": "c"}
    with pytest.raises(ValueError, match="ttl"):
        StoreNotes(store, "x", ttl=timedelta(0))


def test_the_orchestrator_hands_its_store_notes_to_adapters_that_keep_notes() -> None:
    client = BaseLinkerClient(BaseLinkerSettings(token="t", url="http://127.0.0.1:9"))
    shop = Orchestrator(
        store=open_store("memory://"),
        channels={"bl": client, "memory": MemoryChannel("memory")},
        catalogue=Catalogue.example(),
        notifier=RecordingNotifier(),
    )
    notes = client._own_writes
    assert isinstance(notes, StoreNotes) and notes.scope == "channels:bl"
    shop.close()
