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

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import Progress
from rich.table import Table

from ecomflow.demo import returns as _returns
from ecomflow.demo.checks import Check, Evidence, run_checks
from ecomflow.demo.checks import read_sends as _read_sends
from ecomflow.demo.scenario import PRODUCTS, Scenario, plan_day
from ecomflow.demo.scenario import local as _local
from ecomflow.demo.world import World
from ecomflow.errors import ConfigurationError
from ecomflow.http import FakeClock
from ecomflow.kpi import DailyReport, daily_report
from ecomflow.notify import MessageKind, render
from ecomflow.orders import OrderStatus
from ecomflow.returns import RmaStatus
from ecomflow.testing import FakeBaseLinker, FakeShipX, FrozenClock

__all__ = [
    "Check",
    "DemoResult",
    "Evidence",
    "Scenario",
    "World",
    "plan_day",
    "run_checks",
    "run_demo",
]


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
        returns = self.figures.get("returns")
        if returns:
            rmas = ", ".join(f"{n} {status}" for status, n in returns["rmas"].items()) or "none"
            console.print(
                f"[bold]returns[/bold]: {returns['requested']} requests, "
                f"{returns['refused']} refused; RMAs {rmas}; {returns['labels']} return labels "
                f"at ShipX; {returns['refunded']} PLN refunded; "
                f"{returns['written_off']} damaged unit(s) written off",
                highlight=False,
            )
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


def _paths(db: Path) -> tuple[Path, Path]:
    """The message journal and the folder of the fakes' saved state, next to ``db``."""
    return db.with_name(db.name + ".messages.jsonl"), db.with_name(db.name + ".world")


def _events(db: Path) -> Path:
    """The journal of refund and correction events (the payment and accounting side)."""
    return db.with_name(db.name + ".events.jsonl")


def _fresh(db: Path) -> None:
    journal, world = _paths(db)
    for path in (db, journal, _events(db), Path(f"{db}-wal"), Path(f"{db}-shm")):
        path.unlink(missing_ok=True)
    if world.exists():
        for item in world.iterdir():
            item.unlink()


def run_demo(
    *,
    orders: int = 300,
    seed: int = 7,
    day: date = date(2026, 12, 23),
    db: Path = Path("ecomflow-demo.db"),
    lang: str = "pl",
    console: Console | None = None,
    durable: bool = False,
    resume: bool = False,
) -> DemoResult:
    """Run the simulated day; see the module docstring.

    A new day starts on a fresh database. ``durable`` keeps the fakes' state on
    disk after every answer they give (a real API does not forget what it
    acknowledged), so that a run killed at any point can be continued with
    ``resume``: from the step it was in, every step being safe to repeat.
    """
    console = console or Console()
    scenario = plan_day(orders, seed, day)
    journal, state = _paths(db)
    if resume and not (state / "baselinker.pickle").exists():
        raise ConfigurationError(f"nothing to resume at {db}: run `ecomflow demo --durable` first")
    if not resume:
        _fresh(db)
    durable = durable or resume
    state.mkdir(exist_ok=True)
    clock = FrozenClock(_local(day, 7).astimezone(UTC))
    fake_time = FakeClock()

    def monotonic() -> float:  # the fake's rate window runs on the same simulated time
        return clock().timestamp() + fake_time.monotonic()

    with (
        FakeBaseLinker(token="demo", clock=monotonic, now=clock, keep_alive=True) as bl,
        FakeShipX(token="demo", organization_id=4242, confirm_after=0, keep_alive=True) as shipx,
    ):
        if durable:
            bl.persist(state / "baselinker.pickle")
            shipx.persist(state / "shipx.pickle")
        world = World(scenario, db, journal, clock, bl, shipx, fake_time, events=_events(db))
        world.main = world.build("demo-main")
        world.second = world.build("demo-second", lease=5.0)
        if resume:  # the killed run's workers are dead: their claims come back now
            for worker in ("demo-main", "demo-second"):
                world.main.repository.release_worker(worker)
        for sku, (*_, stock) in PRODUCTS.items():
            world.main.ledger.receive(sku, stock, key=f"demo-stock:{sku}")
            world.received[sku] = stock
        try:
            _run_steps(world, _steps(world, scenario), console)
            result = _finish(world, scenario, lang)
        finally:
            world.close()
    return result


Step = tuple[str, Callable[[], object]]


