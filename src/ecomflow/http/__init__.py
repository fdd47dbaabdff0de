"""Shared adapter plumbing: client twins, the retry policy, the rate limiter, paging."""

from ecomflow.http.call import Call
from ecomflow.http.client import MALFORMED, AsyncClient, BaseClient, Client, redact
from ecomflow.http.flow import Flow, Sleep, operation
from ecomflow.http.paging import Pages
from ecomflow.http.ratelimit import FakeClock, RateLimiter, take_token
from ecomflow.http.retry import RetryPolicy

__all__ = [
    "MALFORMED",
    "AsyncClient",
    "BaseClient",
    "Call",
    "Client",
    "FakeClock",
    "Flow",
    "Pages",
    "RateLimiter",
    "RetryPolicy",
    "Sleep",
    "operation",
    "redact",
    "take_token",
]
