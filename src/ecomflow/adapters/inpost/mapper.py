"""Pure ShipX ⇄ ecomflow mapping: the create body (validated before any call) and answers.

Nothing here does I/O; the client twins call it. Requests that ShipX would
refuse are refused here first, all problems at once, with the fix named:

>>> from ecomflow.testing import sample_order
>>> from ecomflow.shipping import Parcel, ShipmentRequest
>>> request = ShipmentRequest.from_order(sample_order(method="parcel_locker"),
...     [Parcel(weight_kg="1.5", length_cm=30, width_cm=20, height_cm=6)])
>>> payload = create_payload(request)
>>> payload["service"], payload["custom_attributes"], payload["parcels"]
('inpost_locker_standard', {'target_point': 'KRA010'}, [{'template': 'small'}])
>>> payload["receiver"]["phone"]
'600100200'
>>> split_street("Aleje Jerozolimskie 123A lok. 5")
StreetParts(street='Aleje Jerozolimskie', building='123A', flat='5')
"""

from __future__ import annotations

import re
from collections.abc import Collection
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NamedTuple

from pydantic import ValidationError

from ecomflow.adapters.inpost.statuses import tracking_status
from ecomflow.adapters.inpost.wire import (
    COURIER_MAX_CM,
    COURIER_MAX_KG,
    INSURANCE_MAX,
    LOCKER_MAX_KG,
    LOCKER_TEMPLATES,
    REFERENCE_LENGTH,
    SERVICES,
    ServiceSpec,
    WirePage,
    WireShipment,
    WireTracking,
)
from ecomflow.checks.findings import Finding, Severity
from ecomflow.errors import AdapterError, MappingError, UnsupportedService, ValidationFailed
from ecomflow.orders.models import Address, DeliveryMethod
from ecomflow.parcels import Parcel
from ecomflow.shipping.request import ShipmentRequest
from ecomflow.shipping.shipments import Shipment
from ecomflow.shipping.tracking import TrackingEvent

__all__ = [
    "DEFAULT_SERVICES",
    "ServiceMismatch",
    "StreetParts",
    "amount",
    "create_payload",
    "locker_template",
    "phone_number",
    "read_page",
    "resolve_service",
    "split_street",
    "to_shipment",
    "to_tracking_events",
    "wire_reference",
]

#: The service used when a request names none (ShipmentRequest.service_id is None).
DEFAULT_SERVICES = {
    DeliveryMethod.PARCEL_LOCKER: "inpost_locker_standard",
    DeliveryMethod.COURIER: "inpost_courier_standard",
}
_SOURCE = "inpost"


class ServiceMismatch(UnsupportedService):
    """A service that cannot deliver the way the request asks (a locker service for a courier).

    Attributes:
        carrier, service_id, supported: as :class:`~ecomflow.errors.UnsupportedService`.
        method: the delivery method of the request.
    """

    def __init__(
        self, *, carrier: str, service_id: str, method: DeliveryMethod, supported: Collection[str]
    ) -> None:
        self.carrier = carrier
        self.service_id = service_id
        self.supported = sorted(supported)
        self.method = method
        fitting = [s for s in self.supported if SERVICES[s].method is method]
        AdapterError.__init__(
            self,
            f"Carrier {carrier!r} service {service_id!r} delivers by "
            f"{SERVICES[service_id].method.value}, but the shipment is for "
            f"{method.value} (services for {method.value}: {', '.join(fitting) or 'none'}). "
            "Fix the order's delivery or the service chosen for it.",
        )


def resolve_service(
    request: ShipmentRequest, offered: Collection[str], carrier: str = _SOURCE
) -> ServiceSpec:
    """The service to create: ``request.service_id``, or the standard one for its method.

    :class:`UnsupportedService` for a service this account does not offer;
    :class:`ServiceMismatch` when the service delivers another way than the request.
    """
    service_id = request.service_id or DEFAULT_SERVICES.get(request.method)
    if service_id is None or service_id not in offered:
        raise UnsupportedService(carrier=carrier, service_id=service_id, supported=offered)
    spec = SERVICES[service_id]
    if spec.method is not request.method:
        raise ServiceMismatch(
            carrier=carrier, service_id=service_id, method=request.method, supported=offered
        )
    return spec


