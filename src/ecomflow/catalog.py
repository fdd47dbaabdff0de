"""The product catalogue as ecomflow sees it: what data quality checks read."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Product"]


class Product(BaseModel):
    """A sellable product (one SKU) with the data shipping and channels need."""

    model_config = ConfigDict(extra="forbid")

    sku: str = Field(min_length=1)
    name: str = ""
    ean: str | None = None
    weight_kg: Decimal | None = Field(default=None, ge=0)
    dimensions_cm: tuple[Decimal, Decimal, Decimal] | None = None
    images: list[str] = Field(default_factory=list)
    made_to_order: bool = False
