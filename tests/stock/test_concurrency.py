"""Oversell is impossible with several OS processes reserving the same hot SKUs."""

from __future__ import annotations

import multiprocessing
from collections import Counter
from pathlib import Path

import pytest

from ecomflow.stock import StockLedger, open_store
from ecomflow.storage import PostgresStore
from tests.stock._workers import HOT_SKUS, reserve_randomly
from tests.stock.conftest import postgres_schema_url

STOCK = {"HOT-A": 20, "HOT-B": 15, "HOT-C": 10}
WORKERS = 4
ORDERS_PER_WORKER = 40  # demand ≈ 4 × 40 × 2 × 2 units ≫ 45 in stock


def _race(url: str) -> None:
    with open_store(url) as store:
        ledger = StockLedger(store)
        for sku, qty in STOCK.items():
            ledger.receive(sku, qty)
    context = multiprocessing.get_context("spawn")
    with context.Pool(WORKERS) as pool:
        results = pool.starmap(
            reserve_randomly, [(url, w, ORDERS_PER_WORKER, 7) for w in range(WORKERS)]
        )
    won: dict[str, dict[str, int]] = {}
    failures: Counter[str] = Counter()
    for result in results:
        won.update(result["won"])  # type: ignore[arg-type]
        failures.update(result["failures"])  # type: ignore[arg-type]
    assert set(failures) <= {"InsufficientStock"}, failures
    assert failures["InsufficientStock"] > 0, "demand must exceed stock for the test to mean much"
    reserved: Counter[str] = Counter()
    for lines in won.values():
        reserved.update(lines)
    with open_store(url) as store:
        ledger = StockLedger(store)
        for sku in HOT_SKUS:
            level = ledger.level(sku)
            assert level.reserved <= level.on_hand
            assert level.reserved == reserved[sku]
            assert level.on_hand == STOCK[sku]
        # Everything that could be sold was sold: no order of one unit of any SKU would fit.
        assert sum(ledger.level(s).available for s in HOT_SKUS) < sum(STOCK.values())
        for order_id in won:
            assert ledger.reservation(order_id) is not None
        assert ledger.verify().ok, ledger.verify()


@pytest.mark.slow
def test_no_oversell_sqlite_processes(tmp_path: Path) -> None:
    _race(f"sqlite:///{tmp_path / 'race.db'}")


@pytest.mark.slow
@pytest.mark.postgres
def test_no_oversell_postgres_processes(postgres_url: str) -> None:
    url = postgres_schema_url(postgres_url)
    try:
        _race(url)
    finally:
        store = open_store(url)
        assert isinstance(store, PostgresStore)
        store.drop_schema()
        store.close()


# Two warehouses: most orders fit the first by priority (written in one go), the rest
# go to the full algorithm, which must pick the second — both paths race together.
SPLIT = {("HOT-A", "main"): 8, ("HOT-B", "main"): 6, ("HOT-C", "main"): 4}
SPLIT |= {("HOT-A", "north"): 12, ("HOT-B", "north"): 9, ("HOT-C", "north"): 6}


def _race_two_warehouses(url: str) -> None:
    with open_store(url) as store:
        ledger = StockLedger(store)
        for (sku, warehouse), qty in SPLIT.items():
            ledger.receive(sku, qty, warehouse=warehouse)
    context = multiprocessing.get_context("spawn")
    priority = ("main", "north")
    with context.Pool(WORKERS) as pool:
        results = pool.starmap(
            reserve_randomly,
            [(url, w, ORDERS_PER_WORKER, 11, priority) for w in range(WORKERS)],
        )
    reserved: Counter[tuple[str, str]] = Counter()
    failures: Counter[str] = Counter()
    for result in results:
        failures.update(result["failures"])  # type: ignore[arg-type]
        where: dict[str, str] = result["where"]  # type: ignore[assignment]
        for order_id, lines in result["won"].items():  # type: ignore[attr-defined]
            for sku, qty in lines.items():
                reserved[(sku, where[order_id])] += qty
    assert set(failures) <= {"InsufficientStock"}, failures
    assert failures["InsufficientStock"] > 0
    assert {wh for _, wh in reserved} == {"main", "north"}, "both paths must have run"
    with open_store(url) as store:
        ledger = StockLedger(store)
        for (sku, warehouse), qty in SPLIT.items():
            level = ledger.level(sku, warehouse)
            assert level.reserved <= level.on_hand == qty
            assert level.reserved == reserved[(sku, warehouse)]
        assert ledger.verify().ok, ledger.verify()


@pytest.mark.slow
def test_no_oversell_sqlite_processes_two_warehouses(tmp_path: Path) -> None:
    _race_two_warehouses(f"sqlite:///{tmp_path / 'race.db'}")


@pytest.mark.slow
@pytest.mark.postgres
def test_no_oversell_postgres_processes_two_warehouses(postgres_url: str) -> None:
    url = postgres_schema_url(postgres_url)
    try:
        _race_two_warehouses(url)
    finally:
        store = open_store(url)
        assert isinstance(store, PostgresStore)
        store.drop_schema()
        store.close()
