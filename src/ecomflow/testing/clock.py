"""A clock tests and simulations can set and advance."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from ecomflow.clock import ensure_aware

__all__ = ["FrozenClock"]


class FrozenClock:
    """A callable clock that stays put until told to move (thread-safe).

    >>> clock = FrozenClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    >>> clock()
    datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.timezone.utc)
    >>> clock.advance(minutes=90).isoformat()
    '2026-11-24T10:30:00+00:00'
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._now = ensure_aware(start, "start") if start else datetime(2026, 1, 5, 9, tzinfo=UTC)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        """The current (frozen) instant."""
        with self._lock:
            return self._now

    def set(self, when: datetime) -> datetime:
        """Jump to ``when`` (timezone-aware)."""
        with self._lock:
            self._now = ensure_aware(when, "when")
            return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        """Move forward by ``delta`` or by ``timedelta(**kwargs)``; returns the new instant."""
        step = delta if delta is not None else timedelta(**kwargs)
        if step < timedelta(0):
            raise ValueError("A clock only moves forward; use set() to jump back.")
        with self._lock:
            self._now = self._now + step
            return self._now

    def __repr__(self) -> str:
        return f"FrozenClock({self._now.isoformat()})"
