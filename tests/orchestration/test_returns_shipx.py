"""A return through the Orchestrator with the real InPost adapter against FakeShipX.

What the carrier got is read from FakeShipX's own records (its shipments and
the webhooks it sent), what the payment and accounting systems got from the
event sink; the return parcel's news reaches the desk through
``Orchestrator.handle_webhook`` as InPost sends it (from its network, with the
URL token), and through ``returns.poll()``.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from ecomflow.adapters.inpost import InPostClient, InPostSettings
from ecomflow.http import RetryPolicy
from ecomflow.notify import RecordingNotifier
from ecomflow.orchestration import (
    Orchestrator,
    PipelineSettings,
    RecordingEventSink,
    RequestCorrectionInvoice,
    RequestRefund,
)
from ecomflow.orders import OrderStatus
from ecomflow.returns import ReturnPolicy, ReturnReason, Rma, RmaStatus
from ecomflow.shipping import Catalogue
from ecomflow.storage import open_store
from ecomflow.testing import FakeShipX, FrozenClock, MemoryChannel, sample_order

from .conftest import MORNING

TOKEN = "shipx-token-returns"
HOOK = "hook-token-returns"
INPOST_PEER = "91.216.25.40"


@dataclass
class World:
    shop: Orchestrator
    fake: FakeShipX
    channel: MemoryChannel
    events: RecordingEventSink
    notifier: RecordingNotifier
    clock: FrozenClock
    hooks_sent: int = 0

    def webhooks(self) -> int:
        """Deliver the webhooks FakeShipX sent since the last call; returns how many applied."""
        applied = 0
        for body in self.fake.webhooks_sent[self.hooks_sent :]:
            report = self.shop.handle_webhook(
                "inpost",
                {"Content-Type": "application/json"},
                json.dumps(body).encode(),
                remote_addr=INPOST_PEER,
                path_token=HOOK,
            )
            applied += report.applied
        self.hooks_sent = len(self.fake.webhooks_sent)
        return applied

    def delivered(self, number: str, method: str = "parcel_locker") -> str:
        """An order shipped by InPost and delivered (its webhooks applied)."""
        self.channel.put(sample_order(number, paid=True, carrier="inpost", method=method))
        for _ in range(3):
            self.shop.sync()
            self.shop.dispatch()
            self.clock.advance(seconds=5)  # the label is confirmed on the next read
        assert self.shop.order(f"shop-{number}").status is OrderStatus.SHIPPED
        ref = self.shop.order(f"shop-{number}").shipment
        assert ref is not None
        assert ref.shipment_id is not None
        self.fake.advance(ref.shipment_id, "delivered")
        self.webhooks()
        self.shop.dispatch()
        assert self.shop.order(f"shop-{number}").status is OrderStatus.DELIVERED
        self.clock.advance(days=1)
        return f"shop-{number}"

    def return_shipments(self) -> list[dict[str, Any]]:
        return [s for s in self.fake.shipments.values() if s["reference"].startswith("RMA-")]


def world(fake: FakeShipX, **settings: Any) -> World:
    clock = FrozenClock(MORNING)
    channel = MemoryChannel("shop")
    client = InPostClient(
        InPostSettings(
            token=TOKEN,
            organization_id=fake.organization_id,
            url=fake.url,
            timeout=2.0,
            webhook_token=HOOK,
            **settings,
        ),
        retry=RetryPolicy(attempts=3, jitter=0, base=0.01, sleep=lambda s: None),
    )
    events, notifier = RecordingEventSink(), RecordingNotifier()
    shop = Orchestrator(
        store=open_store("memory://"),
        channels={"shop": channel},
        carriers={"inpost": client},
        catalogue=Catalogue.example(),
        notifier=notifier,
        events=events,
        clock=clock,
        settings=PipelineSettings(confirm_poll_seconds=1, max_attempts=2),
        return_policy=ReturnPolicy(refund_method="bank_transfer"),
    )
    shop.ledger.receive("MUG-RED", 20, key="goods-in")
    return World(shop, fake, channel, events, notifier, clock)


@pytest.fixture
def fake() -> Iterator[FakeShipX]:
    with FakeShipX(token=TOKEN, confirm_after=0) as server:
        yield server


def test_a_locker_return_from_request_to_refund(fake: FakeShipX) -> None:
    w = world(fake, return_point="KRA112")
    order_id = w.delivered("1001")
    desk = w.shop.returns
    rma = desk.request(order_id, {"MUG-RED": 2}, ReturnReason.DAMAGED, key="form-1")
    assert isinstance(rma, Rma)
    again = desk.request(order_id, {"MUG-RED": 2}, ReturnReason.DAMAGED, key="form-1")
    assert isinstance(again, Rma)
    assert again.number == rma.number

    fake.inject("create_shipment", "drop_after_write")  # bought, the answer lost
    w.shop.dispatch()
    w.shop.dispatch()
    [label] = w.return_shipments()
    assert fake.calls["create_shipment"] == 2  # the outbound label and this one, once
    assert label["is_return"] is True
    assert label["reference"] == "RMA-2026-11-000001"
    assert label["custom_attributes"] == {"target_point": "KRA112"}
    assert label["receiver"] == fake.organization  # ShipX uses the organization's data
    assert label["sender"]["email"] == "anna@example.com"
    assert "sending_method" not in label["custom_attributes"]
    labelled = desk.rma(rma.number)
    assert labelled.return_shipment_id == str(label["id"])
    assert labelled.return_tracking_number == label["tracking_number"]
    [first] = [m for m in w.notifier.sent if m.kind.value == "return_update"]
    assert label["tracking_number"] in first.body

    w.webhooks()  # shipment_confirmed of the return label: nothing moves
    assert desk.rma(rma.number).status is RmaStatus.REQUESTED
    fake.advance(label["id"], "taken_by_courier")
    assert w.webhooks() == 1
    assert desk.rma(rma.number).status is RmaStatus.SENT_BACK
    fake.advance(label["id"], "delivered")
    assert w.webhooks() == 1
    w.hooks_sent = 0
    assert w.webhooks() == 0  # every delivery again: applied once only
    assert desk.rma(rma.number).status is RmaStatus.RECEIVED
    assert w.shop.ledger.level("MUG-RED").quarantined == 2

    desk.verify(rma.number, {"MUG-RED": {"restock": 1, "write_off": 1}})
    amount = desk.refund(rma.number)
    w.shop.dispatch()
    refunds = [e for e in w.events.events if isinstance(e, RequestRefund)]
    corrections = [e for e in w.events.events if isinstance(e, RequestCorrectionInvoice)]
    assert [(e.rma, e.amount, e.method) for e in refunds] == [(rma.number, amount, "bank_transfer")]
    assert [(e.rma, e.amount) for e in corrections] == [(rma.number, amount)]
    assert amount == w.shop.order(order_id).total  # the whole order: every payment back
    level = w.shop.ledger.level("MUG-RED")
    assert (level.quarantined, level.on_hand, level.available) == (0, 19, 19)
    assert w.shop.order(order_id).status is OrderStatus.RETURNED


def test_a_courier_return_is_polled_home(fake: FakeShipX) -> None:
    w = world(fake)  # no return_point: a courier return goes to the organization
    order_id = w.delivered("1002", method="courier")
    desk = w.shop.returns
    rma = desk.request(order_id, {"MUG-RED": 1}, ReturnReason.WRONG_SIZE, key="form-2")
    assert isinstance(rma, Rma)
    w.shop.dispatch()
    w.shop.dispatch()
    [label] = w.return_shipments()
    assert label["service"] == "inpost_courier_standard"
    assert label["is_return"] is True
    assert label["sender"]["address"]["post_code"] == "31-147"
    fake.advance(label["id"], "delivered")  # its webhooks never arrive: the poll finds it
    assert desk.poll() == 1
    assert desk.poll() == 0
    assert desk.rma(rma.number).status is RmaStatus.RECEIVED


def test_a_locker_return_without_return_point_is_parked_naming_the_setting(
    fake: FakeShipX,
) -> None:
    w = world(fake)
    order_id = w.delivered("1003")
    w.shop.returns.request(order_id, {"MUG-RED": 1}, ReturnReason.OTHER, key="form-3")
    for _ in range(3):
        w.shop.dispatch()
        w.clock.advance(minutes=10)
    assert w.return_shipments() == []
    [parked] = w.shop.repository.effects("parked")
    assert parked.kind == "create_return_label"
    assert "return_point in [carriers.inpost]" in (parked.error or "")
