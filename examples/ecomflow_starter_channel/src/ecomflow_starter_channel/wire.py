"""The shop API's JSON as pydantic models (README.md, "Objects"); unknown fields ignored."""

from __future__ import annotations

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

__all__ = ["WireAddress", "WireLine", "WireOrder", "WirePayment", "WireShipping"]


class _Read(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True, coerce_numbers_to_str=True)


class WireAddress(_Read):
    """A billing or shipping address."""

    name: str = ""
    company: str | None = None
    street: str = ""
    city: str = ""
    postcode: str = ""
    country: str = "PL"
    phone: str | None = None
    email: str | None = None


class WireLine(_Read):
    """One order line (money as decimal strings)."""

    id: str | None = None
    sku: str
    name: str = ""
    quantity: int
    unit_price: str
    tax_rate: str | None = None


class WireShipping(_Read):
    """The shipping method the customer chose."""

    method: str
    point_id: str | None = None
    price: str | None = None


class WirePayment(_Read):
    """What was paid."""

    method: str = ""
    paid_amount: str | None = None
    paid_at: AwareDatetime | None = None
    cod: bool = False


class _Customer(_Read):
    name: str = ""
    email: str | None = None
    phone: str | None = None


class WireOrder(_Read):
    """An order object."""

    id: str = Field(min_length=1)
    status: str
    revision: int = Field(ge=0)
    created_at: AwareDatetime
    updated_at: AwareDatetime
    currency: str
    customer: _Customer = Field(default_factory=_Customer)
    billing_address: WireAddress | None = None
    shipping_address: WireAddress | None = None
    shipping: WireShipping
    payment: WirePayment = Field(default_factory=WirePayment)
    lines: list[WireLine]
    discount: str | None = None
