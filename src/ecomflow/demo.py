"""``ecomflow demo``: a simulated shop day through the real Orchestrator and local fakes.

A fake BaseLinker and a fake InPost ShipX run on loopback ports; a day of
orders (paid and unpaid, cash on delivery, lockers and couriers, a few too big
for a locker, some with a bad postcode, NIP or phone, some for SKUs that run
out, some paid after the cut-off) arrives hour by hour; the next days bring
pickups, deliveries and one stuck parcel. Time is simulated (the fakes' rate
limit included), so a day runs in seconds. The run ends with the daily report
and its own consistency checks; the exit code is 0 only when they pass.
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rich.console import Console
from rich.progress import Progress

from ecomflow.adapters.baselinker import BaseLinkerClient, BaseLinkerSettings
from ecomflow.adapters.inpost import InPostClient, InPostSettings
from ecomflow.calendar import BusinessCalendar
from ecomflow.http import FakeClock, RateLimiter, RetryPolicy
from ecomflow.kpi import DailyReport, daily_report
from ecomflow.notify import MessageKind, RecordingNotifier, render
from ecomflow.orchestration import Orchestrator, OrderRepository
from ecomflow.orders import OrderStatus
from ecomflow.returns import (
    LineOutcome,
    ReturnReason,
    Returns,
    ReturnsReport,
    Rma,
    RmaNumbering,
    customer_messages,
    returns_report,
)
from ecomflow.rules import RuleSet
from ecomflow.shipping import Catalogue
from ecomflow.stock import StockLedger, open_store
from ecomflow.testing import FakeBaseLinker, FakeShipX, FrozenClock

__all__ = ["DemoResult", "run_demo"]

WARSAW = ZoneInfo("Europe/Warsaw")

#: The demo shop's catalogue: SKU → (name, unit price, weight kg, stock).
PRODUCTS: dict[str, tuple[str, str, str, int]] = {
    "KUBEK-CZ": ("Kubek czerwony", "24.50", "0.4", 400),
    "KUBEK-NB": ("Kubek niebieski", "24.50", "0.4", 400),
    "PLED-WEL": ("Pled wełniany", "189.00", "1.2", 120),
    "SWIECA-L": ("Świeca lawendowa", "39.90", "0.5", 300),
    "HERBATA": ("Herbata zimowa", "29.00", "0.3", 500),
    "RĘKAWICE": ("Rękawice", "79.00", "0.3", 150),
    "LAMPKA": ("Lampka LED", "149.00", "1.5", 90),
    "KALENDARZ": ("Kalendarz 2027", "59.00", "0.6", 8),
    "ZESTAW-PR": ("Zestaw prezentowy", "249.00", "2.5", 5),
    "BIURKO": ("Biurko dębowe", "1490.00", "32.0", 20),
}

CITIES = [
    ("Kraków", "31-147", "KRA010"),
    ("Warszawa", "00-950", "WAW22M"),
    ("Gdańsk", "80-837", "GDA01N"),
    ("Poznań", "61-896", "POZ05M"),
    ("Wrocław", "50-075", "WRO16H"),
]
NAMES = [
    "Anna Nowak",
    "Jan Kowalski",
    "Ewa Wiśniewska",
    "Piotr Wójcik",
    "Maria Kamińska",
    "Tomasz Lewandowski",
    "Katarzyna Zielińska",
    "Michał Szymański",
]


@dataclass
class DemoResult:
    """What the demo did and found."""

    report: DailyReport
    checks: dict[str, bool] = field(default_factory=dict)
    returns: ReturnsReport | None = None
    samples: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every consistency check passed."""
        return all(self.checks.values())


def _order_fields(rng: random.Random, number: int, when: datetime) -> dict[str, Any]:
    city, postcode, point = rng.choice(CITIES)
    name = rng.choice(NAMES)
    roll = rng.random()
    everyday = [s for s in PRODUCTS if s not in ("BIURKO", "KALENDARZ", "ZESTAW-PR")]
    skus = rng.sample(everyday, rng.randint(1, 3))
    if roll < 0.03:
        skus = ["BIURKO"]  # too big for a locker, chosen for one anyway
    elif roll < 0.10:
        skus.append(rng.choice(["KALENDARZ", "ZESTAW-PR"]))  # scarce: some run out
    products = [
        {
            "order_product_id": number * 10 + i,
            "product_id": str(100 + i),
            "name": PRODUCTS[s][0],
            "sku": s,
            "ean": "",
            "price_brutto": PRODUCTS[s][1],
            "tax_rate": "23",
            "quantity": str(rng.choice([1, 1, 1, 2])),
            "weight": PRODUCTS[s][2],
        }
        for i, s in enumerate(skus)
    ]
    total = sum(float(PRODUCTS[str(p["sku"])][1]) * int(str(p["quantity"])) for p in products)
    locker = rng.random() < 0.6 or skus == ["BIURKO"]
    cod = rng.random() < 0.15
    unpaid = not cod and rng.random() < 0.08
    fields: dict[str, Any] = {
        "date_add": int(when.timestamp()),
        "date_confirmed": int(when.timestamp()),
        "email": f"klient{number}@example.com",
        "phone": f"60{rng.randint(1000000, 9999999)}",
        "delivery_fullname": name,
        "delivery_address": f"ul. Długa {rng.randint(1, 120)}",
        "delivery_city": city,
        "delivery_postcode": postcode,
        "delivery_country_code": "PL",
        "delivery_method": "InPost Paczkomaty 24/7" if locker else "Kurier InPost",
        "delivery_point_id": point if locker else "",
        "payment_method": "Pobranie" if cod else "Przelewy24",
        "payment_method_cod": "1" if cod else "0",
        "payment_done": "0" if (cod or unpaid) else f"{total:.2f}",
        "products": products,
    }
    trouble = rng.random()
    if trouble < 0.04:
        fields["delivery_postcode"] = postcode.replace("-", "")
    elif trouble < 0.07:
        fields.update(
            want_invoice="1",
            invoice_company="Firma sp. z o.o.",
            invoice_nip="1234567890",
            invoice_fullname=name,
        )
    elif trouble < 0.09:
        fields["phone"] = "12345"
    return fields


