"""BaseLinker wire schemas: lenient where BaseLinker is lenient, the raw payload kept.

Numbers may arrive as strings (``"payment_done": "50"``), flags as ``"0"``/``"1"``
and empty strings stand for "nothing" (reference §1, BL-doc getOrders sample).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = ["BLOrder", "BLProduct", "BLStatus", "BLStockResult"]


def _blank_to_none(value: Any) -> Any:
    return None if value == "" else value


class _Wire(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True)


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

    _blanks = field_validator(
        "ean", "weight", "tax_rate", "product_id", "variant_id", mode="before"
    )(_blank_to_none)


class BLOrder(_Wire):
    """An order from getOrders (the fields ecomflow reads; the rest stay in ``raw``)."""

    order_id: int
    shop_order_id: str | None = None
    external_order_id: str | None = None
    order_source: str = ""
    order_status_id: int
    date_add: int
    date_confirmed: int = 0
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
    delivery_country_code: str = "PL"
    delivery_point_id: str = ""
    delivery_point_name: str = ""
    invoice_fullname: str = ""
    invoice_company: str = ""
    invoice_nip: str = ""
    invoice_address: str = ""
    invoice_postcode: str = ""
    invoice_city: str = ""
    invoice_country_code: str = ""
    want_invoice: bool = False
    products: list[BLProduct] = Field(default_factory=list)
    raw: dict[str, Any] = Field(default_factory=dict, exclude=True)

    _numbers = field_validator("payment_done", "delivery_price", "date_confirmed", mode="before")(
        lambda v: 0 if v in ("", None) else v
    )
    _flags = field_validator("payment_method_cod", "want_invoice", "confirmed", mode="before")(
        lambda v: False if v in ("", None) else v
    )

    @classmethod
    def parse(cls, data: dict[str, Any]) -> BLOrder:
        """Validate ``data`` and keep it whole in :attr:`raw`."""
        order = cls.model_validate(data)
        order.raw = data
        return order


class BLStatus(_Wire):
    """One entry of getOrderStatusList."""

    id: int
    name: str
    name_for_customer: str = ""
    color: str = ""


class BLStockResult(_Wire):
    """updateInventoryProductsStock's answer; ``warnings`` may be ``""`` (BL-doc sample)."""

    counter: int = 0
    warnings: dict[str, str] = Field(default_factory=dict)

    _warnings = field_validator("warnings", mode="before")(
        lambda v: {} if v in ("", None, []) else v
    )
