"""Carrier-neutral shipments and labels."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from ecomflow.shipping.request import Parcel
from ecomflow.shipping.tracking import TrackingStatus

__all__ = ["Label", "LabelFormat", "LabelSize", "Shipment"]


class LabelFormat(StrEnum):
    """Label file formats."""

    PDF = "pdf"
    ZPL = "zpl"
    EPL = "epl"


class LabelSize(StrEnum):
    """Label page sizes."""

    A4 = "A4"
    A6 = "A6"


class Shipment(BaseModel):
    """A shipment at a carrier."""

    model_config = ConfigDict(frozen=True)

    id: str
    carrier: str
    service: str
    status: TrackingStatus
    carrier_status: str
    tracking_number: str | None = None
    reference: str | None = None
    parcels: list[Parcel] = Field(default_factory=list)
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None
    raw: dict[str, Any] | None = Field(default=None, repr=False)

    @property
    def confirmed(self) -> bool:
        """Whether the carrier has bought the label and given a tracking number."""
        return bool(self.tracking_number)


class Label(BaseModel):
    """A label file."""

    model_config = ConfigDict(frozen=True)

    shipment_id: str
    format: LabelFormat
    size: LabelSize
    content: bytes = Field(repr=False)

    @property
    def is_pdf(self) -> bool:
        """Whether the content looks like a PDF."""
        return self.content.startswith(b"%PDF")
