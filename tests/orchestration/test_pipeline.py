"""The order pipeline end to end on in-process adapters: promise = label, the customer's choice."""

from __future__ import annotations

from ecomflow.orders import HoldReason, OrderStatus
from ecomflow.shipping import Products, ProductSpec

from .conftest import Shop


def test_a_paid_locker_order_ships_with_the_promised_service(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    shop.order("1", paid=True, method="parcel_locker", point_id="KRA010", carrier="inpost")
    shop.run()
    order = shop.get("1")
    assert order.status is OrderStatus.SHIPPED
    assert order.shipping is not None and order.shipment is not None
    assert order.shipping.service_id == order.shipment.service_id == "inpost_locker_standard"
    assert order.shipping.carrier == order.shipment.carrier == "inpost"
    created = shop.inpost.with_reference("shop-1")
    assert len(created) == 1
    assert created[0].service == "inpost_locker_standard"
    assert order.shipment.tracking_url is not None
    assert order.shipment.tracking_url.startswith("https://tracking.example/inpost/")
    assert shop.channel.packages["1"] == [order.shipment.tracking_number]
    assert shop.channel.statuses["1"] == [OrderStatus.SHIPPED]
    assert shop.messages("1") == ["confirmation", "shipped"]
    confirmation = next(m for m in shop.notifier.sent if m.kind.value == "confirmation")
    assert confirmation.order_id == "shop-1"


def test_the_reference_is_unique_across_channels(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    shop.order("1001", paid=True, carrier="inpost")
    shop.run()
    assert [p.shipment.reference for p in shop.inpost.parcels.values()] == ["shop-1001"]


def test_the_customers_carrier_binds_and_is_never_silently_changed(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()  # no DPD adapter configured
    shop.order("2", paid=True, method="courier", carrier="dpd")
    shop.run()
    order = shop.get("2")
    assert order.status is OrderStatus.ON_HOLD
    assert order.hold_code is HoldReason.NO_SERVICE
    assert "the customer chose dpd" in (order.hold_reason or "")
    assert shop.inpost.created == []


def test_a_heavy_courier_order_goes_to_the_chosen_carrier_that_can_carry_it(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop(dpd=True)
    shop.order(
        "3",
        paid=True,
        method="courier",
        carrier="dpd",
        lines={"DESK": (1, "1490.00")},
        weight_kg="27",
    )
    shop.run()
    order = shop.get("3")
    assert order.status is OrderStatus.SHIPPED, order.hold_reason
    assert order.shipping is not None
    assert order.shipping.service_id == "dpd_classic"
    assert order.shipment is not None and order.shipment.carrier == "dpd"
    assert shop.inpost.created == []
    assert shop.dpd.created == ["shop-3"]


def test_a_parcel_too_heavy_for_the_chosen_carrier_is_held_with_the_reason(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    shop.order(
        "4",
        paid=True,
        method="courier",
        carrier="inpost",
        lines={"DESK": (1, "1490.00")},
        weight_kg="27",
    )
    shop.run()
    order = shop.get("4")
    assert order.status is OrderStatus.ON_HOLD
    assert order.hold_code is HoldReason.NO_SERVICE
    assert "the customer chose inpost" in (order.hold_reason or "")
    assert "25 kg max" in (order.hold_reason or "")
    assert shop.inpost.created == []


def test_after_the_cut_off_the_label_waits_for_the_ship_date(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop()
    shop.clock.advance(hours=8)  # 18:00 in Warsaw
    shop.order("5", paid=True, carrier="inpost")
    shop.run()
    order = shop.get("5")
    assert order.status is OrderStatus.PACKED
    assert order.shipping is not None
    assert str(order.shipping.ship_date) == "2026-11-25"
    assert shop.inpost.created == []
    shop.clock.advance(hours=14)  # 08:00 the next day
    shop.run()
    assert shop.get("5").status is OrderStatus.SHIPPED


def test_parcels_come_from_the_products(make_shop) -> None:  # type: ignore[no-untyped-def]
    products = Products({"MUG-RED": ProductSpec(dimensions_cm=(12, 9, 10))})
    shop: Shop = make_shop(products=products)
    shop.order(
        "6", paid=True, carrier="inpost", lines={"MUG-RED": (3, "24.50"), "MUG-BLUE": (1, "24.50")}
    )
    shop.run()
    order = shop.get("6")
    assert order.shipping is not None
    assert "product-data-missing" in order.tags  # MUG-BLUE has no dimensions
    assert len(order.shipping.parcels) == 1


def test_an_unconfirmed_label_is_confirmed_later_in_bulk(make_shop) -> None:  # type: ignore[no-untyped-def]
    from ecomflow.testing import MemoryCarrier

    slow = MemoryCarrier("inpost", confirm_after=2)
    shop: Shop = make_shop(inpost=slow)
    for number in ("7", "8"):
        shop.order(number, paid=True, carrier="inpost")
    shop.run(1)
    assert shop.get("7").status is OrderStatus.PACKED
    for _ in range(4):
        shop.clock.advance(seconds=2)
        shop.orchestrator.dispatch()
    assert shop.get("7").status is OrderStatus.SHIPPED
    assert shop.get("8").status is OrderStatus.SHIPPED
    assert slow.faults.calls["get_shipments"] >= 1  # one read for both, not one each


def test_unpaid_orders_wait_and_their_reservation_expires(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop(stock={"RARE": 1})
    shop.order("9", lines={"RARE": (1, "10.00")})
    shop.run()
    order = shop.get("9")
    assert order.status is OrderStatus.NEW
    assert shop.orchestrator.ledger.level("RARE").available == 0
    shop.clock.advance(minutes=31)
    assert shop.orchestrator.expire() == 1
    assert shop.orchestrator.ledger.level("RARE").available == 1
    assert shop.get("9").reservation_id is None


def test_a_late_payment_after_expiry_reserves_again_and_ships(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop(stock={"RARE": 1})
    order = shop.order("10", lines={"RARE": (1, "10.00")}, carrier="inpost")
    shop.run()
    shop.clock.advance(minutes=31)
    shop.orchestrator.expire()
    shop.clock.advance(hours=1)
    paid = order.model_copy(deep=True)
    paid.payment = paid.payment.model_copy(
        update={"paid_amount": paid.total, "paid_at": shop.clock()}
    )
    shop.channel.put(paid)
    shop.run()
    assert shop.get("10").status is OrderStatus.SHIPPED
    assert shop.orchestrator.ledger.verify().ok


def test_a_late_payment_when_the_stock_is_gone_holds_for_stock(make_shop) -> None:  # type: ignore[no-untyped-def]
    shop: Shop = make_shop(stock={"RARE": 1})
    slow = shop.order("11", lines={"RARE": (1, "10.00")}, carrier="inpost")
    shop.run()
    shop.clock.advance(minutes=31)
    shop.orchestrator.expire()
    shop.order("12", lines={"RARE": (1, "10.00")}, paid=True, carrier="inpost")
    shop.run()
    paid = slow.model_copy(deep=True)
    paid.payment = paid.payment.model_copy(update={"paid_amount": paid.total})
    shop.channel.put(paid)
    shop.run()
    held = shop.get("11")
    assert held.status is OrderStatus.ON_HOLD
    assert held.hold_code is HoldReason.OUT_OF_STOCK
    assert "RARE" in (held.hold_reason or "")
    # the stock arrives: the hold comes back by itself
    shop.orchestrator.ledger.receive("RARE", 1, key="delivery-2")
    assert shop.orchestrator.release_stock_holds() == 1
    shop.run()
    assert shop.get("11").status is OrderStatus.SHIPPED


def test_rules_notify_prioritise_and_keep_the_label_for_a_person(make_shop) -> None:  # type: ignore[no-untyped-def]
    from ecomflow.rules import RuleSet

    rules = RuleSet.load(
        {
            "rules": [
                {
                    "id": "vip",
                    "when": {"field": "customer.vip", "value": True},
                    "then": [{"set_priority": 10}, {"notify": "confirmation"}],
                },
            ]
        }
    )
    shop: Shop = make_shop(rules=rules)
    shop.clock.advance(hours=8)  # after the cut-off: labels wait for tomorrow
    shop.order("13", paid=True, carrier="inpost")
    shop.order("14", paid=True, carrier="inpost", vip=True)
    shop.run()
    pending = shop.orchestrator.repository.effects("pending", kind="create_shipment")
    assert [(e.order_id, e.priority) for e in pending] == [("shop-13", 0), ("shop-14", 10)]
    shop.clock.advance(hours=14)
    claimed = shop.orchestrator.repository.claim(shop.clock(), limit=1, lease=5)
    assert claimed[0].row.order_id == "shop-14"  # the higher priority goes first
    shop.orchestrator.repository.release(claimed)


def test_a_rule_routes_heavy_courier_orders_to_another_service(make_shop) -> None:  # type: ignore[no-untyped-def]
    """set_service binds the label and the promise to the rule's service and its carrier."""
    from ecomflow.rules import RuleSet

    rules = RuleSet.load(
        {
            "rules": [
                {
                    "id": "heavy-by-dpd",
                    "when": {
                        "all": [
                            {"field": "delivery.method", "value": "courier"},
                            {"field": "weight", "op": ">", "value": 20},
                        ]
                    },
                    "then": [{"set_service": "dpd_classic"}, {"add_tag": "heavy"}],
                }
            ]
        }
    )
    shop: Shop = make_shop(dpd=True, rules=rules)
    shop.order("21", paid=True, method="courier", lines={"DESK": (1, "1490.00")}, weight_kg="24")
    shop.order("22", paid=True, method="courier", carrier="inpost")
    shop.run()
    heavy, light = shop.get("21"), shop.get("22")
    assert heavy.status is OrderStatus.SHIPPED, heavy.hold_reason
    assert heavy.shipping is not None and heavy.shipment is not None
    assert heavy.shipping.service_id == heavy.shipment.service_id == "dpd_classic"
    assert heavy.shipment.carrier == "dpd"
    assert "heavy" in heavy.tags
    assert [p.shipment.service for p in shop.dpd.parcels.values()] == ["dpd_classic"]
    assert light.shipment is not None and light.shipment.carrier == "inpost"
    assert shop.inpost.with_reference("shop-21") == []


def test_request_label_false_waits_for_a_person(make_shop) -> None:  # type: ignore[no-untyped-def]
    """A rule keeps the label back; Orchestrator.request_label queues it, once, audited."""
    from ecomflow.rules import RuleSet

    rules = RuleSet.load(
        {
            "rules": [
                {
                    "id": "check-big-orders",
                    "when": {"field": "total", "op": ">=", "value": "1000 PLN"},
                    "then": [{"request_label": False}, {"add_tag": "check-by-hand"}],
                }
            ]
        }
    )
    shop: Shop = make_shop(rules=rules)
    shop.order("31", paid=True, carrier="inpost", lines={"DESK": (1, "1490.00")})
    shop.run()
    order = shop.get("31")
    assert order.status is OrderStatus.PACKED
    assert shop.orchestrator.repository.effects("pending", kind="create_shipment") == []
    assert shop.inpost.with_reference("shop-31") == []

    assert shop.orchestrator.request_label("shop-31", actor="user:anna") is True
    assert shop.orchestrator.request_label("shop-31", actor="user:anna") is False  # once
    shop.run()
    order = shop.get("31")
    assert order.status is OrderStatus.SHIPPED
    assert len(shop.inpost.with_reference("shop-31")) == 1
    audit = [a for a in shop.orchestrator.repository.audit_trail() if a.actor == "user:anna"]
    assert len(audit) == 1
