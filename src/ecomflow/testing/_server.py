"""The shared machinery of the fake API servers: a loopback HTTP server, faults, counters."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

__all__ = ["Fault", "LoopbackServer", "send_bytes", "send_fault", "send_json"]


@dataclass
class Fault:
    """A fault to inject for the next ``remaining`` calls of one method or route.

    ``kind`` is an HTTP status (500, 502, 503), ``timeout``, ``malformed``,
    ``truncated``, ``reset`` or ``drop_after_write`` (applied, then no answer).
    """

    kind: str | int
    remaining: int = 1
    delay: float = 2.0

    @property
    def before_handling(self) -> bool:
        """Whether the fault replaces handling the request (status, reset, timeout)."""
        return isinstance(self.kind, int) or self.kind in ("reset", "timeout")


def send_bytes(
    handler: BaseHTTPRequestHandler,
    status: int,
    data: bytes,
    kind: str,
    headers: dict[str, str] | None = None,
) -> None:
    """Answer with ``data`` as ``kind``, plus extra ``headers``."""
    handler.send_response(status)
    handler.send_header("Content-Type", kind)
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.send_header("Content-Length", str(len(data)))
    handler.end_headers()
    handler.wfile.write(data)


def send_json(
    handler: BaseHTTPRequestHandler,
    status: int,
    payload: Any,
    headers: dict[str, str] | None = None,
) -> None:
    """Answer with ``payload`` as JSON."""
    send_bytes(handler, status, json.dumps(payload).encode(), "application/json", headers)


def send_fault(handler: BaseHTTPRequestHandler, fault: Fault) -> None:
    """Answer ``handler``'s request with ``fault`` (one that replaces handling it)."""
    if fault.kind == "timeout":
        time.sleep(fault.delay)
    if fault.kind in ("reset", "timeout"):
        handler.connection.close()
        return
    send_bytes(handler, int(fault.kind), b"<html>Service Unavailable</html>", "text/html")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: Any


class LoopbackServer:
    """A threaded HTTP server on ``127.0.0.1`` with fault injection and call counters.

    ``keep_alive=True`` serves HTTP/1.1 persistent connections (the benchmarks and
    the demo use it); the default closes each connection after its answer.
    """

    def __init__(
        self, handler: type[BaseHTTPRequestHandler], port: int = 0, *, keep_alive: bool = False
    ) -> None:
        if keep_alive:  # HTTP/1.1 keep-alive: faster, but clients must be closed when done
            handler = type(handler.__name__, (handler,), {"protocol_version": "HTTP/1.1"})
        self.calls: Counter[str] = Counter()
        self._faults: dict[str, deque[Fault]] = {}
        self._lock = threading.RLock()
        self._server = _Server(("127.0.0.1", port), handler)
        self._server.fake = self
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``."""
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Self:
        """Serve in a background thread."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def inject(self, route: str, kind: str | int, *, times: int = 1, delay: float = 2.0) -> None:
        """Make the next ``times`` calls of ``route`` fail with ``kind`` (see :class:`Fault`)."""
        with self._lock:
            self._faults.setdefault(route, deque()).append(Fault(kind, times, delay))

    def _match(
        self, method: str, path: str
    ) -> tuple[str, Callable[..., Any] | None, tuple[str, ...]]:
        """The route name, handler and path arguments for a request (``_routes``)."""
        for verb, name, pattern, handler in getattr(self, "_routes", ()):
            found = pattern.match(path)
            if verb == method and found:
                return name, handler, found.groups()
        return f"{method} {path}", None, ()

    def _arrive(self, route: str) -> Fault | None:
        """Count a request to ``route`` and return the fault to apply to it, if any."""
        with self._lock:
            self.calls[route] += 1
            queue = self._faults.get(route)
            if not queue:
                return None
            fault = queue[0]
            fault.remaining -= 1
            if fault.remaining <= 0:
                queue.popleft()
            return fault
