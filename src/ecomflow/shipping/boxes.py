"""Box choice: the smallest box that holds an order's items, or why none does.

The packing heuristic (documented, deliberately simple): a box fits when

1. every item fits in it on its own, rotations allowed (sorted dimensions compared);
2. the items' total volume is at most ``fill`` (default 85 %) of the box's
   inner volume — the slack real packing needs;
3. the items plus the box's own weight are within its weight limit.

Boxes are tried smallest first (by volume, then price). With ``split=True``
items that fit no single box are spread over several parcels, first-fit
decreasing by volume.

>>> boxes = [Box(id="S", inner_cm=(20, 15, 10), max_weight_kg=5, price="1.20 PLN"),
...          Box(id="M", inner_cm=(40, 30, 20), max_weight_kg=15, price="2.10 PLN")]
>>> mug = Item(sku="MUG", length_cm=12, width_cm=9, height_cm=10, weight_kg="0.4")
>>> choose_box([mug, mug], boxes).box.id
'S'
>>> choose_box([mug] * 8, boxes).box.id
'M'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator

from ecomflow.money import Money
from ecomflow.shipping.request import Parcel

__all__ = ["Box", "BoxChoice", "Item", "PackedParcel", "choose_box"]


class Item(BaseModel):
    """One unit to pack (a line of quantity 3 is three items)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sku: str
    length_cm: Decimal = Field(gt=0)
    width_cm: Decimal = Field(gt=0)
    height_cm: Decimal = Field(gt=0)
    weight_kg: Decimal = Field(ge=0)

    @property
    def dimensions(self) -> tuple[Decimal, Decimal, Decimal]:
        """Smallest first."""
        a, b, c = sorted((self.length_cm, self.width_cm, self.height_cm))
        return (a, b, c)

    @property
    def volume(self) -> Decimal:
        """Cubic centimetres."""
        return self.length_cm * self.width_cm * self.height_cm


class Box(BaseModel):
    """A shipping box: inner dimensions, weight limit, its own weight and price."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    inner_cm: tuple[Decimal, Decimal, Decimal]
    max_weight_kg: Decimal = Field(gt=0)
    tare_kg: Decimal = Field(default=Decimal(0), ge=0)
    price: Money | None = None
    outer_margin_cm: Decimal = Field(default=Decimal(1), ge=0, description="Wall thickness.")

    @field_validator("inner_cm", mode="before")
    @classmethod
    def _sorted(cls, value: Any) -> Any:
        a, b, c = sorted(Decimal(str(v)) for v in value)
        return (a, b, c)

    @property
    def volume(self) -> Decimal:
        """Inner cubic centimetres."""
        a, b, c = self.inner_cm
        return a * b * c


@dataclass(frozen=True, slots=True)
class PackedParcel:
    """Items in one box, as a :class:`Parcel` a carrier can take."""

    box: Box
    items: tuple[Item, ...]

    @property
    def weight_kg(self) -> Decimal:
        """Items plus the box."""
        return sum((i.weight_kg for i in self.items), self.box.tare_kg)

    def parcel(self) -> Parcel:
        """The outer parcel (inner dimensions plus the walls)."""
        m = self.box.outer_margin_cm * 2
        a, b, c = self.box.inner_cm
        return Parcel(
            weight_kg=max(self.weight_kg, Decimal("0.01")),
            length_cm=c + m,
            width_cm=b + m,
            height_cm=a + m,
        )


@dataclass(frozen=True, slots=True)
class BoxChoice:
    """The result of :func:`choose_box`: the parcels, or why nothing fits."""

    parcels: tuple[PackedParcel, ...]
    rejected: dict[str, str] = field(default_factory=dict)
    reason: str | None = None

    @property
    def box(self) -> Box | None:
        """The single box, when everything fits in one."""
        return self.parcels[0].box if len(self.parcels) == 1 else None

    @property
    def fits(self) -> bool:
        """Whether the items were packed."""
        return bool(self.parcels)


def _why_not(box: Box, items: Sequence[Item], fill: Decimal) -> str | None:
    for item in items:
        if any(d > lim for d, lim in zip(item.dimensions, box.inner_cm, strict=True)):
            a, b, c = (f"{d.normalize():f}" for d in item.dimensions)
            return f"{item.sku} ({a}×{b}×{c} cm) does not fit"
    volume = sum((i.volume for i in items), Decimal(0))
    if volume > box.volume * fill:
        return f"items need {volume:.0f} cm³ > {fill:.0%} of {box.volume:.0f} cm³"
    weight = sum((i.weight_kg for i in items), box.tare_kg)
    if weight > box.max_weight_kg:
        return f"weight {weight:.2f} kg > {box.max_weight_kg} kg max"
    return None


def choose_box(
    items: Sequence[Item],
    boxes: Sequence[Box],
    *,
    split: bool = False,
    fill: Decimal | float | str = Decimal("0.85"),
) -> BoxChoice:
    """Choose the smallest box for ``items`` (see the module docstring for the heuristic)."""
    fill = Decimal(str(fill))
    if not items:
        return BoxChoice(parcels=(), reason="nothing to pack")
    ordered = sorted(boxes, key=lambda b: (b.volume, b.price.amount if b.price else 0, b.id))
    rejected: dict[str, str] = {}
    for box in ordered:
        why = _why_not(box, items, fill)
        if why is None:
            return BoxChoice(parcels=(PackedParcel(box, tuple(items)),), rejected=rejected)
        rejected[box.id] = why
    if not split:
        return BoxChoice(
            parcels=(),
            rejected=rejected,
            reason="no single box fits; allow split=True to use several",
        )
    parcels: list[list[Item]] = []
    boxes_used: list[Box] = []
    for item in sorted(items, key=lambda i: (-i.volume, i.sku)):
        for index, packed in enumerate(parcels):
            if _why_not(boxes_used[index], [*packed, item], fill) is None:
                packed.append(item)
                break
        else:
            home = next((b for b in reversed(ordered) if _why_not(b, [item], fill) is None), None)
            if home is None:
                return BoxChoice(
                    parcels=(), rejected=rejected, reason=f"{item.sku} fits in no box at all"
                )
            parcels.append([item])
            boxes_used.append(home)
    # Shrink each parcel to the smallest box that still holds its items.
    final = []
    for packed, box in zip(parcels, boxes_used, strict=True):
        best = next((b for b in ordered if _why_not(b, packed, fill) is None), box)
        final.append(PackedParcel(best, tuple(packed)))
    return BoxChoice(parcels=tuple(final), rejected=rejected)
