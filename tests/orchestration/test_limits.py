"""The rate limit shared through the store: all processes together, and a stop that ends waits."""

from __future__ import annotations

import multiprocessing
import threading
import time
from pathlib import Path

import pytest

from ecomflow.errors import Stopping
from ecomflow.orchestration import OrderRepository
from ecomflow.orchestration.limits import SharedRateLimiter
from ecomflow.storage import open_store

from ..stock.conftest import postgres_schema_url

RATE, PER, BURST = 20, 1.0, 2
CALLS_EACH, PROCESSES = 15, 3


def _calls(url: str, out: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    store = open_store(url)
    limiter = SharedRateLimiter(store, "channels:shop", rate=RATE, per=PER, burst=BURST)
    stamps = []
    for _ in range(CALLS_EACH):
        limiter.acquire()
        stamps.append(time.time())
    store.close()
    out.put(stamps)


def _busiest_window(stamps: list[float], per: float) -> int:
    stamps = sorted(stamps)
    start, busiest = 0, 0
    for end, stamp in enumerate(stamps):
        while stamp - stamps[start] >= per:
            start += 1
        busiest = max(busiest, end - start + 1)
    return busiest


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_processes_together_never_exceed_the_limit(
    backend: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'limits.db'}"
    else:
        url = postgres_schema_url(request.getfixturevalue("postgres_url"))
    OrderRepository(open_store(url)).store.close()  # the schema, before the processes race
    context = multiprocessing.get_context("spawn")
    out = context.Queue()
    workers = [context.Process(target=_calls, args=(url, out)) for _ in range(PROCESSES)]
    started = time.time()
    for worker in workers:
        worker.start()
    stamps = [stamp for _ in workers for stamp in out.get(timeout=60)]
    for worker in workers:
        worker.join(timeout=10)
    total = CALLS_EACH * PROCESSES
    assert len(stamps) == total
    assert _busiest_window(stamps, PER) <= RATE + BURST
    # The budget is shared, not per process: three processes take as long as one would.
    assert max(stamps) - started >= (total - BURST) / RATE * PER * 0.9


def test_a_stop_request_ends_a_wait_at_once() -> None:
    store = open_store("memory://")
    OrderRepository(store)
    limiter = SharedRateLimiter(store, "channels:shop", rate=1, per=60.0, burst=1)
    limiter.acquire()  # the only token: the next call would wait a minute
    limiter.stop = threading.Event()
    threading.Timer(0.2, limiter.stop.set).start()
    began = time.monotonic()
    with pytest.raises(Stopping, match="stopping"):
        limiter.acquire()
    assert time.monotonic() - began < 2.0
    store.close()


# -- a stop while an effect or intake waits for its rate limit ------------------------------


def test_an_effect_stopped_at_its_rate_limit_is_given_back_untried(make_shop, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    shop = make_shop()
    shop.order("1", paid=True, carrier="inpost")
    shop.orchestrator.sync()

    def waiting(*args: object, **kw: object) -> None:
        raise Stopping("ShipX rate limit")

    with monkeypatch.context() as patched:
        patched.setattr(shop.inpost, "create_shipment", waiting)
        report = shop.orchestrator.dispatch()
    assert report.released == 1 and report.retried == 0 and report.parked == 0
    [effect] = shop.orchestrator.repository.effects(kind="create_shipment")
    assert effect.state == "pending" and effect.attempts == 0 and effect.claim_token is None
    assert shop.orchestrator.counters.api_failures == {}  # not a failure of the carrier
    shop.run()  # the next worker (or this one, restarted) takes it up as a first attempt
    assert shop.get("1").shipment is not None
    assert len(shop.inpost.created) == 1


def test_intake_stopped_at_its_rate_limit_is_not_a_channel_failure(make_shop, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    shop = make_shop()
    shop.order("2", paid=True)

    def waiting(*args: object, **kw: object) -> None:
        raise Stopping("BaseLinker rate limit")

    with monkeypatch.context() as patched:
        patched.setattr(shop.channel, "fetch_orders", waiting)
        with pytest.raises(Stopping):
            shop.orchestrator.sync()
    assert shop.orchestrator.counters.api_failures == {}
    assert shop.orchestrator.counters.api_calls == {}
    assert shop.orchestrator.sync().new == 1  # the cursor did not move: nothing skipped
