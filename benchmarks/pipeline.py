"""Orders per second end to end (intake → label → write-back) against the fakes, and API calls.

Each order: getOrders paging, checks, rules, reservation, carrier selection,
ShipX look-up + create + label confirmation, BaseLinker package + status
write-back, and the messages — through the real Orchestrator, on SQLite and on
PostgreSQL. Run: ``python benchmarks/pipeline.py [--orders 300]``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid

from ecomflow.adapters.baselinker import BaseLinkerClient, BaseLinkerSettings
from ecomflow.adapters.inpost import InPostClient, InPostSettings
from ecomflow.http import RateLimiter, RetryPolicy
from ecomflow.notify import RecordingNotifier
from ecomflow.orchestration import Orchestrator, OrderRepository
from ecomflow.shipping import Catalogue
from ecomflow.stock import StockLedger, open_store
from ecomflow.storage import PostgresStore
from ecomflow.testing import FakeBaseLinker, FakeShipX

PG = os.environ.get("ECOMFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
START = 1_795_510_800


def run(kind: str, url: str, orders: int) -> None:
    with (
        FakeBaseLinker(token="b", rate_limit=1_000_000, keep_alive=True) as bl,
        FakeShipX(token="s", keep_alive=True) as sx,
    ):
        for i in range(orders):
            bl.add_order(
                date_confirmed=START + i // 3,
                date_add=START,
                delivery_point_id="KRA010",
                delivery_method="InPost Paczkomaty",
            )
        store = open_store(url)
        StockLedger(store).receive("MUG-RED", orders * 3)
        retry = RetryPolicy(attempts=3, base=0.01, jitter=0)
        orchestrator = Orchestrator(
            repository=OrderRepository(store),
            ledger=StockLedger(store),
            channels={
                "baselinker": BaseLinkerClient(
                    BaseLinkerSettings(token="b", url=bl.url),
                    retry=retry,
                    limiter=RateLimiter(1_000_000, 1, burst=10_000),
                )
            },
            carrier=InPostClient(
                InPostSettings(token="s", organization_id=sx.organization_id, url=sx.url),
                retry=retry,
            ),
            catalogue=Catalogue.example(),
            notifier=RecordingNotifier(),
        )
        started = time.perf_counter()
        orchestrator.sync()
        while orchestrator.dispatch().done:
            pass
        elapsed = time.perf_counter() - started
        shipped = len(orchestrator.repository.find(status="shipped"))
        calls = sum(bl.calls.values()) + sum(sx.calls.values())
        print(
            f"{kind:<11} {orders} orders ({shipped} shipped) in {elapsed:.1f}s: "
            f"{orders / elapsed:6.1f} orders/s; API calls/order {calls / orders:.2f} "
            f"(BaseLinker {sum(bl.calls.values()) / orders:.2f}, "
            f"ShipX {sum(sx.calls.values()) / orders:.2f})"
        )
        if isinstance(store, PostgresStore):
            store.drop_schema()
        store.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        run("SQLite", f"sqlite:///{tmp}/pipeline.db", args.orders)
    run("PostgreSQL", f"{PG}?schema=bench_{uuid.uuid4().hex[:8]}", args.orders)


if __name__ == "__main__":
    main()
