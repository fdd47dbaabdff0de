"""What ShipX sends and expects: paths, services, limits and the answers' shapes.

Every wire detail names its source. Abbreviations (as in
``shared/reference/baselinker-inpost-api.md``): **ShipX-doc** = InPost's ShipX
documentation pages (dokumentacja-inpost.atlassian.net, page id given);
**magento** = InPost's own Magento 2 plugin ``InPost-Magento/smartmage_inpost``
(commit 308d725, 2026-02-22); **shipx-php** = ``michalbiarda/shipx-php-sdk``.
**UNCONFIRMED** marks what no source confirmed; the code is conservative there.

Answers are read leniently (``extra="ignore"``: ShipX adds fields without
notice) and a shape that does not fit becomes a
:class:`~ecomflow.errors.MappingError` in the mapper.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from ecomflow.orders.models import DeliveryMethod

__all__ = [
    "COURIER_MAX_CM",
    "COURIER_MAX_KG",
    "INSURANCE_MAX",
    "LOCKER_MAX_KG",
    "LOCKER_TEMPLATES",
    "MAX_BULK_LABELS",
    "MAX_IDS_PER_LIST",
    "REFERENCE_LENGTH",
    "SERVICES",
    "TRACKING_URL",
    "ServiceSpec",
    "WireEnvelope",
    "WirePage",
    "WireShipment",
    "WireTracking",
]


@dataclass(frozen=True)
class ServiceSpec:
    """One ShipX service: how the parcel reaches the customer and how its body looks."""

    id: str
    method: DeliveryMethod
    body: Literal["locker", "courier"]
    source: str


#: The services this adapter creates, keyed by the ShipX (= catalogue) service id.
#: Other documented services are left out on purpose: ``inpost_locker_economy``
#: needs a ``commercial_product_identifier`` (magento ``Create/Locker.php``) our
#: sources do not explain; ``inpost_courier_c2c`` is sent from a point
#: (``sending_method``/``dropoff_point``, ShipX-doc 18153492) which the adapter
#: does not configure; palette, alcohol and Allegro services need separate
#: contracts. UNCONFIRMED: whether an organization has every service below —
#: narrow ``InPostSettings.services`` to your contract.
SERVICES: dict[str, ServiceSpec] = {
    spec.id: spec
    for spec in (
        ServiceSpec(
            "inpost_locker_standard",
            DeliveryMethod.PARCEL_LOCKER,
            "locker",
            "ShipX-doc 18153507 (Shipment sizes and services); magento ShippingMethods",
        ),
        ServiceSpec(
            "inpost_courier_standard",
            DeliveryMethod.COURIER,
            "courier",
            "ShipX-doc 11731061 (simplified mode); magento Create/Courier.php",
        ),
        # Same body as courier standard: magento AbstractSave maps express1000/1200/1700
        # to its Courier creator; ids from reference §2 and magento ShippingMethods.
        ServiceSpec(
            "inpost_courier_express_1000",
            DeliveryMethod.COURIER,
            "courier",
            "reference §2; magento ShippingMethods::INPOST_MAPPER",
        ),
        ServiceSpec(
            "inpost_courier_express_1200",
            DeliveryMethod.COURIER,
            "courier",
            "reference §2; magento ShippingMethods::INPOST_MAPPER",
        ),
        ServiceSpec(
            "inpost_courier_express_1700",
            DeliveryMethod.COURIER,
            "courier",
            "reference §2; magento ShippingMethods::INPOST_MAPPER",
        ),
    )
}

#: ``reference``: "3–100 chars, optional" (reference §2, ShipX-doc 11731061).
REFERENCE_LENGTH = (3, 100)

#: Locker templates and their limits in cm, 25 kg each (ShipX-doc 18153507 /
#: 47186432, reference §7). ``xlarge`` (D) is for ``inpost_courier_c2c`` only.
LOCKER_TEMPLATES: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("small", (8, 38, 64)),
    ("medium", (19, 38, 64)),
    ("large", (41, 38, 64)),
)
LOCKER_MAX_KG = Decimal(25)

#: Courier parcels. Maximum dimensions "domestic – 350 × 240 × 240 cm" (ShipX-doc
#: 47186432). The per-parcel weight limit of the courier services is UNCONFIRMED
#: (reference §7); InPost's courier pages say parcels over 30 kg per unit need a
#: prior telephone arrangement (inpost.pl/en/for-you/shipments/courier/
#: courier-delivery-to-12-p-m) and long parcels are at most 30 kg per element
#: (inpost.pl/pomoc-rodzaje-paczek-kurierskich), so the adapter refuses more than
#: 30 kg before calling: such a parcel cannot be sent unattended.
COURIER_MAX_KG = Decimal(30)
COURIER_MAX_CM = (240, 240, 350)

#: Insurance "≥1 and <10,000,000" (ShipX-doc 18153492 "Form validation").
INSURANCE_MAX = Decimal(10_000_000)

#: Bulk labels: "Maximum 100 shipments per request" (ShipX-doc 18153510).
MAX_BULK_LABELS = 100
#: Ids per shipments-list call (``?id=1,2``, ShipX-doc 28639266 "[1.23.0] Shipment
#: search and sorting"). No limit is documented (UNCONFIRMED); 100 keeps the URL short.
MAX_IDS_PER_LIST = 100

#: InPost's public tracking page, as InPost's own plugin links it (magento
#: ``Block/Adminhtml/Order/View/Inpost.php::getShippingTrackingUrl``).
TRACKING_URL = "https://inpost.pl/sledzenie-przesylek?number={number}"


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class WireShipment(_Lenient):
    """A shipment as ShipX sends it (ShipX-doc 18153485; shipx-php ``Model/Shipment.php``)."""

    id: int | str
    status: str = "created"
    tracking_number: str | None = None
    service: str | None = None
    reference: str | None = None
    created_at: str | None = None
    updated_at: str | None = None


class WirePage(_Lenient):
    """A collection: ``{href, count, page, per_page, items[]}`` (reference §1)."""

    count: int | None = None
    page: int = 1
    per_page: int | None = None
    items: list[dict[str, Any]] = Field(default_factory=list)


class WireTrackingDetail(_Lenient):
    """One step: ``{status, origin_status, agency, datetime}`` (ShipX-doc 28639244)."""

    status: str
    origin_status: str | None = None
    agency: str | None = None
    datetime: str


class WireTracking(_Lenient):
    """``GET /v1/tracking/{number}``; details newest first (reference §4)."""

    tracking_number: str
    tracking_details: list[WireTrackingDetail] = Field(default_factory=list)


class WireEnvelope(_Lenient):
    """A webhook: ``{event_ts, event, organization_id, payload}`` (ShipX-doc 18153494).

    ``event_ts`` looks like ``2020-03-20 15:08:42 +0100``.
    """

    event_ts: str
    event: str
    organization_id: int | None = None
    payload: dict[str, Any]
