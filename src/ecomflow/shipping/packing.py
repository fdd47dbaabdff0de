"""Parcels from the products: what an order weighs and which boxes it goes in.

Each unit's weight and dimensions come from the order line (when the channel
sends them), else from the shop's product data (:class:`Products`, e.g. a
``products.toml``). A product with neither gets the documented fallback —
:attr:`PackingDefaults.dimensions_cm` and :attr:`PackingDefaults.weight_kg` —
and a data-quality finding (``product.no_dimensions`` / ``product.no_weight``),
never a silent default. :func:`~ecomflow.shipping.choose_box` then picks the
smallest boxes that hold the items (split over several parcels when needed);
an item that fits no box at all (a desk in its own carton) travels as a
parcel of its own size — that is the second documented fallback.

>>> from ecomflow.testing import sample_order
>>> order = sample_order()
>>> [(line.sku, line.quantity, str(line.weight_kg)) for line in order.lines]
[('MUG-RED', 2, '0.4')]
>>> plan = plan_parcels(order, Products({"MUG-RED": ProductSpec(dimensions_cm=(12, 9, 10))}))
>>> [(p.box.id if p.box else None, str(p.parcel.weight_kg)) for p in plan.packed]
[('B', '1.2')]
>>> plan.findings
[]
>>> [f.code for f in plan_parcels(order).findings]  # no dimensions anywhere: the fallback
['product.no_dimensions']
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from ecomflow._toml import read_toml
from ecomflow.checks.findings import Finding, Severity
from ecomflow.errors import ConfigurationError
from ecomflow.orders.models import Order
from ecomflow.parcels import Parcel
from ecomflow.shipping.boxes import Box, Item, choose_box

__all__ = [
    "DEFAULT_BOXES",
    "PackedItems",
    "PackingDefaults",
    "ParcelPlan",
    "ProductSpec",
    "Products",
    "load_boxes",
    "plan_parcels",
]

#: Boxes used when the shop configures none: sizes that fit InPost locker sizes
#: A, B and C (8×38×64, 19×38×64, 41×38×64 cm outer) and one courier carton.
DEFAULT_BOXES: tuple[Box, ...] = (
    Box(id="A", inner_cm=(6, 36, 62), max_weight_kg=Decimal(25), tare_kg=Decimal("0.25")),
    Box(id="B", inner_cm=(17, 36, 62), max_weight_kg=Decimal(25), tare_kg=Decimal("0.4")),
    Box(id="C", inner_cm=(39, 36, 62), max_weight_kg=Decimal(25), tare_kg=Decimal("0.6")),
    Box(id="XL", inner_cm=(58, 58, 98), max_weight_kg=Decimal("31.5"), tare_kg=Decimal("1.2")),
)


class ProductSpec(BaseModel):
    """One unit of a product: weight and outer dimensions."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    weight_kg: Decimal | None = Field(default=None, ge=0)
    dimensions_cm: tuple[Decimal, Decimal, Decimal] | None = None

    @field_validator("dimensions_cm", mode="before")
    @classmethod
    def _positive(cls, value: Any) -> Any:
        if value is not None and any(Decimal(str(v)) <= 0 for v in value):
            raise ValueError("dimensions must be positive centimetres")
        return value


class Products:
    """SKU → :class:`ProductSpec` (the shop's product data)."""

    def __init__(self, specs: Mapping[str, ProductSpec] | None = None) -> None:
        self._specs = dict(specs or {})

    @classmethod
    def from_toml(cls, path: str | Path) -> Products:
        """Read ``[products.<sku>] weight_kg = 0.4, dimensions_cm = [12, 9, 10]``."""
        data = read_toml(Path(path), "products file")
        table = data.get("products", {})
        specs: dict[str, ProductSpec] = {}
        problems = []
        for sku, spec in table.items():
            try:
                specs[str(sku)] = ProductSpec.model_validate(spec)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                problems.append(f"products.{sku}.{where}: {first['msg']}")
        if problems:
            raise ConfigurationError(f"{path}: " + "; ".join(problems))
        return cls(specs)

    def get(self, sku: str) -> ProductSpec | None:
        """The spec of ``sku``, if known."""
        return self._specs.get(sku)

    def __len__(self) -> int:
        return len(self._specs)


