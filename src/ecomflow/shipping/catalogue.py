"""The carrier service catalogue: what each service can carry, where, when and for how much.

>>> catalogue = Catalogue.example()
>>> locker = catalogue["inpost_locker_standard"]
>>> [c.name for c in locker.size_classes]
['A', 'B', 'C']
>>> from ecomflow.shipping import Parcel
>>> locker.size_class(Parcel(weight_kg=2, length_cm=60, width_cm=35, height_cm=15)).name
'B'
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Iterator, Mapping
from datetime import time
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ecomflow._toml import read_toml
from ecomflow.errors import ConfigurationError
from ecomflow.money import Money
from ecomflow.orders.models import CountryCode, DeliveryMethod
from ecomflow.shipping.request import Parcel

__all__ = ["CarrierService", "Catalogue", "PriceBracket", "SizeClass"]

_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def _weekday(value: Any) -> int:
    if isinstance(value, int) and 0 <= value <= 6:
        return value
    key = str(value).strip().lower()[:3]
    if key in _WEEKDAYS:
        return _WEEKDAYS[key]
    raise ValueError(f"{value!r} is not a weekday (use 0–6 or mon…sun)")


def _dims(value: Any) -> tuple[Decimal, Decimal, Decimal]:
    parts = [Decimal(str(v)) for v in value]
    if len(parts) != 3 or any(p <= 0 for p in parts):
        raise ValueError("dimensions are three positive numbers in cm")
    a, b, c = sorted(parts)
    return (a, b, c)


class SizeClass(BaseModel):
    """A carrier's size class (InPost lockers: A 8×38×64, B 19×38×64, C 41×38×64 cm)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    max_dimensions_cm: tuple[Decimal, Decimal, Decimal]
    max_weight_kg: Decimal | None = None
    price: Money | None = Field(default=None, description="Price for this class, if it differs.")

    @field_validator("max_dimensions_cm", mode="before")
    @classmethod
    def _sorted_dims(cls, value: Any) -> Any:
        return _dims(value)

    def fits(self, parcel: Parcel) -> bool:
        """Whether ``parcel`` fits (rotations allowed) and is light enough."""
        if self.max_weight_kg is not None and parcel.weight_kg > self.max_weight_kg:
            return False
        a, b, c = parcel.dimensions  # both sorted smallest first
        x, y, z = self.max_dimensions_cm
        return a <= x and b <= y and c <= z

    def describe(self) -> str:
        """``"A 8×38×64 cm"``."""
        a, b, c = (f"{d.normalize():f}" for d in self.max_dimensions_cm)
        return f"{self.name} {a}×{b}×{c} cm"


