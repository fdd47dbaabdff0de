"""What a shipment needs to know: parcels and the request built from an order.

Carrier selection (:mod:`ecomflow.shipping`) and the carrier adapters both read
:class:`ShipmentRequest`; it is carrier-neutral.

>>> from ecomflow.testing import sample_order
>>> order = sample_order(method="parcel_locker")
>>> request = ShipmentRequest.from_order(order, [Parcel(weight_kg="1.2", length_cm=30,
...                                                      width_cm=20, height_cm=8)])
>>> request.method.value, request.point_id, request.country, str(request.total_weight_kg)
('parcel_locker', 'KRA010', 'PL', '1.2')
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

from ecomflow.money import Money
from ecomflow.orders.models import Address, CountryCode, DeliveryMethod, Order
from ecomflow.parcels import Parcel

__all__ = ["Parcel", "ShipmentRequest"]  # Parcel re-exported from ecomflow.parcels


class ShipmentRequest(BaseModel):
    """A carrier-neutral request to ship parcels to a customer."""

    model_config = ConfigDict(extra="forbid")

    order_id: str
    reference: str = Field(description="Shown on the label; the order number by default.")
    parcels: list[Parcel] = Field(min_length=1)
    method: DeliveryMethod
    country: CountryCode
    postcode: str = ""
    point_id: str | None = None
    receiver: Address | None = None
    cod: Money | None = Field(default=None, description="Cash to collect on delivery.")
    value: Money | None = Field(default=None, description="Order value (insurance).")
    service_id: str | None = Field(
        default=None, description="The service: the customer's choice, then the selected one."
    )
    carrier: str | None = Field(
        default=None, description="The carrier the customer chose (binds selection)."
    )
    is_return: bool = Field(
        default=False,
        description=(
            "A return label: the parcel travels from ``receiver`` (the customer) back to "
            "the shop, the carrier account's own address (ShipX ``is_return``)."
        ),
    )

    @property
    def total_weight_kg(self) -> Decimal:
        """All parcels' weight together."""
        return sum((p.weight_kg for p in self.parcels), Decimal(0))

    @classmethod
    def from_order(
        cls, order: Order, parcels: Sequence[Parcel], *, service_id: str | None = None
    ) -> ShipmentRequest:
        """Build the request for ``order`` (COD amount = the order total when COD).

        The reference is the order's id (``<channel>-<channel order id>``), unique
        across channels, so two shops' order 1001 never share a shipment; the
        customer's chosen carrier and service bind selection.
        """
        address = order.delivery_address or order.billing_address
        return cls(
            order_id=order.id,
            reference=order.id,
            parcels=list(parcels),
            method=order.delivery.method,
            country=address.country if address else "PL",
            postcode=address.postcode if address else "",
            point_id=order.delivery.point_id,
            receiver=address,
            cod=order.total if order.payment.cod else None,
            value=order.total,
            service_id=service_id or order.delivery.service_id,
            carrier=order.delivery.carrier,
        )
