"""Delivery maps: how each channel's shipping-method names become a delivery choice.

A customer picks "InPost Paczkomaty 24/7" or "Kurier DPD" at checkout; the
channel sends that text. A :class:`DeliveryMap` turns it into what ecomflow
routes by — the delivery method (courier, parcel locker, pickup), and the
carrier and service the customer chose, when the name binds them. Like
:class:`~ecomflow.orders.StatusMap` it is data, per channel, and a name it
does not know is an :class:`~ecomflow.errors.UnmappedDeliveryMethod` error,
never a silent default. A shop that wants a catch-all writes ``"*"`` itself.

Names match case-insensitively, with runs of spaces collapsed.

>>> deliveries = DeliveryMap.from_dict({"channels": {"shop": {
...     "Paczkomat InPost": {"method": "parcel_locker", "carrier": "inpost"},
...     "Kurier DPD": {"method": "courier", "carrier": "dpd"},
... }}})
>>> deliveries.resolve("shop", "kurier  dpd")
DeliveryRule(method=<DeliveryMethod.COURIER: 'courier'>, carrier='dpd', service_id=None)
>>> deliveries.resolve("shop", "Poczta")
Traceback (most recent call last):
...
ecomflow.errors.UnmappedDeliveryMethod: Channel 'shop' delivery method 'Poczta' is not mapped to a delivery (mapped: 'kurier dpd', 'paczkomat inpost'). Add it to the channel's delivery map ([channels.shop.deliveries] in ecomflow.toml).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from ecomflow._toml import read_toml
from ecomflow.errors import ConfigurationError, UnmappedDeliveryMethod
from ecomflow.orders.models import DeliveryMethod

__all__ = ["CATCH_ALL", "DeliveryMap", "DeliveryRule"]

#: The name that matches every delivery method a channel's map does not list.
CATCH_ALL = "*"

_SPACES = re.compile(r"\s+")


def _norm(name: str) -> str:
    return _SPACES.sub(" ", name.strip()).casefold()


class DeliveryRule(BaseModel):
    """What one channel delivery-method name means.

    ``carrier`` and ``service_id`` bind the choice when set (the customer chose
    and paid for them); ``None`` lets carrier selection choose freely within
    the method.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    method: DeliveryMethod
    carrier: str | None = None
    service_id: str | None = None

    def __repr__(self) -> str:
        return (
            f"DeliveryRule(method={self.method!r}, carrier={self.carrier!r}, "
            f"service_id={self.service_id!r})"
        )


class DeliveryMap:
    """Channel → delivery-method name → :class:`DeliveryRule`."""

    def __init__(self, channels: Mapping[str, Mapping[str, DeliveryRule]]) -> None:
        self._channels = {
            channel: {_norm(name): rule for name, rule in rules.items()}
            for channel, rules in channels.items()
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeliveryMap:
        """From ``{"channels": {channel: {name: {method, carrier?, service_id?}}}}``."""
        channels = data.get("channels", {})
        if not isinstance(channels, Mapping):
            raise ConfigurationError("A delivery map needs a [channels.<name>] table.")
        built: dict[str, dict[str, DeliveryRule]] = {}
        for channel, rules in channels.items():
            built[channel] = {}
            for name, rule in dict(rules).items():
                try:
                    built[channel][name] = (
                        DeliveryRule(method=rule)
                        if isinstance(rule, str)
                        else DeliveryRule.model_validate(rule)
                    )
                except ValidationError as exc:
                    first = exc.errors()[0]
                    raise ConfigurationError(
                        f"delivery map, channel {channel!r}, {name!r}: {first['msg']} "
                        "(write {method = 'courier' | 'parcel_locker' | 'pickup', "
                        "carrier = '…', service_id = '…'})"
                    ) from None
        return cls(built)

    @classmethod
    def from_toml(cls, path: str | Path) -> DeliveryMap:
        """Read a TOML file with ``[channels.<name>]`` tables."""
        return cls.from_dict(read_toml(Path(path), "delivery map"))

    @classmethod
    def default(cls) -> DeliveryMap:
        """The map shipped with ecomflow (common BaseLinker, Shopify and WooCommerce names)."""
        text = resources.files("ecomflow.orders").joinpath("deliveries.toml").read_text("utf-8")
        import tomllib  # noqa: PLC0415 - only for the packaged default

        return cls.from_dict(tomllib.loads(text))

    def for_channel(self, source: str, name: str) -> DeliveryMap:
        """The rules of channel ``source`` under the channel name ``name``."""
        return DeliveryMap({name: self._channels.get(source, {})})

    def merged(self, other: DeliveryMap) -> DeliveryMap:
        """A map with ``other``'s names added (they win on a clash)."""
        channels = {c: dict(r) for c, r in self._channels.items()}
        for channel, rules in other._channels.items():
            channels.setdefault(channel, {}).update(rules)
        return DeliveryMap(channels)

    def mapped(self, channel: str) -> list[str]:
        """The (normalised) names known for ``channel``."""
        return sorted(self._channels.get(channel, {}))

    def resolve(self, channel: str, name: str) -> DeliveryRule:
        """The rule for ``name`` on ``channel``; :class:`UnmappedDeliveryMethod` if none."""
        rules = self._channels.get(channel, {})
        found = rules.get(_norm(name)) or rules.get(CATCH_ALL)
        if found is None:
            raise UnmappedDeliveryMethod(channel=channel, name=name, mapped=rules)
        return found

    def __repr__(self) -> str:
        counts = ", ".join(f"{c}: {len(r)}" for c, r in sorted(self._channels.items()))
        return f"DeliveryMap({counts})"
