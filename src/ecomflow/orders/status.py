"""The master order status and the per-channel status maps.

Every channel names its statuses its own way ("Nowe zamówienia", ``processing``,
``PAID``…).  ecomflow keeps one master set, :class:`OrderStatus`, and a
:class:`StatusMap` per channel translates both ways.  An unmapped channel
status is an :class:`~ecomflow.errors.UnmappedStatus` error, never a silent
default.

>>> smap = StatusMap.default()
>>> smap.to_master("baselinker", "Do spakowania")
<OrderStatus.READY_TO_PACK: 'ready_to_pack'>
>>> smap.to_channel("baselinker", OrderStatus.SHIPPED)
'Wysłane'
>>> OrderStatus.ON_HOLD.label("pl")
'Wstrzymane'
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from ecomflow._toml import read_toml
from ecomflow.errors import ConfigurationError, UnmappedStatus

__all__ = ["OrderStatus", "StatusMap"]

_LABELS: dict[str, tuple[str, str]] = {
    "new": ("Nowe", "New"),
    "paid": ("Opłacone", "Paid"),
    "on_hold": ("Wstrzymane", "On hold"),
    "ready_to_pack": ("Do spakowania", "Ready to pack"),
    "in_fulfilment": ("W realizacji", "In fulfilment"),
    "packed": ("Spakowane", "Packed"),
    "shipped": ("Wysłane", "Shipped"),
    "delivered": ("Dostarczone", "Delivered"),
    "cancelled": ("Anulowane", "Cancelled"),
    "returned": ("Zwrócone", "Returned"),
}


class OrderStatus(StrEnum):
    """The master status of an order, the one source of truth across channels."""

    NEW = "new"
    PAID = "paid"
    ON_HOLD = "on_hold"
    READY_TO_PACK = "ready_to_pack"
    IN_FULFILMENT = "in_fulfilment"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"

    @property
    def label_pl(self) -> str:
        """The Polish name used in the seeds' SOPs (e.g. ``Do spakowania``)."""
        return _LABELS[self.value][0]

    @property
    def label_en(self) -> str:
        """The English name."""
        return _LABELS[self.value][1]

    def label(self, locale: str = "pl") -> str:
        """The name in ``locale`` (``pl`` or ``en``; ``pl_PL`` / ``en_GB`` work too)."""
        return self.label_pl if locale.lower().startswith("pl") else self.label_en

    @property
    def is_final(self) -> bool:
        """Whether no further event can move the order (cancelled or returned)."""
        return self in (OrderStatus.CANCELLED, OrderStatus.RETURNED)

    @property
    def is_shipped(self) -> bool:
        """Whether the parcel has left the warehouse (shipped, delivered or returned)."""
        return self in (OrderStatus.SHIPPED, OrderStatus.DELIVERED, OrderStatus.RETURNED)


def _coerce_status(value: Any, where: str) -> OrderStatus:
    if isinstance(value, OrderStatus):
        return value
    text = str(value).strip()
    for status in OrderStatus:
        if text.lower() in (status.value, status.name.lower(), status.label_pl.lower()):
            return status
    raise ConfigurationError(
        f"{where}: {value!r} is not a master status; use one of "
        f"{', '.join(s.value for s in OrderStatus)}."
    )


