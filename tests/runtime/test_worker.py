"""``ecomflow worker`` as a shop runs it: signals, startup checks, one worker on SQLite, heartbeats.

Each test runs the real command as a subprocess against fake APIs on loopback and
a SQLite shop in ``tmp_path``; the daily report is checked in-process on a frozen
clock (the hour is the point, not the process).
"""

from __future__ import annotations

import json
import logging
import signal
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

import pytest

from ecomflow.notify import RecordingNotifier
from ecomflow.orchestration import Orchestrator, OrderRepository, WorkerSettings
from ecomflow.shipping import Catalogue
from ecomflow.storage import open_store
from ecomflow.testing import FakeShopify, FakeWooCommerce, FrozenClock, MemoryChannel
from ecomflow.worker import Worker
from tests.e2e.shop import (
    CountingBaseLinker,
    Process,
    SlowShipX,
    catalogue_toml,
    ecomflow_env,
    run,
    start,
    wait_for,
)

CONFIG = 3
BL_TOKEN = "bl-worker-token-3a"


@dataclass
class Shop:
    """A SQLite shop on fake BaseLinker and ShipX, run by ``ecomflow worker`` subprocesses."""

    root: Path
    baselinker: CountingBaseLinker
    shipx: SlowShipX

    def configure(self, *, lease: float = 30.0, extra: str = "") -> None:
        (self.root / "catalogue.toml").write_text(catalogue_toml(), encoding="utf-8")
        today = datetime.now(UTC).date()
        (self.root / "ecomflow.toml").write_text(
            f"""
store = "sqlite:///{self.root / "shop.db"}"
catalogue = "catalogue.toml"

[calendar]
open = [{(today - timedelta(days=1)).isoformat()}, {today.isoformat()}, {(today + timedelta(days=1)).isoformat()}]

[pipeline]
label_opening = "00:00"
lease_seconds = {lease}
claim_batch = 10

[worker]
sync_every = 1
dispatch_every = 0.2
heartbeat_every = 0.5
report_at = "00:00"

[notify]
transport = "log"

[channels.baselinker]
adapter = "baselinker"
token = "{BL_TOKEN}"
url = "{self.baselinker.url}"

[carriers.inpost]
adapter = "inpost"
token = "{self.shipx.token}"
organization_id = {self.shipx.organization_id}
url = "{self.shipx.url}"
{extra}
""",
            encoding="utf-8",
        )

    def worker(self, name: str, *args: str) -> Process:
        return start(
            name,
            ["worker", "--config", "ecomflow.toml", "--log-format", "json", *args],
            cwd=self.root,
            env=ecomflow_env(),
            logs=self.root / "logs",
        )

    def cli(self, *args: str) -> Any:
        return run([*args, "--config", "ecomflow.toml"], cwd=self.root, env=ecomflow_env())

    def repository(self) -> OrderRepository:
        return OrderRepository(open_store(f"sqlite:///{self.root / 'shop.db'}"))

    def orders(self, count: int) -> list[str]:
        self.cli("stock", "receive", "MUG-RED", "100", "--key", "initial")
        return [
            f"baselinker-{self.baselinker.add_order(delivery_method='Kurier InPost')}"
            for _ in range(count)
        ]

    def shipments_by_reference(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for shipment in self.shipx.shipments.values():
            if shipment["status"] != "canceled":
                found[str(shipment["reference"])] = found.get(str(shipment["reference"]), 0) + 1
        return found


@pytest.fixture
def shop(tmp_path: Path) -> Iterator[Shop]:
    with CountingBaseLinker(token=BL_TOKEN) as baselinker, SlowShipX() as shipx:
        made = Shop(tmp_path, baselinker, shipx)
        made.configure()
        yield made


def _started_effect(process: Process, kind: str) -> dict[str, Any] | None:
    return next(
        (r for r in process.records() if r.get("event") == "start" and r.get("effect") == kind),
        None,
    )


def test_sigterm_finishes_the_effect_in_hand_gives_the_rest_back_and_exits_0(shop: Shop) -> None:
    orders = shop.orders(4)
    shop.shipx.create_delay = 2.0
    worker = shop.worker("worker", "--log-level", "DEBUG")
    try:
        started = wait_for(
            lambda: _started_effect(worker, "create_shipment"), 60, "a shipment started", every=0.02
        )
        worker.send(signal.SIGTERM)
        sent = time.monotonic()
        assert worker.wait(30) == 0, worker.output()
        took = time.monotonic() - sent
    finally:
        worker.kill()
    records = worker.records()
    finished = [
        r
        for r in records
        if r.get("effect_key") == started["effect_key"] and r["event"] == "finish"
    ]
    assert len(finished) == 1, "the effect in hand was not finished"
    assert took < 2.0 + 5.0, "it waited for more than the effect in hand"
    assert records[-1]["message"].endswith(" stopped")
    # exactly the started shipment exists; the other orders' effects were given back
    assert shop.shipments_by_reference() == {started["order_id"]: 1}
    repository = shop.repository()
    try:
        pending = [r for r in repository.effects("pending") if r.kind == "create_shipment"]
        assert {r.order_id for r in pending} == set(orders) - {started["order_id"]}
        assert all(r.claim_token is None and r.lease_until is None for r in pending)
        assert [w["state"] for w in repository.workers()] == ["stopped"]
    finally:
        repository.store.close()
    # the next worker does the rest: one shipment per order
    again = shop.worker("again")
    try:
        wait_for(
            lambda: shop.shipments_by_reference() == dict.fromkeys(orders, 1),
            60,
            "every order's shipment",
        )
        assert again.stop() == 0
    finally:
        again.kill()


def test_a_second_signal_exits_at_once_and_no_label_is_bought_twice(shop: Shop) -> None:
    shop.configure(lease=2.0)
    (order,) = shop.orders(1)
    shop.shipx.create_delay = 6.0
    worker = shop.worker("worker", "--log-level", "DEBUG")
    try:
        wait_for(
            lambda: _started_effect(worker, "create_shipment"), 60, "a shipment started", every=0.02
        )
        worker.send(signal.SIGTERM)
        time.sleep(0.3)
        worker.send(signal.SIGTERM)
        sent = time.monotonic()
        assert worker.wait(10) == 128 + signal.SIGTERM
        assert time.monotonic() - sent < 3.0, "the second signal did not end it at once"
    finally:
        worker.kill()
    # ShipX made the shipment although nobody heard the answer; its lease runs out, the
    # next worker looks for it by reference before buying, and finds it
    shop.shipx.create_delay = 0.0
    wait_for(lambda: shop.shipments_by_reference().get(order) == 1, 10, "ShipX's shipment")
    again = shop.worker("again")
    try:
        wait_for(
            lambda: any(
                r.get("event") == "finish" and r.get("effect") == "create_shipment"
                for r in again.records()
            ),
            60,
            "the next worker to finish the shipment",
        )
        assert again.stop() == 0
    finally:
        again.kill()
    assert shop.shipments_by_reference() == {order: 1}
    assert shop.shipx.calls["create_shipment"] == 1


def test_startup_checks_name_every_adapter_whose_credentials_fail(shop: Shop) -> None:
    with FakeShopify(token="shpat_right") as shopify, FakeWooCommerce(key="ck_right") as woo:
        shop.configure(
            extra=f"""
[channels.shopify]
adapter = "shopify"
shop_url = "{shopify.url}"
access_token = "shpat_wrong"

[channels.woocommerce]
adapter = "woocommerce"
url = "{woo.url}"
consumer_key = "ck_wrong"
consumer_secret = "{woo.secret}"
allow_http = true
"""
        )
        config = shop.root / "ecomflow.toml"
        text = config.read_text(encoding="utf-8").replace(BL_TOKEN, "bl-wrong")
        config.write_text(text.replace(shop.shipx.token, "shipx-wrong"), encoding="utf-8")
        done = shop.cli("worker")
        checked = shop.cli("check-config")
    assert done.returncode == CONFIG, done.stderr
    error = done.stderr
    assert "error: startup checks failed:\n" in error
    for line in (
        "  - channel baselinker: [ERROR_BAD_TOKEN] Invalid user token",
        "  - channel shopify: [HTTP 401]",
        "  - channel woocommerce: [HTTP 401 woocommerce_rest_authentication_error]",
        "  - carrier inpost: [HTTP 401 unauthorized] Token is missing or invalid",
    ):
        assert line in error, (line, error)
    for secret in ("bl-wrong", "shipx-wrong", "shpat_wrong", "ck_wrong"):
        assert secret not in error
    assert checked.returncode == CONFIG
    assert "channel shopify: [HTTP 401]" in checked.stderr
    repository = shop.repository()
    try:
        assert repository.workers() == []  # it never started
    finally:
        repository.store.close()


def test_a_database_from_a_newer_ecomflow_is_refused(shop: Shop) -> None:
    repository = shop.repository()
    with repository.store.transaction() as tx:
        tx.execute("UPDATE ecomflow_schema SET version = 99 WHERE component = 'orchestrator'")
    repository.store.close()
    done = shop.cli("worker")
    assert done.returncode == CONFIG
    assert "database schema orchestrator v99 is newer than this ecomflow (v2)" in done.stderr
    assert "upgrade ecomflow" in done.stderr


def test_sqlite_allows_one_worker_and_status_shows_its_heartbeat(shop: Shop) -> None:
    first = shop.worker("first")
    try:
        wait_for(
            lambda: any(r["message"].endswith(" started") for r in first.records()),
            60,
            "the first worker",
        )
        second = shop.cli("worker")
        assert second.returncode == CONFIG
        assert "another ecomflow worker runs on sqlite:///" in second.stderr
        assert "SQLite allows one" in second.stderr
        time.sleep(1.5)  # a few heartbeats
        status = shop.cli("status", "--json")
        assert status.returncode == 0, status.stderr
        workers = json.loads(status.stdout)["workers"]
        assert len(workers) == 1
        assert workers[0]["state"] == "running"
        assert workers[0]["pid"] == first.popen.pid
        assert workers[0]["seconds_since_seen"] < 5
        assert first.stop() == 0
    finally:
        first.kill()
    stopped = json.loads(shop.cli("status", "--json").stdout)["workers"]
    assert [w["state"] for w in stopped] == ["stopped"]
    # the lock went with the first worker: another may run now
    once = shop.cli("worker", "--once")
    assert once.returncode == 0, once.stderr


# -- the daily report, at the configured hour ------------------------------------------------


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_the_daily_report_is_logged_once_a_day_at_the_configured_hour() -> None:
    # 19:58 in Warsaw (UTC+1 in November); the report is due at 20:00 local time
    clock = FrozenClock(datetime(2026, 11, 24, 18, 58, tzinfo=UTC))
    orchestrator = Orchestrator(
        store=open_store("memory://"),
        channels={"shop": MemoryChannel("shop")},
        catalogue=Catalogue.example(),
        notifier=RecordingNotifier(),
        clock=clock,
    )
    ticks = [0.0]
    worker = Worker(
        orchestrator,
        WorkerSettings(report_at=clock_time(20, 0)),
        monotonic=lambda: ticks[0],
    )
    handler = _Records()
    logger = logging.getLogger("ecomflow.worker")
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:

        def minute(minutes: float = 1.0) -> list[logging.LogRecord]:
            clock.advance(minutes=minutes)
            ticks[0] += minutes * 60
            worker.run_once()
            return [r for r in handler.records if r.getMessage().startswith("daily report")]

        assert minute() == []  # 19:59
        assert len(minute()) == 1  # 20:00
        report = minute()[0]
        assert report.getMessage().startswith("daily report 2026-11-24")
        assert "orders_by_status" in report.report  # type: ignore[attr-defined]
        assert len(minute(120)) == 1  # 22:00: not again the same day
        assert len(minute(24 * 60)) == 2  # the next evening
    finally:
        logger.removeHandler(handler)
        orchestrator.close()
