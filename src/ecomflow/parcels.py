"""Parcels: weight and outer dimensions of what goes to the carrier.

A core value type, like :class:`~ecomflow.money.Money`: carrier selection, the
order's shipping plan and the carrier adapters all read it.

>>> Parcel(weight_kg="1.2", length_cm=30, width_cm=20, height_cm=8).dimensions
(Decimal('8'), Decimal('20'), Decimal('30'))
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from functools import cached_property

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Parcel"]


class Parcel(BaseModel):
    """One physical parcel: weight in kg and outer dimensions in cm."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weight_kg: Decimal = Field(gt=0)
    length_cm: Decimal = Field(gt=0)
    width_cm: Decimal = Field(gt=0)
    height_cm: Decimal = Field(gt=0)

    @cached_property
    def dimensions(self) -> tuple[Decimal, Decimal, Decimal]:
        """The three dimensions, smallest first (orientation does not matter)."""
        a, b, c = sorted((self.length_cm, self.width_cm, self.height_cm))
        return (a, b, c)

    @property
    def volume_cm3(self) -> Decimal:
        """Outer volume in cubic centimetres."""
        return self.length_cm * self.width_cm * self.height_cm

    def fits_within(self, limits: Sequence[Decimal | int]) -> bool:
        """Whether the parcel fits a box of ``limits`` (cm), rotations allowed.

        >>> Parcel(weight_kg=1, length_cm=60, width_cm=30, height_cm=7).fits_within([8, 38, 64])
        True
        """
        a, b, c = self.dimensions
        x, y, z = sorted(limits)
        return a <= x and b <= y and c <= z
