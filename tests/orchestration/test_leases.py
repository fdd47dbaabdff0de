"""Exactly once under lease expiry: fencing tokens, renewal, two dispatchers at once."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ecomflow.errors import LeaseLost
from ecomflow.notify import RecordingNotifier
from ecomflow.orchestration import Orchestrator, PipelineSettings
from ecomflow.shipping import Catalogue
from ecomflow.storage import open_store
from ecomflow.testing import MemoryCarrier, MemoryChannel, sample_order

from .conftest import MORNING, Shop


def _running_clock() -> object:
    """Real seconds passing, starting on a working morning (so labels are due)."""
    started = time.monotonic()

    def now() -> datetime:
        return MORNING + timedelta(seconds=time.monotonic() - started)

    return now


def test_a_stale_claim_cannot_finish_or_fail(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    shop.clock.advance(hours=8)
    shop.order("1", paid=True, carrier="inpost")
    shop.run(1)  # the confirmation goes; the label waits for the morning
    repo = shop.orchestrator.repository
    shop.clock.advance(hours=14)
    [mine] = repo.claim(shop.clock(), limit=1, lease=1)
    shop.clock.advance(seconds=5)  # my lease ran out; another worker takes it over
    [theirs] = repo.claim(shop.clock(), limit=1, lease=60)
    assert theirs.row.id == mine.row.id
    assert theirs.token != mine.token
    with pytest.raises(LeaseLost), repo.unit(shop.clock()) as unit:
        unit.finish(mine, "late")
    with pytest.raises(LeaseLost):
        repo.fail(mine, "late", shop.clock(), max_attempts=5)
    assert repo.renew([mine], shop.clock(), 60) == []
    with repo.unit(shop.clock()) as unit:
        unit.finish(theirs, "done")
    assert repo.effects(kind="create_shipment")[0].state == "done"


def _two_dispatchers(
    tmp_path: Path, orders: int, *, lease: float, delay: float
) -> tuple[MemoryChannel, MemoryCarrier, list[Orchestrator]]:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    channel = MemoryChannel("shop")
    carrier = MemoryCarrier("inpost", create_delay=delay)
    clock = _running_clock()
    settings = PipelineSettings(lease_seconds=lease, claim_batch=20)
    workers = [
        Orchestrator(
            store=open_store(url),
            channels={"shop": channel},
            carriers={"inpost": carrier},
            catalogue=Catalogue.example(),
            notifier=RecordingNotifier(),
            settings=settings,
            clock=clock,  # type: ignore[arg-type]
            worker_id=f"w{n}",
        )
        for n in range(2)
    ]
    workers[0].ledger.receive("MUG-RED", 10 * orders, key="stock")
    for number in range(orders):
        channel.put(sample_order(str(number), channel="shop", paid=True, carrier="inpost"))
    workers[0].sync()
    return channel, carrier, workers


@pytest.mark.slow
def test_two_dispatchers_with_a_lease_shorter_than_one_create(tmp_path: Path) -> None:
    """20 orders, 1 s lease, 0.25 s per create: one shipment and one package each, every time."""
    channel, carrier, workers = _two_dispatchers(tmp_path, 20, lease=1.0, delay=0.25)

    def work(orchestrator: Orchestrator) -> None:
        for _ in range(60):
            orchestrator.dispatch()
            if not orchestrator.repository.effects("pending"):
                return
            time.sleep(0.05)

    threads = [threading.Thread(target=work, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    references = carrier.created
    assert sorted(references) == sorted(f"shop-{n}" for n in range(20))
    assert all(len(channel.packages[str(n)]) == 1 for n in range(20))
    assert not workers[0].repository.effects("pending")
    assert not workers[0].repository.effects("parked")
    for worker in workers:
        worker.close()


def test_a_finish_recorded_after_the_claim_was_taken_over_records_nothing(
    make_shop,  # type: ignore[no-untyped-def]
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A message's end is recorded by the dispatcher's next transaction — fenced like any."""
    from ecomflow.orchestration import handlers

    shop: Shop = make_shop()
    shop.clock.advance(hours=8)  # evening: only the confirmation is due
    shop.order("1", paid=True, carrier="inpost")
    shop.orchestrator.sync()
    repo = shop.orchestrator.repository
    sent = handlers.HANDLERS["send_message"]

    def send_then_lose_the_claim(core: object, claimed: object) -> None:
        sent(core, claimed)  # type: ignore[arg-type]
        with repo.store.transaction() as tx:  # another worker took it over meanwhile
            tx.execute(
                "UPDATE ef_outbox SET claim_token = 'theirs' WHERE id = ?",
                (claimed.row.id,),  # type: ignore[attr-defined]
            )

    monkeypatch.setitem(handlers.HANDLERS, "send_message", send_then_lose_the_claim)
    report = shop.orchestrator.dispatch()
    assert (report.done, report.lost) == (0, 1)
    [message] = repo.effects(kind="send_message")
    assert (message.state, message.claim_token) == ("pending", "theirs")
