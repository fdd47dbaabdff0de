"""Pure translation between ecomflow's domain and the API's JSON (no I/O, testable alone).

>>> SERVICES["example_courier_standard"], tracking_status("out_for_delivery").value
('standard', 'out_for_delivery')
>>> tracking_status("teleported").value        # a status the README does not list
'unknown'
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from ecomflow.errors import MappingError, UnsupportedService, ValidationFailed
from ecomflow.parcels import Parcel
from ecomflow.shipping.request import ShipmentRequest
from ecomflow.shipping.shipments import Shipment
from ecomflow.shipping.tracking import TrackingEvent, TrackingStatus
from ecomflow_starter_carrier.wire import WireShipment, WireTracking

__all__ = [
    "SERVICES",
    "STATUSES",
    "create_body",
    "live_with_reference",
    "parse_wire",
    "to_events",
    "to_shipment",
    "to_shipments",
    "tracking_status",
]

M = TypeVar("M", bound=BaseModel)

#: Catalogue service id → the API's ``service`` code (README.md, "Services").
SERVICES = {"example_courier_standard": "standard", "example_courier_express": "express"}

#: The API's statuses (README.md, "Statuses") → ecomflow's tracking vocabulary.
STATUSES = {
    "created": TrackingStatus.CREATED,
    "confirmed": TrackingStatus.LABEL_READY,
    "picked_up": TrackingStatus.PICKED_UP,
    "in_transit": TrackingStatus.IN_TRANSIT,
    "out_for_delivery": TrackingStatus.OUT_FOR_DELIVERY,
    "delivered": TrackingStatus.DELIVERED,
    "exception": TrackingStatus.EXCEPTION,
    "returned": TrackingStatus.RETURNED,
    "cancelled": TrackingStatus.CANCELLED,
}

_REFERENCE = re.compile(r"^[\x20-\x7e]{3,64}$")  # README.md, "Limits": 3-64 printable ASCII
_CENT = Decimal("0.01")


def tracking_status(status: str) -> TrackingStatus:
    """The tracking status of an API status (``unknown`` for one not in the README)."""
    return STATUSES.get(status, TrackingStatus.UNKNOWN)


def parse_wire(model: type[M], data: Any, what: str, object_id: str | None = None) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(body)"
        raise MappingError(
            f"{what} from Kurier Przykładowy cannot be read: {where}: {first['msg']}",
            source="example_courier",
            object_id=object_id,
            field=where,
        ) from None


def _digits_phone(phone: str | None) -> str | None:
    if not phone:
        return None
    plus = phone.strip().startswith("+")
    digits = re.sub(r"\D", "", phone)
    return ("+" if plus else "") + digits if digits else None


def _parcel(parcel: Parcel) -> dict[str, Any]:
    return {
        "weight_kg": f"{parcel.weight_kg.quantize(_CENT)}",
        "length_cm": int(parcel.length_cm.to_integral_value(rounding="ROUND_CEILING")),
        "width_cm": int(parcel.width_cm.to_integral_value(rounding="ROUND_CEILING")),
        "height_cm": int(parcel.height_cm.to_integral_value(rounding="ROUND_CEILING")),
    }


def create_body(request: ShipmentRequest, *, carrier: str = "example_courier") -> dict[str, Any]:
    """The ``POST /v1/shipments`` body for ``request``.

    :class:`UnsupportedService` for a service the API does not sell, and
    :class:`ValidationFailed` for what it would refuse anyway (no receiver,
    a reference outside 3-64 printable characters) — before any call.
    """
    code = SERVICES.get(request.service_id or "")
    if code is None:
        raise UnsupportedService(carrier=carrier, service_id=request.service_id, supported=SERVICES)
    if not _REFERENCE.match(request.reference):
        raise ValidationFailed(
            f"reference {request.reference[:70]!r} must be 3-64 printable ASCII characters for "
            "Kurier Przykładowy"
        )
    receiver = request.receiver
    if receiver is None:
        raise ValidationFailed(f"order {request.order_id} has no delivery address for the courier")
    body: dict[str, Any] = {
        "reference": request.reference,
        "service": code,
        "receiver": {
            "name": receiver.company or receiver.name,
            "street": receiver.street,
            "city": receiver.city,
            "postcode": receiver.postcode,
            "country": receiver.country,
            "phone": _digits_phone(receiver.phone),
            "email": receiver.email,
        },
        "parcels": [_parcel(p) for p in request.parcels],
    }
    if request.cod is not None:
        body["cod"] = {
            "amount": f"{request.cod.amount.quantize(_CENT)}",
            "currency": request.cod.currency,
        }
    return body


def to_shipment(data: Any, *, carrier: str = "example_courier") -> Shipment:
    """A shipment object as a :class:`Shipment` (``MappingError`` when unreadable)."""
    object_id = str(data.get("id")) if isinstance(data, dict) else None
    wire = parse_wire(WireShipment, data, "a shipment", object_id)
    return Shipment(
        id=wire.id,
        carrier=carrier,
        service=next((k for k, v in SERVICES.items() if v == wire.service), wire.service),
        status=tracking_status(wire.status),
        carrier_status=wire.status,
        tracking_number=wire.tracking_number or None,
        reference=wire.reference,
        parcels=[
            Parcel(
                weight_kg=p.weight_kg,
                length_cm=p.length_cm,
                width_cm=p.width_cm,
                height_cm=p.height_cm,
            )
            for p in wire.parcels
        ],
        created_at=wire.created_at,
        updated_at=wire.updated_at,
        raw=data,
    )


def live_with_reference(
    data: Any, reference: str, *, carrier: str = "example_courier"
) -> Shipment | None:
    """From a ``GET /v1/shipments?reference=`` answer: the live shipment, if any.

    The API does not make references unique, so the client does: it looks
    before creating. Should two live ones exist, the oldest is the one.
    """
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise MappingError("a shipment list without 'items'", source="example_courier")
    found = [to_shipment(item, carrier=carrier) for item in items]
    live = [
        s for s in found if s.reference == reference and s.status is not TrackingStatus.CANCELLED
    ]
    live.sort(key=lambda s: (s.created_at is None, s.created_at, s.id))
    return live[0] if live else None


def to_shipments(data: Any, *, carrier: str = "example_courier") -> list[Shipment]:
    """The shipments of a list answer."""
    items = data.get("items") if isinstance(data, dict) else None
    if not isinstance(items, list):
        raise MappingError("a shipment list without 'items'", source="example_courier")
    return [to_shipment(item, carrier=carrier) for item in items]


def to_events(data: Any, *, carrier: str = "example_courier") -> list[TrackingEvent]:
    """Tracking events, oldest first (the API sends them newest first)."""
    wire = parse_wire(WireTracking, data, "tracking")
    events = [
        TrackingEvent(
            tracking_number=wire.tracking_number,
            at=e.at,
            carrier=carrier,
            carrier_status=e.status,
            status=tracking_status(e.status),
            location=e.location,
            description=e.description,
        )
        for e in wire.events
    ]
    return sorted(events, key=lambda e: e.at)
