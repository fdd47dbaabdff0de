"""One API call, described as data (the client twins and flows both read it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["Call"]


@dataclass(frozen=True)
class Call:
    """One API call to make: HTTP method, path, payload and how to retry it.

    ``endpoint`` names the call in logs, errors and metrics. ``idempotent=False``
    calls are not retried blindly (a flow guards them by looking first). In a
    flow, the answer received is the parsed JSON payload; with ``raw=True`` the
    body's bytes (labels, files); with ``full=True`` a ``(payload, response)``
    pair, for flows that read headers (paging, cost).
    """

    method: str
    path: str
    endpoint: str
    params: dict[str, Any] | None = None
    data: dict[str, Any] | None = None
    json: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    idempotent: bool = True
    raw: bool = False
    full: bool = False
