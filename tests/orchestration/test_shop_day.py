"""The ordinary unhappy events of a shop day: changes after intake, cancellations, bad orders."""

from __future__ import annotations

import pytest

from ecomflow.adapters.pickup import PickupCarrier, PickupSettings
from ecomflow.errors import SignatureVerificationError
from ecomflow.notify import RecordingNotifier
from ecomflow.orchestration import Orchestrator
from ecomflow.orders import DeliveryMethod, HoldReason, OrderStatus
from ecomflow.shipping import Catalogue, TrackingStatus
from ecomflow.storage import open_store
from ecomflow.testing import FrozenClock, MemoryChannel, sample_order

from .conftest import MORNING, Shop


def _changed(shop: Shop, number: str, **update: object) -> None:
    order = shop.channel.get_order(number)
    shop.channel.put(order.model_copy(update=update, deep=True))


def _paid(shop: Shop, number: str) -> None:
    order = shop.channel.get_order(number)
    payment = order.payment.model_copy(update={"paid_amount": order.total, "paid_at": shop.clock()})
    shop.channel.put(order.model_copy(update={"payment": payment}))


# -- cancellations -----------------------------------------------------------------------


def test_cancelled_before_the_label_releases_stock_and_never_ships(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    shop.clock.advance(hours=8)  # after the cut-off: the label is for tomorrow
    shop.order("1", paid=True, carrier="inpost")
    shop.run()
    assert shop.get("1").status is OrderStatus.PACKED
    assert shop.orchestrator.ledger.level("MUG-RED").reserved == 2
    _changed(shop, "1", status=OrderStatus.CANCELLED)
    shop.run()
    shop.clock.advance(hours=14)
    shop.run()
    order = shop.get("1")
    assert order.status is OrderStatus.CANCELLED
    assert shop.inpost.created == []
    assert shop.orchestrator.ledger.level("MUG-RED").reserved == 0
    assert shop.orchestrator.ledger.verify().ok


def test_cancelled_after_the_label_cancels_the_shipment_once(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    shop.order("2", paid=True, carrier="inpost")
    shop.run()
    shipped = shop.get("2")
    assert shipped.status is OrderStatus.SHIPPED
    assert shipped.shipment is not None
    _changed(shop, "2", status=OrderStatus.CANCELLED)
    shop.run()
    shop.run()
    order = shop.get("2")
    assert order.status is OrderStatus.CANCELLED
    assert shop.inpost.cancelled == [shipped.shipment.shipment_id]
    assert shop.inpost.faults.calls["cancel_shipment"] == 1
    assert shop.orchestrator.ledger.level("MUG-RED").reserved == 0
    assert shop.orchestrator.ledger.level("MUG-RED").on_hand == 50  # never left
    assert shop.channel.statuses["2"][-1] is OrderStatus.CANCELLED


def test_a_carrier_that_refuses_to_cancel_a_bought_label(make_shop) -> None:  # type: ignore[no-untyped-def]
    """ShipX cancels only labels not bought yet: the order is cancelled, staff void the label."""
    shop: Shop = make_shop()
    shop.inpost.refuse_cancel_when_confirmed = True
    shop.order("20", paid=True, carrier="inpost")
    shop.run()
    _changed(shop, "20", status=OrderStatus.CANCELLED)
    shop.run()
    order = shop.get("20")
    assert order.status is OrderStatus.CANCELLED
    assert "label-to-void-by-hand" in order.tags
    assert shop.orchestrator.ledger.level("MUG-RED").reserved == 0
    assert shop.inpost.faults.calls["cancel_shipment"] == 1
    attention = [
        a.detail
        for a in shop.orchestrator.repository.audit_trail("shop-20")
        if a.action == "staff-attention"
    ]
    assert attention
    assert "claim the label back" in attention[0]


def test_cancelled_after_pickup_goes_to_returns_and_staff(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    shop.order("3", paid=True, carrier="inpost")
    shop.run()
    shipment_id = shop.get("3").shipment.shipment_id  # type: ignore[union-attr]
    shop.inpost.advance(shipment_id, TrackingStatus.PICKED_UP, "taken_by_courier")
    shop.orchestrator.poll_tracking()
    assert shop.orchestrator.ledger.level("MUG-RED").on_hand == 48  # the parcel left
    _changed(shop, "3", status=OrderStatus.CANCELLED)
    shop.run()
    order = shop.get("3")
    assert order.status is OrderStatus.SHIPPED
    assert "cancel-after-pickup" in order.tags
    assert shop.inpost.cancelled == []
    attention = [
        a
        for a in shop.orchestrator.repository.audit_trail("shop-3")
        if a.action == "staff-attention"
    ]
    assert attention


def test_an_operator_cancels_and_it_is_audited(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    shop.order("4", carrier="inpost")  # unpaid
    shop.run()
    assert shop.orchestrator.cancel("shop-4", "customer phoned", actor="user:ola") == "cancelled"
    order = shop.get("4")
    assert order.status is OrderStatus.CANCELLED
    assert order.history[-1].actor == "user:ola"
    assert [a.action for a in shop.orchestrator.repository.audit_trail("shop-4")] == ["cancel"]
    shop.run()
    assert shop.channel.statuses["4"] == [OrderStatus.CANCELLED]


# -- changes after intake ----------------------------------------------------------------


def test_an_address_change_before_the_label_plans_and_promises_again(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    shop.clock.advance(hours=8)
    order = shop.order("5", paid=True, method="parcel_locker", point_id="KRA010", carrier="inpost")
    shop.run()
    assert shop.messages("5") == ["confirmation"]
    moved = order.delivery.model_copy(update={"method": DeliveryMethod.COURIER, "point_id": None})
    _changed(shop, "5", delivery=moved)
    shop.run()
    replanned = shop.get("5")
    assert replanned.shipping is not None
    assert replanned.shipping.service_id == "inpost_courier_standard"
    assert shop.messages("5") == ["confirmation", "confirmation"]
    assert "parcel-locker" not in replanned.tags
    shop.clock.advance(hours=14)
    shop.run()
    shipped = shop.get("5")
    assert shipped.shipment is not None
    assert shipped.shipment.service_id == "inpost_courier_standard"


def test_a_locker_order_without_a_point_is_held_for_verification(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    order = shop.order("6", paid=True, method="parcel_locker", point_id="KRA010", carrier="inpost")
    no_point = order.delivery.model_copy(update={"point_id": None})
    shop.channel.put(order.model_copy(update={"delivery": no_point}))
    shop.run()
    held = shop.get("6")
    assert held.status is OrderStatus.ON_HOLD
    assert held.delivery.method.value == "parcel_locker"  # never silently a courier order
    assert shop.messages("6") == ["data_request"]
    # the customer gives the point: the hold is released by itself and the order ships
    _changed(shop, "6", delivery=no_point.model_copy(update={"point_id": "WAW22M"}))
    shop.run()
    assert shop.get("6").status is OrderStatus.SHIPPED


def test_a_line_change_reserves_again_all_or_nothing(make_shop) -> None:  # type: ignore[no-untyped-def]
    from ecomflow.money import Money
    from ecomflow.orders import OrderLine

    shop: Shop = make_shop()
    shop.clock.advance(hours=8)
    order = shop.order("7", paid=True, carrier="inpost")
    shop.run()
    assert shop.orchestrator.ledger.level("MUG-RED").reserved == 2
    line = OrderLine(sku="MUG-BLUE", name="Blue", quantity=3, unit_price=Money("10", "PLN"))
    payment = order.payment.model_copy(update={"paid_amount": Money("30", "PLN")})
    _changed(shop, "7", lines=[line], payment=payment)
    shop.run()
    assert shop.orchestrator.ledger.level("MUG-RED").reserved == 0
    assert shop.orchestrator.ledger.level("MUG-BLUE").reserved == 3
    assert shop.orchestrator.ledger.verify().ok


def test_an_unchanged_order_seen_again_changes_nothing(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    order = shop.order("8", paid=True, carrier="inpost")
    shop.run()
    before = len(shop.get("8").history)
    shop.channel.put(order)  # the channel lists it again, unchanged
    report = shop.orchestrator.sync()
    assert (report.unchanged, report.updated) == (1, 0)
    assert len(shop.get("8").history) == before


# -- bad input -------------------------------------------------------------------------


def test_a_poison_order_is_kept_and_never_blocks_the_others(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    shop.order("9", paid=True, carrier="inpost")
    shop.channel.put_raw("10", {"id": 10, "status": "weird"})
    shop.order("11", paid=True, carrier="inpost")
    report = shop.orchestrator.sync()
    assert report.new == 2
    assert "shop-10" in report.failed
    failures = shop.orchestrator.repository.intake_failures()
    assert [(f.channel, f.channel_order_id) for f in failures] == [("shop", "10")]
    assert failures[0].raw == {"id": 10, "status": "weird"}
    # the next sync does not stall on it
    assert shop.orchestrator.sync().fetched == 0
    # the mapping is fixed on the channel side: it is taken in again
    shop.order("10", paid=True, carrier="inpost")
    retaken = shop.orchestrator.retake_failures()
    assert retaken.new == 1
    assert shop.orchestrator.repository.intake_failures() == []
    shop.run()
    assert shop.get("10").status is OrderStatus.SHIPPED


# -- webhooks ----------------------------------------------------------------------------


def test_a_paid_webhook_is_applied_once_and_a_bad_one_not_at_all(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    shop.order("12", carrier="inpost")
    shop.run()
    _paid(shop, "12")
    request = shop.channel.webhook("12", "d-1")
    with pytest.raises(SignatureVerificationError):
        shop.orchestrator.handle_webhook("shop", {"X-Memory-Signature": "nope"}, request.body)
    first = shop.orchestrator.handle_webhook("shop", dict(request.headers), request.body)
    again = shop.orchestrator.handle_webhook("shop", dict(request.headers), request.body)
    assert (first.applied, again.duplicates) == (1, 1)
    assert shop.get("12").status is not OrderStatus.NEW


def test_a_webhook_that_failed_is_applied_when_retried(make_shop) -> None:  # type: ignore[no-untyped-def]
    from ecomflow.errors import TransportError

    shop: Shop = make_shop()
    shop.order("13", carrier="inpost")
    shop.run()
    _paid(shop, "13")
    request = shop.channel.webhook("13", "d-2")
    shop.channel.fail_next("get_order")
    with pytest.raises(TransportError):
        shop.orchestrator.handle_webhook("shop", dict(request.headers), request.body)
    retried = shop.orchestrator.handle_webhook("shop", dict(request.headers), request.body)
    assert retried.applied == 1  # not dropped as "already seen"


def test_carrier_webhooks_and_polls_send_one_delay_message_per_incident(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    shop.order("14", paid=True, carrier="inpost")
    shop.run()
    shipment_id = shop.get("14").shipment.shipment_id  # type: ignore[union-attr]
    shop.inpost.advance(shipment_id, TrackingStatus.PICKED_UP, "taken_by_courier")
    shop.inpost.advance(shipment_id, TrackingStatus.EXCEPTION, "delay_in_delivery")
    hook = shop.inpost.webhook(shipment_id, "w-1")
    shop.orchestrator.handle_webhook("inpost", dict(hook.headers), hook.body)
    shop.orchestrator.check_exceptions()
    shop.orchestrator.poll_tracking()
    shop.orchestrator.dispatch()
    assert shop.messages("14").count("delay") == 1
    shop.inpost.advance(shipment_id, TrackingStatus.DELIVERED, "delivered")
    delivered = shop.inpost.webhook(shipment_id, "w-2")
    shop.orchestrator.handle_webhook("inpost", dict(delivered.headers), delivered.body)
    shop.orchestrator.dispatch()
    assert shop.get("14").status is OrderStatus.DELIVERED
    assert shop.messages("14") == ["confirmation", "shipped", "delay", "delivered"]
    assert shop.channel.statuses["14"] == [OrderStatus.SHIPPED, OrderStatus.DELIVERED]


# -- parked work -------------------------------------------------------------------------


def test_parked_effects_are_listed_and_redriven_with_an_audit(make_shop) -> None:  # type: ignore[no-untyped-def]
    from ecomflow.orchestration import PipelineSettings

    shop: Shop = make_shop(settings=PipelineSettings(max_attempts=2))
    shop.order("15", paid=True, carrier="inpost")
    shop.orchestrator.sync()
    shop.inpost.fail_next("create_shipment", 2)
    shop.orchestrator.dispatch()
    shop.clock.advance(minutes=5)
    shop.orchestrator.dispatch()
    parked = shop.orchestrator.repository.effects("parked")
    assert [p.kind for p in parked] == ["create_shipment"]
    assert "injected failure" in (parked[0].error or "")
    redriven = shop.orchestrator.retry(all_parked=True, reason="carrier back", actor="user:ola")
    assert [r.key for r in redriven] == ["ship:shop-15"]
    shop.orchestrator.dispatch()
    assert shop.get("15").status is OrderStatus.SHIPPED
    audit = shop.orchestrator.repository.audit_trail()
    assert [(a.actor, a.action, a.detail) for a in audit] == [("user:ola", "retry", "carrier back")]


def test_held_orders_are_released_by_an_operator(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    shop.order("16", paid=True, method="courier", carrier="dpd")  # no DPD adapter: held
    shop.run()
    assert shop.get("16").hold_code is HoldReason.NO_SERVICE
    order = shop.orchestrator.release("shop-16", "checked by hand", actor="user:ola")
    # still no service for DPD: held again, with the reason, never moved to another carrier
    assert order.status is OrderStatus.ON_HOLD
    assert [t.actor for t in order.history if t.event == "release"] == ["user:ola"]


# -- collected in person at the shop ------------------------------------------------------


def test_collected_at_the_shop_says_ready_for_pickup_not_shipped() -> None:
    channel = MemoryChannel("shop")
    notifier = RecordingNotifier()
    orchestrator = Orchestrator(
        store=open_store("memory://"),
        channels={"shop": channel},
        carriers={"shop": PickupCarrier(PickupSettings(code_key="k-77", shop_name="Kubkowo"))},
        catalogue=Catalogue.example(),
        notifier=notifier,
        clock=FrozenClock(MORNING),
    )
    orchestrator.ledger.receive("MUG-RED", 5, key="stock:MUG-RED")
    channel.put(sample_order("9", channel="shop", paid=True, method="pickup", point_id=None))
    for _ in range(3):
        orchestrator.sync()
        orchestrator.dispatch()
    order = orchestrator.order("shop-9")
    assert order.status is OrderStatus.SHIPPED and order.shipment is not None
    kinds = [m.kind.value for m in notifier.sent]
    assert "ready_for_pickup" in kinds and "shipped" not in kinds
    [ready] = [m for m in notifier.sent if m.kind.value == "ready_for_pickup"]
    assert order.shipment.tracking_number in ready.body  # the slip's code to show at the desk
    orchestrator.close()


def test_a_parcel_waiting_in_the_locker_is_messaged_once_with_its_point(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    shop.order("40", paid=True, carrier="inpost", method="parcel_locker", point_id="KRA010")
    shop.run()
    shipped = shop.get("40")
    assert shipped.shipment is not None and shipped.shipment.shipment_id is not None
    shop.inpost.advance(shipped.shipment.shipment_id, TrackingStatus.READY_FOR_PICKUP)
    for _ in range(2):  # polled twice: the same state is not news
        shop.orchestrator.poll_tracking()
        shop.orchestrator.dispatch()
    assert shop.messages("40").count("ready_for_pickup") == 1
    [waiting] = [m for m in shop.notifier.sent if m.kind.value == "ready_for_pickup"]
    assert "KRA010" in waiting.body
