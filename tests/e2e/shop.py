"""What an end-to-end run needs: the outside world in this process, ecomflow in others.

- :class:`SmtpSink` — a real SMTP server (aiosmtpd) on a free loopback port that
  keeps every message it accepted, parsed.
- :class:`CountingBaseLinker` — the fake BaseLinker noting the moment of every
  request, so the test counts requests per minute from the fake's own records.
- :class:`SlowShipX` — the fake ShipX taking its time to create a shipment, so a
  signal can reach a worker in the middle of an effect.
- :class:`Process` — an ``ecomflow`` command run as a subprocess (``python -m
  ecomflow``), its output in a file, its JSON log records readable.
- :func:`catalogue_toml` — carrier services open every day until 23:59, so the run
  does not depend on the hour or the day it starts.
"""

from __future__ import annotations

import email
import email.policy
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, TypeVar

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from ecomflow.testing import FakeBaseLinker, FakeShipX
from ecomflow.testing.server import Reply, Request

T = TypeVar("T")

#: Every weekday, so a service can take and deliver a parcel on any day the test runs.
EVERY_DAY = '["mon", "tue", "wed", "thu", "fri", "sat", "sun"]'


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(
    check: Callable[[], T | None],
    timeout: float,
    what: str,
    *,
    every: float = 0.25,
    describe: Callable[[], str] | None = None,
) -> T:
    """Call ``check`` until it returns something truthy; fail naming ``what`` after ``timeout``.

    ``describe`` tells what the world looked like when the wait gave up.
    """
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            seen = f"\n{describe()}" if describe is not None else ""
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}{seen}")
        time.sleep(every)


def catalogue_toml() -> str:
    """InPost courier and the shop's pickup desk, open every day until 23:59."""
    return f"""
[[services]]
id = "inpost_courier_standard"
carrier = "inpost"
name = "Kurier InPost"
delivery_methods = ["courier"]
countries = ["PL"]
max_weight_kg = 25
price = "16.99 PLN"
transit_days = 1
cutoff = "23:59"
pickup_days = {EVERY_DAY}
delivery_days = {EVERY_DAY}

[[services]]
id = "personal_pickup"
carrier = "shop"
name = "Odbiór osobisty"
delivery_methods = ["pickup"]
countries = ["PL"]
price = "0 PLN"
transit_days = 0
cutoff = "23:59"
pickup_days = {EVERY_DAY}
delivery_days = {EVERY_DAY}
"""


def fake_shop_config(
    tmp_path: Path,
    *,
    baselinker: tuple[str, str],
    woocommerce: dict[str, Any],
    inpost: dict[str, Any],
    pipeline: dict[str, Any],
) -> dict[str, Any]:
    """An ``ecomflow.toml`` as a mapping: BaseLinker, WooCommerce and InPost on their fakes.

    ``baselinker`` is (token, url); ``woocommerce`` and ``inpost`` are their tables
    without ``adapter``; labels may be bought at any hour of yesterday, today and
    tomorrow (the catalogue of :func:`catalogue_toml`, written into ``tmp_path``).
    """
    (tmp_path / "catalogue.toml").write_text(catalogue_toml(), encoding="utf-8")
    today = datetime.now(UTC).date()
    token, url = baselinker
    return {
        "store": f"sqlite:///{tmp_path / 'shop.db'}",
        "catalogue": str(tmp_path / "catalogue.toml"),
        "calendar": {"open": [today - timedelta(days=1), today, today + timedelta(days=1)]},
        "pipeline": {"label_opening": "00:00", **pipeline},
        "shop": {"name": "Kubkowo", "sender_email": "sklep@kubkowo.example"},
        "notify": {"transport": "log"},
        "channels": {
            "baselinker": {"adapter": "baselinker", "token": token, "url": url},
            "woocommerce": {"adapter": "woocommerce", **woocommerce},
        },
        "carriers": {"inpost": {"adapter": "inpost", **inpost}},
    }


# -- the SMTP server -------------------------------------------------------------------


