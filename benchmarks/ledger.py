"""Reservations per second: StockLedger.reserve vs a bare conditional-UPDATE ceiling.

Same workload for both: 2-line orders over 200 SKUs with plenty of stock,
idempotency keys on for the ledger. The ceiling is the minimal SQL a
reservation needs — ``UPDATE … SET reserved = reserved + ? WHERE … AND
on_hand - reserved >= ?`` for each line in one transaction — through the same
driver, with the same pragmas. Run: ``python benchmarks/ledger.py [--seconds 3]``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sqlite3
import tempfile
import time
import uuid
from typing import Any

from ecomflow.stock import StockLedger, open_store
from ecomflow.storage import PostgresStore

SKUS = [f"SKU-{i:04d}" for i in range(200)]
PG = os.environ.get("ECOMFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _orders(seed: int) -> Any:
    rng = random.Random(seed)
    while True:
        a, b = rng.sample(SKUS, 2)
        yield {a: 1, b: 1}


def seed_ledger(url: str) -> None:
    with open_store(url) as store:
        ledger = StockLedger(store)
        for sku in SKUS:
            ledger.receive(sku, 10_000_000)


def ledger_worker(url: str, seconds: float, worker: int) -> int:
    with open_store(url) as store:
        ledger = StockLedger(store)
        orders = _orders(worker)
        done = 0
        end = time.perf_counter() + seconds
        while time.perf_counter() < end:
            order_id = f"w{worker}-{done}-{uuid.uuid4().hex[:6]}"
            ledger.reserve(order_id, next(orders), key=f"k-{order_id}")
            done += 1
        return done


def _bare_sql(url: str) -> tuple[Any, str]:
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        return conn, "?"
    import psycopg

    base, _, query = url.partition("?schema=")
    conn = psycopg.connect(base, autocommit=True)
    conn.execute(f'SET search_path TO "{query}"')
    return conn, "%s"


def seed_bare(url: str) -> None:
    conn, p = _bare_sql(url)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS bare_levels (sku TEXT PRIMARY KEY, "
        "on_hand INTEGER NOT NULL, reserved INTEGER NOT NULL)"
    )
    for sku in SKUS:
        conn.execute(f"INSERT INTO bare_levels VALUES ({p}, 10000000, 0)", (sku,))
    conn.close()


def bare_worker(url: str, seconds: float, worker: int) -> int:
    conn, p = _bare_sql(url)
    sql = (
        f"UPDATE bare_levels SET reserved = reserved + {p} "
        f"WHERE sku = {p} AND on_hand - reserved >= {p}"
    )
    begin = "BEGIN IMMEDIATE" if p == "?" else "BEGIN"
    orders = _orders(worker)
    done = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        lines = next(orders)
        conn.execute(begin)
        ok = all(conn.execute(sql, (q, s, q)).rowcount == 1 for s, q in sorted(lines.items()))
        conn.execute("COMMIT" if ok else "ROLLBACK")
        done += 1
    conn.close()
    return done


def run(kind: str, url: str, processes: int, seconds: float) -> tuple[float, float]:
    context = multiprocessing.get_context("spawn")
    rates = []
    for seed_fn, work in ((seed_ledger, ledger_worker), (seed_bare, bare_worker)):
        seed_fn(url)
        with context.Pool(processes) as pool:
            counts = pool.starmap(work, [(url, seconds, w) for w in range(processes)])
        rates.append(sum(counts) / seconds)
    ledger_rate, bare_rate = rates
    print(
        f"{kind:<22} ledger {ledger_rate:>8.0f}/s   bare SQL {bare_rate:>8.0f}/s   "
        f"ratio {ledger_rate / bare_rate:.2f}"
    )
    return ledger_rate, bare_rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite, 1 process", f"sqlite:///{tmp}/bench.db", 1, args.seconds)
    for processes in (1, 4):
        url = f"{PG}?schema=bench_{uuid.uuid4().hex[:8]}"
        try:
            run(f"PostgreSQL, {processes} proc", url, processes, args.seconds)
        finally:
            store = open_store(url)
            assert isinstance(store, PostgresStore)
            store.drop_schema()
            store.close()


if __name__ == "__main__":
    main()
