"""Pure BaseLinker ⇄ ecomflow mapping (no HTTP): testable on plain dicts.

>>> from ecomflow.orders import StatusMap
>>> raw = {"order_id": 7311, "order_status_id": 1, "date_add": 1795510800,
...        "date_confirmed": 1795510860, "currency": "PLN", "payment_done": "61.99",
...        "delivery_method": "InPost Paczkomaty 24/7", "delivery_point_id": "KRA010",
...        "delivery_price": "12.99", "delivery_fullname": "Anna Nowak",
...        "delivery_address": "Długa 1", "delivery_city": "Kraków",
...        "delivery_postcode": "31-147", "delivery_country_code": "PL",
...        "email": "anna@example.com", "phone": "600100200",
...        "products": [{"sku": "MUG-RED", "name": "Kubek", "price_brutto": "24.50",
...                      "tax_rate": "23", "quantity": "2"}]}
>>> order = to_order(BLOrder.parse(raw), StatusMap({"baselinker": {1: "paid"}}), {1: "Opłacone"})
>>> order.id, order.status.value, order.delivery.method.value, order.delivery.carrier, str(order.total)
('baselinker-7311', 'paid', 'parcel_locker', 'inpost', '61.99 PLN')
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from ecomflow.adapters.baselinker.wire import BLOrder
from ecomflow.errors import UnmappedStatus
from ecomflow.money import Money
from ecomflow.orders.models import (
    Address,
    Customer,
    Delivery,
    DeliveryMethod,
    InvoiceRequest,
    Order,
    OrderLine,
    Payment,
)
from ecomflow.orders.status import OrderStatus, StatusMap
from ecomflow.stock.updates import StockUpdate

__all__ = [
    "CARRIER_HINTS",
    "MAX_STOCK_PRODUCTS",
    "carrier_of",
    "package_manual_params",
    "stock_payloads",
    "to_order",
]

#: updateInventoryProductsStock takes at most 1000 products a call (reference §3, BL-doc).
MAX_STOCK_PRODUCTS = 1000

#: Words in BaseLinker's free-text ``delivery_method`` that name a carrier.
CARRIER_HINTS: dict[str, str] = {
    "inpost": "inpost",
    "paczkomat": "inpost",
    "dpd": "dpd",
    "dhl": "dhl",
    "pocztex": "poczta_polska",
    "poczta": "poczta_polska",
    "orlen": "orlen",
    "gls": "gls",
    "ups": "ups",
}
_PICKUP_HINTS = ("odbiór osobisty", "odbior osobisty", "personal", "pickup")


def carrier_of(delivery_method: str) -> str | None:
    """The carrier code named in a delivery method's text, if any."""
    text = delivery_method.lower()
    for hint, carrier in CARRIER_HINTS.items():
        if hint in text:
            return carrier
    return None


def _tax(rate: Decimal | None) -> Decimal | None:
    # Special values: -1 exempt (ZW), -0.02 "NP", -0.03 "OO" (reference §3 getOrders).
    if rate is None or rate < 0:
        return None
    return rate


def _when(stamp: int) -> datetime:
    return datetime.fromtimestamp(stamp, tz=UTC)


def _status(
    bl: BLOrder, status_map: StatusMap, names: Mapping[int, str], channel: str
) -> OrderStatus:
    name = names.get(bl.order_status_id)
    mapped = status_map.mapped(channel)
    if name is not None and name in mapped:
        return mapped[name]
    if str(bl.order_status_id) in mapped:
        return mapped[str(bl.order_status_id)]
    raise UnmappedStatus(
        channel=channel,
        status=f"{bl.order_status_id} ({name})" if name else str(bl.order_status_id),
        mapped=mapped,
    )