class StatusMap:
    """Per-channel translation between channel statuses and :class:`OrderStatus`.

    Args:
        mapping: ``{channel: {channel_status: master_status}}``.  Channel statuses
            are strings or ids (ids are compared as strings); master statuses are
            :class:`OrderStatus` members or their values.
        write_back: ``{channel: {master_status: channel_status}}`` for the status
            to write back when several channel statuses map to one master status.
            Without it, the first channel status mapped to the master one is used.

    >>> smap = StatusMap({"shop": {"pending": "new", "processing": "paid", 7: "paid"}})
    >>> smap.to_master("shop", 7)
    <OrderStatus.PAID: 'paid'>
    >>> smap.to_channel("shop", "paid")
    'processing'
    >>> smap.to_master("shop", "lost")
    Traceback (most recent call last):
    ...
    ecomflow.errors.UnmappedStatus: Channel 'shop' status 'lost' is not mapped to a master status (mapped: '7', 'pending', 'processing'). Add it to the channel's StatusMap.
    """

    def __init__(
        self,
        mapping: Mapping[str, Mapping[Any, Any]],
        *,
        write_back: Mapping[str, Mapping[Any, Any]] | None = None,
    ) -> None:
        self._to_master: dict[str, dict[str, OrderStatus]] = {}
        self._to_channel: dict[str, dict[OrderStatus, str]] = {}
        for channel, table in mapping.items():
            forward: dict[str, OrderStatus] = {}
            backward: dict[OrderStatus, str] = {}
            for channel_status, master in table.items():
                status = _coerce_status(master, f"status map {channel!r}, {channel_status!r}")
                forward[str(channel_status)] = status
                backward.setdefault(status, str(channel_status))
            self._to_master[channel] = forward
            self._to_channel[channel] = backward
        for channel, table in (write_back or {}).items():
            if channel not in self._to_master:
                raise ConfigurationError(
                    f"write_back names channel {channel!r}, which has no status mapping."
                )
            for master, channel_status in table.items():
                status = _coerce_status(master, f"write_back {channel!r}")
                self._to_channel[channel][status] = str(channel_status)

    # -- loading ------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> StatusMap:
        """Build from ``{"channels": {...}, "write_back": {...}}`` or a bare channel mapping."""
        if "channels" in data:
            return cls(data["channels"], write_back=data.get("write_back"))
        return cls(data)

    @classmethod
    def from_toml(cls, path: str | Path) -> StatusMap:
        """Load a TOML file with ``[channels.<name>]`` tables (see the shipped default)."""
        return cls.from_dict(read_toml(path, "status map"))

    @classmethod
    def default(cls) -> StatusMap:
        """The shipped map for BaseLinker-style status names used in the seeds."""
        text = resources.files("ecomflow.orders").joinpath("statuses.toml").read_text("utf-8")
        return cls.from_dict(tomllib.loads(text))

    def merged(self, other: StatusMap) -> StatusMap:
        """A new map with ``other``'s channels added (``other`` wins on a clash)."""
        result = StatusMap({})
        for source in (self, other):
            for channel, forward in source._to_master.items():
                result._to_master[channel] = dict(forward)
                result._to_channel[channel] = dict(source._to_channel[channel])
        return result

    def for_channel(self, source: str, name: str) -> StatusMap:
        """The tables of channel ``source`` under the channel name ``name``.

        >>> StatusMap.default().for_channel("baselinker", "shop").to_channel("shop", "shipped")
        'Wysłane'
        """
        result = StatusMap({})
        result._to_master[name] = dict(self._to_master.get(source, {}))
        result._to_channel[name] = dict(self._to_channel.get(source, {}))
        return result

    # -- lookups ------------------------------------------------------------------------

    @property
    def channels(self) -> list[str]:
        """The channels this map knows."""
        return sorted(self._to_master)

    def mapped(self, channel: str) -> dict[str, OrderStatus]:
        """The channel's statuses and the master status each maps to."""
        return dict(self._to_master.get(channel, {}))

    def to_master(self, channel: str, status: str | int) -> OrderStatus:
        """The master status for a channel status; :class:`UnmappedStatus` if unknown."""
        table = self._to_master.get(channel)
        key = str(status).strip()
        if table is None or key not in table:
            raise UnmappedStatus(channel=channel, status=key, mapped=(table or {}).keys())
        return table[key]

    def to_channel(self, channel: str, status: OrderStatus | str) -> str:
        """The channel status to write back for a master status.

        Raises :class:`UnmappedStatus` when the channel has no status for it.
        """
        master = _coerce_status(status, "to_channel")
        table = self._to_channel.get(channel, {})
        if master not in table:
            raise UnmappedStatus(
                channel=channel, status=master.value, mapped=(s.value for s in table)
            )
        return table[master]

    def covers(self, channel: str, statuses: Iterable[str | int]) -> list[str]:
        """The given channel statuses this map does **not** cover (empty when all are)."""
        table = self._to_master.get(channel, {})
        return [str(s) for s in statuses if str(s) not in table]

    def to_dict(self) -> dict[str, Any]:
        """A plain dict that :meth:`from_dict` reads back."""
        return {
            "channels": {
                ch: {k: v.value for k, v in fwd.items()} for ch, fwd in self._to_master.items()
            },
            "write_back": {
                ch: {k.value: v for k, v in back.items()} for ch, back in self._to_channel.items()
            },
        }

    def __repr__(self) -> str:
        sizes = ", ".join(f"{ch}: {len(t)}" for ch, t in sorted(self._to_master.items()))
        return f"StatusMap({sizes})"
