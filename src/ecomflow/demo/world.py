"""The demo's outside world: fake BaseLinker and ShipX on loopback, the shop's config, time.

The Orchestrator is built the way a shop builds it — from an ``ecomflow.toml``
(here a dict) naming its adapters: BaseLinker as the channel, InPost ShipX and
the built-in pickup desk as carriers. Customer messages go to a journal file
that records every send (repeats included), so the checks count what
customers really received; refunds and correcting invoices go to an event
journal, the payment and accounting systems' own record.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from ecomflow.demo.returns import EventJournal
from ecomflow.demo.scenario import PRODUCTS, Scenario, WorldEvent
from ecomflow.http import FakeClock, RetryPolicy
from ecomflow.notify import JournalNotifier
from ecomflow.orchestration import Orchestrator, OrchestratorConfig
from ecomflow.orchestration.limits import SharedRateLimiter
from ecomflow.rules import RuleSet
from ecomflow.shipping import Products, ProductSpec
from ecomflow.testing import FakeBaseLinker, FakeShipX, FrozenClock

__all__ = ["SHOP", "World"]

#: The demo shop, as its customers see it.
SHOP = {
    "name": "Kubkowo",
    "sender_email": "sklep@kubkowo.example",
    "returns_url": "https://kubkowo.example/zwroty",
    "help_url": "https://kubkowo.example/pomoc",
}

#: The seed's rule: paid, InPost, under 500 zł → ready to pack, tag, label.
RULES = {
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
            "then": [{"set_status": "ready_to_pack"}, {"add_tag": "paczkomat-seed"}],
        },
        {
            "id": "big-baskets-first",
            "priority": 20,
            "when": {"field": "total", "op": ">=", "value": "400 PLN"},
            "then": [{"set_priority": 10}],
        },
    ]
}

WEBHOOK_TOKEN = "demo-webhook-token"
SHIPX_NETWORK_ADDRESS = "91.216.25.10"


@dataclass
class World:
    """The fakes, the clocks, and the shop's Orchestrators (a main one and a second worker)."""

    scenario: Scenario
    db: Path
    journal: Path
    clock: FrozenClock
    baselinker: FakeBaseLinker
    shipx: FakeShipX
    fake_time: FakeClock = field(default_factory=FakeClock)
    main: Orchestrator | None = None
    second: Orchestrator | None = None
    received: dict[str, int] = field(default_factory=dict)
    webhooks_applied: int = 0
    events: Path | None = None
    store: str | None = None

    # -- configuration ----------------------------------------------------------------

    def config(self) -> OrchestratorConfig:
        """The shop's ecomflow.toml, as a mapping (printed by ``ecomflow demo --config``)."""
        return OrchestratorConfig.from_dict(
            {
                "store": self.store or f"sqlite:///{self.db}",
                "shop": SHOP,
                "notify": {"transport": "log"},
                "pipeline": {"confirm_poll_seconds": 60},
                "returns": {"window_days": 30, "invoice_series": {"baselinker": "KOR"}},
                "channels": {
                    "baselinker": {
                        "adapter": "baselinker",
                        "token": "demo",
                        "url": self.baselinker.url,
                        "inventory_id": 1,
                        # createPackageManual takes a free courier name for the pickup desk.
                        "couriers": {"shop": "odbior_osobisty"},
                    }
                },
                "carriers": {
                    "inpost": {
                        "adapter": "inpost",
                        "token": "demo",
                        "organization_id": self.shipx.organization_id,
                        "url": self.shipx.url,
                        "webhook_token": WEBHOOK_TOKEN,
                        # The shop's locker for returns of locker orders (target_point).
                        "return_point": "KRA112",
                    },
                    "shop": {"adapter": "pickup", "shop_name": "Kubkowo, ul. Kubkowa 1"},
                },
            },
            where="the demo's ecomflow.toml",
        )

    def build(
        self, worker_id: str, *, lease: float | None = None, shared_limit: bool = True
    ) -> Orchestrator:
        """An Orchestrator from the config, on simulated time (rate limits included).

        ``shared_limit=False`` leaves BaseLinker's limiter as the adapter built it
        (a benchmark replaces it with its own).
        """
        config = self.config()
        if lease is not None:
            config = config.model_copy(
                update={"pipeline": config.pipeline.model_copy(update={"lease_seconds": lease})}
            )
        orchestrator = Orchestrator.from_config(
            config,
            notifier=JournalNotifier(self.journal),
            events=EventJournal(self.events) if self.events is not None else None,
            clock=self.clock,
            worker_id=worker_id,
        )
        orchestrator.core.rules = RuleSet.load(RULES)
        orchestrator.core.products = Products(
            {
                sku: ProductSpec(weight_kg=Decimal(w), dimensions_cm=dims)
                for sku, (_, _, w, dims, _) in PRODUCTS.items()
            }
        )
        fast = RetryPolicy(attempts=3, base=0.01, jitter=0, sleep=self.fake_time.sleep)
        for client in [
            *orchestrator.router.channels.values(),
            *orchestrator.router.carriers.values(),
        ]:
            if hasattr(client, "retry"):
                client.retry = fast
        if not shared_limit:
            return orchestrator
        # Both workers share one BaseLinker budget through the database, on simulated time.
        channel = orchestrator.router.channels["baselinker"]
        channel.limiter = SharedRateLimiter(  # type: ignore[attr-defined]
            orchestrator.repository.store,
            "channels:baselinker",
            rate=90,
            per=60.0,
            clock=self.monotonic,
            sleep=self.fake_time.sleep,
        )
        return orchestrator

    def monotonic(self) -> float:
        """Simulated seconds: the shop's clock plus the time spent waiting for the API."""
        return self.clock().timestamp() + self.fake_time.monotonic()

    # -- the world's side -------------------------------------------------------------

    def apply(self, event: WorldEvent) -> None:
        """Do what the outside world does at ``event.at``."""
        order_id = 7000 + event.number
        if event.kind == "arrive":
            if order_id in self.baselinker.orders:
                return  # a resumed run repeats its interrupted step
            planned = self.scenario.orders[event.number - 1]
            self.baselinker.add_order(**json.loads(json.dumps(planned.fields)))
        elif event.kind == "pay":
            self.baselinker.pay(order_id)
        elif event.kind == "cancel":
            self.baselinker.cancel(order_id)
        elif event.kind == "edit":
            self.baselinker.edit(order_id, **event.data)
        elif event.kind == "fix_method":
            self.baselinker.edit(order_id, delivery_method=event.data["method"])
        elif event.kind == "restock":
            assert self.main is not None
            for sku, quantity in event.data["skus"].items():
                self.main.ledger.receive(sku, quantity, key=f"demo-restock:{sku}:{event.at}")

    def carrier_day(self, offset: int) -> int:
        """The carrier's work on a day after shipping; its webhooks reach the app.

        Idempotent: a status the parcel already had is not given again (a resumed
        run repeats its interrupted step). The first parcel of the first day gets stuck.
        """
        assert self.main is not None
        stuck = self.main.repository.record("demo:stuck")
        for order in self.main.repository.find(status="shipped"):
            ref = order.shipment
            if ref is None or ref.carrier != "inpost" or ref.shipment_id is None:
                continue
            if stuck is None and offset == 1:
                stuck = order.id
                with self.main.repository.unit(self.clock()) as unit:
                    unit.put_record("demo:stuck", stuck)
            if order.id == stuck:
                steps = ["taken_by_courier", "delay_in_delivery"]
            elif offset == 1:
                steps = ["taken_by_courier", "out_for_delivery"]
            elif order.delivery.method.value == "parcel_locker" and offset == 2:
                steps = ["ready_to_pickup"]
            else:
                steps = ["delivered"]
            seen = {e.get("status") for e in self.shipx.tracking.get(ref.tracking_number or "", [])}
            for status in steps:
                if status not in seen:
                    self.shipx.advance(ref.shipment_id, status)
        return self.deliver_webhooks()

    def deliver_webhooks(self) -> int:
        """Send ShipX's webhooks not yet delivered to the app (as from InPost's network)."""
        assert self.main is not None
        start = int(self.main.repository.record("demo:webhooks") or 0)
        applied = 0
        for body in self.shipx.webhooks_sent[start:]:
            report = self.main.handle_webhook(
                "inpost",
                {"Content-Type": "application/json"},
                json.dumps(body).encode(),
                remote_addr=SHIPX_NETWORK_ADDRESS,
                path_token=WEBHOOK_TOKEN,
            )
            applied += report.applied
        with self.main.repository.unit(self.clock()) as unit:
            unit.put_record("demo:webhooks", str(len(self.shipx.webhooks_sent)))
        self.webhooks_applied += applied
        return applied

    # -- the shop's side --------------------------------------------------------------

    def step(self, until: datetime) -> None:
        """The shop's worker at ``until``: intake, expiry, holds, then two dispatchers at once."""
        assert self.main is not None
        assert self.second is not None
        self.clock.set(until.astimezone(UTC))
        self.main.sync()
        self.main.expire()
        self.main.release_stock_holds()
        self.main.retake_failures()
        self.dispatch()

    def dispatch(self) -> None:
        """The main worker and a second one with a short lease, at the same time."""
        assert self.main is not None
        assert self.second is not None
        errors: list[BaseException] = []

        def run(orchestrator: Orchestrator) -> None:
            try:
                orchestrator.dispatch()
            except BaseException as error:  # surfaced after both finished
                errors.append(error)

        helper = threading.Thread(target=run, args=(self.second,))
        helper.start()
        run(self.main)
        helper.join()
        if errors:
            raise errors[0]

    def advance(self, delta: timedelta, action: Callable[[], Any] | None = None) -> None:
        """Move simulated time on (and run ``action`` then)."""
        self.clock.advance(seconds=delta.total_seconds())
        if action is not None:
            action()

    def close(self) -> None:
        """Close both Orchestrators."""
        for orchestrator in (self.main, self.second):
            if orchestrator is not None:
                orchestrator.close()


def utc(moment: datetime) -> datetime:
    """``moment`` in UTC."""
    return moment.astimezone(UTC)