def run_demo(
    *,
    orders: int = 300,
    seed: int = 7,
    day: date = date(2026, 12, 23),
    db: Path = Path("ecomflow-demo.db"),
    lang: str = "pl",
    console: Console | None = None,
) -> DemoResult:
    """Run the simulated day; see the module docstring."""
    console = console or Console()
    rng = random.Random(seed)
    fake_time = FakeClock()
    clock = FrozenClock(datetime.combine(day, time(7, 0), tzinfo=WARSAW).astimezone(UTC))
    calendar = BusinessCalendar()
    fast = RetryPolicy(attempts=3, base=0.01, jitter=0, sleep=fake_time.sleep)
    with (
        FakeBaseLinker(token="demo", clock=fake_time.monotonic, keep_alive=True) as bl,
        FakeShipX(token="demo", confirm_after=0, keep_alive=True) as shipx,
    ):
        store = open_store(f"sqlite:///{db}")
        ledger = StockLedger(store, clock=clock)
        for sku, (_, _, _, stock) in PRODUCTS.items():
            ledger.receive(sku, stock, key=f"demo-stock:{sku}")
        channel = BaseLinkerClient(
            BaseLinkerSettings(token="demo", url=bl.url, inventory_id=1),
            retry=fast,
            limiter=RateLimiter(90, 60.0, clock=fake_time),
        )
        carrier = InPostClient(
            InPostSettings(token="demo", url=shipx.url, organization_id=shipx.organization_id),
            retry=fast,
        )
        notifier = RecordingNotifier()
        rules = RuleSet.load(
            {
                "rules": [
                    {
                        "id": "paid-inpost-under-500",
                        "priority": 10,
                        "when": {
                            "all": [
                                {"field": "payment.paid", "value": True},
                                {"field": "delivery.carrier", "value": "inpost"},
                                {"field": "total", "op": "<", "value": "500 PLN"},
                            ]
                        },
                        "then": [
                            {"set_status": "ready_to_pack"},
                            {"add_tag": "parcel-locker"},
                            {"request_label": True},
                        ],
                    }
                ]
            }
        )
        orchestrator = Orchestrator(
            repository=OrderRepository(store),
            ledger=ledger,
            channels={"baselinker": channel},
            carrier=carrier,
            catalogue=Catalogue.example(),
            calendar=calendar,
            rules=rules,
            notifier=notifier,
            clock=clock,
        )
        opening = datetime.combine(day, time(7, 0), tzinfo=WARSAW)
        arrivals = sorted(
            opening + timedelta(minutes=rng.randint(0, 13 * 60)) for _ in range(orders)
        )
        pending = [(when, _order_fields(rng, i, when)) for i, when in enumerate(arrivals)]
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("simulated day", total=17 + 3)
            for hour in range(7, 24):
                clock.set(datetime.combine(day, time(hour, 15), tzinfo=WARSAW).astimezone(UTC))
                while pending and pending[0][0] <= clock():
                    bl.add_order(**pending.pop(0)[1])
                orchestrator.sync()
                clock.set(datetime.combine(day, time(hour, 45), tzinfo=WARSAW).astimezone(UTC))
                orchestrator.dispatch()  # packing takes half an hour
                ledger.expire()
                progress.advance(task)
            for offset in (1, 2, 3):
                moment = calendar.add_business_days(day, offset)
                clock.set(datetime.combine(moment, time(9, 0), tzinfo=WARSAW).astimezone(UTC))
                orchestrator.sync()
                orchestrator.dispatch()  # labels of orders paid after yesterday's cut-off
                clock.set(datetime.combine(moment, time(16, 0), tzinfo=WARSAW).astimezone(UTC))
                _carrier_day(orchestrator, shipx, offset)
                orchestrator.dispatch()
                progress.advance(task)
        stuck = orchestrator.check_exceptions()  # tracking polls: one delay message per incident
        orchestrator.dispatch()
        returns = _returns(orchestrator, ledger, store, clock, rng, notifier)
        every = orchestrator.repository.find()
        result = _finish(orchestrator, ledger, notifier, every, bl, shipx, stuck, lang)
        result.returns = returns_report(returns.rmas, sold=_sold(every))
        channel.close()
        carrier.close()
        store.close()
    return result


