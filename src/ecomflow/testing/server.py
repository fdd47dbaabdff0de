r"""Fake API servers on loopback: serving, routing, fault injection and call counters.

Every fake in :mod:`ecomflow.testing` (BaseLinker, ShipX, Shopify, WooCommerce)
is a :class:`LoopbackServer`; a plugin author writes the fake of their own API
the same way: subclass it, list its routes (:class:`Route`), and answer each with a
:class:`Reply`. The server counts every request per route (``calls``) and
can be told to fail the next calls of a route (:meth:`LoopbackServer.inject`):
with an HTTP status, a reset or a timeout *instead of* handling it, or with
``drop_after_write`` (handled, then the connection closes without an answer —
the "lost answer after a create"), ``malformed`` or ``truncated`` JSON.

A fake must refuse what the real API refuses (unknown ids, invalid input,
a missing or wrong credential) — :meth:`LoopbackServer.authorize` is the hook
for credentials.

>>> import re, httpx
>>> class FakeParcels(LoopbackServer):
...     def __init__(self) -> None:
...         super().__init__()
...         self.parcels: dict[str, dict[str, str]] = {}
...         self.routes = [Route("POST", "create", re.compile(r"^/parcels$"), self.create),
...                        Route("GET", "get", re.compile(r"^/parcels/(\w+)$"), self.get)]
...     def authorize(self, request: Request, route: Route) -> Reply | None:
...         ok = request.header("Authorization") == "Bearer t0k"
...         return None if ok else Reply(401, {"error": "unauthorized"})
...     def create(self, request: Request) -> Reply:
...         parcel_id = str(len(self.parcels) + 1)
...         self.parcels[parcel_id] = {"id": parcel_id, **request.json()}
...         return Reply(201, self.parcels[parcel_id])
...     def get(self, request: Request, parcel_id: str) -> Reply:
...         found = self.parcels.get(parcel_id)
...         return Reply(200, found) if found else Reply(404, {"error": "not_found"})
>>> with FakeParcels() as fake:
...     auth = {"Authorization": "Bearer t0k"}
...     made = httpx.post(f"{fake.base_url}/parcels", json={"ref": "A-1"}, headers=auth).json()
...     fake.inject("get", 503)
...     first = httpx.get(f"{fake.base_url}/parcels/{made['id']}", headers=auth).status_code
...     second = httpx.get(f"{fake.base_url}/parcels/{made['id']}", headers=auth).json()["ref"]
...     refused = httpx.get(f"{fake.base_url}/parcels/1").status_code
>>> first, second, refused, fake.calls["get"]
(503, 'A-1', 401, 3)
"""

from __future__ import annotations

import json
import pickle
import re
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, NamedTuple, Self
from urllib.parse import parse_qs, urlsplit

__all__ = [
    "Fault",
    "LoopbackServer",
    "Reply",
    "Request",
    "Route",
    "RoutedHandler",
    "send_bytes",
    "send_fault",
    "send_json",
]


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


@dataclass(frozen=True)
class Request:
    """One request as a fake sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        """A header's value, whatever the case of its name."""
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None

    def param(self, name: str) -> str | None:
        """The last value of a query parameter."""
        values = self.query.get(name)
        return values[-1] if values else None

    def json(self) -> Any:
        """The body as JSON (``None`` when empty); ``ValueError`` when it is not JSON."""
        return json.loads(self.body) if self.body else None


@dataclass
class Reply:
    """An answer: a status and a JSON payload, or raw ``body`` bytes of ``content_type``."""

    status: int = 200
    payload: Any = None
    body: bytes | None = None
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)

    def content(self) -> bytes:
        """The bytes to send."""
        if self.body is not None:
            return self.body
        return b"" if self.payload is None else json.dumps(self.payload).encode()


class Route(NamedTuple):
    """An HTTP verb and path pattern, the route's name (for counters and faults), its handler.

    The handler gets the :class:`Request` and the pattern's groups, and returns a
    :class:`Reply`.
    """

    verb: str
    name: str
    pattern: re.Pattern[str]
    handler: Callable[..., Any]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # many clients at once (benchmarks) must queue, not be reset
    fake: Any


