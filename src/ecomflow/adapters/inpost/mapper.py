"""Pure ShipX ⇄ ecomflow mapping, validation before any call, and error bodies.

>>> from ecomflow.testing import sample_order
>>> from ecomflow.shipping import Parcel, ShipmentRequest
>>> request = ShipmentRequest.from_order(sample_order(method="parcel_locker"),
...     [Parcel(weight_kg="1.5", length_cm=30, width_cm=20, height_cm=6)])
>>> payload = create_payload(request)
>>> payload["service"], payload["custom_attributes"], payload["parcels"]
('inpost_locker_standard', {'target_point': 'KRA010'}, [{'template': 'small'}])
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from ecomflow.adapters.inpost.statuses import tracking_status
from ecomflow.errors import ValidationFailed
from ecomflow.orders.models import DeliveryMethod
from ecomflow.shipping.request import Parcel, ShipmentRequest
from ecomflow.shipping.shipments import Shipment
from ecomflow.shipping.tracking import TrackingEvent

__all__ = [
    "COURIER_SERVICE",
    "LOCKER_MAX_KG",
    "LOCKER_SERVICE",
    "LOCKER_TEMPLATES",
    "create_payload",
    "locker_template",
    "to_shipment",
    "to_tracking_events",
]

LOCKER_SERVICE = "inpost_locker_standard"
COURIER_SERVICE = "inpost_courier_standard"
#: Locker templates and their limits in cm (reference §7, ShipX-doc 18153507).
LOCKER_TEMPLATES: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("small", (8, 38, 64)),
    ("medium", (19, 38, 64)),
    ("large", (38, 41, 64)),
)
LOCKER_MAX_KG = Decimal(25)


def locker_template(parcel: Parcel) -> str:
    """Small / medium / large for a parcel; :class:`ValidationFailed` naming the limit."""
    if parcel.weight_kg > LOCKER_MAX_KG:
        raise ValidationFailed(
            f"Parcel weighs {parcel.weight_kg} kg; an InPost locker takes at most 25 kg. "
            "Send it by courier."
        )
    for template, limits in LOCKER_TEMPLATES:
        if parcel.fits_within(limits):
            return template
    a, b, c = (f"{d.normalize():f}" for d in parcel.dimensions)
    raise ValidationFailed(
        f"Parcel {a}×{b}×{c} cm is larger than the biggest InPost locker (C: 41×38×64 cm). "
        "Send it by courier."
    )


def _split_street(street: str) -> tuple[str, str]:
    head, _, tail = street.rstrip().rpartition(" ")
    if head and any(ch.isdigit() for ch in tail):
        return head.removeprefix("ul. "), tail
    return street, ""


def create_payload(request: ShipmentRequest) -> dict[str, Any]:
    """The ShipX create-shipment body (simplified mode, reference §2), validated first."""
    receiver = request.receiver
    problems = []
    locker = request.method is DeliveryMethod.PARCEL_LOCKER
    if locker:
        if not request.point_id:
            problems.append("locker delivery needs a point id (receiver's chosen locker)")
        if receiver is None or not receiver.email:
            problems.append("locker delivery needs the receiver's e-mail")
        if receiver is None or not receiver.phone:
            problems.append("locker delivery needs the receiver's phone")
    elif receiver is None or not (receiver.street and receiver.city and receiver.postcode):
        problems.append("courier delivery needs the receiver's street, city and postcode")
    if problems:
        raise ValidationFailed("Cannot create the InPost shipment: " + "; ".join(problems))
    assert receiver is not None
    first, _, last = receiver.name.partition(" ")
    body: dict[str, Any] = {
        "receiver": {
            "first_name": first,
            "last_name": last,
            "email": receiver.email,
            # The docs say phone_number; InPost's own Magento plugin sends "phone" (reference §2).
            "phone": (receiver.phone or "").replace(" ", "").removeprefix("+48"),
        },
        "reference": request.reference,
    }
    if receiver.company:
        body["receiver"]["company_name"] = receiver.company
    if locker:
        body["service"] = LOCKER_SERVICE
        body["custom_attributes"] = {"target_point": request.point_id}
        body["parcels"] = [{"template": locker_template(p)} for p in request.parcels]
    else:
        street, number = _split_street(receiver.street)
        body["service"] = COURIER_SERVICE
        body["receiver"]["address"] = {
            "street": street,
            "building_number": number,
            "city": receiver.city,
            "post_code": receiver.postcode,
            "country_code": receiver.country,
        }
        body["parcels"] = [
            {
                "dimensions": {
                    "length": str(p.length_cm * 10),
                    "width": str(p.width_cm * 10),
                    "height": str(p.height_cm * 10),
                    "unit": "mm",
                },
                "weight": {"amount": str(p.weight_kg), "unit": "kg"},
            }
            for p in request.parcels
        ]
    if request.cod is not None:
        body["cod"] = {"amount": str(request.cod.amount), "currency": request.cod.currency}
        # Insurance is required with COD on courier services (reference §2); we always add it.
        insured = max(request.cod.amount, request.value.amount if request.value else Decimal(0))
        body["insurance"] = {
            "amount": str(max(insured, Decimal(1))),
            "currency": request.cod.currency,
        }
    return body


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def to_shipment(data: dict[str, Any]) -> Shipment:
    """A ShipX shipment body as a carrier-neutral :class:`Shipment`."""
    status = str(data.get("status") or "created")
    return Shipment(
        id=str(data["id"]),
        carrier="inpost",
        service=str(data.get("service") or ""),
        status=tracking_status(status),
        carrier_status=status,
        tracking_number=data.get("tracking_number"),
        reference=data.get("reference"),
        created_at=_time(data.get("created_at")),
        updated_at=_time(data.get("updated_at")),
        raw=data,
    )


def to_tracking_events(data: dict[str, Any]) -> list[TrackingEvent]:
    """``GET /v1/tracking/{number}`` as events, oldest first (ShipX sends newest first)."""
    number = str(data.get("tracking_number") or "")
    events = [
        TrackingEvent(
            tracking_number=number,
            at=_time(item.get("datetime")) or datetime.fromisoformat("1970-01-01T00:00:00+00:00"),
            carrier="inpost",
            carrier_status=str(item.get("status")),
            status=tracking_status(str(item.get("status"))),
            location=item.get("agency"),
            description=item.get("origin_status"),
        )
        for item in reversed(data.get("tracking_details") or [])
    ]
    return sorted(events, key=lambda e: e.at)  # stable: equal times keep ShipX's order
