"""The one retry policy, built on tenacity.

Retries connection errors, timeouts, HTTP 429 and 5xx, and API-level "try
later" codes an adapter declares; honours ``Retry-After``; waits a capped
exponential backoff with jitter (pin it with ``jitter=0`` in tests); stops
after ``attempts`` tries or ``max_time`` seconds. A call that is not
idempotent is tried once unless the caller says it carries an idempotency
guard (a key, or a look-up before re-creating).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tenacity import (
    AsyncRetrying,
    RetryCallState,
    Retrying,
    retry_if_exception,
    stop_after_attempt,
    stop_after_delay,
)

from ecomflow.errors import RateLimited, RemoteAPIError, TransportError

__all__ = ["RetryPolicy"]


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry a failed call."""

    attempts: int = 5
    max_time: float = 120.0
    base: float = 0.5
    cap: float = 30.0
    jitter: float = 0.5
    retry_statuses: frozenset[int] = frozenset({429, 500, 502, 503, 504})
    retry_codes: frozenset[str] = frozenset({"MALFORMED_RESPONSE"})
    sleep: Callable[[float], None] | None = field(default=None, compare=False)
    rng: random.Random = field(default_factory=random.Random, compare=False)

    def should_retry(self, error: BaseException) -> bool:
        """Whether ``error`` is transient under this policy."""
        if isinstance(error, TransportError):
            return True
        if isinstance(error, RemoteAPIError):
            return (error.status in self.retry_statuses) or (
                error.code is not None and error.code in self.retry_codes
            )
        return False

    def delay(self, attempt: int, error: BaseException | None) -> float:
        """Seconds to wait before retry number ``attempt`` (1-based)."""
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return float(min(error.retry_after, self.max_time))
        backoff = float(min(self.cap, self.base * 2 ** (attempt - 1)))
        return float(backoff + backoff * self.jitter * self.rng.random())

    def _wait(self, state: RetryCallState) -> float:
        error = state.outcome.exception() if state.outcome else None
        return self.delay(state.attempt_number, error)

    def _kwargs(self, idempotent: bool) -> dict[str, Any]:
        attempts = self.attempts if idempotent else 1
        kwargs: dict[str, Any] = {
            "stop": stop_after_attempt(attempts) | stop_after_delay(self.max_time),
            "wait": self._wait,
            "retry": retry_if_exception(self.should_retry),
            "reraise": True,
        }
        if self.sleep is not None:
            kwargs["sleep"] = self.sleep
        return kwargs

    def retrying(self, *, idempotent: bool = True) -> Retrying:
        """A tenacity ``Retrying`` for a sync call."""
        return Retrying(**self._kwargs(idempotent))

    def async_retrying(self, *, idempotent: bool = True) -> AsyncRetrying:
        """A tenacity ``AsyncRetrying`` for an async call."""
        kwargs = self._kwargs(idempotent)
        if self.sleep is not None:
            sync_sleep = self.sleep

            async def sleep(seconds: float) -> None:
                sync_sleep(seconds)

            kwargs["sleep"] = sleep
        return AsyncRetrying(**kwargs)