class RoutedHandler(BaseHTTPRequestHandler):
    """Serves a :class:`LoopbackServer`'s routes (the default request handler)."""

    server: Any
    disable_nagle_algorithm = True  # no 40 ms stall per small answer on loopback

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""

    def _serve(self) -> None:
        fake: LoopbackServer = self.server.fake
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        request = Request(
            method=self.command,
            path=parts.path,
            query=parse_qs(parts.query, keep_blank_values=True),
            headers=dict(self.headers.items()),
            body=self.rfile.read(length) if length else b"",
        )
        route, args = fake.match(request.method, request.path)
        fault = fake.arrive(route.name if route else f"{request.method} {request.path}")
        if fault is not None and fault.before_handling:
            send_fault(self, fault)
            return
        reply = fake.handle(route, args, request)
        fake.save_state()  # acknowledged writes survive a crash, as at a real API
        if fault is not None and fault.kind == "drop_after_write":
            self.close_connection = True
            self.connection.close()
            return
        data = reply.content()
        if fault is not None and fault.kind == "malformed":
            data = b"<html>oops"
        elif fault is not None and fault.kind == "truncated":
            data = data[: len(data) // 2]
        send_bytes(self, reply.status, data, reply.content_type, reply.headers)

    def do_GET(self) -> None:
        """Serve a GET."""
        self._serve()

    def do_POST(self) -> None:
        """Serve a POST."""
        self._serve()

    def do_PUT(self) -> None:
        """Serve a PUT."""
        self._serve()

    def do_PATCH(self) -> None:
        """Serve a PATCH."""
        self._serve()

    def do_DELETE(self) -> None:
        """Serve a DELETE."""
        self._serve()


class LoopbackServer:
    """A threaded HTTP server on ``127.0.0.1`` with routing, fault injection and call counters.

    Subclasses set :attr:`routes` and may override :meth:`authorize`. ``handler``
    replaces the routed request handler for fakes that speak something other
    than routed HTTP. ``keep_alive=True`` serves HTTP/1.1 persistent connections
    (the benchmarks and the demo use it); the default closes each connection
    after its answer.
    """

    routes: list[Route]

    #: The attributes that make up the fake's state (what :meth:`save_state` keeps).
    state_attributes: tuple[str, ...] = ()

    def __init__(
        self,
        handler: type[BaseHTTPRequestHandler] = RoutedHandler,
        port: int = 0,
        *,
        keep_alive: bool = False,
    ) -> None:
        self.routes = []
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

    def persist(self, path: str | Path) -> Self:
        """Keep the fake's state in ``path``: restored now if it is there, saved after each write.

        A fake that remembers across a restart is what a crash test needs: the real
        API does not forget a shipment because the shop's process was killed.
        """
        self._state_file = Path(path)
        if self._state_file.exists():
            with self._lock, self._state_file.open("rb") as handle:
                saved = pickle.load(handle)
                for name in self.state_attributes:
                    if name in saved:
                        setattr(self, name, saved[name])
        return self

    def save_state(self) -> None:
        """Write the state to the :meth:`persist` file (atomically); nothing without one."""
        target: Path | None = getattr(self, "_state_file", None)
        if target is None or not self.state_attributes:
            return
        with self._lock:  # one writer at a time, and the state not changing under it
            data = pickle.dumps({name: getattr(self, name) for name in self.state_attributes})
            partial = target.with_name(target.name + ".part")
            partial.write_bytes(data)
            partial.replace(target)

    def match(self, method: str, path: str) -> tuple[Route | None, tuple[str, ...]]:
        """The route for a request and the path's groups (``None``: no route)."""
        for route in self.routes:
            found = route.pattern.match(path)
            if route.verb == method and found:
                return route, found.groups()
        return None, ()

    def authorize(self, request: Request, route: Route) -> Reply | None:
        """Refuse a request (return the error :class:`Reply`) or let it through (``None``)."""
        return None

    def handle(self, route: Route | None, args: tuple[str, ...], request: Request) -> Reply:
        """Answer a request: 404 without a route, then :meth:`authorize`, then the handler."""
        if route is None:
            return Reply(404, {"error": "not_found", "message": f"No route {request.path}"})
        refused = self.authorize(request, route)
        if refused is not None:
            return refused
        reply: Reply = route.handler(request, *args)
        return reply

    def arrive(self, route: str) -> Fault | None:
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
