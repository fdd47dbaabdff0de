"""The normalised order: one model for every channel's orders.

Channel adapters map their wire format onto :class:`Order`; everything after
intake (rules, stock, shipping, messages, returns) reads only this model.

>>> from decimal import Decimal
>>> order = Order(
...     channel="shop", channel_order_id="1001", currency="PLN",
...     lines=[OrderLine(sku="MUG-1", name="Mug", quantity=2, unit_price=Money("24.50", "PLN"))],
...     customer=Customer(email="anna@example.com"),
...     delivery=Delivery(method="parcel_locker", point_id="KRA010"),
...     delivery_address=Address(name="Anna Nowak", street="Długa 1", city="Kraków",
...                              postcode="31-147", country="PL", phone="+48600100200"),
...     payment=Payment(method="blik", paid_amount=Money("49", "PLN")),
...     created_at="2026-11-24T10:00:00+01:00",
... )
>>> order.id, str(order.total), order.is_paid
('shop-1001', '49.00 PLN', True)
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from functools import lru_cache
from typing import Annotated, Any

from babel import Locale
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from ecomflow.money import Money, known_currency
from ecomflow.orders.status import OrderStatus
from ecomflow.parcels import Parcel

__all__ = [
    "Address",
    "CountryCode",
    "Customer",
    "Delivery",
    "DeliveryMethod",
    "HoldReason",
    "InvoiceRequest",
    "Order",
    "OrderLine",
    "Payment",
    "ShipmentRef",
    "ShippingPlan",
    "Transition",
]


@lru_cache(maxsize=1)
def _countries() -> frozenset[str]:
    codes = (str(code) for code in Locale("en").territories)
    return frozenset(code for code in codes if len(code) == 2 and code.isalpha())


def _country(value: str) -> str:
    code = value.strip().upper()
    if code not in _countries():
        raise ValueError(f"unknown country {value!r}; use an ISO 3166-1 alpha-2 code like 'PL'")
    return code


#: An ISO 3166-1 alpha-2 country code, upper-cased and checked against babel's list.
CountryCode = Annotated[str, AfterValidator(_country)]


class _Model(BaseModel):
    """Base for models users build: unknown fields are an error, assignment is validated."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, str_strip_whitespace=True)


class HoldReason(StrEnum):
    """Why an order waits on hold — the kind, for reports, messages and release rules.

    The free-text ``hold_reason`` says the details (which SKUs, which field).
    """

    OUT_OF_STOCK = "out_of_stock"
    VERIFICATION = "verification"
    NO_SERVICE = "no_service"
    PAYMENT = "payment"
    RULE = "rule"
    MANUAL = "manual"
    CHANNEL = "channel"


class DeliveryMethod(StrEnum):
    """How the parcel reaches the customer."""

    COURIER = "courier"
    PARCEL_LOCKER = "parcel_locker"
    PICKUP = "pickup"


class Address(_Model):
    """A postal address with contact details (billing or delivery)."""

    name: str = ""
    company: str | None = None
    street: str = ""
    city: str = ""
    postcode: str = ""
    country: CountryCode = "PL"
    phone: str | None = None
    email: str | None = None


class Customer(_Model):
    """The buyer."""

    id: str | None = None
    name: str = ""
    email: str | None = None
    phone: str | None = None
    vip: bool = False
    language: str = Field(default="pl", description="Language for messages, e.g. 'pl' or 'en'.")


class OrderLine(_Model):
    """One ordered product.

    ``tax_rate`` is a percentage (``23`` for 23 % VAT); ``None`` means exempt or
    not applicable.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    sku: str = Field(min_length=1)
    ean: str | None = None
    name: str = ""
    quantity: int = Field(gt=0)
    unit_price: Money
    tax_rate: Decimal | None = Field(default=None, ge=0, le=100)
    weight_kg: Decimal | None = Field(default=None, ge=0)
    dimensions_cm: tuple[Decimal, Decimal, Decimal] | None = Field(
        default=None, description="One unit's outer length, width and height (cm)."
    )
    made_to_order: bool = False
    line_id: str | None = Field(default=None, description="The channel's own line id.")

    @property
    def total(self) -> Money:
        """``unit_price × quantity``."""
        return self.unit_price * self.quantity


class Delivery(_Model):
    """The delivery the customer chose (and paid for) at checkout.

    ``carrier`` and ``service_id`` bind carrier selection when set; ``name`` is
    the channel's own name for the method, as received (see
    :class:`~ecomflow.orders.DeliveryMap`).
    """

    method: DeliveryMethod = DeliveryMethod.COURIER
    point_id: str | None = Field(default=None, description="Parcel-locker / pickup point id.")
    carrier: str | None = Field(default=None, description="The carrier the customer chose.")
    service_id: str | None = Field(default=None, description="The service the customer chose.")
    name: str | None = Field(default=None, description="The channel's name for the method.")


class Payment(_Model):
    """How and how much the customer paid."""

    method: str = ""
    paid_amount: Money | None = None
    cod: bool = Field(default=False, description="Cash on delivery.")
    paid_at: AwareDatetime | None = None


class InvoiceRequest(_Model):
    """A company invoice the customer asked for."""

    requested: bool = True
    company: str | None = None
    nip: str | None = Field(default=None, description="Polish tax id (or an EU VAT id).")


class ShipmentRef(_Model):
    """The carrier shipment of an order, as far as the order needs to know it."""

    carrier: str
    service_id: str | None = None
    shipment_id: str | None = None
    tracking_number: str | None = None
    tracking_url: str | None = None
    label_format: str | None = None
    status: str | None = Field(default=None, description="The last tracking status seen.")
    picked_up_at: AwareDatetime | None = Field(
        default=None, description="When the carrier took the parcel (stock leaves the ledger)."
    )
    voided_at: AwareDatetime | None = Field(
        default=None, description="When the label was cancelled at the carrier."
    )


class ShippingPlan(_Model):
    """The carrier service chosen for the order, and what was promised with it.

    Set when the order is paid and a service is selected; the label is bought
    from :attr:`carrier` for :attr:`service_id` on :attr:`ship_date`, and the
    confirmation message promises :attr:`promised_delivery` — one decision,
    used everywhere.
    """

    service_id: str
    carrier: str
    service_name: str = ""
    ship_date: date
    promised_delivery: date
    cutoff_at: AwareDatetime | None = None
    price: Money | None = None
    parcels: list[Parcel] = Field(min_length=1)
    decided_at: AwareDatetime
    explanation: str = Field(default="", description="Why this service (selection.explain()).")


class Transition(BaseModel):
    """One audit-trail record: an event moved an object from one state to another."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    order_id: str
    source: str
    target: str
    event: str
    at: AwareDatetime
    reason: str | None = None
    actor: str = Field(default="system", description="A rule id, 'user:<name>', 'webhook:…'.")
    code: HoldReason | None = Field(default=None, description="The kind of hold (hold events).")

    def __str__(self) -> str:
        why = f" — {self.reason}" if self.reason else ""
        return (
            f"{self.at.isoformat(timespec='seconds')} {self.order_id}: {self.source} "
            f"→ {self.target} ({self.event}, by {self.actor}){why}"
        )


