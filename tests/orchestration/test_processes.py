"""Worker processes killed with SIGKILL at random and restarted: every order once.

Real parts only: ``ecomflow worker`` subprocesses (``_worker_process.py``, the
CLI with a shop clock), one store (PostgreSQL for three workers, SQLite for
the one worker it allows), fake BaseLinker and ShipX on loopback, an SMTP
server (aiosmtpd). The witnesses are what the outside world recorded — ShipX
shipments, BaseLinker packages and statuses, the mailbox — never ecomflow's
own tables.
"""

from __future__ import annotations

import email
import email.policy
import os
import random
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from ecomflow.orchestration import Orchestrator, OrchestratorConfig
from ecomflow.testing import FakeBaseLinker, FakeShipX

from ..stock.conftest import postgres_schema_url

RUNNER = Path(__file__).with_name("_worker_process.py")
ORDERS = 30
#: How long the workers get to finish every order after the last kill.
SETTLE_SECONDS = 90.0


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps every message it accepts."""

    received: list[bytes] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        self.received.append(envelope.content)
        return "250 Message accepted for delivery"

    def message_ids(self) -> Counter[str]:
        ids: Counter[str] = Counter()
        for raw in list(self.received):
            parsed = email.message_from_bytes(raw, policy=email.policy.default)
            ids[str(parsed["Message-ID"])] += 1
        return ids


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Shop:
    """The outside world and the ecomflow.toml that points at it."""

    toml: Path
    baselinker: FakeBaseLinker
    shipx: FakeShipX
    mailbox: Mailbox
    orders: list[int]
    env: dict[str, str]
    logs: Path

    def start(self, worker_id: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"{worker_id}.log").open("ab") as log:  # the child keeps its copy
            return subprocess.Popen(
                [sys.executable, str(RUNNER), str(self.toml), worker_id],
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )

    def finished(self) -> bool:
        """Every order labelled, written back and told about (by the world's records)."""
        shipped = self.baselinker.status_id("Wysłane")
        return all(
            len(self.baselinker.packages.get(o, [])) >= 1
            and self.baselinker.orders[o]["order_status_id"] == shipped
            for o in self.orders
        ) and len(self.mailbox.message_ids()) >= 2 * len(self.orders)


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Any]:
    def build(store: str) -> Shop:
        return _build(tmp_path, store, stack)

    stack: list[Any] = []
    try:
        yield build
    finally:
        for stop in reversed(stack):
            stop()


def _build(tmp_path: Path, store: str, stack: list[Any]) -> Shop:
    baselinker = FakeBaseLinker(token="bl-token").start()
    stack.append(baselinker.stop)
    shipx = FakeShipX(token="shipx-token", confirm_after=0.2).start()
    stack.append(shipx.stop)
    mailbox = Mailbox()
    port = _free_port()
    smtp = Controller(mailbox, hostname="127.0.0.1", port=port)
    smtp.start()
    stack.append(smtp.stop)

    toml = tmp_path / "ecomflow.toml"
    toml.write_text(
        f"""
store = "{store}"

[shop]
name = "Kubkowo"
sender_email = "sklep@kubkowo.example"

[notify]
transport = "smtp"
host = "127.0.0.1"
port = {port}
security = "none"
timeout = 5

[pipeline]
lease_seconds = 3
confirm_poll_seconds = 0.3

[worker]
sync_every = 0.5
dispatch_every = 0.2
heartbeat_every = 0.5
expire_every = 5
tracking_every = 600
publish_every = 600

[channels.shop]
adapter = "baselinker"
token = "bl-token"
url = "{baselinker.url}"
inventory_id = 1

[carriers.inpost]
adapter = "inpost"
token = "shipx-token"
organization_id = {shipx.organization_id}
url = "{shipx.url}"
""",
        encoding="utf-8",
    )
    setup = Orchestrator.from_config(OrchestratorConfig.from_toml(toml))
    setup.ledger.receive("MUG-RED", 10 * ORDERS, key="opening stock")
    setup.close()
    orders = [baselinker.add_order() for _ in range(ORDERS)]
    env = {**os.environ, "ECOMFLOW_TEST_T0": repr(time.time())}
    logs = tmp_path / "logs"
    logs.mkdir()
    return Shop(toml, baselinker, shipx, mailbox, orders, env, logs)


def _run_with_kills(shop: Shop, workers: int, kills: int, seed: int) -> dict[str, Any]:
    """Start ``workers`` processes, SIGKILL one at random ``kills`` times, restart it."""
    rng = random.Random(seed)
    running = {f"w{n}": shop.start(f"w{n}") for n in range(workers)}
    for _ in range(kills):
        time.sleep(rng.uniform(0.2, 1.2))
        name = rng.choice(sorted(running))
        running[name].kill()
        running[name].wait()
        running[name] = shop.start(name)
    deadline = time.monotonic() + SETTLE_SECONDS
    while not shop.finished() and time.monotonic() < deadline:
        time.sleep(0.5)
    time.sleep(2.0)  # anything a worker would still (wrongly) do, it has time to do now
    for process in running.values():
        process.send_signal(signal.SIGTERM)
    codes: dict[str, int | str] = {}
    for name, process in running.items():
        try:
            codes[name] = process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGUSR1)  # faulthandler: its stack into the log
            time.sleep(1.0)
            process.kill()
            process.wait()
            codes[name] = "did not stop within 30 s of SIGTERM"
    return codes


def _assert_exactly_once(shop: Shop, codes: dict[str, Any], kills: int) -> None:
    logs = "\n".join(p.read_text(errors="replace")[-3000:] for p in shop.logs.iterdir())
    assert shop.finished(), f"not every order finished; worker logs:\n{logs}"
    for order in shop.orders:
        reference = f"shop-{order}"
        live = [
            s
            for s in shop.shipx.shipments.values()
            if s.get("reference") == reference and s["status"] != "cancelled"
        ]
        assert len(live) == 1, f"{reference}: {len(live)} ShipX shipments"
        assert len(shop.baselinker.packages[order]) == 1, f"{reference}: packages"
    sent = shop.mailbox.message_ids()
    assert len(sent) == 2 * len(shop.orders)  # a confirmation and a shipped message each
    # A SIGKILL after the server accepted a message and before it was marked done
    # sends it again — with the same Message-ID, so mail clients show it once.
    resent = sum(n - 1 for n in sent.values())
    assert resent <= kills
    assert set(codes.values()) == {0}, f"a worker did not stop cleanly: {codes}\n{logs}"


def test_three_postgres_workers_killed_twenty_times(shop: Any, postgres_url: str) -> None:
    world: Shop = shop(postgres_schema_url(postgres_url))
    codes = _run_with_kills(world, workers=3, kills=20, seed=15)
    _assert_exactly_once(world, codes, kills=20)


def test_one_sqlite_worker_killed_ten_times(shop: Any, tmp_path: Path) -> None:
    world: Shop = shop(f"sqlite:///{tmp_path / 'shop.db'}")
    codes = _run_with_kills(world, workers=1, kills=10, seed=16)
    _assert_exactly_once(world, codes, kills=10)
