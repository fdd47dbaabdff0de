"""Reservations per second: StockLedger.reserve vs a bare ceiling and a Saleor-style peer.

Same workload for all three: 2-line orders over 200 SKUs with plenty of
stock, in one warehouse, each worker process reserving as fast as it can.

- **ledger** — ``StockLedger.reserve(order_id, lines, key=…)``: idempotency key,
  reservation row, journal, all-or-nothing, through the store layer.
- **bare** — the ceiling: the minimal SQL a reservation needs, ``UPDATE … SET
  reserved = reserved + ? WHERE … AND on_hand - reserved >= ?`` for each line
  in one transaction, one statement at a time, through the same driver with
  the same pragmas.
- **peer** — a Saleor-style allocation written as plain SQL (a lean version of
  Saleor's ``allocate_stocks``): ``SELECT … FOR UPDATE`` on the stock rows,
  check availability, insert one allocation row per line (``bulk_create``),
  add to ``quantity_allocated`` (``bulk_update``), on Saleor's table shapes
  (serial ids, unique (warehouse, variant), unique (order line, stock), a
  foreign key and an index on ``stock_id``). Saleor also joins channel and
  shipping-zone tables and sums existing allocations; leaving that out only
  makes the peer faster. It keeps no idempotency keys and no journal.
- **bare, pipelined** (PostgreSQL only, for information): the bare ceiling with
  its statements sent in one psycopg pipeline, to show what the round trips cost.

The three run interleaved, ``--rounds`` times per configuration, each for
``--seconds``; the table shows the median rate of each and the median of the
per-round ratios (ratios taken within one round, so machine noise mostly
cancels). Run: ``python benchmarks/ledger.py [--seconds 3] [--rounds 3]``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

from ecomflow.stock import StockLedger, open_store
from ecomflow.storage import PostgresStore

SKUS = [f"SKU-{i:04d}" for i in range(200)]
STOCK = 10_000_000
PG = os.environ.get("ECOMFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _orders(seed: int) -> Iterator[dict[str, int]]:
    rng = random.Random(seed)
    while True:
        a, b = rng.sample(SKUS, 2)
        yield {a: 1, b: 1}


def _connect(url: str) -> tuple[Any, str]:
    """A raw driver connection with the store's settings, and its placeholder."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None, timeout=30)
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        return conn, "?"
    import psycopg

    base, _, schema = url.partition("?schema=")
    conn = psycopg.connect(base, autocommit=True)
    conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    conn.execute(f'SET search_path TO "{schema}"')
    return conn, "%s"


# -- the ledger ----------------------------------------------------------------------------


def seed_ledger(url: str) -> None:
    with open_store(url) as store:
        ledger = StockLedger(store)
        for sku in SKUS:
            if ledger.level(sku).on_hand == 0:
                ledger.receive(sku, STOCK)


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


# -- the bare ceiling ----------------------------------------------------------------------


def seed_bare(url: str) -> None:
    conn, p = _connect(url)
    conn.execute(
        "CREATE TABLE IF NOT EXISTS bare_levels (sku TEXT PRIMARY KEY, "
        "on_hand INTEGER NOT NULL, reserved INTEGER NOT NULL)"
    )
    for sku in SKUS:
        conn.execute(
            f"INSERT INTO bare_levels VALUES ({p}, {STOCK}, 0) ON CONFLICT (sku) DO NOTHING", (sku,)
        )
    conn.close()


def _bare_sql(p: str) -> str:
    return (
        f"UPDATE bare_levels SET reserved = reserved + {p} "
        f"WHERE sku = {p} AND on_hand - reserved >= {p}"
    )


def bare_worker(url: str, seconds: float, worker: int) -> int:
    conn, p = _connect(url)
    sql = _bare_sql(p)
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


def bare_pipelined_worker(url: str, seconds: float, worker: int) -> int:
    conn, p = _connect(url)
    sql = _bare_sql(p)
    orders = _orders(worker)
    cursor = conn.cursor()
    done = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        lines = next(orders)
        with conn.pipeline() as pipeline:
            conn.execute("BEGIN")
            cursor.executemany(sql, [(q, s, q) for s, q in sorted(lines.items())])
            pipeline.sync()
            conn.execute("COMMIT" if cursor.rowcount == len(lines) else "ROLLBACK")
        done += 1
    conn.close()
    return done


# -- the Saleor-style peer -----------------------------------------------------------------


def seed_peer(url: str) -> None:
    conn, p = _connect(url)
    postgres = p == "%s"
    serial = "SERIAL" if postgres else "INTEGER"
    line_id = "UUID" if postgres else "TEXT"
    deferred = " DEFERRABLE INITIALLY DEFERRED" if postgres else ""  # as Django declares FKs
    conn.execute(
        f"""CREATE TABLE IF NOT EXISTS peer_stock (
            id {serial} PRIMARY KEY,
            warehouse_id TEXT NOT NULL,
            product_variant_id TEXT NOT NULL,
            quantity INTEGER NOT NULL CHECK (quantity >= 0),
            quantity_allocated INTEGER NOT NULL DEFAULT 0 CHECK (quantity_allocated >= 0),
            UNIQUE (warehouse_id, product_variant_id)
        )"""
    )
    conn.execute("CREATE INDEX IF NOT EXISTS peer_stock_variant ON peer_stock (product_variant_id)")
    conn.execute(
        f"""CREATE TABLE IF NOT EXISTS peer_allocation (
            id {serial} PRIMARY KEY,
            order_line_id {line_id} NOT NULL,
            stock_id INTEGER NOT NULL REFERENCES peer_stock (id){deferred},
            quantity_allocated INTEGER NOT NULL DEFAULT 0 CHECK (quantity_allocated >= 0),
            UNIQUE (order_line_id, stock_id)
        )"""
    )
    conn.execute("CREATE INDEX IF NOT EXISTS peer_allocation_stock ON peer_allocation (stock_id)")
    for sku in SKUS:
        conn.execute(
            "INSERT INTO peer_stock (warehouse_id, product_variant_id, quantity) "
            f"VALUES ('main', {p}, {STOCK}) ON CONFLICT (warehouse_id, product_variant_id) "
            "DO NOTHING",
            (sku,),
        )
    conn.close()


