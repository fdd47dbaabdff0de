"""The returns desk: RMAs through the Orchestrator's transactions and outbox, exactly once.

Driven with the in-process channel and carrier; what the outside world got is
read from their own records (the carrier's parcels, the notifier's sends, the
event sink), never from the desk's bookkeeping.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from ecomflow import Money
from ecomflow.errors import InsufficientStock, InvalidTransition
from ecomflow.notify import RecordingNotifier
from ecomflow.orchestration import (
    Orchestrator,
    PipelineSettings,
    RecordingEventSink,
    RequestCorrectionInvoice,
    RequestRefund,
)
from ecomflow.orchestration.returns import ReturnsDesk
from ecomflow.orders import OrderStatus
from ecomflow.returns import (
    CorrectionInvoiceRequested,
    LineOutcome,
    ReturnEvent,
    ReturnReason,
    Returns,
    Rma,
    RmaStatus,
)
from ecomflow.shipping import Catalogue, TrackingStatus
from ecomflow.storage import PostgresStore, open_store
from ecomflow.testing import FrozenClock, MemoryCarrier, MemoryChannel, sample_order

from ..orchestration.conftest import MORNING, Shop

PLN = "PLN"


def delivered(shop: Shop, number: str = "1", **kw: Any) -> str:
    """An order shipped and delivered through the Orchestrator; returns its id."""
    kw.setdefault("lines", {"MUG-RED": (2, "50.00")})
    shop.order(number, paid=True, carrier="inpost", **kw)
    shop.run()
    shipment_id = shop.get(number).shipment.shipment_id
    shop.inpost.advance(shipment_id, TrackingStatus.DELIVERED, "delivered")
    shop.orchestrator.poll_tracking()
    shop.orchestrator.dispatch()
    assert shop.get(number).status is OrderStatus.DELIVERED
    shop.clock.advance(days=1)
    return f"shop-{number}"


def returns_sent(shop: Shop, order_id: str) -> list[tuple[str, str]]:
    """(subject, body) of every return message the customer got, in order."""
    return [
        (m.subject, m.body)
        for m in shop.notifier.sent
        if m.order_id == order_id and m.kind.value == "return_update"
    ]


def return_parcels(shop: Shop) -> list[str]:
    """References of the carrier's parcels that are return labels."""
    return [
        p.shipment.reference or ""
        for p in shop.inpost.parcels.values()
        if "RMA" in (p.shipment.reference or "")
    ]


def hook(shop: Shop, rma: Rma, status: TrackingStatus, delivery: str) -> None:
    """The carrier moves the return parcel and tells us by webhook."""
    assert rma.return_shipment_id is not None
    shop.inpost.advance(rma.return_shipment_id, status)
    request = shop.inpost.webhook(rma.return_shipment_id, delivery)
    shop.orchestrator.handle_webhook("inpost", dict(request.headers), request.body)


# -- request, label, first message ---------------------------------------------------------------


