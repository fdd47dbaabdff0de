"""BaseLinker wire schemas: lenient where BaseLinker is lenient, the raw payload kept.

Numbers may arrive as strings (``"payment_done": "50"``), flags as ``"0"``/``"1"``,
ids as numbers or strings (``shop_order_id`` is documented as ``int``; shops send
text), ``null`` or ``""`` for "nothing" (reference §1, BL-doc getOrders sample).
Parsing never raises a pydantic error to callers: :meth:`BLOrder.parse` raises
:class:`~ecomflow.errors.MappingError` naming the field.

>>> order = BLOrder.parse({"order_id": "7311", "shop_order_id": 2824, "order_status_id": 1,
...                        "date_add": 1795510800, "payment_done": "50", "products": None})
>>> order.order_id, order.shop_order_id, order.payment_done, order.products
(7311, '2824', Decimal('50'), [])
>>> BLOrder.parse({"order_id": "x12", "order_status_id": 1, "date_add": 0})
Traceback (most recent call last):
...
ecomflow.errors.MappingError: BaseLinker order x12: order_id: Input should be a valid integer, unable to parse string as an integer (got 'x12')
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ecomflow.errors import MappingError

__all__ = [
    "BLInventoryProduct",
    "BLLog",
    "BLOrder",
    "BLPackage",
    "BLProduct",
    "BLStatus",
    "BLStockResult",
    "describe",
]


def _blank_to_none(value: Any) -> Any:
    return None if value == "" else value


def _text(value: Any) -> Any:
    """Ids and codes that may come as numbers: as text (``2824`` → ``"2824"``)."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, int | float | Decimal):
        return str(int(value)) if float(value).is_integer() else str(value)
    return value


def _number(value: Any) -> Any:
    """Amounts and counts that may be ``""``/``null`` (zero) or numeric strings."""
    if value in ("", None):
        return 0
    if isinstance(value, str):
        return value.strip()
    return value


def _integral(value: Any) -> Any:
    """Integers sent as ``"2"``, ``"2.0"`` or ``2.0``."""
    if isinstance(value, str) and value.strip():
        try:
            number = Decimal(value.strip())
        except ArithmeticError:
            return value
        return int(number) if number == number.to_integral_value() else value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def describe(error: ValidationError, limit: int = 3) -> str:
    """A pydantic error as ``field: message (got …)`` lines, for users, not developers."""
    parts = []
    for item in error.errors()[:limit]:
        where = ".".join(str(p) for p in item["loc"]) or "order"
        got = item.get("input")
        shown = f" (got {got!r})" if not isinstance(got, dict | list) else ""
        parts.append(f"{where}: {item['msg']}{shown}")
    more = len(error.errors()) - limit
    return "; ".join(parts) + (f"; and {more} more" if more > 0 else "")


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        # ``null`` means "not set": let the field's default apply.
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None}
        return data


class BLProduct(_Wire):
    """One order line as BaseLinker sends it (``products[]`` of getOrders)."""

    order_product_id: int | None = None
    product_id: str | None = None
    variant_id: str | None = None
    name: str = ""
    sku: str = ""
    ean: str | None = None
    price_brutto: Decimal = Decimal(0)
    tax_rate: Decimal | None = None
    quantity: int = 1
    weight: Decimal | None = None

    @field_validator("product_id", "variant_id", "ean", mode="before")
    @classmethod
    def _optional_id(cls, value: Any) -> Any:
        return _blank_to_none(_text(value))

    _texts = field_validator("sku", "name", mode="before")(_text)
    _amounts = field_validator("price_brutto", mode="before")(_number)

    @field_validator("order_product_id", "quantity", "weight", "tax_rate", mode="before")
    @classmethod
    def _optional_number(cls, value: Any) -> Any:
        return _integral(_blank_to_none(value))