def wire_reference(reference: str) -> str:
    """``reference`` as sent to ShipX (3–100 characters) — :class:`ValidationFailed` otherwise.

    The reference is not padded or shortened: a changed reference could match
    another order's shipment. The Orchestrator sends the order id
    (``shop-12``), which is long enough for any order number.

    >>> wire_reference("shop-12")
    'shop-12'
    >>> wire_reference("12")
    Traceback (most recent call last):
    ...
    ecomflow.errors.ValidationFailed: Shipment reference '12' has 2 characters; ShipX accepts 3–100. Use the order id (channel and number, e.g. 'shop-12') as the reference.
    """
    low, high = REFERENCE_LENGTH
    if not low <= len(reference) <= high:
        raise ValidationFailed(
            f"Shipment reference {reference[:40]!r} has {len(reference)} characters; ShipX "
            f"accepts {low}–{high}. Use the order id (channel and number, e.g. 'shop-12') as "
            "the reference.",
            findings=[_problem("reference", "reference_length", "must have 3–100 characters")],
        )
    return reference


class StreetParts(NamedTuple):
    """A Polish street line split into street, building number and flat."""

    street: str
    building: str
    flat: str | None

    @property
    def building_number(self) -> str:
        """ShipX ``building_number``: ``1`` or, with a flat, ``1/4``.

        ShipX's address form has no flat field (shipx-php ``Model/AddressForm.php``);
        InPost's Magento plugin sends the flat inside ``building_number`` joined
        with ``/`` (``Model/Order/Processor.php::getBuildingNumber``).
        """
        return f"{self.building}/{self.flat}" if self.flat else self.building


_STREET_PREFIX = re.compile(r"^(?:ul\.|ul\s|ulica\s)\s*", re.IGNORECASE)
_STREET_LINE = re.compile(
    r"^(?P<street>.*?\S)\s+"
    r"(?P<building>[0-9]+[A-Za-z]?(?:\s*[-–]\s*[0-9]+[A-Za-z]?)?)"
    r"(?:\s*(?:/|\s(?:m|mieszk|lok|lokal)\.?)\s*(?P<flat>[0-9]+[A-Za-z]?))?$"
)


def split_street(line: str) -> StreetParts | None:
    """Split ``ul. Długa 1 m. 4`` into street, building and flat (``None``: no number).

    >>> split_street("ul. Długa 1 m. 4")
    StreetParts(street='Długa', building='1', flat='4')
    >>> split_street("Długa 1/4").building_number
    '1/4'
    >>> split_street("3 Maja 5"), split_street("Rynek") is None
    (StreetParts(street='3 Maja', building='5', flat=None), True)
    """
    text = " ".join(line.split())
    found = _STREET_LINE.match(text)
    if found is None:
        return None
    street = _STREET_PREFIX.sub("", found["street"]).strip()
    building = re.sub(r"\s+", "", found["building"])
    return StreetParts(street or found["street"], building, found["flat"])


