"""Pure WooCommerce ⇄ ecomflow mapping (REST v3 shapes, reference Part B; no HTTP).

Money: WooCommerce keeps line, shipping and discount amounts without tax and
the tax beside them (``subtotal``/``subtotal_tax``, ``shipping_total``/
``shipping_tax``, ``discount_total``/``discount_tax``; WC-doc ``_orders.md``
"Order properties"), and a line's ``total`` is already after discounts. The
order is mapped in gross amounts — what the customer pays — so lines are
``(subtotal + subtotal_tax) / quantity`` and the discount is subtracted once.
In the documented example (WC-doc ``_orders.md`` "Retrieve an order") that gives
the order's own ``total``:

>>> raw = {"id": 727, "number": "727", "status": "processing", "currency": "USD",
...        "date_created_gmt": "2017-03-22T19:28:02", "date_paid_gmt": "2017-03-22T19:28:08",
...        "date_modified_gmt": "2017-03-22T19:28:08",
...        "total": "29.35", "shipping_total": "10.00", "shipping_tax": "0.00",
...        "discount_total": "0.00", "discount_tax": "0.00", "payment_method": "bacs",
...        "billing": {"first_name": "John", "last_name": "Doe", "email": "john.doe@example.com",
...                    "address_1": "969 Market", "city": "San Francisco", "postcode": "94103",
...                    "country": "US"},
...        "shipping": {"first_name": "John", "last_name": "Doe", "address_1": "969 Market",
...                     "city": "San Francisco", "postcode": "94103", "country": "US"},
...        "line_items": [
...            {"id": 315, "name": "Woo Single #1", "product_id": 93, "variation_id": 0,
...             "quantity": 2, "subtotal": "6.00", "subtotal_tax": "0.45", "total": "6.00",
...             "total_tax": "0.45", "sku": "", "price": 3},
...            {"id": 316, "name": "Ship Your Idea", "product_id": 22, "variation_id": 23,
...             "quantity": 1, "subtotal": "12.00", "subtotal_tax": "0.90", "total": "12.00",
...             "total_tax": "0.90", "sku": "Bar3", "price": 12}],
...        "shipping_lines": [{"id": 317, "method_title": "Flat Rate", "method_id": "flat_rate",
...                            "total": "10.00", "total_tax": "0.00"}],
...        "meta_data": []}
>>> order = to_order(raw, WOO_STATUSES, DeliveryMap.default(), parent_skus={22: "Bar"})
>>> order.id, order.status.value, str(order.total), order.is_paid
('woocommerce-727', 'paid', '29.35 USD', True)
>>> [line.sku for line in order.lines], order.delivery.method.value, order.delivery.name
(['woo-product-93', 'Bar3'], 'courier', 'Flat Rate')
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from ecomflow.adapters.protocols import IntakeFailure
from ecomflow.errors import EcomflowError, MappingError, UnmappedDeliveryMethod, UnmappedStatus
from ecomflow.money import Money, known_currency
from ecomflow.orders.delivery import CATCH_ALL, DeliveryMap, DeliveryRule
from ecomflow.orders.models import (
    Address,
    Customer,
    Delivery,
    Order,
    OrderLine,
    Payment,
)
from ecomflow.orders.status import StatusMap

__all__ = [
    "DEFAULT_KEY",
    "MAX_BATCH",
    "WOO_STATUSES",
    "StockTarget",
    "batch_payloads",
    "catalogue",
    "intake",
    "line_sku",
    "order_id_of",
    "parents_needed",
    "to_order",
]

#: The key of this adapter's defaults in the status and delivery maps.
DEFAULT_KEY = "woocommerce"

#: A batch endpoint takes at most 100 objects in total (reference B4; WC-src
#: ``rest-api/Controllers/Version3/class-wc-rest-controller.php`` ``check_batch_limit``,
#: the base of both ``products/batch`` and ``products/<id>/variations/batch``; WC-doc
#: ``_product-variations.md`` "Batch update product variations": "limited to up to 100").
MAX_BATCH = 100

#: WooCommerce order statuses → master statuses (reference B3). ``trash`` is what a
#: deleted order reads as (``order.deleted`` webhook): it is no longer to be shipped.
WOO_STATUSES = StatusMap(
    {
        DEFAULT_KEY: {
            "pending": "new",
            "on-hold": "on_hold",
            "processing": "paid",
            "completed": "shipped",
            "cancelled": "cancelled",
            "refunded": "returned",
            "failed": "cancelled",
            "trash": "cancelled",
        }
    },
    write_back={
        DEFAULT_KEY: {
            "shipped": "completed",
            "delivered": "completed",
            "cancelled": "cancelled",
            "returned": "refunded",
        }
    },
)


@dataclass(frozen=True)
class StockTarget:
    """Where a SKU's stock lives: a product, or a variation of a variable product."""

    product_id: int
    variation_id: int | None = None


