"""The parcel waits at a parcel locker or pickup point: a message and its status wording."""

from __future__ import annotations

from datetime import UTC, date, datetime

from ecomflow.notify import MessageKind, ShopSettings, render, tracking_status_text
from ecomflow.orders import Order, OrderStatus, ShipmentRef
from ecomflow.shipping import TrackingStatus
from ecomflow.testing import sample_order

SHOP = ShopSettings(name="Kubkowo", sender_email="sklep@kubkowo.pl")
LINK = "https://inpost.pl/sledzenie-przesylek?number=620000000000000001"
# 13:30 UTC on Thursday 26 November 2026 is 14:30 in Warsaw.
DEADLINE = datetime(2026, 11, 26, 13, 30, tzinfo=UTC)


def _locker_order(method: str = "parcel_locker", point: str | None = "KRA010") -> Order:
    order = sample_order(method=method, point_id=point)
    order.status = OrderStatus.SHIPPED
    order.shipment = ShipmentRef(
        carrier="inpost", tracking_number="620000000000000001", tracking_url=LINK
    )
    return order


def test_ready_for_pickup_is_a_message_kind_with_a_stable_value() -> None:
    assert MessageKind.READY_FOR_PICKUP.value == "ready_for_pickup"


def test_parcel_waiting_in_a_locker_in_polish() -> None:
    message = render(
        MessageKind.READY_FOR_PICKUP,
        _locker_order(),
        shop=SHOP,
        pickup_until=DEADLINE,
        pickup_code="123456",
    )
    assert message.subject == "Zamówienie 1001 czeka na odbiór"
    assert message.body == (
        "Cześć Anna,\n"
        "paczka z zamówienia 1001 czeka na Ciebie w automacie paczkowym KRA010.\n"
        "Odbierz ją do czwartku, 26 listopada, godz. 14:30.\n"
        "Kod odbioru: 123456\n"
        "Numer przesyłki: 620000000000000001\n"
        f"Śledź ją tutaj: {LINK}\n"
        "\n"
        "Pozdrawiamy\n"
        "Kubkowo"
    )


def test_parcel_waiting_in_a_locker_in_english() -> None:
    message = render(
        MessageKind.READY_FOR_PICKUP,
        _locker_order(),
        locale="en",
        pickup_until=DEADLINE,
        pickup_code="123456",
    )
    assert message.subject == "Order 1001 is ready for pickup"
    assert message.body == (
        "Hi Anna,\n"
        "Your parcel from order 1001 is waiting for you at parcel locker KRA010.\n"
        "Please collect it by Thursday, 26 November, 14:30.\n"
        "Pickup code: 123456\n"
        "Tracking number: 620000000000000001\n"
        f"Track it here: {LINK}"
    )


def test_parcel_waiting_at_a_pickup_point_with_a_day_only() -> None:
    message = render(
        MessageKind.READY_FOR_PICKUP,
        _locker_order(method="pickup", point="WAW-POP-1"),
        pickup_until=date(2026, 11, 28),
    )
    assert message.body.splitlines()[1:3] == [
        "paczka z zamówienia 1001 czeka na Ciebie w punkcie odbioru WAW-POP-1.",
        "Odbierz ją do soboty, 28 listopada.",
    ]


def test_point_from_tracking_overrides_and_unknown_point_still_reads_well() -> None:
    order = _locker_order(method="courier", point=None)
    message = render(MessageKind.READY_FOR_PICKUP, order)
    assert message.body.splitlines()[1:3] == [
        "paczka z zamówienia 1001 czeka na Ciebie w punkcie odbioru.",
        "Numer przesyłki: 620000000000000001",
    ]
    moved = render(MessageKind.READY_FOR_PICKUP, order, point="DPD Pickup KRK-77")
    assert "w punkcie odbioru DPD Pickup KRK-77." in moved.body


def test_status_wording_while_the_parcel_waits() -> None:
    order = _locker_order()
    waiting = TrackingStatus.READY_FOR_PICKUP
    assert tracking_status_text(order, "pl", tracking=waiting) == (
        "Czeka na odbiór w automacie paczkowym KRA010"
    )
    assert tracking_status_text(order, "en", tracking=waiting) == (
        "Waiting for you at parcel locker KRA010"
    )
    point = _locker_order(method="pickup", point="WAW-POP-1")
    assert tracking_status_text(point, "pl", tracking=waiting) == (
        "Czeka na odbiór w punkcie WAW-POP-1"
    )
    nowhere = _locker_order(method="courier", point=None)
    assert tracking_status_text(nowhere, "pl", tracking=waiting) == "Czeka na odbiór"
    assert tracking_status_text(nowhere, "en", tracking=waiting) == "Ready for pickup"


def test_other_tracking_statuses_keep_the_order_wording() -> None:
    order = _locker_order()
    assert tracking_status_text(order, "pl", tracking=TrackingStatus.IN_TRANSIT) == (
        "Wysłane — przesyłka 620000000000000001"
    )


def test_collected_at_the_shop_names_the_shop_and_the_slip_code_not_a_parcel() -> None:
    order = sample_order(method="pickup", point_id=None)
    order.status = OrderStatus.SHIPPED
    order.shipment = ShipmentRef(carrier="pickup", tracking_number="ODB-7K2Q")
    message = render(MessageKind.READY_FOR_PICKUP, order, shop=SHOP)
    assert message.body.splitlines()[1:3] == [
        "zamówienie 1001 jest gotowe do odbioru w sklepie Kubkowo.",
        "Kod odbioru: ODB-7K2Q",
    ]
    assert "Numer przesyłki" not in message.body  # nothing travels, nothing to track
    english = render(MessageKind.READY_FOR_PICKUP, order, shop=SHOP, locale="en")
    assert "Pickup code: ODB-7K2Q" in english.body
    waiting = TrackingStatus.READY_FOR_PICKUP
    assert tracking_status_text(order, "pl", tracking=waiting) == "Gotowe do odbioru w sklepie"
