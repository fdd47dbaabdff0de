from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from ecomflow.adapters.baselinker import BaseLinkerClient, BaseLinkerSettings
from ecomflow.adapters.inpost import InPostClient, InPostSettings
from ecomflow.calendar import BusinessCalendar
from ecomflow.http import RateLimiter, RetryPolicy
from ecomflow.notify import RecordingNotifier
from ecomflow.orchestration import Orchestrator, OrderRepository
from ecomflow.orders import OrderStatus
from ecomflow.shipping import Catalogue
from ecomflow.stock import StockLedger, open_store
from ecomflow.testing import FakeBaseLinker, FakeShipX, FrozenClock

FAST = RetryPolicy(attempts=3, jitter=0, base=0.01, sleep=lambda s: None)
START = int(datetime(2026, 11, 24, 8, 0, tzinfo=UTC).timestamp())


@pytest.fixture
def world(tmp_path: Path) -> Iterator[dict[str, Any]]:
    with FakeBaseLinker(token="bl", rate_limit=100_000) as bl, FakeShipX(token="sx") as sx:
        clock = FrozenClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
        store = open_store(f"sqlite:///{tmp_path / 'shop.db'}")
        ledger = StockLedger(store, clock=clock)
        ledger.receive("MUG-RED", 10)
        channel = BaseLinkerClient(
            BaseLinkerSettings(token="bl", url=bl.url),
            retry=FAST,
            limiter=RateLimiter(10_000, 1, burst=1000),
        )
        carrier = InPostClient(
            InPostSettings(token="sx", organization_id=sx.organization_id, url=sx.url), retry=FAST
        )
        notifier = RecordingNotifier()
        orchestrator = Orchestrator(
            repository=OrderRepository(store),
            ledger=ledger,
            channels={"baselinker": channel},
            carrier=carrier,
            catalogue=Catalogue.example(),
            calendar=BusinessCalendar(),
            notifier=notifier,
            clock=clock,
        )
        yield {
            "bl": bl,
            "sx": sx,
            "o": orchestrator,
            "ledger": ledger,
            "notifier": notifier,
            "clock": clock,
            "store": store,
        }
        store.close()


def locker_order(bl: FakeBaseLinker, **extra: Any) -> int:
    return bl.add_order(
        date_confirmed=START,
        date_add=START,
        delivery_point_id="KRA010",
        delivery_method="InPost Paczkomaty 24/7",
        **extra,
    )


def test_order_goes_from_channel_to_label_and_back(world: dict[str, Any]) -> None:
    bl, sx, orchestrator = world["bl"], world["sx"], world["o"]
    order_id = locker_order(bl)
    report = orchestrator.sync()
    assert (report.fetched, report.new) == (1, 1)
    order = orchestrator.repository.get(f"baselinker-{order_id}")
    assert order is not None
    assert order.status is OrderStatus.PACKED
    assert order.delivery.service_id is not None
    dispatched = orchestrator.dispatch()
    assert dispatched.parked == 0
    order = orchestrator.repository.get(f"baselinker-{order_id}")
    assert order is not None
    assert order.status is OrderStatus.SHIPPED
    assert order.shipment is not None
    assert order.shipment.tracking_number
    assert len(sx.shipments) == 1
    assert len(bl.packages[order_id]) == 1
    assert bl.orders[order_id]["order_status_id"] == 1005  # "Wysłane"
    assert world["notifier"].by_kind() == {"confirmation": 1, "shipped": 1}
    assert world["ledger"].level("MUG-RED").on_hand == 8
    # The same sync and dispatch again change nothing.
    assert orchestrator.sync().new == 0
    orchestrator.dispatch()
    assert len(sx.shipments) == 1
    assert world["notifier"].by_kind() == {"confirmation": 1, "shipped": 1}
    # The carrier delivers; the webhook (twice) moves the order once.
    sx.advance(order.shipment.shipment_id, "delivered")
    body = json.dumps(sx.webhooks_sent[-1]).encode()
    assert orchestrator.handle_webhook("inpost", {}, body) is not None
    assert orchestrator.handle_webhook("inpost", {}, body) is None
    orchestrator.dispatch()
    final = orchestrator.repository.get(f"baselinker-{order_id}")
    assert final is not None
    assert final.status is OrderStatus.DELIVERED
    assert world["notifier"].by_kind()["delivered"] == 1
    assert [t.target for t in final.history] == [
        "paid",
        "ready_to_pack",
        "packed",
        "shipped",
        "delivered",
    ]


