"""Pure Shopify ⇄ ecomflow mapping (GraphQL order nodes, reference A2).

A node that cannot become an :class:`~ecomflow.orders.Order` raises
:class:`~ecomflow.errors.MappingError` (or :class:`~ecomflow.errors.UnmappedStatus` /
:class:`~ecomflow.errors.UnmappedDeliveryMethod`) with what to fix — never a
``TypeError``, ``KeyError`` or pydantic ``ValidationError``.

>>> node = {"id": "gid://shopify/Order/5", "name": "#1005", "currencyCode": "PLN",
...         "createdAt": "2026-11-24T09:00:00Z", "updatedAt": "2026-11-24T09:05:00Z",
...         "displayFinancialStatus": "PAID", "displayFulfillmentStatus": "UNFULFILLED",
...         "email": "anna@example.com", "tags": ["vip"],
...         "totalPriceSet": {"shopMoney": {"amount": "64.0", "currencyCode": "PLN"}},
...         "totalShippingPriceSet": {"shopMoney": {"amount": "15.0", "currencyCode": "PLN"}},
...         "shippingAddress": {"name": "Anna Nowak", "address1": "Długa 1", "city": "Kraków",
...                             "zip": "31-147", "countryCodeV2": "PL", "phone": "600100200"},
...         "shippingLines": {"nodes": [{"code": "dpd", "title": "Kurier DPD"}]},
...         "lineItems": {"nodes": [{"id": "gid://shopify/LineItem/1", "sku": "MUG-RED",
...             "name": "Kubek", "quantity": 2,
...             "originalUnitPriceSet": {"shopMoney": {"amount": "24.50"}},
...             "variant": {"barcode": "5901234123457"}}]}}
>>> order = to_order(node, SHOPIFY_STATUSES, SHOPIFY_DELIVERIES)
>>> order.id, order.status.value, str(order.total), order.is_paid, order.delivery.carrier
('shopify-5', 'paid', '64.00 PLN', True, 'dpd')
>>> to_order({**node, "totalPriceSet": None}, SHOPIFY_STATUSES, SHOPIFY_DELIVERIES)
Traceback (most recent call last):
...
ecomflow.errors.MappingError: Shopify order 5: totalPriceSet is missing or not a MoneyBag; the order cannot be priced (check the app's read_orders access and the API version).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from pydantic import ValidationError

from ecomflow.adapters.shopify.wire import legacy_id, parse_time
from ecomflow.errors import MappingError, UnmappedDeliveryMethod
from ecomflow.money import Money, known_currency
from ecomflow.orders.delivery import DeliveryMap, DeliveryRule
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

__all__ = [
    "DEFAULT_KEY",
    "PAID_STATUSES",
    "SHOPIFY_DELIVERIES",
    "SHOPIFY_STATUSES",
    "WRITE_ACTIONS",
    "channel_status",
    "node_digest",
    "order_ref",
    "to_order",
]

#: The key of the Shopify tables in the packaged status and delivery maps.
DEFAULT_KEY = "shopify"

#: Channel status → master status. The channel status of an order is ``CANCELLED``
#: when ``cancelledAt`` is set, ``REFUNDED`` when refunded, ``FULFILLED`` when
#: ``displayFulfillmentStatus`` says so, else its ``displayFinancialStatus``
#: (OrderDisplayFinancialStatus: the orders query's ``financial_status`` values,
#: shopify.dev/docs/api/admin-graphql/latest/queries/orders). Writing back, only
#: ``FULFILLED`` (fulfil the open fulfillment orders) and ``CANCELLED`` (orderCancel)
#: are actions Shopify has; every other master status is :class:`UnmappedStatus`.
SHOPIFY_STATUSES = StatusMap(
    {
        DEFAULT_KEY: {
            "PENDING": "new",
            "AUTHORIZED": "new",
            "PARTIALLY_PAID": "new",
            "PAID": "paid",
            "PARTIALLY_REFUNDED": "paid",
            "REFUNDED": "returned",
            "VOIDED": "cancelled",
            "EXPIRED": "cancelled",
            "FULFILLED": "shipped",
            "CANCELLED": "cancelled",
        }
    },
    write_back={DEFAULT_KEY: {"shipped": "FULFILLED", "cancelled": "CANCELLED"}},
)

#: The packaged delivery map's Shopify table (``[channels.shopify]`` in deliveries.toml).
SHOPIFY_DELIVERIES = DeliveryMap.default()

#: Channel statuses a status write can carry out on Shopify, and how.
WRITE_ACTIONS = {"FULFILLED": "fulfil", "CANCELLED": "cancel"}

#: Financial statuses in which the order was paid in full.
PAID_STATUSES = frozenset({"PAID", "PARTIALLY_REFUNDED", "REFUNDED"})


def node_digest(node: Mapping[str, Any]) -> str:
    """A short fingerprint of a node: a change in the same second changes it."""
    text = json.dumps(node, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def order_ref(node: Any) -> str | None:
    """The channel order id of a node (the number in its GID), ``None`` if unreadable."""
    if not isinstance(node, Mapping):
        return None
    try:
        return legacy_id(str(node.get("id")))
    except ValueError:
        return None


def channel_status(node: Mapping[str, Any]) -> str:
    """The channel status a node is in (see :data:`SHOPIFY_STATUSES`)."""
    financial = node.get("displayFinancialStatus")
    if node.get("cancelledAt"):
        return "CANCELLED"
    if financial == "REFUNDED":
        return "REFUNDED"
    if node.get("displayFulfillmentStatus") == "FULFILLED":
        return "FULFILLED"
    return str(financial) if financial else "null"


def _nodes(connection: Any) -> list[Any]:
    if isinstance(connection, Mapping):
        nodes = connection.get("nodes")
        return list(nodes) if isinstance(nodes, list) else []
    return list(connection) if isinstance(connection, list) else []


class _Reader:
    """Reads one node, raising MappingError that names the order and the field."""

    def __init__(self, node: Mapping[str, Any], channel: str) -> None:
        self.node = node
        self.channel = channel
        self.ref = order_ref(node)

    def fail(self, field: str, message: str) -> MappingError:
        return MappingError(
            f"Shopify order {self.ref or '?'}: {message}",
            source=self.channel,
            object_id=self.ref,
            field=field,
        )

    def time(self, field: str, *, required: bool = True) -> datetime | None:
        value = self.node.get(field)
        if value is None and not required:
            return None
        try:
            return parse_time(value)
        except ValueError:
            raise self.fail(field, f"{field} {value!r} is not an ISO 8601 date-time") from None

    def optional_money(self, field: str, bag: Any, currency: str) -> Money | None:
        if bag is None:
            return None
        return self.money(field, bag, currency)

    def money(self, field: str, bag: Any, currency: str) -> Money:
        shop = bag.get("shopMoney") if isinstance(bag, Mapping) else None
        if not isinstance(shop, Mapping):
            raise self.fail(
                field,
                f"{field} is missing or not a MoneyBag; the order cannot be priced (check the "
                "app's read_orders access and the API version).",
            )
        amount = shop.get("amount")
        given = shop.get("currencyCode")
        if given is not None and given != currency:
            raise self.fail(field, f"{field} is in {given!r} but the order is in {currency!r}")
        if isinstance(amount, bool) or not isinstance(amount, str | int):
            raise self.fail(field, f"{field} amount {amount!r} is not a decimal string")
        try:
            money = Money(amount, currency)
        except (ValueError, TypeError, ArithmeticError):
            raise self.fail(field, f"{field} amount {amount!r} is not a number") from None
        if not money.amount.is_finite() or money.amount < 0:
            raise self.fail(field, f"{field} amount {amount!r} is not a price")
        return money


def _address(data: Any, email: str | None) -> Address | None:
    if not isinstance(data, Mapping):
        return None
    fields: dict[str, Any] = {
        "name": data.get("name") or "",
        "company": data.get("company") or None,
        "street": " ".join(str(x) for x in (data.get("address1"), data.get("address2")) if x),
        "city": data.get("city") or "",
        "postcode": data.get("zip") or "",
        "phone": data.get("phone") or None,
        "email": email,
    }
    if data.get("countryCodeV2"):
        fields["country"] = data["countryCodeV2"]
    return Address(**fields)


def _attribute(node: Mapping[str, Any], key: str | None) -> str | None:
    if not key:
        return None
    for attribute in node.get("customAttributes") or []:
        if isinstance(attribute, Mapping) and attribute.get("key") == key:
            value = attribute.get("value")
            if value is None:
                return None
            return str(value).strip() or None
    return None


def _delivery(read: _Reader, deliveries: DeliveryMap, point_attribute: str | None) -> Delivery:
    node = read.node
    titles = [
        str(line.get("title")).strip()
        for line in _nodes(node.get("shippingLines"))
        if isinstance(line, Mapping) and line.get("title")
    ]
    name = titles[0] if titles else None
    kinds = {
        str((fo.get("deliveryMethod") or {}).get("methodType"))
        for fo in _nodes(node.get("fulfillmentOrders"))
        if isinstance(fo, Mapping) and isinstance(fo.get("deliveryMethod"), Mapping)
    }
    rule: DeliveryRule | None = None
    if "PICK_UP" in kinds:
        # Shopify itself says the customer collects (DeliveryMethodType PICK_UP:
        # shopify.dev/docs/api/admin-graphql/2025-10/enums/deliverymethodtype).
        if name:
            try:
                rule = deliveries.resolve(read.channel, name)
            except UnmappedDeliveryMethod:
                rule = None
        if rule is None or rule.method is not DeliveryMethod.PICKUP:
            rule = DeliveryRule(method=DeliveryMethod.PICKUP, carrier="shop")
    elif name is None:
        raise read.fail(
            "shippingLines",
            "the order has no shipping line, so it has no delivery method; ship it by hand "
            "or map its method in [channels.<name>.deliveries]",
        )
    else:
        rule = deliveries.resolve(read.channel, name)
    point = (
        _attribute(node, point_attribute) if rule.method is DeliveryMethod.PARCEL_LOCKER else None
    )
    return Delivery(
        method=rule.method,
        carrier=rule.carrier,
        service_id=rule.service_id,
        name=name,
        point_id=point,
    )


def _lines(read: _Reader, currency: str) -> list[OrderLine]:
    items = _nodes(read.node.get("lineItems"))
    if not items:
        raise read.fail("lineItems", "the order has no line items; nothing can be shipped")
    lines = []
    for index, item in enumerate(items):
        where = f"lineItems[{index}]"
        if not isinstance(item, Mapping):
            raise read.fail(where, f"{where} is not an object")
        quantity = item.get("quantity")
        if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
            raise read.fail(f"{where}.quantity", f"{where}.quantity {quantity!r} is not positive")
        price = read.money(
            f"{where}.originalUnitPriceSet", item.get("originalUnitPriceSet"), currency
        )
        line_id = str(item.get("id") or "")
        sku = str(item.get("sku") or "").strip()
        if not sku:
            try:
                sku = f"shopify-{legacy_id(line_id)}"
            except ValueError:
                raise read.fail(f"{where}.sku", f"{where} has neither a SKU nor an id") from None
        lines.append(
            OrderLine(
                sku=sku,
                ean=(item.get("variant") or {}).get("barcode") or None,
                name=str(item.get("name") or ""),
                quantity=quantity,
                unit_price=price,
                line_id=line_id or None,
            )
        )
    return lines


def to_order(
    node: Mapping[str, Any],
    status_map: StatusMap,
    deliveries: DeliveryMap,
    *,
    channel: str = DEFAULT_KEY,
    point_attribute: str | None = None,
) -> Order:
    """A Shopify GraphQL order node as an :class:`Order`.

    The channel order id is the number in the order's GID (``gid://shopify/Order/5`` →
    ``"5"``): unique in the store, unlike the editable ``name`` (``#1005``), which is kept
    in ``raw``. The status goes through ``status_map`` and the shipping line's title
    through ``deliveries`` (both under ``channel``).
    """
    if not isinstance(node, Mapping):
        raise MappingError(f"Shopify order node {node!r} is not an object", source=channel)
    read = _Reader(node, channel)
    if read.ref is None:
        raise read.fail("id", f"id {node.get('id')!r} is not an order GID")
    currency = str(node.get("currencyCode") or "").strip().upper()
    if not known_currency(currency):
        raise read.fail(
            "currencyCode", f"unknown currency {node.get('currencyCode')!r} (not ISO 4217)"
        )
    status = status_map.to_master(channel, channel_status(node))
    total = read.money("totalPriceSet", node.get("totalPriceSet"), currency)
    shipping = read.optional_money(
        "totalShippingPriceSet", node.get("totalShippingPriceSet"), currency
    )
    discount = read.optional_money("totalDiscountsSet", node.get("totalDiscountsSet"), currency)
    lines = _lines(read, currency)
    delivery = _delivery(read, deliveries, point_attribute)
    updated = read.time("updatedAt")
    email = node.get("email") or None
    paid = node.get("displayFinancialStatus") in PAID_STATUSES
    try:
        address = _address(node.get("shippingAddress"), email)
        return Order(
            channel=channel,
            channel_order_id=read.ref,
            status=status,
            currency=currency,
            lines=lines,
            customer=Customer(
                name=address.name if address else "", email=email, phone=node.get("phone") or None
            ),
            delivery_address=address,
            delivery=delivery,
            payment=Payment(paid_amount=total if paid else None, paid_at=updated if paid else None),
            shipping_price=shipping if shipping and shipping.amount else None,
            discount=discount if discount and discount.amount > Decimal(0) else None,
            tags={str(t) for t in node.get("tags") or []},
            created_at=read.time("createdAt"),
            updated_at=updated,
            raw=dict(node),
        )
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "order"
        raise read.fail(where, f"{where}: {first['msg']}") from None
