"""The "pickup in person" carrier: the customer collects the parcel at the shop.

A :class:`~ecomflow.adapters.ShipmentProvider` that makes no HTTP call.
Creating a shipment issues a *pickup slip*: its id and its short pickup code
are derived from ``request.reference`` (see :mod:`.codes`), so creating twice
returns the same slip — exactly once by construction, with no look-up and no
lost answer possible. The slip is confirmed at once (tracking number = the
pickup code) with status ``label_ready`` — the parcel waits at the shop, still in
the shop's hands (``ready_for_pickup`` would say a carrier took it to a pickup
point); its label is a one-page PDF to put on the parcel (:mod:`.slip`); there
is no public tracking page.

Where the state lives: nowhere, except which slips were cancelled (a
:class:`~.register.PickupRegister`, in memory or in ``state_file``). What this
carrier **cannot know** is when the customer collected the parcel: the shop
records that through the Orchestrator (``Orchestrator.confirm_delivery``), so
``get_shipment`` keeps reporting ``label_ready`` until the slip is cancelled. It does not keep the parcels either: ``get_shipment`` returns none.

>>> from ecomflow.shipping import Parcel, ShipmentRequest
>>> from ecomflow.testing import sample_order
>>> desk = PickupCarrier(PickupSettings(code_key="s3cret", shop_name="Sklep"))
>>> request = ShipmentRequest.from_order(sample_order("1001", method="pickup"),
...     [Parcel(weight_kg=1, length_cm=30, width_cm=20, height_cm=10)],
...     service_id="personal_pickup")
>>> slip = desk.create_shipment(request)
>>> slip.status.value, slip.tracking_number == desk.create_shipment(request).tracking_number
('label_ready', True)
>>> desk.get_label(slip.id).is_pdf, desk.tracking_url(slip.tracking_number)
(True, None)
>>> desk.cancel_shipment(slip.id)
>>> desk.get_shipment(slip.id).status.value
'cancelled'
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, TypeVar

from ecomflow.adapters.pickup.codes import (
    DEFAULT_KEY,
    MAX_REFERENCE,
    parse_slip_id,
    pickup_code,
    slip_id,
)
from ecomflow.adapters.pickup.register import FileRegister, MemoryRegister, PickupRegister
from ecomflow.adapters.pickup.settings import PickupSettings
from ecomflow.adapters.pickup.slip import render_slip
from ecomflow.errors import AdapterError, NotFound, UnsupportedService, ValidationFailed
from ecomflow.http.flow import Flow, operation
from ecomflow.orders.models import DeliveryMethod
from ecomflow.shipping.request import ShipmentRequest
from ecomflow.shipping.shipments import Label, LabelFormat, LabelSize, Shipment
from ecomflow.shipping.tracking import TrackingStatus

__all__ = ["AsyncPickupCarrier", "PickupCarrier"]

T = TypeVar("T")

#: The carrier status of a live slip, and of a cancelled one.
READY, CANCELLED = "waiting_at_the_shop", "cancelled"


def _finish(flow: Flow[T]) -> T:
    """Drive a flow that makes no calls to its result (both twins use this)."""
    try:
        step = next(flow)
    except StopIteration as done:
        result: T = done.value
        return result
    flow.close()
    raise AdapterError(f"the pickup carrier makes no calls, but a flow asked for {step!r}")


class _PickupOps:
    """Everything both twins do: pure code and flows that yield no call."""

    settings: PickupSettings
    register: PickupRegister

    def _setup(self, settings: PickupSettings | None, register: PickupRegister | None) -> None:
        self.settings = settings if settings is not None else PickupSettings()
        key = self.settings.code_key
        self._key = key.get_secret_value().encode("utf-8") if key else DEFAULT_KEY
        if register is not None:
            self.register = register
        elif self.settings.state_file is not None:
            self.register = FileRegister(self.settings.state_file)
        else:
            self.register = MemoryRegister()

    # -- pure ------------------------------------------------------------------------------

    def services(self) -> frozenset[str]:
        """The one service this desk offers (``personal_pickup`` by default)."""
        return frozenset({self.settings.service_id})

    def tracking_url(self, tracking_number: str) -> str | None:
        """``None``: a pickup slip has no public tracking page."""
        return None

    def pickup_code(self, reference: str) -> str:
        """The code the customer shows at the desk for ``reference``."""
        return pickup_code(
            reference,
            carrier=self.settings.carrier,
            service_id=self.settings.service_id,
            key=self._key,
        )

    def _reference(self, shipment_id: str, endpoint: str) -> str:
        reference = parse_slip_id(
            shipment_id,
            carrier=self.settings.carrier,
            service_id=self.settings.service_id,
            key=self._key,
        )
        if reference is None:
            raise NotFound(
                f"no pickup slip {shipment_id!r} at carrier {self.settings.carrier!r} (not "
                "made by this desk, or made with another code_key)",
                endpoint=endpoint,
            )
        return reference

    def _shipment(self, reference: str, request: ShipmentRequest | None = None) -> Shipment:
        code = self.pickup_code(reference)
        shipment_id = slip_id(code, reference)
        cancelled = request is None and self.register.is_cancelled(shipment_id)
        raw: dict[str, Any] = {"pickup_code": code}
        if self.settings.location:
            raw["location"] = self.settings.location
        return Shipment(
            id=shipment_id,
            carrier=self.settings.carrier,
            service=self.settings.service_id,
            status=TrackingStatus.CANCELLED if cancelled else TrackingStatus.LABEL_READY,
            carrier_status=CANCELLED if cancelled else READY,
            tracking_number=code,
            reference=reference,
            parcels=list(request.parcels) if request is not None else [],
            raw=raw,
        )

    def _check(self, request: ShipmentRequest) -> None:
        if request.service_id not in self.services():
            raise UnsupportedService(
                carrier=self.settings.carrier,
                service_id=request.service_id,
                supported=self.services(),
            )
        if request.method is not DeliveryMethod.PICKUP:
            raise ValidationFailed(
                f"order {request.order_id} is for delivery by {request.method.value}, not "
                "pickup in person: a pickup slip would break the customer's choice; select "
                "a carrier service for its delivery method"
            )
        reference = request.reference
        if not reference.strip() or len(reference) > MAX_REFERENCE or not reference.isprintable():
            raise ValidationFailed(
                f"shipment reference {reference[:40]!r} must be 1-{MAX_REFERENCE} printable "
                "characters (the order id)"
            )

    # -- the protocol, written once ----------------------------------------------------------

    @operation
    def create_shipment(
        self, request: ShipmentRequest, *, first_attempt: bool = False
    ) -> Flow[Shipment]:
        """Issue the slip for ``request.reference`` (the same slip every time).

        ``first_attempt`` changes nothing: there is no look-up to skip. A slip
        created again after it was cancelled is live again.
        """
        yield from ()
        self._check(request)
        shipment = self._shipment(request.reference, request)
        self.register.issue(shipment.id, request.reference)
        return shipment

    @operation
    def get_shipment(self, shipment_id: str) -> Flow[Shipment]:
        """The slip (``NotFound`` for an id this desk did not make)."""
        yield from ()
        return self._shipment(self._reference(shipment_id, "get_shipment"))

    @operation
    def get_shipments(self, shipment_ids: Sequence[str]) -> Flow[list[Shipment]]:
        """Many slips at once (ids this desk did not make are left out)."""
        yield from ()
        found = []
        for shipment_id in shipment_ids:
            reference = parse_slip_id(
                shipment_id,
                carrier=self.settings.carrier,
                service_id=self.settings.service_id,
                key=self._key,
            )
            if reference is not None:
                found.append(self._shipment(reference))
        return found

    @operation
    def get_label(self, shipment_id: str, *, format: LabelFormat = LabelFormat.PDF) -> Flow[Label]:
        """The A6 PDF pickup slip to put on the parcel (PDF only; not for a cancelled slip)."""
        yield from ()
        reference = self._reference(shipment_id, "get_label")
        if LabelFormat(format) is not LabelFormat.PDF:
            raise ValidationFailed(
                f"pickup slips are PDF only, not {format!s}; ask for LabelFormat.PDF"
            )
        if self.register.is_cancelled(shipment_id):
            raise ValidationFailed(
                f"pickup slip {shipment_id} is cancelled: do not hand the parcel out; create "
                "the shipment again to reissue it"
            )
        content = render_slip(
            code=self.pickup_code(reference),
            reference=reference,
            shop_name=self.settings.shop_name,
            location=self.settings.location,
            opening_hours=self.settings.opening_hours,
        )
        return Label(
            shipment_id=shipment_id, format=LabelFormat.PDF, size=LabelSize.A6, content=content
        )

    @operation
    def cancel_shipment(self, shipment_id: str) -> Flow[None]:
        """Cancel the slip (a repeat is harmless); take the parcel off the pickup shelf."""
        yield from ()
        self._reference(shipment_id, "cancel_shipment")
        self.register.cancel(shipment_id)

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(carrier={self.settings.carrier!r}, "
            f"service={self.settings.service_id!r})"
        )


class PickupCarrier(_PickupOps):
    """The sync pickup desk: a ``ShipmentProvider`` and ``ShipmentLister`` with no HTTP.

    Args:
        settings: the carrier table (defaults: carrier ``shop``, ``personal_pickup``).
        register: where cancellations live (default: ``state_file``, else memory);
            pass the same one to the async twin to share it.
    """

    def __init__(
        self, settings: PickupSettings | None = None, *, register: PickupRegister | None = None
    ) -> None:
        self._setup(settings, register)

    def run(self, flow: Flow[T]) -> T:
        """Drive a flow (it makes no calls)."""
        return _finish(flow)

    def close(self) -> None:
        """Nothing to close."""

    def __enter__(self) -> PickupCarrier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncPickupCarrier(_PickupOps):
    """The async twin of :class:`PickupCarrier` (the same flows, awaited)."""

    def __init__(
        self, settings: PickupSettings | None = None, *, register: PickupRegister | None = None
    ) -> None:
        self._setup(settings, register)

    async def run(self, flow: Flow[T]) -> T:
        """Drive a flow (it makes no calls)."""
        return _finish(flow)

    async def aclose(self) -> None:
        """Nothing to close."""

    async def __aenter__(self) -> AsyncPickupCarrier:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()