def _returns(
    orchestrator: Orchestrator,
    ledger: StockLedger,
    store: Any,
    clock: FrozenClock,
    rng: random.Random,
    notifier: RecordingNotifier,
) -> Returns:
    """A few customers return something after delivery (each order at most once, ever)."""
    steps = FrozenClock(clock())  # each return's own timeline: posted, received, checked, paid
    returns = Returns(ledger, RmaNumbering(store), clock=steps)
    returns.listeners.append(customer_messages(notifier, orchestrator.repository.get))
    candidates = sorted(  # the same candidates on every run of the demo
        orchestrator.repository.find(status=OrderStatus.DELIVERED.value)
        + orchestrator.repository.find(status=OrderStatus.RETURNED.value),
        key=lambda o: o.id,
    )
    reasons = list(ReturnReason)
    for order in candidates[:: max(1, len(candidates) // 12)][:12]:
        steps.set(clock())
        with orchestrator.repository.unit() as unit:
            found = unit.get(order.id)
            if found is None or any(t.event.startswith("rma.") for t in found[0].history):
                continue  # returned in an earlier run of the demo
            current, version = found
            line = current.lines[0]
            rma = returns.request(
                current, {line.sku: 1}, rng.choice(reasons), now=clock(), key=f"demo:{current.id}"
            )
            if not isinstance(rma, Rma):
                continue
            steps.advance(days=2)
            returns.receive(rma, current)
            steps.advance(hours=3)
            damaged = rma.reason is ReturnReason.DAMAGED
            returns.verify(
                rma, {line.sku: LineOutcome.WRITE_OFF if damaged else LineOutcome.RESTOCK}, current
            )
            steps.advance(hours=1)
            returns.refund(rma, current)
            unit.save(current, version)
    return returns


def _sold(orders: list[Any]) -> dict[str, int]:
    sold: Counter[str] = Counter()
    for order in orders:
        if order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.RETURNED):
            sold.update(order.quantities())
    return dict(sold)


def _carrier_day(orchestrator: Orchestrator, shipx: FakeShipX, offset: int) -> None:
    """The carrier's work on a day after shipping: pickups, deliveries, one stuck parcel."""
    shipped = orchestrator.repository.find(status=OrderStatus.SHIPPED.value)
    for index, order in enumerate(shipped):
        shipment_id = order.shipment.shipment_id if order.shipment else None
        if shipment_id is None or int(shipment_id) not in shipx.shipments:
            continue  # a shipment from an earlier run of the demo (the fake starts empty)
        if index == 0:
            shipx.advance(shipment_id, "delay_in_delivery")  # the one stuck parcel
        elif offset == 1:
            shipx.advance(shipment_id, "taken_by_courier")
            shipx.advance(shipment_id, "out_for_delivery")
        else:
            shipx.advance(shipment_id, "delivered")
        webhook = json.dumps(shipx.webhooks_sent[-1]).encode()
        orchestrator.handle_webhook("inpost", {}, webhook)


def _finish(
    orchestrator: Orchestrator,
    ledger: StockLedger,
    notifier: RecordingNotifier,
    orders: list[Any],
    bl: FakeBaseLinker,
    shipx: FakeShipX,
    stuck: int,
    lang: str,
) -> DemoResult:
    verification = ledger.verify()
    levels = ledger.levels()
    oversold = sum(1 for lv in levels if lv.reserved > lv.on_hand)
    references = Counter(s["reference"] for s in shipx.shipments.values())
    api_calls = sum(bl.calls.values()) + sum(shipx.calls.values())
    report = daily_report(
        orders,
        calendar=orchestrator.calendar,
        oversold=oversold,
        messages=notifier.by_kind(),
        failed_api_calls=orchestrator.api_failures,
        labels_without_pickup=stuck,
        api_calls=api_calls,
    )
    report.extra["needs attention (parked effects)"] = len(
        orchestrator.repository.effects("needs_attention")
    )
    keys = [m.key for m in notifier.sent]
    checks = {
        "stock journal replays to the levels": verification.ok,
        "no SKU oversold": oversold == 0,
        "one shipment per order": all(n == 1 for n in references.values()),
        "every shipped order has a tracking number": all(
            o.shipment and o.shipment.tracking_number
            for o in orders
            if o.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED)
        ),
        "each message sent once": len(keys) == len(set(keys)),
    }
    samples = []
    for kind in (
        MessageKind.CONFIRMATION,
        MessageKind.SHIPPED,
        MessageKind.DELAY,
        MessageKind.DELIVERED,
        MessageKind.DATA_REQUEST,
    ):
        sent = next((m for m in notifier.sent if m.kind is kind), None)
        order = orchestrator.repository.get(sent.order_id) if sent else None
        if sent is not None and order is not None:
            again = sent if lang == sent.language else render(kind, order, locale=lang)
            samples.append(str(again))
    return DemoResult(report=report, checks=checks, samples=samples)