class Order(_Model):
    """An order from any channel, normalised.

    ``id`` defaults to ``"<channel>-<channel_order_id>"``.  One currency per
    order: every line price, the shipping price, the discount and the paid
    amount must be in :attr:`currency`.
    """

    id: str = ""
    channel: str = Field(min_length=1)
    channel_order_id: str = Field(min_length=1)
    status: OrderStatus = OrderStatus.NEW
    currency: str
    lines: list[OrderLine] = Field(min_length=1)
    customer: Customer = Field(default_factory=Customer)
    billing_address: Address | None = None
    delivery_address: Address | None = None
    delivery: Delivery = Field(default_factory=Delivery)
    payment: Payment = Field(default_factory=Payment)
    invoice: InvoiceRequest | None = None
    shipping_price: Money | None = None
    discount: Money | None = None
    tags: set[str] = Field(default_factory=set)
    priority: int = 0
    created_at: AwareDatetime
    updated_at: AwareDatetime | None = None
    reservation_id: str | None = None
    shipping: ShippingPlan | None = None
    shipment: ShipmentRef | None = None
    held_from: OrderStatus | None = None
    hold_reason: str | None = None
    hold_code: HoldReason | None = None
    history: list[Transition] = Field(default_factory=list)
    raw: dict[str, Any] | None = Field(
        default=None, description="The channel's own payload, kept as received."
    )

    @model_validator(mode="before")
    @classmethod
    def _default_id(cls, data: Any) -> Any:
        if isinstance(data, dict) and not data.get("id"):
            channel, number = data.get("channel"), data.get("channel_order_id")
            if channel and number:
                data = {**data, "id": f"{channel}-{number}"}
        return data

    @field_validator("currency")
    @classmethod
    def _known_currency(cls, value: str) -> str:
        code = value.strip().upper()
        if not known_currency(code):
            raise ValueError(f"unknown currency {value!r}; use an ISO 4217 code like 'PLN'")
        return code

    @model_validator(mode="after")
    def _one_currency(self) -> Order:
        def check(name: str, money: Money | None) -> None:
            if money is not None and money.currency != self.currency:
                raise ValueError(
                    f"{name} is in {money.currency} but the order is in {self.currency}"
                )

        for index, line in enumerate(self.lines):
            check(f"lines[{index}].unit_price", line.unit_price)
        check("shipping_price", self.shipping_price)
        check("discount", self.discount)
        check("payment.paid_amount", self.payment.paid_amount)
        return self

    # -- derived values -----------------------------------------------------------------

    @property
    def subtotal(self) -> Money:
        """Sum of the line totals."""
        return Money.sum((line.total for line in self.lines), self.currency)

    @property
    def total(self) -> Money:
        """What the customer pays: lines + shipping − discount, rounded to the minor unit."""
        total = self.subtotal
        if self.shipping_price is not None:
            total = total + self.shipping_price
        if self.discount is not None:
            total = total - self.discount
        return total.rounded()

    @property
    def is_paid(self) -> bool:
        """Whether the paid amount covers the total."""
        paid = self.payment.paid_amount
        return paid is not None and paid >= self.total

    @property
    def paid_at(self) -> datetime | None:
        """When the payment was booked (``None`` when unpaid or unknown)."""
        return self.payment.paid_at

    @property
    def total_weight_kg(self) -> Decimal | None:
        """The lines' weight, or ``None`` when any line has no weight."""
        if any(line.weight_kg is None for line in self.lines):
            return None
        return sum(
            (line.weight_kg * line.quantity for line in self.lines if line.weight_kg), Decimal(0)
        )

    @property
    def country(self) -> str | None:
        """The delivery country (the billing one when there is no delivery address)."""
        address = self.delivery_address or self.billing_address
        return address.country if address else None

    def quantities(self) -> dict[str, int]:
        """Quantity per SKU, with lines of one SKU added up (what a reservation needs)."""
        counts: Counter[str] = Counter()
        for line in self.lines:
            counts[line.sku] += line.quantity
        return dict(counts)

    def line(self, sku: str) -> OrderLine:
        """The first line with ``sku``; ``KeyError`` when there is none."""
        for line in self.lines:
            if line.sku == sku:
                return line
        raise KeyError(f"Order {self.id} has no line with SKU {sku!r}.")
