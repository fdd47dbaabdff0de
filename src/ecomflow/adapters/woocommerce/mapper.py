"""Pure WooCommerce ⇄ ecomflow mapping (REST v3 shapes, reference Part B).

>>> raw = {"id": 727, "number": "727", "status": "processing", "currency": "PLN",
...        "date_created_gmt": "2026-11-24T09:00:00", "date_paid_gmt": "2026-11-24T09:01:00",
...        "total": "61.99", "shipping_total": "12.99", "discount_total": "0.00",
...        "payment_method": "przelewy24",
...        "billing": {"first_name": "Anna", "last_name": "Nowak", "email": "anna@example.com",
...                    "phone": "600100200", "address_1": "Długa 1", "city": "Kraków",
...                    "postcode": "31-147", "country": "PL"},
...        "shipping": {"first_name": "Anna", "last_name": "Nowak", "address_1": "Długa 1",
...                     "city": "Kraków", "postcode": "31-147", "country": "PL"},
...        "line_items": [{"id": 1, "sku": "MUG-RED", "name": "Kubek", "quantity": 2,
...                        "price": 24.5, "total": "49.00"}],
...        "shipping_lines": [{"method_id": "flat_rate", "total": "12.99"}], "meta_data": []}
>>> order = to_order(raw, WOO_STATUSES)
>>> order.id, order.status.value, str(order.total), order.is_paid
('woocommerce-727', 'paid', '61.99 PLN', True)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

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
from ecomflow.orders.status import StatusMap
from ecomflow.stock.updates import StockUpdate

__all__ = ["MAX_BATCH", "WOO_STATUSES", "batch_payloads", "to_order"]

#: products/batch takes at most 100 objects (reference B4, WC-src check_batch_limit()).
MAX_BATCH = 100

#: WooCommerce order statuses → master statuses (reference B3).
WOO_STATUSES = StatusMap(
    {
        "woocommerce": {
            "pending": "new",
            "on-hold": "on_hold",
            "processing": "paid",
            "completed": "shipped",
            "cancelled": "cancelled",
            "refunded": "returned",
            "failed": "cancelled",
        }
    },
    write_back={
        "woocommerce": {
            "shipped": "completed",
            "delivered": "completed",
            "cancelled": "cancelled",
            "returned": "refunded",
        }
    },
)
_PICKUP_METHODS = ("local_pickup", "pickup_location")


def _gmt(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value)).replace(tzinfo=UTC)  # *_gmt has no zone suffix


def _address(data: Mapping[str, Any] | None, email: str | None = None) -> Address | None:
    if not data or not (data.get("address_1") or data.get("city")):
        return None
    street = " ".join(x for x in (data.get("address_1"), data.get("address_2")) if x)
    return Address(
        name=" ".join(x for x in (data.get("first_name"), data.get("last_name")) if x),
        company=data.get("company") or None,
        street=street,
        city=data.get("city") or "",
        postcode=data.get("postcode") or "",
        country=data.get("country") or "PL",
        phone=data.get("phone") or None,
        email=email or data.get("email") or None,
    )


def to_order(
    raw: Mapping[str, Any], status_map: StatusMap, *, channel: str = "woocommerce"
) -> Order:
    """A WooCommerce order (the REST v3 GET shape, also the webhook payload) as an Order."""
    currency = raw.get("currency") or "PLN"
    billing = raw.get("billing") or {}
    methods = [str(s.get("method_id") or "") for s in raw.get("shipping_lines") or []]
    pickup = any(m.startswith(_PICKUP_METHODS) for m in methods)
    paid_at = _gmt(raw.get("date_paid_gmt"))
    total = Money(str(raw.get("total") or "0"), currency)
    return Order(
        channel=channel,
        channel_order_id=str(raw.get("number") or raw["id"]),
        status=status_map.to_master(channel, str(raw.get("status"))),
        currency=currency,
        lines=[
            OrderLine(
                sku=item.get("sku") or f"woo-product-{item.get('product_id')}",
                name=str(item.get("name") or ""),
                quantity=int(item["quantity"]),
                unit_price=Money(Decimal(str(item.get("price") or 0)), currency),
                line_id=str(item.get("id")),
            )
            for item in raw.get("line_items") or []
        ],
        customer=Customer(
            name=" ".join(x for x in (billing.get("first_name"), billing.get("last_name")) if x),
            email=billing.get("email") or None,
            phone=billing.get("phone") or None,
            id=str(raw.get("customer_id") or "") or None,
        ),
        billing_address=_address(billing),
        delivery_address=_address(raw.get("shipping"), billing.get("email")) or _address(billing),
        delivery=Delivery(method=DeliveryMethod.PICKUP if pickup else DeliveryMethod.COURIER),
        payment=Payment(
            method=str(raw.get("payment_method") or ""),
            cod=raw.get("payment_method") == "cod",
            paid_amount=total if paid_at else None,
            paid_at=paid_at,
        ),
        shipping_price=Money(str(raw.get("shipping_total") or "0"), currency) or None,
        discount=Money(str(raw.get("discount_total") or "0"), currency) or None,
        created_at=_gmt(raw.get("date_created_gmt")) or datetime.now(UTC),
        updated_at=_gmt(raw.get("date_modified_gmt")),
        raw=dict(raw),
    )


def batch_payloads(
    updates: Sequence[StockUpdate], product_ids: Mapping[str, int]
) -> Iterator[dict[str, Any]]:
    """``products/batch`` bodies of at most 100 updates of ``stock_quantity``."""
    items = [
        {"id": product_ids[u.sku], "manage_stock": True, "stock_quantity": u.quantity}
        for u in updates
    ]
    for start in range(0, len(items), MAX_BATCH):
        yield {"update": items[start : start + MAX_BATCH]}
