"""Order factories for tests, docs and the demo."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from ecomflow.money import Money
from ecomflow.orders.models import (
    Address,
    Customer,
    Delivery,
    DeliveryMethod,
    Order,
    OrderLine,
    Payment,
)

__all__ = ["sample_order"]


def sample_order(
    number: str = "1001",
    *,
    channel: str = "shop",
    paid: bool = False,
    cod: bool = False,
    method: DeliveryMethod | str = DeliveryMethod.COURIER,
    point_id: str | None = None,
    lines: dict[str, tuple[int, str]] | None = None,
    currency: str = "PLN",
    created_at: datetime | None = None,
    country: str = "PL",
    vip: bool = False,
    carrier: str | None = None,
    weight_kg: str = "0.4",
) -> Order:
    """A valid order with sensible defaults; override what a test cares about.

    ``lines`` maps SKU → (quantity, unit price as a string); ``carrier`` is the
    carrier the customer chose at checkout; ``weight_kg`` is each unit's weight.

    >>> order = sample_order(lines={"A": (2, "10.00"), "B": (1, "5.50")}, paid=True)
    >>> str(order.total), order.is_paid
    ('25.50 PLN', True)
    """
    created = created_at or datetime(2026, 11, 24, 8, 30, tzinfo=UTC)
    lines = lines or {"MUG-RED": (2, "24.50")}
    order_lines = [
        OrderLine(
            sku=sku,
            name=f"Product {sku}",
            quantity=qty,
            unit_price=Money(price, currency),
            tax_rate=Decimal(23),
            weight_kg=Decimal(weight_kg),
        )
        for sku, (qty, price) in lines.items()
    ]
    method = DeliveryMethod(method)
    if method is DeliveryMethod.PARCEL_LOCKER and point_id is None:
        point_id = "KRA010"
    total = Money.sum((line.total for line in order_lines), currency)
    return Order(
        channel=channel,
        channel_order_id=number,
        currency=currency,
        lines=order_lines,
        customer=Customer(name="Anna Nowak", email="anna@example.com", vip=vip),
        delivery_address=Address(
            name="Anna Nowak",
            street="ul. Długa 1",
            city="Kraków",
            postcode="31-147",
            country=country,
            phone="+48 600 100 200",
            email="anna@example.com",
        ),
        delivery=Delivery(method=method, point_id=point_id, carrier=carrier),
        payment=Payment(
            method="cod" if cod else "blik",
            cod=cod,
            paid_amount=total if paid else None,
            paid_at=created if paid else None,
        ),
        created_at=created,
    )
