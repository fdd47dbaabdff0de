"""Clocks: where ecomflow reads "now" from, so tests and simulations can move time.

Every component that needs the time takes ``clock=`` — any callable returning a
timezone-aware :class:`~datetime.datetime`. :func:`utc_now` is the default;
:class:`ecomflow.testing.FrozenClock` is the one tests and the demo use.

>>> utc_now().tzinfo is not None
True
>>> ensure_aware(datetime(2026, 1, 1), "at")
Traceback (most recent call last):
...
ValueError: at must be timezone-aware (got naive 2026-01-01 00:00:00); attach a tzinfo, e.g. datetime(..., tzinfo=UTC).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

__all__ = ["Clock", "ensure_aware", "utc_now"]

#: A source of the current instant (timezone-aware).
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The current instant in UTC (the default clock)."""
    return datetime.now(UTC)


def ensure_aware(value: datetime, name: str = "datetime") -> datetime:
    """Return ``value`` unchanged if it is timezone-aware, else raise ``ValueError``."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(
            f"{name} must be timezone-aware (got naive {value}); "
            "attach a tzinfo, e.g. datetime(..., tzinfo=UTC)."
        )
    return value