def _steps(world: World, scenario: Scenario) -> list[Step]:
    """The day as numbered steps, each safe to repeat (see :func:`run_demo`)."""
    day = scenario.day
    steps: list[Step] = []
    previous, moment = _local(day, 6, 59), _local(day, 7)
    while moment <= _local(day, 23, 45):

        def quarter(start: datetime = previous, end: datetime = moment) -> None:
            for event in scenario.between(start, end):
                world.clock.set(event.at.astimezone(UTC))
                world.apply(event)
            world.step(end)

        steps.append((f"{moment:%H:%M}", quarter))
        previous, moment = moment, moment + timedelta(minutes=15)
    assert world.main is not None
    main = world.main
    for offset in (1, 2, 3):
        business = main.calendar.add_business_days(day, offset)
        steps += [
            (f"{business} 09:00", partial(world.step, _local(business, 9))),
            (f"{business} 12:00 collections", partial(_collect, world, _local(business, 12))),
            (f"{business} 16:00 carrier", partial(_carrier, world, _local(business, 16), offset)),
            (f"{business} 16:15", partial(world.step, _local(business, 16, 15))),
        ]
    first, second = (main.calendar.add_business_days(day, offset) for offset in (4, 5))
    for when, (hour, what, action) in [
        (first, (10, "returns requested", _returns.request_returns)),
        (first, (16, "return parcels posted", _returns.parcels_posted)),
        (second, (11, "return parcels arrive", _returns.parcels_arrive)),
        (second, (14, "returns verified", _returns.verify_returns)),
        (second, (16, "refunds", _returns.settle_returns)),
    ]:
        steps.append((f"{when} {hour}:00 {what}", partial(action, world, _local(when, hour))))
    steps.append(("tracking checks", lambda: (main.check_exceptions(), main.poll_tracking())))
    steps.append(("last dispatch", world.dispatch))
    return steps


def _carrier(world: World, at: datetime, offset: int) -> None:
    world.clock.set(at.astimezone(UTC))
    world.carrier_day(offset)


def _collect(world: World, at: datetime) -> None:
    """Customers collect their parcels at the shop (staff confirm it)."""
    assert world.main is not None
    world.clock.set(at.astimezone(UTC))
    for order in world.main.repository.find(status=OrderStatus.SHIPPED.value):
        if order.shipment and order.shipment.carrier == "shop":
            world.main.confirm_delivery(
                order.id, actor="user:sklep", reason="collected at the shop"
            )


def _run_steps(world: World, steps: list[Step], console: Console) -> None:
    """Run the steps not done yet, recording each one done with the fakes' state saved."""
    assert world.main is not None
    repository = world.main.repository
    done = int(repository.record("demo:step") or -1)
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("simulated day", total=len(steps), completed=done + 1)
        for index, (_, action) in enumerate(steps):
            if index <= done:
                continue
            action()
            world.baselinker.save_state()
            world.shipx.save_state()
            with repository.unit(world.clock()) as unit:
                unit.put_record("demo:step", str(index))
            progress.advance(task)


def _finish(world: World, scenario: Scenario, lang: str) -> DemoResult:
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
        parked={row.key: row.error or "" for row in main.repository.effects("parked")},
        collected={
            o.id
            for o in orders
            if o.shipment is not None
            and o.shipment.carrier == "shop"
            and o.status is OrderStatus.DELIVERED
        },
        rmas=main.returns.rmas(),
        return_plan=_returns.returns_plan(world),
        money_events=_read_sends(_events(world.db)),
        return_records=main.repository.records("demo:returns:"),
        quarantined={sku: level.quarantined for sku, level in levels.items()},
    )
    checks = run_checks(evidence)
    sends = _read_sends(world.journal)
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
    report.extra.update(main.returns.figures())
    stories: dict[str, int] = {}
    for planned in scenario.orders:
        for story in planned.story:
            stories[story] = stories.get(story, 0) + 1
    for planned_return in evidence.return_plan:
        stories[planned_return.story] = stories.get(planned_return.story, 0) + 1
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
            "labels": report.labels_created,
            "shipped_by_day": report.shipped_by_day,
            "lead_time_hours": report.lead_time_hours,
            "parked": status["effects"]["parked"],
            "on_hand": {sku: level.on_hand for sku, level in sorted(levels.items())},
            "returns": _returns_figures(evidence),
        },
    )


def _returns_figures(evidence: Evidence) -> dict[str, Any]:
    """The returns in the demo's figures (compared after crashes) and its summary line."""
    refunded = sum(
        (Decimal(e["amount"]) for e in evidence.money_events if e["kind"] == "request_refund"),
        Decimal(0),
    )
    return {
        "requested": len(evidence.return_plan),
        "refused": sum(1 for p in evidence.return_plan if p.refusal),
        "rmas": dict(sorted(Counter(r.status.value for r in evidence.rmas).items())),
        "labels": sum(1 for s in evidence.shipx_shipments.values() if s.get("is_return")),
        "refunded": str(refunded.quantize(Decimal("0.01"))),
        "written_off": sum(sum(p.damaged.values()) for p in evidence.return_plan),
    }


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
            **_return_details(main, sent["key"], lang),
        )
        samples.append(str(message))
    return samples


def _return_details(main: Any, key: str, lang: str) -> dict[str, Any]:
    """A return message's RMA, status and label (its key: ``msg:return_update:<o>:<rma>:<s>``)."""
    parts = key.split(":")
    if parts[:2] != ["msg", MessageKind.RETURN_UPDATE.value] or len(parts) != 5:
        return {}
    rma = main.returns.store.get(parts[3])
    if rma is None:
        return {}
    status = RmaStatus(parts[4])
    opening = status is RmaStatus.REQUESTED
    return {
        "rma": rma.number,
        "rma_status": status.label(lang),
        "return_steps": opening,
        "return_code": rma.return_tracking_number if opening else None,
        "return_url": rma.return_tracking_url if opening else None,
    }
