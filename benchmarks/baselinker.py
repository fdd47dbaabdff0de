"""BaseLinker under its real limit: a busy shop day, on simulated clocks.

Two hours at about 95 orders a minute go through FakeBaseLinker the way the
Orchestrator drives a channel: every simulated minute it fetches orders (new ones
and the ones changed since), writes statuses back, records a package for every
order it ships and publishes stock. After intake, 12 % of the orders are paid
later (bank transfer, 5–90 min), 3 % are cancelled in the panel and 4 % get a
new delivery address; an order ships 30 minutes after it is taken in and paid,
unless it was cancelled.

Two clocks: the shop's wall clock moves one minute per cycle; the account's
rate-limit clock moves only when the client waits for the limiter (100 calls in
any minute: ``RateLimiter(99, 60, burst=1)``), and FakeBaseLinker blocks on that
clock above 100 a minute. Orders per minute = orders ÷ rate-limit minutes: what
one account sustains when BaseLinker's limit is the bottleneck.

Two runs on the same day (same seed):

- ``per-order`` — the 0.x call pattern: ``setOrderStatus`` per order, one
  ``createPackageManual`` per shipped order (0.x also skipped the look-up on a first
  attempt), no change detection (late payments, cancellations, edits are never seen);
- ``ecomflow``  — bulk ``setOrderStatuses`` per target status, ``first_attempt``
  packages, changes found through ``getJournalList``.

Run: ``python benchmarks/baselinker.py [--minutes 120] [--rate 95] [--seed 7]``.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

import httpx

from ecomflow.adapters.baselinker import BaseLinkerClient, BaseLinkerSettings
from ecomflow.adapters.protocols import StatusChange
from ecomflow.http import FakeClock, RateLimiter, RetryPolicy
from ecomflow.orders import Order, OrderStatus, ShipmentRef
from ecomflow.stock import StockUpdate
from ecomflow.testing import FakeBaseLinker, FrozenClock

START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
#: Minutes the shop keeps syncing after the last order (late payments come up to 90 min
#: later, then 30 minutes to ship).
TAIL = 125
SKUS = [f"SKU-{i:03d}" for i in range(60)]


@dataclass
class Plan:
    """What happens to one order after it is placed (minutes after confirmation)."""

    minute: int
    paid_after: int | None = None  # None: paid at checkout
    cancel_after: int | None = None
    edit_after: int | None = None


@dataclass
class Day:
    """The seeded day: arrivals per minute and each order's later events."""

    minutes: int
    plans: list[Plan] = field(default_factory=list)

    @classmethod
    def make(cls, minutes: int, rate: float, seed: int, shares: tuple[float, float, float]) -> Day:
        late, cancel, edit = shares
        rng = random.Random(seed)
        day = cls(minutes)
        for minute in range(minutes):
            for _ in range(max(0, round(rng.gauss(rate, rate**0.5)))):
                plan = Plan(minute)
                roll = rng.random()
                if roll < late:
                    plan.paid_after = rng.randint(5, 90)
                elif roll < late + cancel:
                    plan.cancel_after = rng.randint(5, 25)
                elif roll < late + cancel + edit:
                    plan.edit_after = rng.randint(5, 25)
                day.plans.append(plan)
        return day