def to_order(
    bl: BLOrder,
    status_map: StatusMap,
    status_names: Mapping[int, str],
    *,
    channel: str = "baselinker",
) -> Order:
    """A BaseLinker order as an ecomflow :class:`Order` (status via ``status_map``)."""
    currency = bl.currency or "PLN"
    if bl.delivery_point_id:
        method = DeliveryMethod.PARCEL_LOCKER
    elif any(h in bl.delivery_method.lower() for h in _PICKUP_HINTS):
        method = DeliveryMethod.PICKUP
    else:
        method = DeliveryMethod.COURIER
    delivery_address = Address(
        name=bl.delivery_fullname,
        company=bl.delivery_company or None,
        street=bl.delivery_address,
        city=bl.delivery_city,
        postcode=bl.delivery_postcode,
        country=bl.delivery_country_code or "PL",
        phone=bl.phone or None,
        email=bl.email or None,
    )
    billing = None
    if bl.invoice_address:
        billing = Address(
            name=bl.invoice_fullname or bl.delivery_fullname,
            company=bl.invoice_company or None,
            street=bl.invoice_address,
            city=bl.invoice_city,
            postcode=bl.invoice_postcode,
            country=bl.invoice_country_code or bl.delivery_country_code or "PL",
        )
    paid = Money(bl.payment_done, currency)
    return Order(
        channel=channel,
        channel_order_id=str(bl.order_id),
        status=_status(bl, status_map, status_names, channel),
        currency=currency,
        lines=[
            OrderLine(
                sku=p.sku or f"bl-product-{p.product_id or p.order_product_id}",
                ean=p.ean,
                name=p.name,
                quantity=p.quantity,
                unit_price=Money(p.price_brutto, currency),
                tax_rate=_tax(p.tax_rate),
                weight_kg=p.weight,
                line_id=str(p.order_product_id) if p.order_product_id is not None else None,
            )
            for p in bl.products
        ],
        customer=Customer(
            name=bl.delivery_fullname or bl.invoice_fullname,
            email=bl.email or None,
            phone=bl.phone or None,
            id=bl.user_login or None,
        ),
        delivery_address=delivery_address,
        billing_address=billing,
        delivery=Delivery(
            method=method,
            point_id=bl.delivery_point_id or None,
            carrier=carrier_of(bl.delivery_method),
        ),
        payment=Payment(
            method=bl.payment_method,
            cod=bl.payment_method_cod,
            paid_amount=paid if paid else None,
            # BaseLinker's order has no payment time; the confirmation time stands in.
            paid_at=_when(bl.date_confirmed or bl.date_add) if paid else None,
        ),
        invoice=InvoiceRequest(company=bl.invoice_company or None, nip=bl.invoice_nip or None)
        if bl.want_invoice
        else None,
        shipping_price=Money(bl.delivery_price, currency) if bl.delivery_price else None,
        created_at=_when(bl.date_add),
        updated_at=_when(bl.date_confirmed) if bl.date_confirmed else None,
        raw=bl.raw or None,
    )


def stock_payloads(
    updates: Sequence[StockUpdate],
    *,
    inventory_id: int,
    warehouse_id: str,
    product_ids: Mapping[str, str] | None = None,
) -> Iterator[dict[str, Any]]:
    """``updateInventoryProductsStock`` parameters, 1000 products per call at most.

    A SKU's product id comes from the update's ``product_id`` or ``product_ids``;
    without one the SKU itself is used as the id.
    """
    ids = product_ids or {}
    products: dict[str, dict[str, int]] = {}
    for update in updates:
        product = update.product_id or ids.get(update.sku, update.sku)
        products[product] = {update.warehouse or warehouse_id: update.quantity}
    items = list(products.items())
    for start in range(0, len(items), MAX_STOCK_PRODUCTS):
        yield {
            "inventory_id": inventory_id,
            "products": dict(items[start : start + MAX_STOCK_PRODUCTS]),
        }


def package_manual_params(
    order_id: str | int, courier_code: str, package_number: str, *, pickup_date: datetime
) -> dict[str, Any]:
    """``createPackageManual`` parameters for a shipment made outside BaseLinker."""
    if len(package_number) > 40:
        raise ValueError("BaseLinker package_number is at most 40 characters (BL-doc).")
    return {
        "order_id": int(order_id),
        "courier_code": courier_code,
        "package_number": package_number,
        "pickup_date": int(pickup_date.timestamp()),
    }