def test_a_request_buys_one_return_label_and_tells_the_customer_how(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    order_id = delivered(shop)
    desk = shop.orchestrator.returns
    rma = desk.request(order_id, {"MUG-RED": 1}, ReturnReason.WRONG_SIZE, key="form-1")
    assert isinstance(rma, Rma)
    assert rma.number == "RMA/2026/11/000001"
    assert [e.kind for e in shop.orchestrator.repository.effects("pending", order_id=order_id)] == [
        "create_return_label"
    ]
    assert [t.event for t in shop.get("1").history if t.event.startswith("rma.")] == ["rma.request"]
    shop.orchestrator.dispatch()
    shop.orchestrator.dispatch()
    assert return_parcels(shop) == ["RMA-2026-11-000001"]
    labelled = desk.rma(rma.number)
    assert labelled.return_tracking_number is not None
    ((subject, body),) = returns_sent(shop, order_id)
    assert subject == "Zwrot RMA/2026/11/000001: Zgłoszony"
    assert "RMA/2026/11/000001" in body
    assert labelled.return_tracking_number in body  # the code to drop the parcel off with
    assert "w ciągu 14 dni" in body


def test_without_a_label_the_first_message_goes_at_once(make_shop) -> None:  # type: ignore[no-untyped-def]
    from ecomflow.returns import ReturnPolicy

    shop: Shop = make_shop()
    order_id = delivered(shop)
    desk = shop.orchestrator.returns
    desk.policy = ReturnPolicy(shop_pays_return=False)
    rma = desk.request(order_id, {"MUG-RED": 1}, ReturnReason.CHANGED_MIND, key="form-2")
    assert isinstance(rma, Rma)
    shop.orchestrator.dispatch()
    assert return_parcels(shop) == []
    ((subject, body),) = returns_sent(shop, order_id)
    assert subject == "Zwrot RMA/2026/11/000001: Zgłoszony"
    assert "zasadach zwrotów" in body


def test_a_retried_request_makes_one_rma_one_label_one_message(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    order_id = delivered(shop)
    first = shop.orchestrator.returns.request(
        order_id, {"MUG-RED": 1}, ReturnReason.DAMAGED, key="form-3"
    )
    shop.orchestrator.dispatch()
    # the form is posted again, to a desk that knows nothing (a restart, another worker)
    again = ReturnsDesk(shop.orchestrator.core).request(
        order_id, {"MUG-RED": 1}, ReturnReason.DAMAGED, key="form-3"
    )
    shop.orchestrator.dispatch()
    assert isinstance(first, Rma)
    assert isinstance(again, Rma)
    assert again.number == first.number
    assert len(shop.orchestrator.returns.rmas(order_id)) == 1
    assert return_parcels(shop) == ["RMA-2026-11-000001"]
    assert len(returns_sent(shop, order_id)) == 1
    assert [t.event for t in shop.get("1").history].count("rma.request") == 1


def test_a_lost_label_answer_is_found_again_not_bought_twice(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    order_id = delivered(shop)
    shop.orchestrator.returns.request(order_id, {"MUG-RED": 1}, ReturnReason.OTHER, key="form-4")
    shop.inpost.lose_next_answer("create_shipment")  # made at the carrier, the answer lost
    shop.orchestrator.dispatch()
    shop.clock.advance(minutes=5)
    shop.orchestrator.dispatch()
    shop.orchestrator.dispatch()
    assert return_parcels(shop) == ["RMA-2026-11-000001"]
    (rma,) = shop.orchestrator.returns.rmas(order_id)
    assert rma.return_shipment_id is not None
    assert len(returns_sent(shop, order_id)) == 1


# -- the return parcel's tracking moves the RMA -----------------------------------------------------


def test_return_parcel_webhooks_move_the_rma_once_each(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    order_id = delivered(shop)
    desk = shop.orchestrator.returns
    desk.request(order_id, {"MUG-RED": 2}, ReturnReason.WRONG_COLOUR, key="form-5")
    shop.orchestrator.dispatch()
    rma = desk.rmas(order_id)[0]
    hook(shop, rma, TrackingStatus.IN_TRANSIT, "w-1")
    hook(shop, rma, TrackingStatus.IN_TRANSIT, "w-1")  # the carrier delivers it again
    assert desk.rma(rma.number).status is RmaStatus.SENT_BACK
    hook(shop, rma, TrackingStatus.DELIVERED, "w-2")
    hook(shop, rma, TrackingStatus.DELIVERED, "w-2")
    hook(shop, rma, TrackingStatus.DELIVERED, "w-3")  # another delivery id, same news
    received = desk.rma(rma.number)
    assert received.status is RmaStatus.RECEIVED
    assert [t.event for t in received.history] == ["send_back", "receive"]
    level = shop.orchestrator.ledger.level("MUG-RED")
    assert level.quarantined == 2  # in quarantine once, not available
    order = shop.get("1")
    assert order.status is OrderStatus.DELIVERED
    assert order.shipment is not None
    assert order.shipment.status == TrackingStatus.DELIVERED.value  # the outbound parcel's
    shop.orchestrator.dispatch()
    subjects = [s for s, _ in returns_sent(shop, order_id)]
    assert subjects == [f"Zwrot {rma.number}: {s}" for s in ("Zgłoszony", "Odesłany", "Przyjęty")]


def test_polling_return_parcels_moves_the_rma(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    order_id = delivered(shop)
    desk = shop.orchestrator.returns
    desk.request(order_id, {"MUG-RED": 1}, ReturnReason.OTHER, key="form-6")
    shop.orchestrator.dispatch()
    rma = desk.rmas(order_id)[0]
    assert rma.return_shipment_id is not None
    assert desk.poll() == 0
    shop.inpost.advance(rma.return_shipment_id, TrackingStatus.DELIVERED)
    assert desk.poll() == 1
    assert desk.poll() == 0
    assert desk.rma(rma.number).status is RmaStatus.RECEIVED


# -- refunds and corrections through the outbox ---------------------------------------------------


def test_refunds_and_corrections_go_through_the_outbox_once(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    order_id = delivered(shop, lines={"MUG-RED": (3, "100.00")})
    desk = shop.orchestrator.returns
    desk.remember_invoice(order_id, "FV/2026/11/0042")
    rmas = [
        desk.request(order_id, {"MUG-RED": q}, ReturnReason.CHANGED_MIND, key=f"form-7-{q}")
        for q in (1, 2)
    ]
    amounts = []
    for rma in rmas:
        assert isinstance(rma, Rma)
        desk.receive(rma.number)
        desk.verify(rma.number, {"MUG-RED": LineOutcome.RESTOCK})
        amounts.append(desk.refund(rma.number))
    with pytest.raises(InvalidTransition):
        desk.refund(rmas[0].number)  # type: ignore[union-attr]
    shipping = shop.get("1").shipping_price or Money.zero(PLN)
    # 100.00 for the first unit; 200.00 and the delivery with the one that completes it
    assert amounts == [Money("100.00", PLN), Money("200.00", PLN) + shipping]
    assert shop.get("1").status is OrderStatus.RETURNED
    assert shop.events.events == []  # not sent yet: queued with the RMA's transition
    shop.orchestrator.dispatch()
    shop.orchestrator.dispatch()
    refunds = [e for e in shop.events.events if isinstance(e, RequestRefund)]
    corrections = [e for e in shop.events.events if isinstance(e, RequestCorrectionInvoice)]
    assert [e.amount for e in refunds] == amounts
    assert [e.original_document for e in corrections] == ["FV/2026/11/0042"] * 2
    assert len(shop.events.events) == 4
    level = shop.orchestrator.ledger.level("MUG-RED")
    assert (level.quarantined, level.available) == (0, 50)  # 47 + 3 restocked


class _KilledAfterTheCorrection(ReturnsDesk):
    """A desk whose process dies inside the refund's transaction, after queuing its events."""

    def _process(self, c: Any) -> Returns:
        returns = super()._process(c)
        queue = returns.emit
        assert queue is not None

        def emit(event: ReturnEvent) -> None:
            queue(event)
            if isinstance(event, CorrectionInvoiceRequested):
                raise RuntimeError("killed")

        returns.emit = emit
        return returns


def test_a_crash_inside_a_step_leaves_nothing_half_done(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    order_id = delivered(shop)
    desk = shop.orchestrator.returns
    rma = desk.request(order_id, {"MUG-RED": 2}, ReturnReason.DAMAGED, key="form-8")
    assert isinstance(rma, Rma)
    desk.receive(rma.number)
    desk.verify(rma.number, {"MUG-RED": {"restock": 1, "write_off": 1}})
    before = shop.get("1")
    with pytest.raises(RuntimeError, match="killed"):
        _KilledAfterTheCorrection(shop.orchestrator.core).refund(rma.number)
    assert desk.rma(rma.number).status is RmaStatus.VERIFIED
    assert desk.rma(rma.number).refund_total is None
    assert shop.get("1").history == before.history
    assert shop.get("1").status is OrderStatus.DELIVERED
    kinds = {e.kind for e in shop.orchestrator.repository.effects(order_id=order_id)}
    assert not kinds & {"request_refund", "request_correction"}
    assert desk.refund(rma.number) == Money("100.00", PLN)
    shop.orchestrator.dispatch()
    assert [type(e) for e in shop.events.events] == [RequestRefund, RequestCorrectionInvoice]


class _KilledAfterTheLabelWasQueued(ReturnsDesk):
    """A desk whose process dies after opening the RMA and queuing its label."""

    def _first_steps(self, c: Any, rma: Rma) -> None:
        super()._first_steps(c, rma)
        raise RuntimeError("killed")


def test_a_crash_while_opening_leaves_no_rma_and_no_label(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    order_id = delivered(shop)
    with pytest.raises(RuntimeError, match="killed"):
        _KilledAfterTheLabelWasQueued(shop.orchestrator.core).request(
            order_id, {"MUG-RED": 1}, ReturnReason.OTHER, key="form-12"
        )
    assert shop.orchestrator.returns.rmas() == []
    assert shop.orchestrator.repository.effects("pending") == []
    assert not [t for t in shop.get("1").history if t.event.startswith("rma.")]
    rma = shop.orchestrator.returns.request(
        order_id, {"MUG-RED": 1}, ReturnReason.OTHER, key="form-12"
    )
    assert isinstance(rma, Rma)
    assert rma.number == "RMA/2026/11/000001"  # the number drawn before the crash is not lost
    shop.orchestrator.dispatch()
    assert return_parcels(shop) == ["RMA-2026-11-000001"]


def test_a_short_exchange_changes_nothing(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    order_id = delivered(shop)
    desk = shop.orchestrator.returns
    rma = desk.request(order_id, {"MUG-RED": 1}, ReturnReason.WRONG_SIZE, key="form-9")
    assert isinstance(rma, Rma)
    with pytest.raises(InvalidTransition):
        desk.exchange(rma.number, {"MUG-BLUE": 1})  # nothing came back yet
    desk.receive(rma.number)
    desk.verify(rma.number)
    with pytest.raises(InsufficientStock):
        desk.exchange(rma.number, {"RARE": 2})  # one in stock
    assert shop.orchestrator.ledger.level("RARE").reserved == 0
    assert shop.orchestrator.ledger.level("MUG-BLUE").reserved == 0
    assert desk.rma(rma.number).status is RmaStatus.VERIFIED
    replacement = desk.exchange(rma.number, {"MUG-BLUE": 1})
    assert replacement.id == "shop-1-X1"
    assert desk.rma(rma.number).status is RmaStatus.EXCHANGED
    stored = shop.orchestrator.order(replacement.id)
    assert stored.status is OrderStatus.PACKED  # paid (free), reserved, packed, label queued
    assert "exchange" in stored.tags
    assert shop.orchestrator.ledger.level("MUG-BLUE").reserved == 1
    shop.orchestrator.dispatch()
    assert shop.orchestrator.order(replacement.id).status is OrderStatus.SHIPPED
    assert shop.inpost.with_reference(replacement.id)


def test_a_rejection_is_closed_by_an_agent_in_the_report(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    order_id = delivered(shop, lines={"MUG-RED": (2, "50.00"), "MUG-BLUE": (1, "40.00")})
    desk = shop.orchestrator.returns
    kept = desk.request(order_id, {"MUG-RED": 1}, ReturnReason.OTHER, key="form-10")
    sent = desk.request(order_id, {"MUG-BLUE": 1}, ReturnReason.DAMAGED, key="form-11")
    assert isinstance(kept, Rma)
    assert isinstance(sent, Rma)
    desk.reject(kept.number, "used, tags removed")
    desk.receive(sent.number)
    desk.verify(sent.number)
    desk.refund(sent.number)
    report = desk.report(sold={"MUG-RED": 2, "MUG-BLUE": 1})
    assert report.closed_without_agent == 0.5
    assert report.by_reason_per_month == {"2026-11": {"other": 1, "damaged": 1}}
    assert desk.rma(kept.number).manual is True


# -- two workers, one request key -------------------------------------------------------------------


def _url(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'desk.db'}"
    base: str = request.getfixturevalue("postgres_url")
    return f"{base}{'&' if '?' in base else '?'}schema=ecomflow_desk_{uuid.uuid4().hex[:10]}"


@pytest.fixture(params=["sqlite", "postgresql"])
def two_workers(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], tuple[Orchestrator, Orchestrator, MemoryCarrier]]]:
    url = _url(request.param, tmp_path, request)
    made: list[Orchestrator] = []
    channel, carrier = MemoryChannel("shop"), MemoryCarrier("inpost")
    clock = FrozenClock(MORNING)

    def build() -> Orchestrator:
        orchestrator = Orchestrator(
            store=open_store(url),
            channels={"shop": channel},
            carriers={"inpost": carrier},
            catalogue=Catalogue.example(),
            notifier=RecordingNotifier(),
            events=RecordingEventSink(),
            clock=clock,
            settings=PipelineSettings(confirm_poll_seconds=1),
        )
        made.append(orchestrator)
        return orchestrator

    def both() -> tuple[Orchestrator, Orchestrator, MemoryCarrier]:
        first = build()
        first.ledger.receive("MUG-RED", 10, key="stock")
        channel.put(sample_order("1", channel="shop", paid=True, carrier="inpost"))
        first.sync()
        first.dispatch()
        shipment = first.order("shop-1").shipment
        assert shipment is not None
        assert shipment.shipment_id is not None
        carrier.advance(shipment.shipment_id, TrackingStatus.DELIVERED)
        first.poll_tracking()
        clock.advance(timedelta(days=1))
        return first, build(), carrier

    yield both
    for orchestrator in made:
        orchestrator.close()
    if request.param == "postgresql":
        cleanup = open_store(url)
        assert isinstance(cleanup, PostgresStore)
        cleanup.drop_schema()
        cleanup.close()


def test_two_workers_racing_one_request_key_make_one_rma(two_workers) -> None:  # type: ignore[no-untyped-def]
    first, second, carrier = two_workers()
    start = threading.Barrier(2)
    numbers: list[str] = []
    errors: list[BaseException] = []

    def post(orchestrator: Orchestrator) -> None:
        start.wait()
        try:
            rma = orchestrator.returns.request(
                "shop-1", {"MUG-RED": 1}, ReturnReason.OTHER, key="form-race"
            )
            assert isinstance(rma, Rma)
            numbers.append(rma.number)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=post, args=(o,)) for o in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert numbers[0] == numbers[1]
    assert [r.number for r in first.returns.rmas()] == numbers[:1]
    first.dispatch()
    second.dispatch()
    assert [p.shipment.reference for p in carrier.parcels.values()].count("RMA-2026-11-000001") == 1