# -- small parsers ---------------------------------------------------------------------


def _int(value: Any, field: str, order_id: str | None) -> int:
    if isinstance(value, bool):
        raise MappingError(f"{field} is {value!r}, not a number", object_id=order_id, field=field)
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().lstrip("-").isdigit():
        return int(value)
    raise MappingError(f"{field} is {value!r}, not a whole number", object_id=order_id, field=field)


def _amount(value: Any, field: str, order_id: str | None, *, default: str | None = None) -> Decimal:
    """A money amount: WooCommerce sends strings (``"12.00"``), the line ``price`` as a number."""
    if value is None or value == "":
        if default is None:
            raise MappingError(f"{field} is missing", object_id=order_id, field=field)
        value = default
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise MappingError(f"{field} is {value!r}, not an amount", object_id=order_id, field=field)
    if isinstance(value, float) and not math.isfinite(value):
        raise MappingError(f"{field} is {value!r}, not an amount", object_id=order_id, field=field)
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise MappingError(
            f"{field} is {value!r}, not an amount; fix the order in WooCommerce",
            object_id=order_id,
            field=field,
        ) from None
    if not amount.is_finite():
        raise MappingError(f"{field} is {value!r}, not an amount", object_id=order_id, field=field)
    return amount


def _gmt(
    value: Any, field: str, order_id: str | None, *, required: bool = False
) -> datetime | None:
    """A ``*_gmt`` date: ``YYYY-MM-DDTHH:MM:SS`` without a zone, in UTC (reference B1)."""
    if not value:
        if required:
            raise MappingError(f"{field} is missing", object_id=order_id, field=field)
        return None
    try:
        return datetime.fromisoformat(str(value)[:19]).replace(tzinfo=UTC)
    except ValueError:
        raise MappingError(
            f"{field} {value!r} is not a date", object_id=order_id, field=field
        ) from None


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


def _norm(name: str) -> str:
    return " ".join(name.split()).casefold()


def order_id_of(raw: Mapping[str, Any]) -> str | None:
    """The order's WooCommerce id as text (``None`` when the payload has none)."""
    value = raw.get("id")
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    text = str(value).strip()
    return text if text.isdigit() else None


# -- lines -----------------------------------------------------------------------------


def line_sku(item: Mapping[str, Any], parent_skus: Mapping[int, str | None]) -> str:
    """The SKU of an order line; a variation is its own product.

    WooCommerce's line ``sku`` is ``$product->get_sku()`` in the ``view`` context
    (WC-src ``class-wc-rest-orders-v2-controller.php`` ``get_order_item_data``), and a
    variation without its own SKU *inherits its parent's* there (WC-src
    ``class-wc-product-variation.php`` ``get_sku``). SKUs are unique across products
    and variations, so a variation line whose SKU equals its parent's has none of its
    own and becomes ``woo-variation-<id>``; a product without a SKU ``woo-product-<id>``.

    >>> line_sku({"product_id": 22, "variation_id": 23, "sku": "TEE"}, {22: "TEE"})
    'woo-variation-23'
    >>> line_sku({"product_id": 22, "variation_id": 24, "sku": "TEE-M"}, {22: "TEE"})
    'TEE-M'
    >>> line_sku({"product_id": 93, "variation_id": 0, "sku": ""}, {})
    'woo-product-93'
    """
    sku = _text(item.get("sku"))
    variation = item.get("variation_id")
    product = item.get("product_id")
    if isinstance(variation, int) and not isinstance(variation, bool) and variation > 0:
        parent = parent_skus.get(product) if isinstance(product, int) else None
        if sku and sku != parent:
            return sku
        return f"woo-variation-{variation}"
    if sku:
        return sku
    if isinstance(product, int) and not isinstance(product, bool) and product > 0:
        return f"woo-product-{product}"
    raise MappingError(
        f"line {item.get('id')!r} ({item.get('name')!r}) has no product and no SKU (was the "
        "product deleted?); fix the order in WooCommerce",
        field="line_items",
    )


