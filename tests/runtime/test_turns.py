"""Turns: a job that reads a remote API is done by one worker per interval, not by each.

Two workers on one database must not spend BaseLinker's 100 requests a minute
twice on the same ``getOrders``/journal reads; a worker that dies hands its turn
over when the turn's lease ends.
"""

from __future__ import annotations

import threading
from collections import Counter
from datetime import UTC, datetime

from ecomflow.notify import RecordingNotifier
from ecomflow.orchestration import Orchestrator, OrderRepository, WorkerSettings
from ecomflow.shipping import Catalogue
from ecomflow.storage import open_store
from ecomflow.testing import FrozenClock, MemoryChannel, sample_order
from ecomflow.worker import Worker

NOON = datetime(2026, 11, 24, 11, 0, tzinfo=UTC)


def test_a_turn_is_one_workers_until_it_ends(shared_url: str) -> None:
    a, b = OrderRepository(open_store(shared_url)), OrderRepository(open_store(shared_url))
    assert a.take_turn("intake:shop", "worker-a", NOON, 90)
    assert not b.take_turn("intake:shop", "worker-b", NOON, 90)
    assert b.take_turn("intake:other", "worker-b", NOON, 90)  # each job its own turn
    later = NOON.replace(minute=1)
    assert a.take_turn("intake:shop", "worker-a", later, 90)  # kept, and extended
    assert not b.take_turn("intake:shop", "worker-b", later.replace(minute=2), 90)
    gone = later.replace(minute=2, second=31)  # worker A stopped: its turn ends
    assert b.take_turn("intake:shop", "worker-b", gone, 90)
    assert not a.take_turn("intake:shop", "worker-a", gone, 90)
    a.store.close()
    b.store.close()


def test_workers_racing_for_a_turn_get_exactly_one_each_time(shared_url: str) -> None:
    workers = [OrderRepository(open_store(shared_url)) for _ in range(4)]
    won: Counter[int] = Counter()

    def ask(i: int, repository: OrderRepository, now: datetime, start: threading.Barrier) -> None:
        start.wait()
        if repository.take_turn("intake:shop", f"worker-{i}", now, 30):
            won[now.minute] += 1

    for minute in range(10):  # ten intervals; every worker asks at the same instant
        start = threading.Barrier(len(workers))
        now = NOON.replace(minute=minute)
        threads = [
            threading.Thread(target=ask, args=(i, r, now, start)) for i, r in enumerate(workers)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert won == Counter(dict.fromkeys(range(10), 1))
    for repository in workers:
        repository.store.close()


def test_two_workers_read_a_channel_once_per_interval(shared_url: str) -> None:
    channel = MemoryChannel("shop")
    channel.put(sample_order("1", channel="shop", paid=True))
    clock = FrozenClock(NOON)
    ticks = [0.0]
    settings = WorkerSettings(sync_every=60.0, report_at=None)

    def worker(name: str) -> Worker:
        orchestrator = Orchestrator(
            worker_id=name,
            store=open_store(shared_url),
            channels={"shop": channel},
            catalogue=Catalogue.example(),
            notifier=RecordingNotifier(),
            clock=clock,
        )
        return Worker(orchestrator, settings, monotonic=lambda: ticks[0])

    a, b = worker("worker-a"), worker("worker-b")
    a.run_once()
    b.run_once()
    assert channel.faults.calls["fetch_orders"] == 1  # B saw A's turn
    assert b.orchestrator.order("shop-1") is not None  # and the order is in, for both
    for _ in range(3):  # a minute at a time: A keeps its turn
        clock.advance(seconds=60)
        ticks[0] += 60
        b.run_once()
        a.run_once()
    assert channel.faults.calls["fetch_orders"] == 4
    clock.advance(seconds=91)  # A is gone (killed); its turn ends after 1.5 intervals
    ticks[0] += 91
    b.run_once()
    assert channel.faults.calls["fetch_orders"] == 5
    a.orchestrator.close()
    b.orchestrator.close()
