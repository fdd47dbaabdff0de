"""Orders per second through the whole pipeline, against the ceiling of its own API calls.

A shop-like day, built the way the demo builds it (``ecomflow.demo``: its
scenario, its ``ecomflow.toml`` through ``Orchestrator.from_config``, its rules
and product data): varied baskets, lockers, couriers, pickup at the shop and
DPD (a carrier the shop does not use: held), unpaid and cash-on-delivery
orders, bad data held for verification, scarce products running out (held out
of stock), and one order whose delivery method nobody mapped (kept as an
intake failure). Every order is in the fake BaseLinker when the clock starts;
``sync()`` takes them in, ``dispatch()`` buys the labels, writes tracking and
statuses back and sends the messages, until nothing is due.

- **pipeline** — the Orchestrator, on SQLite (a WAL file) and on PostgreSQL;
- **ceiling** — the very HTTP requests the pipeline made, recorded on the
  wire and replayed in the same order against fresh fakes holding the same
  orders, with a bare ``httpx.Client`` per API and nothing else;
- **efficiency** — ceiling time / pipeline time (1.0: the Orchestrator costs
  nothing beyond its API calls). Both run in the same process, one after the
  other, ``--rounds`` times; the median of the per-round ratios is printed, so
  machine noise mostly cancels.

Also printed: transactions, savepoints and statements per order (the store's
:class:`~ecomflow.storage.StoreStats`) and API calls per order by API and
method. Run: ``python benchmarks/pipeline.py [--orders 300] [--rounds 3] [--only sqlite]``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date
from pathlib import Path

import httpx

from ecomflow.demo import World, plan_day
from ecomflow.demo.scenario import PRODUCTS, Scenario, local
from ecomflow.http import RateLimiter
from ecomflow.orchestration import Orchestrator
from ecomflow.storage import PostgresStore, StoreStats
from ecomflow.testing import FakeBaseLinker, FakeShipX, FrozenClock

PG = os.environ.get("ECOMFLOW_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
DAY = date(2026, 12, 23)
SEED = 7

#: A recorded request: the API, its method, the path with query, headers and body.
Request = tuple[str, str, str, dict[str, str], bytes]


@dataclass
class Run:
    """What one pipeline run did, and its ceiling."""

    orders: int
    seconds: float = 0.0
    ceiling: float = 0.0
    stats: StoreStats = field(default_factory=StoreStats)
    statuses: Counter[str] = field(default_factory=Counter)
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)

    def report(self, kind: str, efficiency: float, rounds: int) -> str:
        """The figures, as printed (``efficiency``: the median of the rounds' ratios)."""
        n = self.orders
        by_api = Counter[str]()
        for (api, _), count in self.calls.items():
            by_api[api] += count
        methods = ", ".join(
            f"{api}.{method} {count / n:.2f}" for (api, method), count in sorted(self.calls.items())
        )
        return (
            f"{kind} (median of {rounds}): {n} orders in {self.seconds:.2f}s = "
            f"{n / self.seconds:.1f} orders/s; ceiling {n / self.ceiling:.1f} orders/s "
            f"({self.ceiling:.2f}s); efficiency {efficiency:.2f}\n"
            f"  per order: {self.stats.transactions / n:.2f} transactions, "
            f"{self.stats.savepoints / n:.2f} savepoints, {self.stats.statements / n:.1f} statements "
            f"({self.stats.with_control / n:.1f} with BEGIN/COMMIT/SAVEPOINT/RELEASE)\n"
            f"  API calls per order: {sum(by_api.values()) / n:.2f} "
            f"({', '.join(f'{api} {c / n:.2f}' for api, c in sorted(by_api.items()))})\n"
            f"    {methods}\n"
            f"  orders by status: {dict(sorted(self.statuses.items()))}"
        )


@contextmanager
def fakes(scenario: Scenario, clock: FrozenClock) -> Iterator[tuple[FakeBaseLinker, FakeShipX]]:
    """Fresh fake BaseLinker and ShipX holding every order of the day (no rate limit)."""
    with (
        FakeBaseLinker(token="demo", rate_limit=10**9, now=clock, keep_alive=True) as bl,
        FakeShipX(token="demo", organization_id=4242, confirm_after=0, keep_alive=True) as sx,
    ):
        for planned in scenario.orders:
            bl.add_order(**json.loads(json.dumps(planned.fields)))
        yield bl, sx


def _api(path: str, request: httpx.Request) -> str:
    if path.startswith("/connector.php"):
        form = dict(x.split("=", 1) for x in request.content.decode().split("&") if "=" in x)
        return f"getOrders/{form.get('method', '?')}"
    return path


def record(shop: Orchestrator, urls: dict[str, str], wire: list[Request]) -> None:
    """Append every request the shop's HTTP adapters send to ``wire`` (event hooks)."""
    for client in [*shop.router.channels.values(), *shop.router.carriers.values()]:
        http = getattr(client, "_http", None)  # the adapters' httpx.Client (HttpClient)
        if not isinstance(http, httpx.Client):
            continue  # the pickup desk makes no calls

        def hook(request: httpx.Request) -> None:
            base = next(api for api, url in urls.items() if str(request.url).startswith(url))
            path = str(request.url)[len(urls[base]) :]
            wire.append((base, request.method, path, dict(request.headers), request.content))

        http.event_hooks["request"].append(hook)


def build_shop(world: World, url: str) -> Orchestrator:
    """The demo shop's Orchestrator on ``url``, with no rate limit (the fakes have none)."""
    world.store = url
    shop = world.build("bench", shared_limit=False)
    unlimited = RateLimiter(10**9, 1, burst=10**9)
    shop.router.channels["baselinker"].limiter = unlimited  # type: ignore[attr-defined]
    shop.calendar.is_business_day(DAY)  # the holidays, worked out once per worker process
    return shop


def pipeline(url: str, scenario: Scenario, wire: list[Request], run: Run) -> None:
    """The day through the Orchestrator; fills ``run`` and the recorded ``wire``."""
    clock = FrozenClock(local(scenario.day, 8, 30).astimezone(UTC))
    with tempfile.TemporaryDirectory() as tmp, fakes(scenario, clock) as (bl, sx):
        shop = build_shop(
            World(scenario, Path(tmp) / "shop.db", Path(tmp) / "sent", clock, bl, sx), url
        )
        for sku, (*_, stock) in PRODUCTS.items():
            shop.ledger.receive(sku, stock, key=f"stock:{sku}")
        record(shop, {"baselinker": bl.url, "shipx": sx.url}, wire)
        store = shop.repository.store
        before = store.stats.snapshot()
        started = time.perf_counter()
        while shop.sync().fetched:
            pass
        drain(shop, clock)
        run.seconds = time.perf_counter() - started
        run.stats = store.stats - before
        run.statuses = Counter(shop.repository.counts()["status"])
        for api, fake in (("baselinker", bl), ("shipx", sx)):
            for route, count in fake.calls.items():
                run.calls[(api, route.rsplit("/", 1)[-1] if api == "baselinker" else route)] += (
                    count
                )
        shop.close()
        if isinstance(store, PostgresStore):
            store.drop_schema()
            store.close()


def drain(shop: Orchestrator, clock: FrozenClock) -> None:
    """Dispatch until nothing is due, then a poll interval later again, until nothing ran."""
    while True:
        handled = 0
        while report := shop.dispatch().handled:
            handled += report
        if not handled:
            return
        clock.advance(seconds=shop.core.settings.confirm_poll_seconds + 1)


def ceiling(scenario: Scenario, wire: list[Request]) -> float:
    """Seconds to send the recorded requests, in order, to fresh fakes with the same orders."""
    clock = FrozenClock(local(scenario.day, 8, 30).astimezone(UTC))
    with fakes(scenario, clock) as (bl, sx):
        clients = {
            "baselinker": httpx.Client(base_url=bl.url, timeout=30),
            "shipx": httpx.Client(base_url=sx.url, timeout=30),
        }
        started = time.perf_counter()
        for api, method, path, headers, body in wire:
            response = clients[api].request(method, path, headers=headers, content=body)
            response.read()
        elapsed = time.perf_counter() - started
        for client in clients.values():
            client.close()
    return elapsed


def measure(kind: str, url: str, orders: int, rounds: int) -> None:
    """``rounds`` pipeline runs, each followed by its ceiling; the medians are printed."""
    scenario = plan_day(orders, SEED, DAY)
    runs = []
    for number in range(rounds):
        wire: list[Request] = []
        run = Run(orders)
        pipeline(url.format(round=number), scenario, wire, run)
        run.ceiling = ceiling(scenario, wire)
        runs.append(run)
    median = runs[-1]  # the counts are the same every round
    median.seconds = statistics.median(r.seconds for r in runs)
    median.ceiling = statistics.median(r.ceiling for r in runs)
    efficiency = statistics.median(r.ceiling / r.seconds for r in runs)
    print(median.report(kind, efficiency, rounds), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=300)
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    logging.disable(logging.WARNING)  # the day's intake failure and holds are expected
    if args.only != "postgresql":
        with tempfile.TemporaryDirectory() as tmp:
            measure("SQLite", f"sqlite:///{tmp}/pipeline{{round}}.db", args.orders, args.rounds)
    if args.only != "sqlite":
        schema = f"bench_{uuid.uuid4().hex[:8]}_{{round}}"
        measure("PostgreSQL", f"{PG}?schema={schema}", args.orders, args.rounds)


if __name__ == "__main__":
    main()