def parents_needed(raws: Iterable[Mapping[str, Any]]) -> set[int]:
    """Parent product ids whose SKU tells whether a variation line's SKU is its own."""
    parents: set[int] = set()
    for raw in raws:
        items = raw.get("line_items")
        for item in items if isinstance(items, list) else []:
            if not isinstance(item, Mapping):
                continue
            variation, product = item.get("variation_id"), item.get("product_id")
            if (
                isinstance(variation, int)
                and variation > 0
                and isinstance(product, int)
                and product > 0
                and _text(item.get("sku"))
            ):
                parents.add(product)
    return parents


def _lines(
    raw: Mapping[str, Any], currency: str, parent_skus: Mapping[int, str | None], oid: str | None
) -> list[OrderLine]:
    items = raw.get("line_items")
    if not isinstance(items, list) or not items:
        raise MappingError(
            "order has no product lines; fix it in WooCommerce", object_id=oid, field="line_items"
        )
    lines = []
    for index, item in enumerate(items):
        where = f"line_items[{index}]"
        if not isinstance(item, Mapping):
            raise MappingError(f"{where} is not an object", object_id=oid, field=where)
        quantity = _int(item.get("quantity"), f"{where}.quantity", oid)
        if quantity <= 0:
            raise MappingError(
                f"{where}.quantity is {quantity}; fix the order in WooCommerce",
                object_id=oid,
                field=f"{where}.quantity",
            )
        if item.get("subtotal") not in (None, ""):
            gross = _amount(item["subtotal"], f"{where}.subtotal", oid) + _amount(
                item.get("subtotal_tax"), f"{where}.subtotal_tax", oid, default="0"
            )
        elif item.get("total") not in (None, ""):
            gross = _amount(item["total"], f"{where}.total", oid) + _amount(
                item.get("total_tax"), f"{where}.total_tax", oid, default="0"
            )
        else:
            gross = _amount(item.get("price"), f"{where}.price", oid) * quantity
        if gross < 0:
            raise MappingError(f"{where} has a negative price", object_id=oid, field=where)
        lines.append(
            OrderLine(
                sku=line_sku(item, parent_skus),
                name=_text(item.get("name")),
                quantity=quantity,
                unit_price=Money(gross / quantity, currency),
                line_id=str(item.get("id")) if item.get("id") is not None else None,
            )
        )
    return lines


# -- delivery --------------------------------------------------------------------------


def _meta(items: Any, keys: Sequence[str]) -> str | None:
    if not isinstance(items, list):
        return None
    for key in keys:
        for meta in items:
            if isinstance(meta, Mapping) and meta.get("key") == key:
                value = meta.get("value")
                if isinstance(value, str | int) and str(value).strip():
                    return str(value).strip()
    return None


def _delivery(
    raw: Mapping[str, Any], deliveries: DeliveryMap, channel: str, point_keys: Sequence[str]
) -> Delivery:
    """The shipping line's method, by ``method_id`` (``flat_rate``, ``flat_rate:3``), then title."""
    shipping = raw.get("shipping_lines")
    first = shipping[0] if isinstance(shipping, list) and shipping else {}
    first = first if isinstance(first, Mapping) else {}
    method_id = _text(first.get("method_id"))
    title = _text(first.get("method_title"))
    candidates = [method_id, method_id.split(":", 1)[0], title]
    known = set(deliveries.mapped(channel)) - {CATCH_ALL}
    rule: DeliveryRule | None = None
    for name in candidates:
        if name and _norm(name) in known:
            rule = deliveries.resolve(channel, name)
            break
    if rule is None:  # the catch-all "*" when the shop wrote one; else the error names the title
        rule = deliveries.resolve(channel, title or method_id)
    point = _meta(first.get("meta_data"), point_keys) or _meta(raw.get("meta_data"), point_keys)
    return Delivery(
        method=rule.method,
        carrier=rule.carrier,
        service_id=rule.service_id,
        name=title or method_id or None,
        point_id=point,
    )


