"""``ecomflow demo``: a simulated shop day through the real Orchestrator and local fakes.

A fake BaseLinker and a fake InPost ShipX run on loopback; the shop's
Orchestrator is built from its configuration (BaseLinker as the channel,
InPost and the built-in pickup desk as carriers) exactly as a real shop builds
it. A day of orders arrives quarter-hour by quarter-hour, and with it the
ordinary unhappy events of a shop day: late payments, cancellations before and
after the label, an address change, bad data held for verification and
corrected, a product that runs out and is restocked, an order that cannot be
taken in until its delivery method is fixed, customers who chose a carrier the
shop does not use, and a second worker dispatching at the same time. The next
working days bring pickups, deliveries, a stuck parcel and collections at the
shop; then a few returns.

Time is simulated (the fakes' rate limit included), so the day runs in
seconds. The run ends with the daily report and consistency checks computed
from what the outside world recorded; the exit code is 0 only when they pass.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, date, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ecomflow.demo.checks import Check, Evidence, run_checks
from ecomflow.demo.scenario import PRODUCTS, Scenario, local, plan_day
from ecomflow.demo.world import World
from ecomflow.http import FakeClock
from ecomflow.kpi import DailyReport, daily_report
from ecomflow.notify import MessageKind, render
from ecomflow.orders import OrderStatus
from ecomflow.testing import FakeBaseLinker, FakeShipX, FrozenClock

__all__ = ["DemoResult", "run_demo"]


@dataclass
class DemoResult:
    """What the demo did and found."""

    report: DailyReport
    checks: list[Check] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)
    intake_failures: list[str] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)
    stories: dict[str, int] = field(default_factory=dict)
    figures: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """Whether every consistency check passed."""
        return all(check.ok for check in self.checks)

    def to_dict(self) -> dict[str, Any]:
        """Everything, as plain data (``ecomflow demo --json``)."""
        return {
            "ok": self.ok,
            "report": self.report.to_dict(),
            "checks": [
                {"name": c.name, "ok": c.ok, "problems": list(c.problems)} for c in self.checks
            ],
            "figures": self.figures,
            "stories": self.stories,
            "intake_failures": self.intake_failures,
            "staff": self.staff,
        }

    def print(self, console: Console, lang: str = "pl") -> None:
        """The report, the day's stories, sample messages and the checks."""
        console.print(self.report.table())
        stories = Table(title="what happened today")
        stories.add_column("story")
        stories.add_column("orders", justify="right")
        for story, count in sorted(self.stories.items()):
            stories.add_row(story, str(count))
        console.print(stories)
        for line in self.staff:
            console.print(f"[yellow]staff[/yellow] {line}", highlight=False)
        for line in self.intake_failures:
            console.print(f"[yellow]intake failure[/yellow] {line}", highlight=False)
        console.print(f"[bold]Sample messages ({lang})[/bold]")
        for sample in self.samples:
            console.print(sample, "\n", highlight=False)
        for check in self.checks:
            mark = "[green]✓[/green]" if check.ok else "[red]✗[/red]"
            console.print(f"{mark} {check.name}")
            for problem in check.problems:
                console.print(f"    {problem}", highlight=False)


def _fresh(db: Path) -> Path:
    journal = db.with_name(db.name + ".messages.jsonl")
    for path in (db, journal, Path(f"{db}-wal"), Path(f"{db}-shm")):
        path.unlink(missing_ok=True)
    return journal


def run_demo(
    *,
    orders: int = 300,
    seed: int = 7,
    day: date = date(2026, 12, 23),
    db: Path = Path("ecomflow-demo.db"),
    lang: str = "pl",
    console: Console | None = None,
) -> DemoResult:
    """Run the simulated day on a fresh database; see the module docstring."""
    console = console or Console()
    scenario = plan_day(orders, seed, day)
    journal = _fresh(db)
    clock = FrozenClock(local(day, 7).astimezone(UTC))
    fake_time = FakeClock()

    def monotonic() -> float:  # the fake's rate window runs on the same simulated time
        return clock().timestamp() + fake_time.monotonic()

    with (
        FakeBaseLinker(token="demo", clock=monotonic, now=clock, keep_alive=True) as bl,
        FakeShipX(token="demo", organization_id=4242, confirm_after=0, keep_alive=True) as shipx,
    ):
        world = World(scenario, db, journal, clock, bl, shipx, fake_time)
        world.main = world.build("demo-main")
        world.second = world.build("demo-second", lease=5.0)
        for sku, (*_, stock) in PRODUCTS.items():
            world.main.ledger.receive(sku, stock, key=f"demo-stock:{sku}")
            world.received[sku] = stock
        try:
            collected = _run_days(world, scenario, console)
            result = _finish(world, scenario, collected, lang)
        finally:
            world.close()
    return result


