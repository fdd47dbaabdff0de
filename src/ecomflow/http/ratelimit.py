"""A client-side token bucket that keeps an account under its API limit by construction.

One :class:`RateLimiter` per account is shared by the sync and async twins and
by every thread: BaseLinker blocks a whole account for minutes when it sees
more than 100 requests a minute, so being polite is not optional.

>>> limiter = RateLimiter(rate=2, per=1.0, burst=2, clock=FakeClock())
>>> [limiter.acquire() for _ in range(3)]   # seconds waited before each call
[0.0, 0.0, 0.5]

In any window of ``per`` seconds a bucket lets through at most ``rate + burst``
calls (the burst, plus what refills during the window). The default burst is
a tenth of the rate, so ``RateLimiter(90, 60)`` never exceeds 99 calls in any
minute — under BaseLinker's 100 by construction.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable

from ecomflow.errors import ConfigurationError, Stopping

__all__ = ["FakeClock", "RateLimiter", "pause", "take_token"]


def take_token(
    tokens: float, stamp: float, now: float, *, rate: float, per: float, capacity: float
) -> tuple[float, float]:
    """One token-bucket step: refill since ``stamp``, take a token; (tokens left, wait).

    A negative balance books a future token; the caller waits that long. Shared
    by :class:`RateLimiter` (one process) and the database-backed limiter that
    several workers share.

    >>> take_token(0.0, 0.0, 0.5, rate=2, per=1.0, capacity=2)
    (0.0, 0.0)
    >>> take_token(0.0, 0.0, 0.0, rate=2, per=1.0, capacity=2)
    (-1.0, 0.5)
    """
    left = min(capacity, tokens + max(0.0, now - stamp) * rate / per) - 1.0
    return left, 0.0 if left >= 0 else -left * per / rate


class FakeClock:
    """A monotonic clock whose ``sleep`` only moves time (tests and benchmarks)."""

    def __init__(self, start: float = 0.0) -> None:
        self.now = start
        self._lock = threading.Lock()

    def monotonic(self) -> float:
        """The current fake time in seconds."""
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        """Advance the fake time instead of waiting."""
        with self._lock:
            self.now += max(0.0, seconds)


def pause(seconds: float, sleep: Callable[[float], None], stop: threading.Event | None) -> None:
    """Wait ``seconds`` — :class:`~ecomflow.errors.Stopping` as soon as ``stop`` is set.

    The limiters' one way to wait, so a worker told to stop is not held by a
    token booked a minute ahead.

    >>> stop = threading.Event()
    >>> stop.set()
    >>> pause(30.0, time.sleep, stop)
    Traceback (most recent call last):
    ...
    ecomflow.errors.Stopping: The worker is stopping; it did not wait for a rate-limit slot. ...
    """
    if stop is None:
        sleep(seconds)
    elif stop.wait(seconds):
        raise Stopping()


class RateLimiter:
    """Token bucket: ``rate`` calls per ``per`` seconds on average, bursts up to ``burst``.

    Any window of ``per`` seconds holds at most ``rate + burst`` calls; ``burst``
    defaults to ``max(1, rate // 10)``. ``clock`` (anything with ``monotonic()``
    and ``sleep()``) lets tests and benchmarks run on fake time.
    """

    def __init__(
        self,
        rate: int,
        per: float = 60.0,
        *,
        burst: int | None = None,
        clock: object | None = None,
    ) -> None:
        if rate <= 0 or per <= 0:
            raise ConfigurationError("RateLimiter needs a positive rate and period.")
        self.rate = rate
        self.per = per
        self.capacity = float(burst if burst is not None else max(1, rate // 10))
        self._monotonic: Callable[[], float] = getattr(clock, "monotonic", time.monotonic)
        self._sleep: Callable[[float], None] = getattr(clock, "sleep", time.sleep)
        self._fake = clock is not None
        if self.capacity < 1:
            raise ConfigurationError("RateLimiter burst must be at least 1.")
        self._tokens = self.capacity
        self._stamp = self._monotonic()
        self._lock = threading.Lock()
        self.waited = 0.0
        self.stop: threading.Event | None = None

    def _reserve(self) -> float:
        """Take a token now or book one in the future; returns the wait in seconds."""
        with self._lock:
            now = self._monotonic()
            self._tokens, wait = take_token(
                self._tokens,
                self._stamp,
                now,
                rate=self.rate,
                per=self.per,
                capacity=self.capacity,
            )
            self._stamp = now
            self.waited += wait
            return wait

    def acquire(self) -> float:
        """Block until a call is allowed; returns how long it waited.

        With :attr:`stop` set (a worker's stop event), a wait ends in
        :class:`~ecomflow.errors.Stopping` when the worker is told to stop.
        """
        wait = self._reserve()
        if wait:
            pause(wait, self._sleep, None if self._fake else self.stop)
        return wait

    async def aacquire(self) -> float:
        """Wait (without blocking the event loop) until a call is allowed."""
        wait = self._reserve()
        if wait:
            if self._fake:
                self._sleep(wait)
            else:
                await asyncio.sleep(wait)
        return wait

    @property
    def window_limit(self) -> int:
        """The most calls any window of ``per`` seconds can hold."""
        return int(self.rate + self.capacity)

    def __repr__(self) -> str:
        return f"RateLimiter({self.rate}/{self.per:g}s, burst {self.capacity:g})"
