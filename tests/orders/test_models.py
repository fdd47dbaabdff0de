from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from ecomflow import Money, Order
from ecomflow.orders import Address, DeliveryMethod, OrderLine, OrderStatus
from ecomflow.testing import sample_order


def _data(**changes: Any) -> dict[str, Any]:
    data = sample_order().model_dump(mode="json")
    data.pop("id")
    data.update(changes)
    return data


def test_defaults_and_derived_values() -> None:
    order = sample_order(lines={"A": (2, "10.00"), "B": (1, "5.55")})
    assert order.id == "shop-1001"
    assert order.status is OrderStatus.NEW
    assert order.subtotal == Money("25.55", "PLN")
    assert order.total == Money("25.55", "PLN")
    assert order.quantities() == {"A": 2, "B": 1}
    assert order.line("B").quantity == 1
    assert order.total_weight_kg == Decimal("1.2")
    assert order.country == "PL"
    with pytest.raises(KeyError, match="no line with SKU 'C'"):
        order.line("C")


def test_total_with_shipping_and_discount() -> None:
    order = sample_order(lines={"A": (1, "100.00")})
    order.shipping_price = Money("12.99", "PLN")
    order.discount = Money("10", "PLN")
    assert order.total == Money("102.99", "PLN")


def test_duplicate_sku_lines_add_up() -> None:
    order = sample_order()
    order.lines = [*order.lines, order.lines[0]]
    assert order.quantities() == {"MUG-RED": 4}


def test_round_trip_json() -> None:
    order = sample_order(paid=True, method="parcel_locker")
    order.tags.add("vip")
    again = Order.model_validate_json(order.model_dump_json())
    assert again == order
    assert again.total == order.total


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"lines": [{"sku": "A", "quantity": -1, "unit_price": "1 PLN"}]}, "lines.0.quantity"),
        ({"lines": [{"sku": "A", "quantity": 0, "unit_price": "1 PLN"}]}, "lines.0.quantity"),
        ({"lines": []}, "lines"),
        ({"created_at": "2026-11-24T10:00:00"}, "created_at"),
        ({"currency": "XXQ"}, "currency"),
        ({"surprise": 1}, "surprise"),
    ],
)
def test_invalid_input_names_the_field(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        Order.model_validate(_data(**changes))
    locations = {".".join(str(p) for p in e["loc"]) for e in info.value.errors()}
    assert field in locations


def test_unknown_country_is_rejected() -> None:
    with pytest.raises(ValidationError, match="unknown country 'XX'"):
        Address(country="XX")
    assert Address(country="de").country == "DE"


def test_line_currency_must_match_order() -> None:
    data = _data(lines=[{"sku": "A", "quantity": 1, "unit_price": "5 EUR"}])
    with pytest.raises(
        ValidationError, match=r"lines\[0\].unit_price is in EUR but the order is in PLN"
    ):
        Order.model_validate(data)


def test_assignment_is_validated() -> None:
    order = sample_order()
    with pytest.raises(ValidationError):
        order.status = "lost"  # type: ignore[assignment]
    with pytest.raises(ValidationError, match="shipping_price is in EUR"):
        order.shipping_price = Money(1, "EUR")


def test_lines_are_frozen_and_have_totals() -> None:
    line = OrderLine(sku="A", quantity=3, unit_price=Money("1.10", "PLN"))
    assert line.total == Money("3.30", "PLN")
    with pytest.raises(ValidationError):
        line.quantity = 5  # type: ignore[misc]


def test_is_paid() -> None:
    order = sample_order()
    assert not order.is_paid
    order.payment.paid_amount = order.total
    order.payment.paid_at = datetime(2026, 11, 24, 9, tzinfo=UTC)
    assert order.is_paid
    assert order.paid_at is not None


def test_delivery_methods() -> None:
    assert sample_order(method="parcel_locker").delivery.point_id == "KRA010"
    assert sample_order(method="pickup").delivery.method is DeliveryMethod.PICKUP