def _run_days(world: World, scenario: Scenario, console: Console) -> set[str]:
    assert world.main is not None
    day = scenario.day
    collected: set[str] = set()
    stuck: set[str] = set()
    with Progress(console=console, transient=True) as progress:
        steps = progress.add_task("simulated day", total=17 * 4 + 3)
        previous = local(day, 6, 59)
        moment = local(day, 7)
        while moment <= local(day, 23, 45):
            for event in scenario.between(previous, moment):
                if event.kind == "restock":
                    world.clock.set(event.at.astimezone(UTC))
                world.apply(event)
            world.step(moment)
            previous, moment = moment, moment + timedelta(minutes=15)
            progress.advance(steps)
        for offset in (1, 2, 3):
            business = world.main.calendar.add_business_days(day, offset)
            world.step(local(business, 9))
            world.clock.set(local(business, 12).astimezone(UTC))
            for order in world.main.repository.find(status=OrderStatus.SHIPPED.value):
                if order.shipment and order.shipment.carrier == "shop":
                    world.main.confirm_delivery(
                        order.id, actor="user:sklep", reason="collected at the shop"
                    )
                    collected.add(order.id)
            world.clock.set(local(business, 16).astimezone(UTC))
            world.carrier_day(offset, stuck)
            world.step(local(business, 16, 15))
            progress.advance(steps)
        world.main.check_exceptions()
        world.main.poll_tracking()
        world.dispatch()
    return collected


def _finish(world: World, scenario: Scenario, collected: set[str], lang: str) -> DemoResult:
    main = world.main
    assert main is not None
    orders = main.repository.find()
    levels = {level.sku: level for level in main.ledger.levels()}
    evidence = Evidence(
        orders=orders,
        baselinker_orders=dict(world.baselinker.orders),
        baselinker_packages={k: list(v) for k, v in world.baselinker.packages.items()},
        baselinker_cancelled={
            order_id
            for order_id in world.baselinker.orders
            if world.baselinker.status_name(order_id) == "Anulowane"
        },
        shipx_shipments=dict(world.shipx.shipments),
        journal=world.journal,
        received=world.received | _restocked(scenario),
        on_hand={sku: level.on_hand for sku, level in levels.items()},
        reserved={sku: level.reserved for sku, level in levels.items()},
        audit_subjects={a.subject for a in main.repository.audit_trail()},
        pending_labels={
            row.order_id
            for row in main.repository.effects("pending", kind="create_shipment")
            if row.order_id
        },
        collected=collected,
    )
    checks = run_checks(evidence)
    sends = [json.loads(line) for line in world.journal.read_text("utf-8").splitlines()]
    messages: dict[str, int] = {}
    for send in sends:
        messages[send["kind"]] = messages.get(send["kind"], 0) + 1
    api_calls = sum(world.baselinker.calls.values()) + sum(world.shipx.calls.values())
    report = daily_report(
        orders,
        calendar=main.calendar,
        oversold=sum(1 for lv in levels.values() if lv.reserved > lv.on_hand),
        messages=messages,
        failed_api_calls=main.counters.failed_api_calls,
        labels_without_pickup=main.check_exceptions(),
        api_calls=api_calls,
    )
    status = main.status()
    report.extra["parked effects"] = status["effects"]["parked"]
    report.extra["intake failures (open)"] = status["intake_failures"]
    report.extra["webhooks applied"] = world.webhooks_applied
    stories: dict[str, int] = {}
    for planned in scenario.orders:
        for story in planned.story:
            stories[story] = stories.get(story, 0) + 1
    return DemoResult(
        report=report,
        checks=checks,
        samples=_samples(main, sends, lang),
        intake_failures=[
            f"{f.channel}-{f.channel_order_id}: {f.reason}"
            for f in main.repository.intake_failures(include_resolved=True)
        ],
        staff=[
            f"{a.subject}: {a.detail}"
            for a in main.repository.audit_trail()
            if a.action == "staff-attention"
        ],
        stories=stories,
        figures={
            "orders": len(orders),
            "by_status": report.orders_by_status,
            "holds": report.holds_by_reason,
            "messages": messages,
            "shipments": len(world.shipx.shipments),
            "packages": sum(len(v) for v in world.baselinker.packages.values()),
        },
    )


def _restocked(scenario: Scenario) -> dict[str, int]:
    total: dict[str, int] = {}
    for event in scenario.events:
        if event.kind == "restock":
            for sku, quantity in event.data["skus"].items():
                total[sku] = total.get(sku, 0) + PRODUCTS[sku][4] + quantity
    return total


def _samples(main: Any, sends: list[dict[str, Any]], lang: str) -> list[str]:
    samples = []
    for kind in MessageKind:
        sent = next((s for s in sends if s["kind"] == kind.value), None)
        order = main.repository.get(sent["order_id"]) if sent else None
        if sent is None or order is None:
            continue
        plan = order.shipping
        message = render(
            kind,
            order,
            shop=main.core.shop,
            locale=lang,
            ship_date=plan.ship_date if plan else None,
            delivery_date=plan.promised_delivery if plan else None,
            point=order.delivery.point_id,
        )
        samples.append(str(message))
    return samples
