"""Shared adapter plumbing: client twins, the retry policy, the rate limiter, paging."""

from ecomflow.http.client import MALFORMED, AsyncClient, BaseClient, Call, Client, redact
from ecomflow.http.paging import Pages
from ecomflow.http.ratelimit import FakeClock, RateLimiter
from ecomflow.http.retry import RetryPolicy

__all__ = [
    "MALFORMED",
    "AsyncClient",
    "BaseClient",
    "Call",
    "Client",
    "FakeClock",
    "Pages",
    "RateLimiter",
    "RetryPolicy",
    "redact",
]
