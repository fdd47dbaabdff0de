"""Worker functions for the multi-process tests (importable by spawned processes)."""

from __future__ import annotations

import random

from ecomflow.errors import InsufficientStock
from ecomflow.stock import StockLedger, open_store

HOT_SKUS = ["HOT-A", "HOT-B", "HOT-C"]


def reserve_randomly(
    url: str, worker: int, orders: int, seed: int, priority: tuple[str, ...] = ("main",)
) -> dict[str, object]:
    """Reserve random multi-line orders; report what succeeded and how others failed."""
    rng = random.Random(seed * 1000 + worker)
    store = open_store(url)
    ledger = StockLedger(store, warehouse_priority=priority)
    won: dict[str, dict[str, int]] = {}
    where: dict[str, str] = {}
    failures: dict[str, int] = {}
    try:
        for number in range(orders):
            skus = rng.sample(HOT_SKUS, rng.randint(1, len(HOT_SKUS)))
            lines = {sku: rng.randint(1, 3) for sku in skus}
            order_id = f"W{worker}-{number}"
            try:
                reservation = ledger.reserve(order_id, lines, key=f"key-{order_id}")
            except InsufficientStock:
                failures["InsufficientStock"] = failures.get("InsufficientStock", 0) + 1
            except Exception as exc:
                name = type(exc).__name__
                failures[name] = failures.get(name, 0) + 1
            else:
                won[order_id] = lines
                where[order_id] = reservation.warehouse
    finally:
        store.close()
    return {"won": won, "where": where, "failures": failures}