class BLOrder(_Wire):
    """An order from getOrders (the fields ecomflow reads; the rest stay in ``raw``)."""

    order_id: int
    shop_order_id: str | None = None
    external_order_id: str | None = None
    order_source: str = ""
    order_status_id: int
    date_add: int
    date_confirmed: int = 0
    date_in_status: int = 0
    confirmed: bool = True
    email: str = ""
    phone: str = ""
    user_login: str = ""
    currency: str = "PLN"
    payment_method: str = ""
    payment_method_cod: bool = False
    payment_done: Decimal = Decimal(0)
    delivery_method: str = ""
    delivery_price: Decimal = Decimal(0)
    delivery_fullname: str = ""
    delivery_company: str = ""
    delivery_address: str = ""
    delivery_postcode: str = ""
    delivery_city: str = ""
    delivery_country_code: str = ""
    delivery_country: str = ""
    delivery_point_id: str = ""
    delivery_point_name: str = ""
    invoice_fullname: str = ""
    invoice_company: str = ""
    invoice_nip: str = ""
    invoice_address: str = ""
    invoice_postcode: str = ""
    invoice_city: str = ""
    invoice_country_code: str = ""
    invoice_country: str = ""
    want_invoice: bool = False
    products: list[BLProduct] = Field(default_factory=list)
    raw: dict[str, Any] = Field(default_factory=dict, exclude=True)

    _ids = field_validator(
        "shop_order_id",
        "external_order_id",
        "phone",
        "delivery_postcode",
        "invoice_postcode",
        "invoice_nip",
        "delivery_point_id",
        "user_login",
        mode="before",
    )(_text)
    _integers = field_validator("order_id", "order_status_id", "date_add", mode="before")(_integral)

    @field_validator("date_confirmed", "date_in_status", mode="before")
    @classmethod
    def _optional_date(cls, value: Any) -> Any:
        return _integral(_number(value))

    _amounts = field_validator("payment_done", "delivery_price", mode="before")(_number)
    _flags = field_validator("payment_method_cod", "want_invoice", "confirmed", mode="before")(
        lambda v: False if v in ("", None) else v
    )

    @classmethod
    def parse(cls, data: Any) -> BLOrder:
        """Validate ``data`` and keep it whole in :attr:`raw`; :class:`MappingError` if bad."""
        if not isinstance(data, dict):
            raise MappingError(
                f"BaseLinker sent an order that is not an object: {data!r:.80}",
                source="baselinker",
            )
        try:
            order = cls.model_validate(data)
        except ValidationError as error:
            number = data.get("order_id")
            raise MappingError(
                f"BaseLinker order {number}: {describe(error)}",
                source="baselinker",
                object_id=None if number is None else str(number),
                field=".".join(str(p) for p in error.errors()[0]["loc"]),
            ) from None
        order.raw = data
        return order


class BLStatus(_Wire):
    """One entry of getOrderStatusList."""

    id: int
    name: str
    name_for_customer: str = ""
    color: str = ""


class BLLog(_Wire):
    """One event of getJournalList.

    Fields from the official method page (``id``, ``order_id``, ``log_type``,
    ``object_id``, ``date``; https://api.baselinker.com/index.php?method=getJournalList).
    """

    id: int
    order_id: int
    log_type: int
    object_id: int = 0
    date: int = 0

    _integers = field_validator("id", "order_id", "log_type", "object_id", "date", mode="before")(
        _integral
    )
    _blank = field_validator("object_id", "date", mode="before")(lambda v: 0 if v == "" else v)


class BLPackage(_Wire):
    """One package of getOrderPackages (or the answer of createPackageManual)."""

    package_id: int = 0
    courier_package_nr: str = ""
    courier_code: str = ""
    courier_inner_number: str = ""
    tracking_status: int = 0

    _texts = field_validator(
        "courier_package_nr", "courier_code", "courier_inner_number", mode="before"
    )(_text)
    _integers = field_validator("package_id", "tracking_status", mode="before")(_integral)


class BLInventoryProduct(_Wire):
    """One product of getInventoryProductsList (``id``, ``sku``, ``ean``, ``name``…)."""

    id: str
    sku: str = ""
    ean: str = ""
    name: str = ""

    _texts = field_validator("id", "sku", "ean", mode="before")(_text)


class BLStockResult(_Wire):
    """updateInventoryProductsStock's answer; ``warnings`` may be ``""`` (BL-doc sample)."""

    counter: int = 0
    warnings: dict[str, str] = Field(default_factory=dict)

    _warnings = field_validator("warnings", mode="before")(
        lambda v: {} if v in ("", None, []) else {str(k): str(m) for k, m in dict(v).items()}
    )