def run(day: Day, *, bulk: bool) -> dict[str, Any]:
    """Drive one day; returns the figures."""
    limit_clock = FakeClock()
    wall = FrozenClock(START)
    rng = random.Random(1)
    with FakeBaseLinker(
        token="bench", clock=limit_clock.monotonic, now=wall, keep_alive=True
    ) as fake:
        for sku in SKUS:
            fake.add_product(sku, stock={"bl_1": 100})
        settings = BaseLinkerSettings(
            token="bench",
            url=fake.url,
            inventory_id=1,
            journal="on" if bulk else "off",
            reread_every_minutes=10**6,  # per-order: no change detection at all (as in 0.x)
        )
        kinds: Counter[str] = Counter()  # getOrders by purpose, seen on the wire
        http = httpx.Client(timeout=30, event_hooks={"request": [_counter(kinds)]})
        client = BaseLinkerClient(
            settings,
            limiter=RateLimiter(99, 60.0, burst=1, clock=limit_clock),
            retry=RetryPolicy(sleep=limit_clock.sleep),
            http_client=http,
            clock=wall,
        )
        by_minute: dict[int, list[Plan]] = {}
        for plan in day.plans:
            by_minute.setdefault(plan.minute, []).append(plan)
        plan_of: dict[int, Plan] = {}
        events: dict[int, list[tuple[str, int]]] = {}  # minute → (kind, order id)
        known: dict[int, Order] = {}  # the client's view
        taken_at: dict[int, int] = {}
        shipped: set[int] = set()
        expected: dict[int, str] = {}  # order id → the change the client must see
        seen_changes: set[int] = set()
        cursor: str | None = None
        cycles = 0
        started = time.perf_counter()
        minute = 0
        while minute < day.minutes + TAIL:
            wall.set(START + timedelta(minutes=minute))
            arrivals = by_minute.get(minute, [])
            for index, plan in enumerate(arrivals):
                stamp = int(wall().timestamp()) + index * 60 // len(arrivals)
                order_id = fake.add_order(
                    date_add=stamp,
                    date_confirmed=stamp,
                    payment_done="0" if plan.paid_after is not None else "49.00",
                    products=[_line(rng)],
                    delivery_method=rng.choice(["Kurier InPost", "Paczkomat InPost", "Kurier DPD"]),
                    delivery_point_id="KRA010",
                )
                plan_of[order_id] = plan
                for kind, after in (
                    ("paid", plan.paid_after),
                    ("cancelled", plan.cancel_after),
                    ("edited", plan.edit_after),
                ):
                    if after is not None:
                        events.setdefault(minute + after, []).append((kind, order_id))
            for kind, order_id in events.pop(minute, []):
                if order_id in shipped:
                    continue
                expected[order_id] = kind
                if kind == "paid":
                    fake.pay(order_id)
                elif kind == "cancelled":
                    fake.cancel(order_id)
                else:
                    fake.edit(order_id, delivery_city="Gdańsk")
            # -- the Orchestrator's cycle --------------------------------------------
            cycles += 1
            batch = client.fetch_orders(cursor)
            cursor = batch.cursor
            for order in batch.orders:
                order_id = int(order.channel_order_id)
                if order_id in known and _saw(expected.get(order_id), order):
                    seen_changes.add(order_id)
                known[order_id] = order
                taken_at.setdefault(order_id, minute)
            shipping = [
                o
                for i, o in known.items()
                if i not in shipped
                and o.is_paid
                and o.status is not OrderStatus.CANCELLED
                and minute - taken_at[i] >= 30
            ]
            for order in shipping:
                shipment = ShipmentRef(
                    carrier="inpost",
                    service_id="inpost_courier_standard",
                    tracking_number=f"6200{order.channel_order_id}",
                )
                # 0.x skipped the look-up on a first attempt too (orchestrator.py of 0.x,
                # record_package(..., first_attempt=...)): both runs record with one call
                client.write_tracking(order, shipment, first_attempt=True)
                shipped.add(int(order.channel_order_id))
            to_write = [StatusChange(o, OrderStatus.SHIPPED) for o in shipping]
            if bulk:
                client.write_statuses(to_write)
            else:
                for change in to_write:
                    client.write_status(change.order, change.status)
            touched = {line.sku for o in batch.orders for line in o.lines}
            if touched:
                client.publish_stock(
                    [StockUpdate(channel="baselinker", sku=s, quantity=50) for s in sorted(touched)]
                )
            minute += 1
        elapsed = time.perf_counter() - started
        http.close()
    calls = Counter(dict(fake.calls))
    total = sum(calls.values())
    orders = len(plan_of)
    stock = calls["updateInventoryProductsStock"] + calls["getInventoryProductsList"]
    rereads = kinds["getOrders: one order"] + kinds["getOrders: range from id_from"]
    limit_minutes = limit_clock.monotonic() / 60
    duplicates = sum(len(fake.packages.get(i, [])) > 1 for i in fake.packages)
    return {
        "orders": orders,
        "shipped": len(shipped),
        "cancelled": sum(1 for o in known.values() if o.status is OrderStatus.CANCELLED),
        "changes": len(expected),
        "changes_seen": len(seen_changes),
        "calls": calls,
        "total": total,
        "per_order": total / orders,
        "kinds": kinds,
        "per_order_core": (total - stock - rereads) / orders,
        "rereads_per_change": rereads / len(expected) if expected else 0.0,
        "per_order_stock": stock / orders,
        "orders_per_minute": orders / limit_minutes if limit_minutes else float("inf"),
        "limit_minutes": limit_minutes,
        "blocked": fake.blocked_responses,
        "double_packages": duplicates,
        "cycles": cycles,
        "seconds": elapsed,
    }


