"""The adapter registry: plugins found through the ``ecomflow.adapters`` entry points.

A plugin package declares, in its ``pyproject.toml``::

    [project.entry-points."ecomflow.adapters"]
    mychannel = "my_package.adapter:PLUGIN"

where ``PLUGIN`` is an :class:`AdapterInfo`. Entry points are loaded lazily, on
the first look-up; a plugin that fails to import is reported by
:func:`available` (and ``ecomflow adapters``) instead of crashing anything.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, Literal

from pydantic import BaseModel

from ecomflow.adapters.protocols import capabilities
from ecomflow.errors import PluginError

__all__ = ["ENTRY_POINT_GROUP", "AdapterInfo", "PluginStatus", "available", "get", "register"]

#: The entry-point group plugins register under.
ENTRY_POINT_GROUP = "ecomflow.adapters"


@dataclass(frozen=True)
class AdapterInfo:
    """What an adapter is and how to build it.

    Attributes:
        id: the name used in ``ecomflow.toml`` (``adapter = "inpost"``).
        label: a human name.
        settings: the pydantic model of its configuration table; the client
            is built as ``client(settings)``.
        client: the sync client class.
        async_client: the async twin, if the adapter has one.
        status: ``stable`` or ``beta``.
        description: one line for ``ecomflow adapters``.

    What the adapter can do is derived from its client (:attr:`capabilities`),
    never declared.
    """

    id: str
    label: str
    settings: type[BaseModel]
    client: type
    async_client: type | None = None
    status: Literal["stable", "beta"] = "beta"
    description: str = ""

    @property
    def capabilities(self) -> frozenset[str]:
        """The protocols the sync client implements (see :func:`capabilities`)."""
        return capabilities(self.client)

    @property
    def kind(self) -> Literal["channel", "carrier", "other"]:
        """``channel`` (an order source), ``carrier`` (a shipment provider) or ``other``."""
        found = self.capabilities
        if "orders" in found:
            return "channel"
        return "carrier" if "shipments" in found else "other"

    def build(self, settings: BaseModel | Mapping[str, Any]) -> Any:
        """The sync client, from a settings model or the raw configuration table."""
        if not isinstance(settings, self.settings):
            settings = self.settings.model_validate(settings)
        return self.client(settings)


@dataclass(frozen=True)
class PluginStatus:
    """One plugin as :func:`available` sees it: loaded, or the error that stopped it."""

    id: str
    info: AdapterInfo | None = None
    error: str | None = None
    source: str = "entry point"

    @property
    def ok(self) -> bool:
        """Whether the plugin loaded."""
        return self.info is not None


@dataclass
class _Registry:
    registered: dict[str, AdapterInfo] = field(default_factory=dict)
    loaded: dict[str, PluginStatus] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)


_REGISTRY = _Registry()


def register(info: AdapterInfo) -> AdapterInfo:
    """Register an adapter in this process (tests, scripts, plugins not installed)."""
    if not isinstance(info, AdapterInfo):
        raise PluginError(f"register() takes an AdapterInfo, not {type(info).__name__}.")
    _REGISTRY.registered[info.id] = info
    return info


def _load() -> dict[str, PluginStatus]:
    with _REGISTRY.lock:
        if _REGISTRY.loaded is None:
            found: dict[str, PluginStatus] = {}
            for point in entry_points(group=ENTRY_POINT_GROUP):
                try:
                    info = point.load()
                    if not isinstance(info, AdapterInfo):
                        raise TypeError(
                            f"{point.value} is a {type(info).__name__}, not AdapterInfo"
                        )
                    found[point.name] = PluginStatus(point.name, info, source=point.value)
                except Exception as error:
                    found[point.name] = PluginStatus(
                        point.name, error=f"{type(error).__name__}: {error}", source=point.value
                    )
            _REGISTRY.loaded = found
        return _REGISTRY.loaded


def available() -> list[PluginStatus]:
    """Every adapter known: installed entry points (loaded or failed) and registered ones."""
    statuses = dict(_load())
    for adapter_id, info in _REGISTRY.registered.items():
        statuses[adapter_id] = PluginStatus(adapter_id, info, source="registered")
    return [statuses[k] for k in sorted(statuses)]


def get(adapter_id: str) -> AdapterInfo:
    """The adapter ``adapter_id``; :class:`PluginError` if unknown or broken."""
    if adapter_id in _REGISTRY.registered:
        return _REGISTRY.registered[adapter_id]
    status = _load().get(adapter_id)
    if status is None:
        known = ", ".join(s.id for s in available()) or "none"
        raise PluginError(f"No adapter {adapter_id!r} (known: {known}).", adapter_id=adapter_id)
    if status.info is None:
        raise PluginError(
            f"Adapter {adapter_id!r} failed to load: {status.error}", adapter_id=adapter_id
        )
    return status.info