def load_boxes(path: str | Path) -> tuple[Box, ...]:
    """Read ``[[boxes]] id = "S", inner_cm = [20, 15, 10], max_weight_kg = 5``."""
    data = read_toml(Path(path), "boxes file")
    try:
        return tuple(Box.model_validate(b) for b in data.get("boxes", []))
    except ValidationError as exc:
        raise ConfigurationError(f"{path}: {exc.errors()[0]['msg']}") from None


@dataclass(frozen=True)
class PackingDefaults:
    """The documented fallback for a product without data (each use is a finding)."""

    dimensions_cm: tuple[Decimal, Decimal, Decimal] = (Decimal(35), Decimal(25), Decimal(8))
    weight_kg: Decimal = Decimal("0.5")


@dataclass(frozen=True)
class PackedItems:
    """One parcel: the box (``None`` for an item travelling in its own carton) and its size."""

    box: Box | None
    skus: tuple[str, ...]
    parcel: Parcel


@dataclass(frozen=True)
class ParcelPlan:
    """The parcels of an order, and what was missing from the product data."""

    packed: tuple[PackedItems, ...]
    findings: list[Finding] = field(default_factory=list)

    @property
    def parcels(self) -> list[Parcel]:
        """The parcels, for carrier selection and the label."""
        return [p.parcel for p in self.packed]


def _spec(
    sku: str,
    line_weight: Decimal | None,
    line_dims: tuple[Decimal, Decimal, Decimal] | None,
    products: Products,
    defaults: PackingDefaults,
    findings: dict[str, Finding],
) -> tuple[Decimal, tuple[Decimal, Decimal, Decimal]]:
    known = products.get(sku)
    weight = line_weight if line_weight is not None else (known.weight_kg if known else None)
    dims = line_dims or (known.dimensions_cm if known else None)
    if weight is None:
        weight = defaults.weight_kg
        findings.setdefault(
            f"w:{sku}",
            Finding(
                "product.no_weight",
                Severity.WARNING,
                f"products.{sku}.weight_kg",
                f"{sku} has no weight; counted as {defaults.weight_kg} kg",
                sku,
            ),
        )
    if dims is None:
        dims = defaults.dimensions_cm
        a, b, c = (f"{d.normalize():f}" for d in dims)
        findings.setdefault(
            f"d:{sku}",
            Finding(
                "product.no_dimensions",
                Severity.WARNING,
                f"products.{sku}.dimensions_cm",
                f"{sku} has no dimensions; counted as {a}×{b}×{c} cm",
                sku,
            ),
        )
    return weight, dims


def plan_parcels(
    order: Order,
    products: Products | None = None,
    boxes: Sequence[Box] = DEFAULT_BOXES,
    defaults: PackingDefaults | None = None,
) -> ParcelPlan:
    """The parcels ``order`` ships in (see the module docstring)."""
    products = products or Products()
    defaults = defaults or PackingDefaults()
    findings: dict[str, Finding] = {}
    items: list[Item] = []
    for line in order.lines:
        weight, dims = _spec(
            line.sku, line.weight_kg, line.dimensions_cm, products, defaults, findings
        )
        length, width, height = dims
        item = Item(
            sku=line.sku, length_cm=length, width_cm=width, height_cm=height, weight_kg=weight
        )
        items += [item] * line.quantity
    fits = {item: choose_box([item], boxes).fits for item in set(items)}
    boxable = [i for i in items if fits[i]]
    loose = [i for i in items if not fits[i]]
    packed: list[PackedItems] = []
    if boxable:
        choice = choose_box(boxable, boxes, split=True)
        packed += [
            PackedItems(p.box, tuple(i.sku for i in p.items), p.parcel()) for p in choice.parcels
        ]
    for item in loose:  # fits no box: it travels in its own carton
        packed.append(
            PackedItems(
                None,
                (item.sku,),
                Parcel(
                    weight_kg=max(item.weight_kg, Decimal("0.01")),
                    length_cm=item.length_cm,
                    width_cm=item.width_cm,
                    height_cm=item.height_cm,
                ),
            )
        )
    return ParcelPlan(tuple(packed), list(findings.values()))