def phone_number(phone: str) -> str | None:
    """The 9 digits ShipX takes (``None`` when ``phone`` is not a Polish number).

    Spaces, dashes and a ``+48`` / ``0048`` / ``48`` prefix go, as InPost's Magento
    plugin does before sending (``Model/ApiShipx/Service/Shipment/AbstractCreate.php``).

    >>> phone_number("+48 600-100-200"), phone_number("48600100200"), phone_number("+49 30 1234")
    ('600100200', '600100200', None)
    """
    digits = re.sub(r"[\s\-./()]", "", phone)
    for prefix in ("+48", "0048"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if len(digits) == 11 and digits.startswith("48"):
        digits = digits[2:]
    return digits if re.fullmatch(r"[0-9]{9}", digits) else None


def _postcode(postcode: str) -> str | None:
    """A Polish postcode as ``NN-NNN`` (the form of every ShipX example, e.g. ``02-677``)."""
    found = re.fullmatch(r"([0-9]{2})-?([0-9]{3})", postcode.strip())
    return f"{found[1]}-{found[2]}" if found else None


def amount(value: Decimal) -> str:
    """A money amount for ShipX: two decimals, half up.

    >>> amount(Decimal("49.005")), amount(Decimal(12))
    ('49.01', '12.00')
    """
    return str(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _number(value: Decimal) -> str:
    return f"{value.normalize():f}"


def locker_template(parcel: Parcel) -> str:
    """Small / medium / large for a parcel; :class:`ValidationFailed` naming the limit."""
    if parcel.weight_kg > LOCKER_MAX_KG:
        raise ValidationFailed(
            f"Parcel weighs {_number(parcel.weight_kg)} kg; an InPost locker takes at most "
            "25 kg. Send it by courier."
        )
    for template, limits in LOCKER_TEMPLATES:
        if parcel.fits_within(limits):
            return template
    a, b, c = (_number(d) for d in parcel.dimensions)
    raise ValidationFailed(
        f"Parcel {a}×{b}×{c} cm is larger than the biggest InPost locker (C: 41×38×64 cm). "
        "Send it by courier."
    )


def _problem(field: str, code: str, message: str) -> Finding:
    return Finding(code=code, severity=Severity.ERROR, field=field, message=message)


def _receiver(
    receiver: Address | None, spec: ServiceSpec, problems: list[Finding], role: str = "receiver"
) -> dict[str, Any]:
    """The ``receiver`` body (or, with ``role="sender"``, a return's customer in that shape)."""
    if receiver is None:
        problems.append(
            _problem(role, "missing", "the shipment needs a receiver")
            if role == "receiver"
            else _problem(role, "missing", "a return needs the customer's address (its sender)")
        )
        return {}
    body: dict[str, Any] = {}
    first, _, last = receiver.name.strip().rpartition(" ")
    if first and last:
        body["first_name"], body["last_name"] = first, last
    if receiver.company:
        body["company_name"] = receiver.company
    if receiver.email:
        body["email"] = receiver.email
    phone = phone_number(receiver.phone or "")
    if phone:
        body["phone"] = phone
    elif receiver.phone:
        problems.append(
            _problem(f"{role}.phone", "phone", f"{receiver.phone!r} is not a Polish number")
        )
    if spec.body == "locker":
        # Locker offers need the receiver's e-mail and phone (ShipX-doc 11731061).
        if not receiver.email:
            problems.append(_problem(f"{role}.email", "missing", "a locker needs the e-mail"))
        if not receiver.phone:
            problems.append(_problem(f"{role}.phone", "missing", "a locker needs the phone"))
        return body
    # Courier offers need company_name and/or first+last name, and the address (ShipX-doc 11731061).
    if not (receiver.company or "first_name" in body):
        problems.append(
            _problem(
                f"{role}.name", "missing", "a courier needs a first and last name or a company"
            )
        )
    parts = split_street(receiver.street)
    postcode = _postcode(receiver.postcode)
    if parts is None:
        problems.append(
            _problem(f"{role}.street", "street", f"{receiver.street!r} has no building number")
        )
    if postcode is None:
        problems.append(
            _problem(f"{role}.postcode", "postcode", f"{receiver.postcode!r} is not NN-NNN")
        )
    if not receiver.city:
        problems.append(_problem(f"{role}.city", "missing", "a courier needs the city"))
    if parts is not None and postcode is not None:
        body["address"] = {
            "street": parts.street,
            "building_number": parts.building_number,
            "city": receiver.city,
            "post_code": postcode,
            "country_code": receiver.country,
        }
    return body


def _parcels(
    parcels: list[Parcel], spec: ServiceSpec, problems: list[Finding]
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for number, parcel in enumerate(parcels, 1):
        if spec.body == "locker":
            try:
                found.append({"template": locker_template(parcel)})
            except ValidationFailed as error:
                problems.append(_problem(f"parcels[{number}]", "locker_size", str(error)))
            continue
        if parcel.weight_kg > COURIER_MAX_KG:
            problems.append(
                _problem(
                    f"parcels[{number}]",
                    "courier_weight",
                    f"weighs {_number(parcel.weight_kg)} kg; an InPost courier parcel over "
                    f"{COURIER_MAX_KG} kg needs an arrangement with InPost first",
                )
            )
        if not parcel.fits_within(COURIER_MAX_CM):
            problems.append(
                _problem(
                    f"parcels[{number}]",
                    "courier_size",
                    "is larger than an InPost courier parcel (350×240×240 cm)",
                )
            )
        # Dimensions in mm and weight in kg, as strings (ShipX-doc 18153507 example;
        # magento Create/Courier.php).
        found.append(
            {
                "dimensions": {
                    "length": _number(parcel.length_cm * 10),
                    "width": _number(parcel.width_cm * 10),
                    "height": _number(parcel.height_cm * 10),
                    "unit": "mm",
                },
                "weight": {"amount": _number(parcel.weight_kg), "unit": "kg"},
            }
        )
    return found


def create_payload(
    request: ShipmentRequest,
    *,
    offered: Collection[str] = frozenset(SERVICES),
    carrier: str = _SOURCE,
    sending_method: str | None = None,
    dropoff_point: str | None = None,
    return_point: str | None = None,
) -> dict[str, Any]:
    """The ShipX create-shipment body (simplified mode), checked before any call.

    :class:`UnsupportedService` / :class:`ServiceMismatch` for the service;
    :class:`ValidationFailed` naming every problem (its ``findings`` list them).
    Field names follow ShipX-doc 11731061 and InPost's Magento plugin
    (``Create/Courier.php``, ``Create/Locker.php``, ``AbstractCreate.php``).
    A return label (``request.is_return``) is built by :func:`_return_body`;
    ``return_point`` is the shop's locker that locker-service returns go to.
    """
    spec = resolve_service(request, offered, carrier)
    reference = wire_reference(request.reference)
    problems: list[Finding] = []
    if request.country != "PL":
        problems.append(_problem("country", "country", "InPost services here deliver in PL only"))
    if request.is_return:
        body = _return_body(request, spec, reference, carrier, return_point, problems)
    else:
        body = {
            "service": spec.id,
            "reference": reference,
            "receiver": _receiver(request.receiver, spec, problems),
            "parcels": _parcels(request.parcels, spec, problems),
        }
        attributes: dict[str, Any] = {}
        if spec.body == "locker":
            if request.point_id:
                attributes["target_point"] = request.point_id
            else:
                problems.append(
                    _problem("point_id", "missing", "a locker needs the point the customer chose")
                )
        if sending_method:
            attributes["sending_method"] = sending_method
        if dropoff_point:
            attributes["dropoff_point"] = dropoff_point
        if attributes:
            body["custom_attributes"] = attributes
    if request.cod is not None:
        cod = request.cod.amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        if cod <= 0:
            problems.append(_problem("cod", "cod", "cash on delivery must be more than 0"))
        body["cod"] = {"amount": amount(cod), "currency": request.cod.currency}
        # Insurance is required with COD on courier standard/express (ShipX-doc 18153492);
        # it is added for every service: at least the COD, at least 1, below 10,000,000.
        value = request.value.amount if request.value else Decimal(0)
        insured = max(cod, value, Decimal(1))
        if insured >= INSURANCE_MAX:
            problems.append(_problem("insurance", "insurance", "must be below 10,000,000"))
        body["insurance"] = {"amount": amount(insured), "currency": request.cod.currency}
    if problems:
        raise ValidationFailed(
            f"Cannot create the InPost {spec.id} {'return ' if request.is_return else ''}"
            f"shipment {reference!r}: " + "; ".join(f"{p.field}: {p.message}" for p in problems),
            findings=problems,
        )
    return body


def _return_body(
    request: ShipmentRequest,
    spec: ServiceSpec,
    reference: str,
    carrier: str,
    return_point: str | None,
    problems: list[Finding],
) -> dict[str, Any]:
    """A return label's body: ``is_return``, the customer as ``sender``, no ``receiver``.

    ShipX-doc 11731061 (reference §2, "Create shipment"): ``receiver`` is not
    required when ``is_return=true`` — the organization's own data is used, so
    the parcel comes back to the shop. ``request.receiver`` is the customer.
    """
    # UNCONFIRMED: that the customer goes in ``sender``. The docs only say ``sender``
    # is optional (the organization's data by default) and ``receiver`` is not required
    # for a return; the customer posts the parcel, so they are sent as its sender, in
    # the receiver's shape (shipx-php TransactionPartyForm is one shape for both).
    # Which services accept is_return is UNCONFIRMED too (reference B2); shipx-php
    # ``ShipmentAbstractForm`` leaves is_return out noting it "doesn't work with
    # Paczkomaty", so a locker return needs its own target point (below) and no
    # courier fallback is made up: the reference gives none.
    body: dict[str, Any] = {
        "service": spec.id,
        "reference": reference,
        "is_return": True,
        "sender": _receiver(request.receiver, spec, problems, role="sender"),
        "parcels": _parcels(request.parcels, spec, problems),
    }
    if spec.body == "locker":
        # A locker service delivers to a locker (custom_attributes.target_point, required
        # for locker services, ShipX-doc 18153492): for a return, the shop's own locker.
        if return_point:
            body["custom_attributes"] = {"target_point": return_point}
        else:
            problems.append(
                _problem(
                    "return_point",
                    "missing",
                    f"a return by {spec.id} needs the shop's locker for returns: set "
                    f"return_point in [carriers.{carrier}] of ecomflow.toml "
                    "(InPostSettings.return_point)",
                )
            )
    # The shop's sending_method / dropoff_point say how *its* parcels reach InPost; the
    # customer posts a return, so they are not sent (inference: the docs say nothing).
    if request.cod is not None:
        problems.append(_problem("cod", "cod", "a return label carries no cash on delivery"))
    return body


def _time(value: str | None, what: str, object_id: str) -> datetime | None:
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        stamp = None
    if stamp is None or stamp.tzinfo is None:
        raise MappingError(
            f"ShipX {what} {value!r} of {object_id} is not a time with an offset",
            source=_SOURCE,
            object_id=object_id,
            field=what,
        )
    return stamp


def to_shipment(data: Any, carrier: str = _SOURCE) -> Shipment:
    """A ShipX shipment body as a carrier-neutral :class:`Shipment` (:class:`MappingError`)."""
    object_id = str(data.get("id")) if isinstance(data, dict) else None
    try:
        wire = WireShipment.model_validate(data)
    except ValidationError as error:
        raise MappingError(
            f"ShipX shipment {object_id} cannot be read: {error.errors()[0]['msg']}",
            source=_SOURCE,
            object_id=object_id,
        ) from None
    shipment_id = str(wire.id)
    return Shipment(
        id=shipment_id,
        carrier=carrier,
        service=wire.service or "",
        status=tracking_status(wire.status),
        carrier_status=wire.status,
        tracking_number=wire.tracking_number or None,
        reference=wire.reference,
        created_at=_time(wire.created_at, "created_at", shipment_id),
        updated_at=_time(wire.updated_at, "updated_at", shipment_id),
        raw=data,
    )


def read_page(data: Any) -> WirePage:
    """A ShipX collection answer (:class:`MappingError` when it is not one)."""
    try:
        return WirePage.model_validate(data)
    except ValidationError as error:
        raise MappingError(
            f"ShipX list answer cannot be read: {error.errors()[0]['msg']}", source=_SOURCE
        ) from None


def to_tracking_events(data: Any, carrier: str = _SOURCE) -> list[TrackingEvent]:
    """``GET /v1/tracking/{number}`` as events, oldest first (ShipX sends newest first)."""
    try:
        wire = WireTracking.model_validate(data)
    except ValidationError as error:
        raise MappingError(
            f"ShipX tracking answer cannot be read: {error.errors()[0]['msg']}", source=_SOURCE
        ) from None
    number = wire.tracking_number
    events = []
    for detail in reversed(wire.tracking_details):
        at = _time(detail.datetime, "datetime", number)
        if at is None:
            raise MappingError(
                f"ShipX tracking step of {number} has no time", source=_SOURCE, object_id=number
            )
        events.append(
            TrackingEvent(
                tracking_number=number,
                at=at,
                carrier=carrier,
                carrier_status=detail.status,
                status=tracking_status(detail.status),
                location=detail.agency,
                description=detail.origin_status,
            )
        )
    return sorted(events, key=lambda e: e.at)  # stable: equal times keep ShipX's order