@dataclass
class SmtpSink:
    """An SMTP server that accepts every message and keeps it (parsed) with its envelope."""

    messages: list[EmailMessage] = field(default_factory=list)
    envelopes: list[tuple[str, list[str]]] = field(default_factory=list)
    port: int = 0
    #: (username, password) the server asks for; ``None``: no login.
    login: tuple[str, str] | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and self.login is not None
            and (data.login.decode(), data.password.decode()) == self.login
        )
        return AuthResult(success=ok, handled=False)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        """aiosmtpd's hook: keep the message."""
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
            self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"

    def received(self) -> list[EmailMessage]:
        """What arrived so far."""
        with self._lock:
            return list(self.messages)

    @contextmanager
    def serving(self) -> Iterator[SmtpSink]:
        """Listen on a free loopback port until the block ends."""
        self.port = free_port()
        auth: dict[str, Any] = (
            {"authenticator": self._authenticate, "auth_require_tls": False} if self.login else {}
        )
        controller = Controller(self, hostname="127.0.0.1", port=self.port, **auth)
        controller.start()
        try:
            yield self
        finally:
            controller.stop()


def text_of(message: EmailMessage) -> str:
    """The plain-text part of a message."""
    part = message.get_body(preferencelist=("plain",))
    assert part is not None, message["Subject"]
    content = part.get_content()
    assert isinstance(content, str)
    return content


# -- fakes that tell more ---------------------------------------------------------------


class CountingBaseLinker(FakeBaseLinker):
    """FakeBaseLinker that notes when every request arrived (refused ones included)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.arrivals: list[float] = []

    def arrive(self, route: str) -> Any:
        """Note the moment, then count and fault as usual."""
        with self._lock:
            self.arrivals.append(time.monotonic())
        return super().arrive(route)

    def span(self) -> float:
        """Seconds from the first request to now (0 before any)."""
        with self._lock:
            return time.monotonic() - self.arrivals[0] if self.arrivals else 0.0

    def busiest_minute(self) -> int:
        """The most requests any 60-second window held."""
        with self._lock:
            stamps = sorted(self.arrivals)
        most, start = 0, 0
        for end, stamp in enumerate(stamps):
            while stamp - stamps[start] >= 60.0:
                start += 1
            most = max(most, end - start + 1)
        return most


class SlowShipX(FakeShipX):
    """FakeShipX that takes ``create_delay`` seconds to create a shipment."""

    create_delay = 0.0

    def _create(self, request: Request) -> Reply:
        time.sleep(self.create_delay)
        return super()._create(request)


# -- ecomflow as a subprocess ------------------------------------------------------------


@dataclass
class Process:
    """One ``ecomflow`` command running in its own process."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        """Everything it printed so far."""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def records(self) -> list[dict[str, Any]]:
        """Its JSON log records so far (other lines skipped)."""
        found = []
        for line in self.output().splitlines():
            if line.startswith("{"):
                try:
                    found.append(json.loads(line))
                except ValueError:
                    continue  # a line still being written
        return found

    def send(self, signum: int = signal.SIGTERM) -> None:
        """Send a signal (SIGTERM by default)."""
        self.popen.send_signal(signum)

    def wait(self, timeout: float) -> int:
        """Its exit code; fails with its output when it does not exit within ``timeout``."""
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"{self.name} still runs after {timeout:.0f}s:\n{self.output()[-3000:]}"
            ) from None

    def stop(self, timeout: float = 60.0) -> int:
        """SIGTERM, then its exit code."""
        if self.popen.poll() is None:
            self.send()
        return self.wait(timeout)

    def kill(self) -> None:
        """End it at once if it still runs (clean-up after a failed test)."""
        if self.popen.poll() is None:
            self.popen.kill()
            self.popen.wait(10)


def ecomflow_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without ecomflow's own variables, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECOMFLOW_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.pop("FORWARDED_ALLOW_IPS", None)
    env.update(extra or {})
    return env


def start(name: str, args: Iterable[str], *, cwd: Path, env: dict[str, str], logs: Path) -> Process:
    """Start ``python -m ecomflow <args>``; its stdout and stderr go to ``logs/<name>.log``."""
    logs.mkdir(parents=True, exist_ok=True)
    log = logs / f"{name}.log"
    with log.open("wb") as sink:
        popen = subprocess.Popen(  # the test's own child; ended by the test
            [sys.executable, "-m", "ecomflow", *args],
            cwd=cwd,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    return Process(name, popen, log)


def run(
    args: Iterable[str], *, cwd: Path, env: dict[str, str], timeout: float = 120.0
) -> subprocess.CompletedProcess[str]:
    """Run ``python -m ecomflow <args>`` to its end; its output as text."""
    return subprocess.run(
        [sys.executable, "-m", "ecomflow", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