# -- the order -------------------------------------------------------------------------


def _address(data: Any, email: str | None = None, phone: str | None = None) -> Address | None:
    if not isinstance(data, Mapping) or not (data.get("address_1") or data.get("city")):
        return None
    street = " ".join(_text(data.get(k)) for k in ("address_1", "address_2") if _text(data.get(k)))
    return Address(
        name=" ".join(
            _text(data.get(k)) for k in ("first_name", "last_name") if _text(data.get(k))
        ),
        company=_text(data.get("company")) or None,
        street=street,
        city=_text(data.get("city")),
        postcode=_text(data.get("postcode")),
        country=_text(data.get("country")) or "PL",
        phone=_text(data.get("phone")) or phone or None,
        email=email or _text(data.get("email")) or None,
    )


def to_order(
    raw: Mapping[str, Any],
    status_map: StatusMap,
    deliveries: DeliveryMap,
    *,
    channel: str = DEFAULT_KEY,
    parent_skus: Mapping[int, str | None] | None = None,
    point_keys: Sequence[str] = (),
) -> Order:
    """A WooCommerce order (the REST v3 GET shape, also the webhook payload) as an Order.

    Raises :class:`~ecomflow.errors.MappingError` for a payload that cannot be
    mapped, :class:`~ecomflow.errors.UnmappedStatus` /
    :class:`~ecomflow.errors.UnmappedDeliveryMethod` for a status or shipping
    method the channel's maps do not know — never a bare ``ValueError``.
    ``parent_skus`` (parent product id → its SKU) tells a variation's own SKU from
    an inherited one (:func:`line_sku`).
    """
    oid = order_id_of(raw)
    try:
        return _order(raw, status_map, deliveries, channel, parent_skus or {}, point_keys, oid)
    except (MappingError, UnmappedStatus, UnmappedDeliveryMethod):
        raise
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ())) or "order"
        raise MappingError(
            f"{where}: {first.get('msg')}; fix the order in WooCommerce",
            source=channel,
            object_id=oid,
            field=where,
        ) from None
    except (EcomflowError, ValueError, TypeError, KeyError, ArithmeticError) as error:
        raise MappingError(
            f"{type(error).__name__}: {error}", source=channel, object_id=oid
        ) from None


def _order(
    raw: Mapping[str, Any],
    status_map: StatusMap,
    deliveries: DeliveryMap,
    channel: str,
    parent_skus: Mapping[int, str | None],
    point_keys: Sequence[str],
    oid: str | None,
) -> Order:
    if oid is None:
        raise MappingError(
            f"order id {raw.get('id')!r} is not a number", source=channel, field="id"
        )
    currency = _text(raw.get("currency")).upper()
    if not known_currency(currency):
        raise MappingError(
            f"currency {raw.get('currency')!r} is not an ISO 4217 code; fix the shop's currency",
            source=channel,
            object_id=oid,
            field="currency",
        )
    status = status_map.to_master(channel, _text(raw.get("status")))
    found = raw.get("billing")
    billing: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
    email = _text(billing.get("email")) or None
    paid_at = _gmt(raw.get("date_paid_gmt"), "date_paid_gmt", oid)
    total = _amount(raw.get("total"), "total", oid)
    shipping = _amount(raw.get("shipping_total"), "shipping_total", oid, default="0") + _amount(
        raw.get("shipping_tax"), "shipping_tax", oid, default="0"
    )
    discount = _amount(raw.get("discount_total"), "discount_total", oid, default="0") + _amount(
        raw.get("discount_tax"), "discount_tax", oid, default="0"
    )
    method = _text(raw.get("payment_method"))
    return Order(
        channel=channel,
        channel_order_id=oid,
        status=status,
        currency=currency,
        lines=_lines(raw, currency, parent_skus, oid),
        customer=Customer(
            name=" ".join(
                _text(billing.get(k)) for k in ("first_name", "last_name") if _text(billing.get(k))
            ),
            email=email,
            phone=_text(billing.get("phone")) or None,
            id=str(raw.get("customer_id") or "") or None,
        ),
        billing_address=_address(billing),
        # The default checkout asks for the phone only with the billing address.
        delivery_address=_address(raw.get("shipping"), email, _text(billing.get("phone")))
        or _address(billing),
        delivery=_delivery(raw, deliveries, channel, point_keys),
        payment=Payment(
            method=method,
            cod=method == "cod",
            paid_amount=Money(total, currency) if paid_at else None,
            paid_at=paid_at,
        ),
        shipping_price=Money(shipping, currency) if shipping else None,
        discount=Money(discount, currency) if discount else None,
        created_at=_gmt(raw.get("date_created_gmt"), "date_created_gmt", oid, required=True),
        updated_at=_gmt(raw.get("date_modified_gmt"), "date_modified_gmt", oid),
        raw=dict(raw),
    )