def _counter(kinds: Counter[str]) -> Any:
    def count(request: httpx.Request) -> None:
        form = parse_qs(request.content.decode())
        if form.get("method") == ["getOrders"]:
            params = json.loads(form["parameters"][0])
            if "order_id" in params:
                kinds["getOrders: one order"] += 1
            elif "id_from" in params and "date_confirmed_from" in params:
                kinds["getOrders: range from id_from"] += 1
            else:
                kinds["getOrders: page of new orders"] += 1

    return count


def _saw(change: str | None, order: Order) -> bool:
    if change == "paid":
        return order.is_paid
    if change == "cancelled":
        return order.status is OrderStatus.CANCELLED
    if change == "edited":
        return order.delivery_address is not None and order.delivery_address.city == "Gdańsk"
    return False


def _line(rng: random.Random) -> dict[str, Any]:
    sku = rng.choice(SKUS)
    return {
        "order_product_id": rng.randint(1, 10**9),
        "product_id": "0",
        "variant_id": "0",
        "name": sku,
        "sku": sku,
        "ean": "",
        "price_brutto": "24.50",
        "tax_rate": "23",
        "quantity": "2",
        "weight": "0.4",
    }


def report(name: str, figures: dict[str, Any]) -> None:
    calls: Counter[str] = figures["calls"]
    print(f"\n== {name} ==")
    print(
        f"orders {figures['orders']}, shipped {figures['shipped']}, cancelled seen "
        f"{figures['cancelled']}, changes after intake {figures['changes']} "
        f"(seen {figures['changes_seen']}), sync cycles {figures['cycles']}"
    )
    for method, count in sorted(calls.items(), key=lambda kv: -kv[1]):
        print(f"  {method:<32} {count:>7}  {count / figures['orders']:.4f} per order")
    for kind, count in sorted(figures["kinds"].items()):
        print(f"    {kind:<30} {count:>7}")
    print(
        f"calls per order: {figures['per_order']:.3f} = {figures['per_order_core']:.3f} "
        "(packages, statuses, new-order pages, journal) + "
        f"{max(0.0, figures['per_order'] - figures['per_order_core'] - figures['per_order_stock']):.3f} "
        f"(re-reading changed orders: {figures['rereads_per_change']:.2f} per change) + "
        f"{figures['per_order_stock']:.3f} (stock publication)"
    )
    print(
        f"orders per minute under 100 requests/min: {figures['orders_per_minute']:.1f} "
        f"({figures['limit_minutes']:.1f} rate-limit minutes)"
    )
    print(
        f"ERROR_USER_ACCOUNT_BLOCKED answers: {figures['blocked']}, orders with two "
        f"packages: {figures['double_packages']}, benchmark ran {figures['seconds']:.1f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=int, default=120)
    parser.add_argument("--rate", type=float, default=95.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--late", type=float, default=0.12, help="share paid after intake")
    parser.add_argument("--cancel", type=float, default=0.03, help="share cancelled")
    parser.add_argument("--edit", type=float, default=0.04, help="share with a new address")
    args = parser.parse_args()
    day = Day.make(args.minutes, args.rate, args.seed, (args.late, args.cancel, args.edit))
    report("per-order (0.x call pattern)", run(day, bulk=False))
    report("ecomflow (bulk statuses, first_attempt packages, journal)", run(day, bulk=True))


if __name__ == "__main__":
    main()
