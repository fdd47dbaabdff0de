"""A worker's memory over a long run: resident size after 5,000 orders and at the end.

The demo shop's day (see ``benchmarks/pipeline.py``) over and over: rounds of
``--chunk`` new orders (each round a new seed, so new customers, baskets and
deliveries, with holds) are put in the fake BaseLinker, then the worker takes
them in and dispatches until nothing is due — labels, confirmations, tracking,
statuses, messages. The fakes run in a child process, so only the worker's own
memory is measured (``VmRSS`` after a garbage collection). Caches and
deduplication windows must be bounded and no per-order object kept: the size
at the end should stay within 1.2× of the size after 5,000 orders.

Run: ``python benchmarks/soak.py [--orders 20000] [--chunk 500] [--store URL]``
(``--orders 50000`` for the full figure; a few minutes per 10,000 orders).
"""

from __future__ import annotations

import argparse
import gc
import json
import logging
import multiprocessing
import tempfile
import time
from datetime import UTC
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from pipeline import DAY, build_shop, drain

from ecomflow.demo import World, plan_day
from ecomflow.demo.scenario import PRODUCTS, local
from ecomflow.testing import FakeBaseLinker, FakeShipX, FrozenClock

#: When the first order is confirmed (each next one a second later).
OPENING = int(local(DAY, 6).timestamp())

#: Orders after which the reference size is taken.
REFERENCE = 5_000


def rss_mib() -> float:
    """This process's resident memory now, in MiB (after a full garbage collection)."""
    gc.collect()
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")  # pragma: no cover - Linux only


def orders(round_number: int, count: int) -> list[dict[str, Any]]:
    """``count`` orders of a shop day, numbered after those of the earlier rounds."""
    scenario = plan_day(count, seed=1000 + round_number, day=DAY)
    fields = []
    for planned in scenario.orders:
        data = json.loads(json.dumps(planned.fields))
        number = round_number * count + planned.number
        data["order_id"] = 100_000 + number
        # Confirmed one after another (the channel's cursor only moves forward).
        data["date_add"] = data["date_confirmed"] = OPENING + number
        fields.append(data)
    return fields


def fakes(pipe: Connection) -> None:
    """The child process: fake BaseLinker and ShipX, adding the orders the parent sends."""
    clock = FrozenClock(local(DAY, 8, 30).astimezone(UTC))
    with (
        FakeBaseLinker(token="demo", rate_limit=10**9, now=clock, keep_alive=True) as bl,
        FakeShipX(token="demo", organization_id=4242, confirm_after=0, keep_alive=True) as sx,
    ):
        pipe.send((bl.url, sx.url, sx.organization_id))
        while (message := pipe.recv()) is not None:
            for data in message:
                bl.add_order(**data)
            pipe.send(len(message))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--chunk", type=int, default=500)
    parser.add_argument("--store", help="store URL (default: a SQLite file)")
    args = parser.parse_args()
    logging.disable(logging.WARNING)
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("fork").Process(target=fakes, args=(child,), daemon=True)
    server.start()
    bl_url, sx_url, organization = parent.recv()
    clock = FrozenClock(local(DAY, 8, 30).astimezone(UTC))
    with tempfile.TemporaryDirectory() as tmp:
        world = World(
            plan_day(1, 0, DAY),
            Path(tmp) / "shop.db",
            Path(tmp) / "sent",
            clock,
            _Remote(bl_url),
            _Remote(sx_url, organization),
        )  # type: ignore[arg-type]
        shop = build_shop(world, args.store or f"sqlite:///{tmp}/soak.db")
        for sku in PRODUCTS:
            shop.ledger.receive(sku, args.orders * 3, key=f"stock:{sku}")
        done, reference, started = 0, None, time.perf_counter()
        print(f"start: {rss_mib():.1f} MiB", flush=True)
        while done < args.orders:
            parent.send(orders(done // args.chunk, args.chunk))
            parent.recv()
            while shop.sync().fetched:
                pass
            drain(shop, clock)
            done += args.chunk
            if done == REFERENCE:
                reference = rss_mib()
            if done % 5_000 == 0:
                print(
                    f"{done:>7} orders: {rss_mib():.1f} MiB "
                    f"({done / (time.perf_counter() - started):.0f} orders/s)",
                    flush=True,
                )
        final = rss_mib()
        print(f"orders by status: {shop.repository.counts()['status']}")
        shop.close()
    parent.send(None)
    server.join(5)
    if reference is not None:
        print(
            f"RSS after {REFERENCE} orders {reference:.1f} MiB, after {done} orders "
            f"{final:.1f} MiB: ratio {final / reference:.3f} (goal ≤ 1.2)"
        )


class _Remote:
    """A fake running in the child process, as much of it as the shop's config needs."""

    def __init__(self, url: str, organization_id: int = 0) -> None:
        self.url = url
        self.organization_id = organization_id


if __name__ == "__main__":
    main()