def peer_worker(url: str, seconds: float, worker: int) -> int:
    conn, p = _connect(url)
    postgres = p == "%s"
    begin = "BEGIN" if postgres else "BEGIN IMMEDIATE"
    lock = " FOR UPDATE" if postgres else ""
    select = (
        "SELECT id, product_variant_id, quantity, quantity_allocated FROM peer_stock "
        f"WHERE warehouse_id = 'main' AND product_variant_id IN ({p}, {p}) ORDER BY id{lock}"
    )
    insert = (
        "INSERT INTO peer_allocation (order_line_id, stock_id, quantity_allocated) "
        f"VALUES ({p}, {p}, {p}), ({p}, {p}, {p})"
    )
    update = (
        "UPDATE peer_stock SET quantity_allocated = CASE "
        f"WHEN id = {p} THEN quantity_allocated + {p} "
        f"WHEN id = {p} THEN quantity_allocated + {p} ELSE quantity_allocated END "
        f"WHERE id IN ({p}, {p})"
    )
    orders = _orders(worker)
    done = 0
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        lines = next(orders)
        conn.execute(begin)
        stocks = conn.execute(select, tuple(lines)).fetchall()
        if len(stocks) != len(lines) or any(q - a < lines[v] for _, v, q, a in stocks):
            conn.execute("ROLLBACK")  # InsufficientStock
        else:
            allocations = [(str(uuid.uuid4()), sid, lines[v]) for sid, v, _, _ in stocks]
            conn.execute(insert, [x for row in allocations for x in row])
            conn.execute(
                update,
                [x for _, sid, q in allocations for x in (sid, q)]
                + [sid for _, sid, _ in allocations],
            )
            conn.execute("COMMIT")
        done += 1
    conn.close()
    return done


# -- the runner ----------------------------------------------------------------------------

Worker = Callable[[str, float, int], int]


def _rate(work: Worker, url: str, processes: int, seconds: float) -> float:
    context = multiprocessing.get_context("spawn")
    with context.Pool(processes) as pool:
        counts = pool.starmap(work, [(url, seconds, w) for w in range(processes)])
    return sum(counts) / seconds


def run(kind: str, url: str, processes: int, seconds: float, rounds: int) -> dict[str, float]:
    """Median rates and per-round ratios of one configuration; prints one table row."""
    postgres = not url.startswith("sqlite")
    workers: dict[str, Worker] = {"ledger": ledger_worker, "bare": bare_worker, "peer": peer_worker}
    if postgres:
        workers["bare, pipelined"] = bare_pipelined_worker
    seed_ledger(url)
    seed_bare(url)
    seed_peer(url)
    rates: dict[str, list[float]] = {name: [] for name in workers}
    for _ in range(rounds):
        for name, work in workers.items():
            rates[name].append(_rate(work, url, processes, seconds))
    ratio = {
        "ledger/bare": [lg / b for lg, b in zip(rates["ledger"], rates["bare"], strict=True)],
        "peer/bare": [pr / b for pr, b in zip(rates["peer"], rates["bare"], strict=True)],
        "ledger/peer": [lg / pr for lg, pr in zip(rates["ledger"], rates["peer"], strict=True)],
    }
    result = {name: statistics.median(values) for name, values in (rates | ratio).items()}
    piped = f"{result['bare, pipelined']:>9.0f}" if postgres else f"{'-':>9}"
    print(
        f"{kind:<22} {result['ledger']:>9.0f} {result['peer']:>9.0f} {result['bare']:>9.0f} "
        f"{piped} {result['ledger/bare']:>12.2f} {result['peer/bare']:>10.2f} "
        f"{result['ledger/peer']:>12.2f}",
        flush=True,
    )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(
        f"{'reservations/s':<22} {'ledger':>9} {'peer':>9} {'bare':>9} {'bare pipe':>9} "
        f"{'ledger÷bare':>12} {'peer÷bare':>10} {'ledger÷peer':>12}   "
        f"(medians of {args.rounds} rounds × {args.seconds:g} s)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite, 1 process", f"sqlite:///{tmp}/bench.db", 1, args.seconds, args.rounds)
    for processes in (1, 4):
        url = f"{PG}?schema=bench_{uuid.uuid4().hex[:8]}"
        try:
            run(f"PostgreSQL, {processes} proc", url, processes, args.seconds, args.rounds)
        finally:
            store = open_store(url)
            assert isinstance(store, PostgresStore)
            store.drop_schema()
            store.close()


if __name__ == "__main__":
    main()
