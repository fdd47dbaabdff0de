"""The shared machinery of the fake API servers: a loopback HTTP server, faults, counters."""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self

__all__ = ["Fault", "LoopbackServer", "send_fault"]


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


def send_fault(handler: BaseHTTPRequestHandler, fault: Fault) -> None:
    """Answer ``handler``'s request with ``fault`` (one that replaces handling it)."""
    if fault.kind == "timeout":
        time.sleep(fault.delay)
    if fault.kind in ("reset", "timeout"):
        handler.connection.close()
        return
    body = b"<html>Service Unavailable</html>"
    handler.send_response(int(fault.kind))
    handler.send_header("Content-Type", "text/html")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


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