def test_problem_orders_are_held_with_a_data_request(world: dict[str, Any]) -> None:
    bl, orchestrator = world["bl"], world["o"]
    order_id = locker_order(bl, delivery_postcode="31147")
    orchestrator.sync()
    order = orchestrator.repository.get(f"baselinker-{order_id}")
    assert order is not None
    assert order.status is OrderStatus.ON_HOLD
    assert "verification" in order.tags
    orchestrator.dispatch()
    assert world["notifier"].by_kind() == {"data_request": 1}
    assert world["sx"].shipments == {}


def test_out_of_stock_is_held_with_the_short_skus(world: dict[str, Any]) -> None:
    bl, orchestrator = world["bl"], world["o"]
    order_id = locker_order(
        bl,
        products=[
            {"sku": "GHOST", "name": "x", "price_brutto": "10", "tax_rate": "23", "quantity": "1"}
        ],
        payment_done="10.00",
    )
    orchestrator.sync()
    order = orchestrator.repository.get(f"baselinker-{order_id}")
    assert order is not None
    assert order.status is OrderStatus.ON_HOLD
    assert order.hold_reason == "out of stock: GHOST"
    assert "out-of-stock" in order.tags


def test_failed_effects_are_retried_then_parked(world: dict[str, Any]) -> None:
    bl, sx, orchestrator = world["bl"], world["sx"], world["o"]
    locker_order(bl)
    orchestrator.sync()
    sx.inject("create_shipment", 500, times=100)
    orchestrator.max_attempts = 2
    first = orchestrator.dispatch()
    assert first.retried >= 1
    world["clock"].advance(minutes=5)
    second = orchestrator.dispatch()
    assert second.parked == 1
    parked = orchestrator.repository.effects("needs_attention")
    assert [e.kind for e in parked] == ["create_shipment"]
    assert "RemoteAPIError" in (parked[0].error or "")


def test_built_from_ecomflow_toml(tmp_path: Path) -> None:
    from ecomflow.errors import ConfigurationError
    from ecomflow.orchestration import OrchestratorConfig

    with FakeBaseLinker(token="bl", rate_limit=100_000) as bl, FakeShipX(token="sx") as sx:
        rules = Path(__file__).parents[2] / "examples" / "rules.toml"
        config_file = tmp_path / "ecomflow.toml"
        config_file.write_text(
            f'store = "sqlite:///{tmp_path / "shop.db"}"\nrules = "{rules}"\n'
            '[calendar]\nclosed = ["2026-11-26"]\n'
            f'[baselinker]\ntoken = "bl"\nurl = "{bl.url}"\n'
            f'[inpost]\ntoken = "sx"\norganization_id = {sx.organization_id}\nurl = "{sx.url}"\n',
            encoding="utf-8",
        )
        config = OrchestratorConfig.from_toml(config_file)
        orchestrator = Orchestrator.from_config(config)
        orchestrator.ledger.receive("MUG-RED", 5)
        locker_order(bl)
        assert orchestrator.sync().new == 1
        assert orchestrator.rules is not None
        orchestrator.repository.store.close()
        bad = tmp_path / "bad.toml"
        bad.write_text('stroe = "x"\n', encoding="utf-8")
        with pytest.raises(ConfigurationError, match="stroe"):
            OrchestratorConfig.from_toml(bad)


def test_polled_exceptions_send_one_delay_message_per_incident(world: dict[str, Any]) -> None:
    bl, orchestrator, clock = world["bl"], world["o"], world["clock"]
    locker_order(bl)
    orchestrator.sync()
    orchestrator.dispatch()
    clock.advance(days=3)  # the label was never picked up
    assert orchestrator.check_exceptions() == 1
    assert orchestrator.check_exceptions() == 1  # polled again: the same incident
    orchestrator.dispatch()
    assert world["notifier"].by_kind()["delay"] == 1
