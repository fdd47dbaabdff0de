"""BaseLinker under its real limit, on a fake clock: calls, blocks and the time it would take.

Ingest 10,000 orders (five confirmed per second, so pages end inside shared
seconds) and publish 20,000 SKUs against FakeBaseLinker, with the client's
real limiter (90/min, burst 9) and the fake's real rule (block above 100 in a
rolling minute). Time is simulated, so this runs in seconds while reporting
the wall time the limit would impose. Run: ``python benchmarks/baselinker.py``.
"""

from __future__ import annotations

import time

from ecomflow.adapters.baselinker import BaseLinkerClient, BaseLinkerSettings
from ecomflow.http import FakeClock, RateLimiter, RetryPolicy
from ecomflow.stock import StockUpdate
from ecomflow.testing import FakeBaseLinker

START = 1_795_510_800


def main() -> None:
    clock = FakeClock()
    with FakeBaseLinker(token="bench", clock=clock.monotonic) as fake:
        for i in range(10_000):
            fake.add_order(date_confirmed=START + i // 5, date_add=START)
        settings = BaseLinkerSettings(token="bench", url=fake.url, inventory_id=1)
        client = BaseLinkerClient(
            settings,
            limiter=RateLimiter(90, 60.0, clock=clock),
            retry=RetryPolicy(sleep=clock.sleep),
        )
        started = time.perf_counter()
        orders = client.get_orders()
        updates = [
            StockUpdate(channel="baselinker", sku=f"SKU-{i}", quantity=i % 50)
            for i in range(20_000)
        ]
        published = client.publish_stock(updates)
        elapsed = time.perf_counter() - started
    print(f"orders ingested: {len(orders)} (unique {len({o.order_id for o in orders})})")
    print(
        f"getOrders calls: {fake.calls['getOrders']} "
        "(theoretical minimum 101 = 100 full pages + 1 confirming the end)"
    )
    print(
        f"updateInventoryProductsStock calls: {fake.calls['updateInventoryProductsStock']} "
        f"(minimum 20), products updated: {published.updated}"
    )
    print(f"ERROR_USER_ACCOUNT_BLOCKED responses: {fake.blocked_responses}")
    print(
        f"simulated wall time under the limit: {clock.monotonic():.0f} s "
        f"(benchmark itself ran {elapsed:.1f} s)"
    )


if __name__ == "__main__":
    main()
