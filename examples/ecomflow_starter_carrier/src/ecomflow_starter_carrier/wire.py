"""The API's JSON, as pydantic models (README.md, "Objects").

What we *read* ignores unknown fields (APIs add fields without notice) and
keeps the raw payload; what we *send* is built by :mod:`.mapper`.
"""

from __future__ import annotations

from decimal import Decimal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

__all__ = ["WireEvent", "WireParcel", "WireShipment", "WireTracking", "WireWebhook"]


class _Read(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class WireParcel(_Read):
    """A parcel as the API returns it."""

    weight_kg: Decimal
    length_cm: Decimal
    width_cm: Decimal
    height_cm: Decimal


class WireShipment(_Read):
    """A shipment object."""

    id: str = Field(min_length=1)
    reference: str
    service: str
    status: str
    tracking_number: str | None = None
    parcels: list[WireParcel] = Field(default_factory=list)
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None


class WireEvent(_Read):
    """One tracking event."""

    at: AwareDatetime
    status: str
    location: str | None = None
    description: str | None = None


class WireTracking(_Read):
    """``GET /v1/tracking/{number}``: events, newest first."""

    tracking_number: str
    events: list[WireEvent]


class _WebhookShipment(_Read):
    id: str = Field(min_length=1)
    status: str | None = None
    tracking_number: str | None = None


class WireWebhook(_Read):
    """A webhook body."""

    event: str
    shipment: _WebhookShipment | None = None
