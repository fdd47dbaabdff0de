"""Exactly-once under kill -9 and with several workers, checked against the fakes' own records."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from ecomflow.notify import JournalNotifier
from ecomflow.stock import StockLedger, open_store
from ecomflow.storage import PostgresStore
from ecomflow.testing import FakeBaseLinker, FakeShipX
from tests.stock.conftest import postgres_schema_url

ORDERS = 12
ROOT = Path(__file__).parents[2]


@pytest.fixture
def fakes() -> Iterator[tuple[FakeBaseLinker, FakeShipX]]:
    with FakeBaseLinker(token="bl", rate_limit=100_000) as bl, FakeShipX(token="sx") as sx:
        start = 1_795_510_800
        for i in range(ORDERS):
            bl.add_order(
                date_confirmed=start + i,
                date_add=start,
                delivery_point_id="KRA010",
                delivery_method="InPost Paczkomaty 24/7",
            )
        yield bl, sx


def _seed_stock(url: str) -> None:
    store = open_store(url)
    StockLedger(store).receive("MUG-RED", 1000, key="seed")
    store.close()


def _worker(
    url: str, bl: FakeBaseLinker, sx: FakeShipX, journal: Path, mode: str
) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{os.environ.get('PYTHONPATH', '')}"}
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.orchestration._worker",
            url,
            bl.url,
            sx.url.rstrip("/"),
            str(journal),
            mode,
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _check(bl: FakeBaseLinker, sx: FakeShipX, journal: Path) -> None:
    references = Counter(s["reference"] for s in sx.shipments.values())
    assert len(references) == ORDERS, references
    assert set(references.values()) == {1}, "a second label was bought"
    for order_id, packages in bl.packages.items():
        assert len(packages) == 1, f"order {order_id} recorded {len(packages)} packages"
    keys = Counter(JournalNotifier(journal).keys())
    assert keys, "no message went out"
    assert set(keys.values()) == {1}, "a message went out twice"
    assert sum(1 for k in keys if k.startswith("msg:shipped:")) == ORDERS


@pytest.mark.slow
def test_kill_minus_nine_at_random_points_loses_and_repeats_nothing(
    fakes: tuple[FakeBaseLinker, FakeShipX], tmp_path: Path
) -> None:
    bl, sx = fakes
    url = f"sqlite:///{tmp_path / 'crash.db'}"
    journal = tmp_path / "messages.jsonl"
    _seed_stock(url)
    rng = random.Random(11)
    kills = 0
    while kills < 20:
        worker = _worker(url, bl, sx, journal, "all")
        time.sleep(rng.uniform(0.05, 0.6))
        if worker.poll() is None:
            worker.send_signal(signal.SIGKILL)
            kills += 1
        worker.wait()
        if worker.returncode == 0 and kills >= 20:
            break
    final = _worker(url, bl, sx, journal, "all")
    assert final.wait(timeout=120) == 0
    _check(bl, sx, journal)


@pytest.mark.slow
@pytest.mark.postgres
def test_three_workers_on_postgres_deliver_exactly_once(
    fakes: tuple[FakeBaseLinker, FakeShipX], tmp_path: Path, postgres_url: str
) -> None:
    bl, sx = fakes
    url = postgres_schema_url(postgres_url)
    journal = tmp_path / "messages.jsonl"
    try:
        _seed_stock(url)
        from tests.orchestration._worker import build

        intake = build(url, bl.url, sx.url, str(journal))
        intake.sync()  # one process ingests; three workers dispatch the outbox at once
        intake.repository.store.close()
        workers = [_worker(url, bl, sx, journal, "dispatch") for _ in range(3)]
        for worker in workers:
            assert worker.wait(timeout=120) == 0
        _check(bl, sx, journal)
    finally:
        store = open_store(url)
        assert isinstance(store, PostgresStore)
        store.drop_schema()
        store.close()
