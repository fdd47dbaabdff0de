"""Carrier-neutral tracking: one status vocabulary for every carrier.

>>> TrackingStatus.OUT_FOR_DELIVERY.is_final, TrackingStatus.DELIVERED.is_final
(False, True)
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict

__all__ = ["TrackingEvent", "TrackingStatus"]


class TrackingStatus(StrEnum):
    """Where a parcel is, in words every carrier's statuses map onto."""

    CREATED = "created"
    LABEL_READY = "label_ready"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    OUT_FOR_DELIVERY = "out_for_delivery"
    READY_FOR_PICKUP = "ready_for_pickup"
    DELIVERED = "delivered"
    EXCEPTION = "exception"
    RETURNING = "returning"
    RETURNED = "returned"
    CANCELLED = "cancelled"
    UNKNOWN = "unknown"

    @property
    def is_final(self) -> bool:
        """Nothing more will happen to the parcel."""
        return self in (TrackingStatus.DELIVERED, TrackingStatus.RETURNED, TrackingStatus.CANCELLED)

    @property
    def has_left_warehouse(self) -> bool:
        """The carrier has the parcel (or had it)."""
        return self not in (
            TrackingStatus.CREATED,
            TrackingStatus.LABEL_READY,
            TrackingStatus.CANCELLED,
            TrackingStatus.UNKNOWN,
        )


class TrackingEvent(BaseModel):
    """One step of a parcel's journey."""

    model_config = ConfigDict(frozen=True)

    tracking_number: str
    at: AwareDatetime
    carrier: str
    carrier_status: str
    status: TrackingStatus
    location: str | None = None
    description: str | None = None
