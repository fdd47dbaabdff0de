"""A worker process for the crash and multi-worker tests: sync and dispatch until done."""

from __future__ import annotations

import sys
import time

from ecomflow.adapters.baselinker import BaseLinkerClient, BaseLinkerSettings
from ecomflow.adapters.inpost import InPostClient, InPostSettings
from ecomflow.http import RateLimiter, RetryPolicy
from ecomflow.notify import JournalNotifier
from ecomflow.orchestration import Orchestrator, OrderRepository
from ecomflow.shipping import Catalogue
from ecomflow.stock import StockLedger, open_store

FAST = RetryPolicy(attempts=3, jitter=0, base=0.01, sleep=lambda s: None)


def build(store_url: str, bl_url: str, shipx_url: str, journal: str) -> Orchestrator:
    store = open_store(store_url)
    channel = BaseLinkerClient(
        BaseLinkerSettings(token="bl", url=bl_url),
        retry=FAST,
        limiter=RateLimiter(100_000, 1, burst=1000),
    )
    carrier = InPostClient(
        InPostSettings(token="sx", organization_id=1234, url=shipx_url), retry=FAST
    )
    return Orchestrator(
        repository=OrderRepository(store),
        ledger=StockLedger(store),
        channels={"baselinker": channel},
        carrier=carrier,
        catalogue=Catalogue.example(),
        notifier=JournalNotifier(journal),
        lease=0.5,
    )


def main(store_url: str, bl_url: str, shipx_url: str, journal: str, mode: str) -> None:
    """``all``: sync and dispatch until nothing is pending; ``dispatch``: only dispatch."""
    orchestrator = build(store_url, bl_url, shipx_url, journal)
    for _ in range(600):
        if mode == "all":
            orchestrator.sync()
        orchestrator.dispatch()
        if not orchestrator.repository.effects("pending"):
            return
        time.sleep(0.1)  # effects leased by a killed worker come back after the lease
    raise SystemExit("effects still pending")


if __name__ == "__main__":
    main(*sys.argv[1:6])
