"""API rate limits shared by every worker, kept in the database.

BaseLinker blocks an account that makes more than 100 requests a minute —
whichever process makes them. Each worker's in-process limiter cannot see the
others, so several workers share one token bucket per account in the store,
updated atomically (``SELECT … FOR UPDATE`` on PostgreSQL, ``BEGIN IMMEDIATE``
on SQLite): the same arithmetic as :class:`~ecomflow.http.RateLimiter`
(:func:`~ecomflow.http.take_token`), with the balance in a row.

>>> from ecomflow.storage import open_store
>>> from ecomflow.orchestration import OrderRepository
>>> store = open_store("memory://")
>>> _ = OrderRepository(store)  # creates the table
>>> limiter = SharedRateLimiter(store, "channel:shop", rate=2, per=1.0, burst=2,
...                             clock=lambda: 100.0, sleep=lambda s: None)
>>> [limiter.acquire() for _ in range(3)]
[0.0, 0.0, 0.5]
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from ecomflow.errors import ConfigurationError
from ecomflow.http.ratelimit import pause, take_token
from ecomflow.storage import Store

if TYPE_CHECKING:
    from ecomflow.orchestration.config import OrchestratorConfig
    from ecomflow.orchestration.orchestrator import Orchestrator

__all__ = ["SharedRateLimiter", "interrupt_waits", "share_rate_limits"]


class SharedRateLimiter:
    """A token bucket named ``name`` in ``store``: ``rate`` calls per ``per`` seconds, all workers.

    A drop-in for :class:`~ecomflow.http.RateLimiter` (``acquire``, ``aacquire``,
    ``window_limit``). The clock is wall time (``time.time``), the one all hosts share.
    """

    def __init__(
        self,
        store: Store,
        name: str,
        *,
        rate: int,
        per: float = 60.0,
        burst: int | None = None,
        clock: Callable[[], float] = time.time,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if rate <= 0 or per <= 0:
            raise ConfigurationError("SharedRateLimiter needs a positive rate and period.")
        self.store = store
        self.name = name
        self.rate = rate
        self.per = per
        self.capacity = float(burst if burst is not None else max(1, rate // 10))
        self._clock = clock
        self._sleep = sleep
        self.waited = 0.0
        self.stop: threading.Event | None = None

    def _reserve(self) -> float:
        now = self._clock()
        with self.store.transaction() as tx:
            tx.execute(
                "INSERT INTO ef_buckets (name, tokens, stamp) VALUES (?, ?, ?) "
                "ON CONFLICT (name) DO NOTHING",
                (self.name, self.capacity, now),
            )
            tokens, stamp = tx.execute(
                "SELECT tokens, stamp FROM ef_buckets WHERE name = ?" + tx.for_update,
                (self.name,),
            ).fetchone()
            left, wait = take_token(
                float(tokens),
                float(stamp),
                max(now, float(stamp)),
                rate=self.rate,
                per=self.per,
                capacity=self.capacity,
            )
            tx.execute(
                "UPDATE ef_buckets SET tokens = ?, stamp = ? WHERE name = ?",
                (left, max(now, float(stamp)), self.name),
            )
        self.waited += wait
        return wait

    def acquire(self) -> float:
        """Block until a call is allowed (for every worker together); returns the wait.

        With :attr:`stop` set (the worker's stop event), a wait ends in
        :class:`~ecomflow.errors.Stopping` as soon as the worker is told to stop.
        """
        wait = self._reserve()
        if wait:
            pause(wait, self._sleep, self.stop)
        return wait

    async def aacquire(self) -> float:
        """Wait without blocking the event loop."""
        wait = self._reserve()
        if wait:
            await asyncio.sleep(wait)
        return wait

    @property
    def window_limit(self) -> int:
        """The most calls any window of ``per`` seconds can hold, all workers together."""
        return int(self.rate + self.capacity)

    def __repr__(self) -> str:
        return f"SharedRateLimiter({self.name!r}, {self.rate}/{self.per:g}s)"


def share_rate_limits(orchestrator: Orchestrator, config: OrchestratorConfig) -> list[str]:
    """Give every adapter with ``requests_per_minute`` a limiter shared through the database.

    The bucket is named after the table (``channels:<name>``), so every worker and the
    app built from the same ``ecomflow.toml`` draw from one budget. Returns what was
    shared, e.g. ``["channels.baselinker: 90/min"]``.
    """
    shared = []
    for kind in ("channels", "carriers"):
        clients = (
            orchestrator.router.channels if kind == "channels" else orchestrator.router.carriers
        )
        for adapter in config.adapters(kind):
            per_minute = getattr(adapter.settings, "requests_per_minute", None)
            client = clients.get(adapter.name)
            if per_minute and client is not None and hasattr(client, "limiter"):
                client.limiter = SharedRateLimiter(
                    orchestrator.repository.store,
                    f"{kind}:{adapter.name}",
                    rate=int(per_minute),
                    per=60.0,
                )
                shared.append(f"{kind}.{adapter.name}: {per_minute}/min")
    return shared


def interrupt_waits(orchestrator: Orchestrator, stop: threading.Event) -> int:
    """Make every adapter's rate-limit waits end when ``stop`` is set; returns how many.

    A worker told to stop must not sit out a token booked behind the other
    workers' calls: the wait raises :class:`~ecomflow.errors.Stopping`, and the
    work in hand is given back.
    """
    limiters = {
        id(limiter): limiter
        for client in (
            *orchestrator.router.channels.values(),
            *orchestrator.router.carriers.values(),
        )
        if (limiter := getattr(client, "limiter", None)) is not None and hasattr(limiter, "stop")
    }
    for limiter in limiters.values():
        limiter.stop = stop
    return len(limiters)