def intake(
    raw: Any,
    status_map: StatusMap,
    deliveries: DeliveryMap,
    *,
    channel: str = DEFAULT_KEY,
    parent_skus: Mapping[int, str | None] | None = None,
    point_keys: Sequence[str] = (),
) -> Order | IntakeFailure:
    """:func:`to_order`, or an :class:`IntakeFailure` that says what to fix (raw payload kept)."""
    if not isinstance(raw, Mapping):
        return IntakeFailure(channel, None, "the order is not a JSON object", raw, "MappingError")
    try:
        return to_order(
            raw,
            status_map,
            deliveries,
            channel=channel,
            parent_skus=parent_skus,
            point_keys=point_keys,
        )
    except UnmappedStatus as error:
        reason = f"{error} Set it under [channels.{channel}.statuses] in ecomflow.toml."
        return IntakeFailure(channel, order_id_of(raw), reason, dict(raw), type(error).__name__)
    except (MappingError, UnmappedDeliveryMethod) as error:
        return IntakeFailure(channel, order_id_of(raw), str(error), dict(raw), type(error).__name__)


# -- stock -----------------------------------------------------------------------------


def catalogue(
    products: Iterable[Mapping[str, Any]],
    variations: Mapping[int, Sequence[Mapping[str, Any]]],
) -> dict[str, StockTarget]:
    """SKU → where its stock lives, from ``GET products`` and ``GET products/<id>/variations``.

    A variation's ``sku`` in the REST answer is its parent's when it has none of its
    own (``get_sku`` in the ``view`` context, see :func:`line_sku`); such a variation
    is reachable only as ``woo-variation-<id>``, the SKU intake gives its lines.

    >>> found = catalogue([{"id": 1, "type": "simple", "sku": "MUG"},
    ...                    {"id": 22, "type": "variable", "sku": "TEE"}],
    ...                   {22: [{"id": 23, "sku": "TEE-M"}, {"id": 24, "sku": "TEE"}]})
    >>> found["MUG"], found["TEE-M"], found["woo-variation-24"], "TEE" in found
    (StockTarget(product_id=1, variation_id=None), StockTarget(product_id=22, variation_id=23), StockTarget(product_id=22, variation_id=24), True)
    """
    found: dict[str, StockTarget] = {}
    parents: dict[int, str] = {}
    for product in products:
        pid = product.get("id")
        if not isinstance(pid, int) or product.get("type") in ("grouped", "external"):
            continue
        sku = _text(product.get("sku"))
        parents[pid] = sku
        found[f"woo-product-{pid}"] = StockTarget(pid)
        if sku:
            found[sku] = StockTarget(pid)
    for parent_id, items in variations.items():
        parent_sku = parents.get(parent_id, "")
        for variation in items:
            vid = variation.get("id")
            if not isinstance(vid, int):
                continue
            target = StockTarget(parent_id, vid)
            found[f"woo-variation-{vid}"] = target
            sku = _text(variation.get("sku"))
            if sku and sku != parent_sku:
                found[sku] = target
    return found


def batch_payloads(items: Sequence[tuple[int, int]]) -> Iterator[dict[str, Any]]:
    """Batch bodies of at most :data:`MAX_BATCH` ``(id, quantity)`` stock updates.

    >>> [len(body["update"]) for body in batch_payloads([(i, 1) for i in range(250)])]
    [100, 100, 50]
    """
    updates = [{"id": i, "manage_stock": True, "stock_quantity": q} for i, q in items]
    for start in range(0, len(updates), MAX_BATCH):
        yield {"update": updates[start : start + MAX_BATCH]}
