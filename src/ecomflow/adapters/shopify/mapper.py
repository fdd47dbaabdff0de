"""Pure Shopify ⇄ ecomflow mapping (GraphQL order shape, reference A2).

>>> node = {"id": "gid://shopify/Order/5", "name": "#1005", "currencyCode": "PLN",
...         "createdAt": "2026-11-24T09:00:00Z", "updatedAt": "2026-11-24T09:05:00Z",
...         "displayFinancialStatus": "PAID", "displayFulfillmentStatus": "UNFULFILLED",
...         "email": "anna@example.com", "tags": ["vip"],
...         "totalPriceSet": {"shopMoney": {"amount": "49.0", "currencyCode": "PLN"}},
...         "shippingAddress": {"name": "Anna Nowak", "address1": "Długa 1", "city": "Kraków",
...                             "zip": "31-147", "countryCodeV2": "PL", "phone": "600100200"},
...         "shippingLines": {"nodes": [{"code": "standard", "title": "Kurier"}]},
...         "lineItems": {"nodes": [{"id": "gid://shopify/LineItem/1", "sku": "MUG-RED",
...             "name": "Kubek", "quantity": 2,
...             "originalUnitPriceSet": {"shopMoney": {"amount": "24.50"}},
...             "variant": {"barcode": "5901234123457"}}]}}
>>> order = to_order(node, SHOPIFY_STATUSES)
>>> order.id, order.status.value, str(order.total), sorted(order.tags)
('shopify-1005', 'paid', '49.00 PLN', ['vip'])
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
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
from ecomflow.orders.status import OrderStatus, StatusMap

__all__ = ["SHOPIFY_STATUSES", "to_order"]

#: displayFinancialStatus → master status; a fulfilled order counts as shipped.
SHOPIFY_STATUSES = StatusMap(
    {
        "shopify": {
            "PENDING": "new",
            "AUTHORIZED": "new",
            "PARTIALLY_PAID": "new",
            "PAID": "paid",
            "PARTIALLY_REFUNDED": "paid",
            "REFUNDED": "returned",
            "VOIDED": "cancelled",
            "EXPIRED": "cancelled",
            "FULFILLED": "shipped",
        }
    }
)
_PICKUP = ("pickup", "local")


def _time(value: Any) -> datetime:
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _address(data: Mapping[str, Any] | None, email: str | None) -> Address | None:
    if not data:
        return None
    return Address(
        name=data.get("name") or "",
        company=data.get("company") or None,
        street=" ".join(x for x in (data.get("address1"), data.get("address2")) if x),
        city=data.get("city") or "",
        postcode=data.get("zip") or "",
        country=data.get("countryCodeV2") or "PL",
        phone=data.get("phone") or None,
        email=email,
    )


def to_order(node: Mapping[str, Any], status_map: StatusMap, *, channel: str = "shopify") -> Order:
    """A Shopify GraphQL order node as an Order (status through ``status_map``)."""
    currency = node.get("currencyCode") or "PLN"
    if node.get("cancelledAt"):
        status = OrderStatus.CANCELLED
    elif node.get("displayFulfillmentStatus") == "FULFILLED":
        status = status_map.to_master(channel, "FULFILLED")
    else:
        status = status_map.to_master(channel, str(node.get("displayFinancialStatus")))
    total = Money(node["totalPriceSet"]["shopMoney"]["amount"], currency)
    shipping_codes = [
        str(s.get("code") or "").lower() for s in (node.get("shippingLines") or {}).get("nodes", [])
    ]
    email = node.get("email") or None
    address = _address(node.get("shippingAddress"), email)
    paid = status in (OrderStatus.PAID, OrderStatus.SHIPPED)
    return Order(
        channel=channel,
        channel_order_id=str(node.get("name") or node["id"]).lstrip("#"),
        status=status,
        currency=currency,
        lines=[
            OrderLine(
                sku=item.get("sku") or f"shopify-{item['id']}",
                ean=(item.get("variant") or {}).get("barcode") or None,
                name=str(item.get("name") or ""),
                quantity=int(item["quantity"]),
                unit_price=Money(item["originalUnitPriceSet"]["shopMoney"]["amount"], currency),
                line_id=str(item["id"]),
            )
            for item in (node.get("lineItems") or {}).get("nodes", [])
        ],
        customer=Customer(
            name=address.name if address else "", email=email, phone=node.get("phone") or None
        ),
        delivery_address=address,
        delivery=Delivery(
            method=DeliveryMethod.PICKUP
            if any(c.startswith(_PICKUP) for c in shipping_codes)
            else DeliveryMethod.COURIER
        ),
        payment=Payment(
            paid_amount=total if paid else None, paid_at=_time(node["updatedAt"]) if paid else None
        ),
        tags=set(node.get("tags") or []),
        created_at=_time(node["createdAt"]),
        updated_at=_time(node["updatedAt"]),
        raw=dict(node),
    )
