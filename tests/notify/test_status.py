"""The one customer-facing status wording: holds by reason, parcels waiting at a pickup point."""

from __future__ import annotations

import pytest

from ecomflow.notify import tracking_status_text
from ecomflow.orders import HoldReason, Order, OrderStatus, ShipmentRef
from ecomflow.testing import sample_order

HOLDS = [
    (
        HoldReason.OUT_OF_STOCK,
        "Wstrzymane — czekamy na dostawę towaru",
        "On hold — we are waiting for the goods to arrive",
    ),
    (
        HoldReason.VERIFICATION,
        "Wstrzymane — potrzebujemy potwierdzenia Twoich danych",
        "On hold — we need you to confirm your details",
    ),
    (
        HoldReason.NO_SERVICE,
        "Wstrzymane — dobieramy sposób dostawy",
        "On hold — we are arranging the delivery",
    ),
    (
        HoldReason.PAYMENT,
        "Wstrzymane — czekamy na potwierdzenie płatności",
        "On hold — waiting for the payment to be confirmed",
    ),
    (HoldReason.RULE, "Wstrzymane — sprawdzamy zamówienie", "On hold — we are checking the order"),
    (
        HoldReason.MANUAL,
        "Wstrzymane — sprawdzamy zamówienie",
        "On hold — we are checking the order",
    ),
    (
        HoldReason.CHANNEL,
        "Wstrzymane — czekamy na potwierdzenie od platformy sprzedażowej",
        "On hold — waiting for confirmation from the sales platform",
    ),
]


def _held(code: HoldReason | None) -> Order:
    order = sample_order()
    order.status = OrderStatus.ON_HOLD
    order.held_from = OrderStatus.PAID
    order.hold_code = code
    return order


def test_every_hold_reason_has_a_wording() -> None:
    assert {code for code, _, _ in HOLDS} == set(HoldReason)


@pytest.mark.parametrize(("code", "polish", "english"), HOLDS)
def test_hold_wording_depends_on_the_reason(code: HoldReason, polish: str, english: str) -> None:
    order = _held(code)
    assert tracking_status_text(order, "pl") == polish
    assert tracking_status_text(order, "en") == english


def test_out_of_stock_hold_does_not_ask_the_customer_for_confirmation() -> None:
    text = tracking_status_text(_held(HoldReason.OUT_OF_STOCK), "pl")
    assert "potwierdzenie" not in text


def test_hold_without_a_reason_says_we_are_checking() -> None:
    order = _held(None)
    assert tracking_status_text(order, "pl") == "Wstrzymane — sprawdzamy zamówienie"
    assert tracking_status_text(order, "en") == "On hold — we are checking the order"


def test_status_text_is_one_wording_everywhere() -> None:
    order = sample_order()
    for status in OrderStatus:
        order.status = status
        assert not tracking_status_text(order, "pl").startswith("status.")
        assert not tracking_status_text(order, "en").startswith("status.")
    order.status = OrderStatus.SHIPPED
    order.shipment = ShipmentRef(carrier="inpost", tracking_number="6200")
    assert tracking_status_text(order) == "Wysłane — przesyłka 6200"