class PriceBracket(BaseModel):
    """A price up to a weight."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_weight_kg: Decimal = Field(gt=0)
    price: Money


class CarrierService(BaseModel):
    """One service a carrier sells: limits, price, transit time and cut-offs.

    ``cutoff`` is the local time after which a parcel no longer leaves the
    same day; ``cutoffs`` overrides it per weekday (``{"sat": "11:00"}``).
    ``pickup_days`` are the weekdays the carrier collects from the warehouse;
    ``delivery_days`` the weekdays it delivers. ``transit_days`` counts
    delivery days after the ship date.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    carrier: str
    name: str
    delivery_methods: frozenset[DeliveryMethod]
    countries: frozenset[CountryCode] = frozenset({"PL"})
    max_weight_kg: Decimal | None = Field(default=None, gt=0)
    max_dimensions_cm: tuple[Decimal, Decimal, Decimal] | None = None
    size_classes: tuple[SizeClass, ...] = ()
    cod: bool = False
    cod_limit: Money | None = None
    cod_fee: Money | None = None
    price: Money | None = None
    price_brackets: tuple[PriceBracket, ...] = ()
    insurance_rate: Decimal = Field(
        default=Decimal(0), ge=0, description="Share of the declared value charged as insurance."
    )
    transit_days: int = Field(ge=0)
    cutoff: time = time(15, 0)
    cutoffs: dict[int, time] = Field(default_factory=dict)
    pickup_days: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    delivery_days: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    sla: str | None = Field(default=None, description="A label such as 'D+1'.")
    example_prices: bool = Field(default=False, description="Prices are examples, not tariffs.")

    @field_validator("max_dimensions_cm", mode="before")
    @classmethod
    def _sorted_dims(cls, value: Any) -> Any:
        return None if value is None else _dims(value)

    @field_validator("cutoffs", mode="before")
    @classmethod
    def _weekday_keys(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {_weekday(k): v for k, v in value.items()}
        return value

    @field_validator("pickup_days", "delivery_days", mode="before")
    @classmethod
    def _weekday_set(cls, value: Any) -> Any:
        return frozenset(_weekday(v) for v in value)

    @model_validator(mode="after")
    def _has_price(self) -> CarrierService:
        if (
            self.price is None
            and not self.price_brackets
            and not any(c.price for c in self.size_classes)
        ):
            raise ValueError("a service needs a price, price_brackets or size-class prices")
        return self

    # -- derived -------------------------------------------------------------------------

    def cutoff_on(self, weekday: int) -> time:
        """The cut-off time on a weekday."""
        return self.cutoffs.get(weekday, self.cutoff)

    def size_class(self, parcel: Parcel) -> SizeClass | None:
        """The smallest size class the parcel fits, or ``None``."""
        for size in self.size_classes:
            if size.fits(parcel):
                return size
        return None

    def limits_text(self) -> str:
        """The size limits in words, for explanations."""
        if self.size_classes:
            return ", ".join(c.describe() for c in self.size_classes)
        if self.max_dimensions_cm:
            a, b, c = (f"{d.normalize():f}" for d in self.max_dimensions_cm)
            return f"{a}×{b}×{c} cm"
        return "no size limit"


class Catalogue:
    """The services a shop can ship with, by id.

    >>> Catalogue.from_dict({"services": [{"id": "x", "carrier": "dpd", "name": "DPD",
    ...     "delivery_methods": ["courier"], "transit_days": 1, "price": "oops"}]})
    Traceback (most recent call last):
    ...
    ecomflow.errors.ConfigurationError: Carrier service 'x', field price: Value error, 'oops' is not money; write an amount and a currency, '500 PLN'.
    """

    def __init__(self, services: Iterable[CarrierService]) -> None:
        self._services: dict[str, CarrierService] = {}
        for service in services:
            if service.id in self._services:
                raise ConfigurationError(f"Carrier service {service.id!r} is defined twice.")
            self._services[service.id] = service

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Catalogue:
        """Build from ``{"services": [{...}, ...]}``; errors name the service and field."""
        services = []
        for index, raw in enumerate(data.get("services", [])):
            name = raw.get("id", f"#{index}") if isinstance(raw, Mapping) else f"#{index}"
            try:
                services.append(CarrierService.model_validate(raw))
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"]) or "(service)"
                raise ConfigurationError(
                    f"Carrier service {name!r}, field {where}: {first['msg']}"
                ) from None
        return cls(services)

    @classmethod
    def from_toml(cls, path: str | Path) -> Catalogue:
        """Load a TOML file with ``[[services]]`` tables."""
        return cls.from_dict(read_toml(path, "catalogue"))

    @classmethod
    def example(cls) -> Catalogue:
        """The shipped example catalogue of common Polish services (example prices!)."""
        text = resources.files("ecomflow.shipping").joinpath("example_catalogue.toml")
        return cls.from_dict(tomllib.loads(text.read_text("utf-8")))

    def __getitem__(self, service_id: str) -> CarrierService:
        try:
            return self._services[service_id]
        except KeyError:
            raise ConfigurationError(
                f"No carrier service {service_id!r}; known: {', '.join(sorted(self._services))}."
            ) from None

    def __iter__(self) -> Iterator[CarrierService]:
        return iter(self._services.values())

    def __len__(self) -> int:
        return len(self._services)

    def __contains__(self, service_id: object) -> bool:
        return service_id in self._services

    def __repr__(self) -> str:
        return f"Catalogue({len(self)} services)"
