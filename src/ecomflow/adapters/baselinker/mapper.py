"""Pure BaseLinker ⇄ ecomflow mapping (no HTTP): testable on plain dicts.

>>> from ecomflow.orders import DeliveryMap, StatusMap
>>> mapper = OrderMapper("baselinker", StatusMap({"baselinker": {1: "paid"}}),
...                      DeliveryMap.default().for_channel("baselinker", "baselinker"))
>>> raw = {"order_id": 7311, "order_status_id": 1, "date_add": 1795510800,
...        "date_confirmed": 1795510860, "currency": "PLN", "payment_done": "61.99",
...        "delivery_method": "InPost Paczkomaty 24/7", "delivery_point_id": "KRA010",
...        "delivery_price": "12.99", "delivery_fullname": "Anna Nowak",
...        "delivery_address": "Długa 1", "delivery_city": "Kraków",
...        "delivery_postcode": "31-147", "delivery_country_code": "PL",
...        "email": "anna@example.com", "phone": "600100200",
...        "products": [{"sku": "MUG-RED", "name": "Kubek", "price_brutto": "24.50",
...                      "tax_rate": "23", "quantity": "2"}]}
>>> order = mapper.order(raw, {1: "Opłacone"})
>>> order.id, order.status.value, order.delivery.method.value, order.delivery.carrier
('baselinker-7311', 'paid', 'parcel_locker', 'inpost')
>>> order.delivery.name, order.delivery.point_id, str(order.total)
('InPost Paczkomaty 24/7', 'KRA010', '61.99 PLN')
>>> failure = mapper.order_or_failure({**raw, "delivery_method": "Gołąb pocztowy"}, {1: "x"})
>>> failure.error, failure.channel_order_id
('UnmappedDeliveryMethod', '7311')
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

from babel import Locale
from pydantic import ValidationError

from ecomflow.adapters.baselinker.wire import BLOrder, describe
from ecomflow.adapters.protocols import IntakeFailure
from ecomflow.errors import (
    EcomflowError,
    MappingError,
    UnmappedDeliveryMethod,
    UnmappedStatus,
)
from ecomflow.money import Money
from ecomflow.orders.delivery import DeliveryMap
from ecomflow.orders.models import (
    Address,
    Customer,
    Delivery,
    InvoiceRequest,
    Order,
    OrderLine,
    Payment,
)
from ecomflow.orders.status import OrderStatus, StatusMap

__all__ = [
    "MAX_PACKAGE_NUMBER",
    "MAX_STOCK_PRODUCTS",
    "OrderMapper",
    "bl_order_id",
    "country_code",
    "stock_payloads",
]

logger = logging.getLogger("ecomflow.adapters.baselinker")

#: updateInventoryProductsStock takes at most 1000 products a call (reference §3, BL-doc).
MAX_STOCK_PRODUCTS = 1000

#: createPackageManual's ``package_number`` is varchar(40) (BL-doc).
MAX_PACKAGE_NUMBER = 40


def bl_order_id(channel_order_id: str | int) -> int:
    """BaseLinker's numeric order id from an ecomflow ``channel_order_id``.

    >>> bl_order_id(" 7311 ")
    7311
    """
    try:
        number = int(str(channel_order_id).strip())
    except ValueError:
        raise MappingError(
            f"{channel_order_id!r} is not a BaseLinker order id (a whole number).",
            source="baselinker",
            object_id=str(channel_order_id),
            field="order_id",
        ) from None
    if number <= 0:
        raise MappingError(
            f"{channel_order_id!r} is not a BaseLinker order id.",
            source="baselinker",
            object_id=str(channel_order_id),
            field="order_id",
        )
    return number


#: Country names BaseLinker may send without a code that babel names differently.
_COUNTRY_ALIASES = {"great britain": "GB", "england": "GB", "czech republic": "CZ"}


@lru_cache(maxsize=1)
def _country_names() -> dict[str, str]:
    names = dict(_COUNTRY_ALIASES)
    for language in ("en", "pl"):
        for code, name in Locale(language).territories.items():
            if len(str(code)) == 2 and str(code).isalpha():
                names.setdefault(str(name).casefold(), str(code))
    return names


def country_code(code: str, name: str = "") -> str:
    """The ISO country code of an address: the code sent, else the country's name.

    The getOrders sample (BL-doc) sends ``delivery_country`` without
    ``delivery_country_code``; with neither, the order is Polish (BaseLinker's home).

    >>> country_code("", "Great Britain"), country_code("de"), country_code("", "")
    ('GB', 'DE', 'PL')
    """
    if code.strip():
        return code.strip().upper()
    if not name.strip():
        return "PL"
    found = _country_names().get(" ".join(name.split()).casefold())
    if found is None:
        raise MappingError(
            f"country {name!r} has no ISO code; set the country code of the address in BaseLinker",
            source="baselinker",
            field="delivery_country_code",
        )
    return found


def _tax(rate: Decimal | None) -> Decimal | None:
    # Special values: -1 exempt (ZW), -0.02 "NP", -0.03 "OO" (reference §3 getOrders).
    if rate is None or rate < 0:
        return None
    return rate


def _when(stamp: int) -> datetime:
    return datetime.fromtimestamp(stamp, tz=UTC)


class OrderMapper:
    """BaseLinker orders → :class:`Order`, through the channel's status and delivery maps.

    Args:
        channel: the channel name (order ids are ``<channel>-<order id>``).
        statuses: the channel's status map (names or ids → master statuses).
        deliveries: the channel's delivery map (``delivery_method`` → delivery).
    """

    def __init__(self, channel: str, statuses: StatusMap, deliveries: DeliveryMap) -> None:
        self.channel = channel
        self.statuses = statuses
        self.deliveries = deliveries

    def status(self, status_id: int, names: Mapping[int, str]) -> OrderStatus:
        """The master status of a BaseLinker status id (by its name, else its id)."""
        name = names.get(status_id)
        mapped = self.statuses.mapped(self.channel)
        if name is not None and name in mapped:
            return mapped[name]
        if str(status_id) in mapped:
            return mapped[str(status_id)]
        raise UnmappedStatus(
            channel=self.channel,
            status=f"{name} (id {status_id})" if name else str(status_id),
            mapped=mapped,
        )

    def delivery(self, bl: BLOrder) -> Delivery:
        """The customer's delivery choice, through the delivery map (the point id as sent)."""
        rule = self.deliveries.resolve(self.channel, bl.delivery_method)
        return Delivery(
            method=rule.method,
            carrier=rule.carrier,
            service_id=rule.service_id,
            name=bl.delivery_method,
            point_id=bl.delivery_point_id.strip() or None,
        )

    def order(self, raw: Any, names: Mapping[int, str], *, changed_at: int | None = None) -> Order:
        """One raw getOrders order as an :class:`Order`.

        Raises :class:`MappingError`, :class:`UnmappedStatus` or
        :class:`UnmappedDeliveryMethod` — never a pydantic or built-in error.
        ``changed_at`` is the time of the newest journal event of the order.
        """
        bl = BLOrder.parse(raw)
        try:
            return self._order(bl, names, changed_at)
        except (UnmappedStatus, UnmappedDeliveryMethod):
            raise
        except MappingError as error:
            if error.object_id is not None:
                raise
            raise MappingError(
                f"BaseLinker order {bl.order_id}: {error}",
                source=self.channel,
                object_id=str(bl.order_id),
                field=error.field,
            ) from None
        except ValidationError as error:
            raise MappingError(
                f"BaseLinker order {bl.order_id}: {describe(error)}; fix it in BaseLinker",
                source=self.channel,
                object_id=str(bl.order_id),
                field=".".join(str(p) for p in error.errors()[0]["loc"]),
            ) from None
        except (ValueError, TypeError, ArithmeticError) as error:
            raise MappingError(
                f"BaseLinker order {bl.order_id}: {error}; fix it in BaseLinker",
                source=self.channel,
                object_id=str(bl.order_id),
            ) from None

    def order_or_failure(
        self, raw: Any, names: Mapping[int, str], *, changed_at: int | None = None
    ) -> Order | IntakeFailure:
        """:meth:`order`, or an :class:`IntakeFailure` that keeps the raw order."""
        try:
            return self.order(raw, names, changed_at=changed_at)
        except EcomflowError as error:
            number = raw.get("order_id") if isinstance(raw, dict) else None
            return IntakeFailure(
                channel=self.channel,
                channel_order_id=None if number in (None, "") else str(number),
                reason=str(error),
                raw=raw,
                error=type(error).__name__,
            )

    def _order(self, bl: BLOrder, names: Mapping[int, str], changed_at: int | None) -> Order:
        currency = (bl.currency or "PLN").strip().upper()
        country = country_code(bl.delivery_country_code, bl.delivery_country)
        delivery_address = Address(
            name=bl.delivery_fullname,
            company=bl.delivery_company or None,
            street=bl.delivery_address,
            city=bl.delivery_city,
            postcode=bl.delivery_postcode,
            country=country,
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
                country=country_code(bl.invoice_country_code, bl.invoice_country)
                if bl.invoice_country_code or bl.invoice_country
                else country,
            )
        paid = Money(bl.payment_done, currency)
        stamps = [bl.date_confirmed, bl.date_in_status, changed_at or 0]
        updated = max(stamps)
        return Order(
            channel=self.channel,
            channel_order_id=str(bl.order_id),
            status=self.status(bl.order_status_id, names),
            currency=currency,
            lines=[
                OrderLine(
                    sku=p.sku.strip() or f"bl-product-{p.product_id or p.order_product_id}",
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
            delivery=self.delivery(bl),
            payment=Payment(
                method=bl.payment_method,
                cod=bl.payment_method_cod,
                paid_amount=paid if paid else None,
                # getOrders has no payment time; the confirmation time stands in.
                paid_at=_when(bl.date_confirmed or bl.date_add) if paid else None,
            ),
            invoice=InvoiceRequest(company=bl.invoice_company or None, nip=bl.invoice_nip or None)
            if bl.want_invoice
            else None,
            shipping_price=Money(bl.delivery_price, currency) if bl.delivery_price else None,
            created_at=_when(bl.date_add),
            updated_at=_when(updated) if updated else None,
            raw=bl.raw or None,
        )


def stock_payloads(
    quantities: Mapping[str, Mapping[str, int]], *, inventory_id: int
) -> Iterator[dict[str, Any]]:
    """``updateInventoryProductsStock`` parameters, 1000 products per call at most.

    ``quantities`` maps a product (or variant) id to ``{warehouse id: quantity}``.

    >>> [len(p["products"]) for p in stock_payloads(
    ...     {str(i): {"bl_1": 1} for i in range(2500)}, inventory_id=7)]
    [1000, 1000, 500]
    """
    items: Sequence[tuple[str, Mapping[str, int]]] = list(quantities.items())
    for start in range(0, len(items), MAX_STOCK_PRODUCTS):
        yield {
            "inventory_id": inventory_id,
            "products": {pid: dict(wh) for pid, wh in items[start : start + MAX_STOCK_PRODUCTS]},
        }
