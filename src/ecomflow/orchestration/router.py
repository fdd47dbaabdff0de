"""Channels and carriers by name, built from configuration through the plugin registry.

The Orchestrator never names a concrete adapter: it asks the router for the
channel an order came from, and for the carrier of the service selected for
it — as karrio's ``Shipment.create(request).from_(gateway)`` never names a
carrier. What each adapter can do is checked against the protocols, once,
when the router is built.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from ecomflow.adapters.protocols import (
    BulkStatusWriter,
    OrderSource,
    ShipmentLister,
    ShipmentProvider,
    StockSink,
    TrackingSource,
    WebhookSource,
)
from ecomflow.errors import ConfigurationError

__all__ = ["Router"]


@dataclass
class Router:
    """The configured channels (name → ``OrderSource``) and carriers (id → ``ShipmentProvider``)."""

    channels: dict[str, OrderSource] = field(default_factory=dict)
    carriers: dict[str, ShipmentProvider] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, channel in self.channels.items():
            if not isinstance(channel, OrderSource):
                raise ConfigurationError(
                    f"channel {name!r}: {type(channel).__name__} is not an OrderSource "
                    "(fetch_orders, get_order, write_status, write_tracking)"
                )
        for carrier_id, carrier in self.carriers.items():
            if not isinstance(carrier, ShipmentProvider):
                raise ConfigurationError(
                    f"carrier {carrier_id!r}: {type(carrier).__name__} is not a ShipmentProvider "
                    "(services, create_shipment, get_shipment, get_label, cancel_shipment, "
                    "tracking_url)"
                )
        self._offered = {
            service: carrier_id
            for carrier_id, carrier in self.carriers.items()
            for service in carrier.services()
        }

    @classmethod
    def of(
        cls,
        channels: Mapping[str, object] | Iterable[tuple[str, object]] = (),
        carriers: Mapping[str, object] | Iterable[tuple[str, object]] = (),
    ) -> Router:
        """Build from already made clients (tests, notebooks, hand-wired apps)."""
        return cls(dict(channels), dict(carriers))  # type: ignore[arg-type]

    # -- look-ups ---------------------------------------------------------------------

    def channel(self, name: str) -> OrderSource:
        """The channel ``name``; a clear error when it is not configured."""
        try:
            return self.channels[name]
        except KeyError:
            known = ", ".join(sorted(self.channels)) or "none"
            raise ConfigurationError(
                f"No channel {name!r} is configured (channels: {known}); add "
                f"[channels.{name}] to ecomflow.toml."
            ) from None

    def carrier(self, carrier_id: str) -> ShipmentProvider:
        """The carrier ``carrier_id``; a clear error when it is not configured."""
        try:
            return self.carriers[carrier_id]
        except KeyError:
            known = ", ".join(sorted(self.carriers)) or "none"
            raise ConfigurationError(
                f"No carrier {carrier_id!r} is configured (carriers: {known}); add "
                f"[carriers.{carrier_id}] to ecomflow.toml."
            ) from None

    @property
    def offered(self) -> dict[str, str]:
        """Service id → the carrier id whose adapter can create it."""
        return dict(self._offered)

    def bulk_status(self, name: str) -> BulkStatusWriter | None:
        """The channel as a bulk status writer, when it is one."""
        channel = self.channel(name)
        return channel if isinstance(channel, BulkStatusWriter) else None

    def lister(self, carrier_id: str) -> ShipmentLister | None:
        """The carrier as a bulk shipment reader, when it is one."""
        carrier = self.carrier(carrier_id)
        return carrier if isinstance(carrier, ShipmentLister) else None

    def tracking(self, carrier_id: str) -> TrackingSource | None:
        """The carrier as a tracking source, when it is one."""
        carrier = self.carriers.get(carrier_id)
        return carrier if isinstance(carrier, TrackingSource) else None

    def stock_sinks(self) -> dict[str, StockSink]:
        """Channels that show stock."""
        return {n: c for n, c in self.channels.items() if isinstance(c, StockSink)}

    def webhook_source(self, name: str) -> WebhookSource:
        """The channel or carrier ``name`` as a webhook source."""
        found = self.channels.get(name) or self.carriers.get(name)
        if found is None:
            raise ConfigurationError(f"No channel or carrier {name!r} receives webhooks.")
        if not isinstance(found, WebhookSource):
            raise ConfigurationError(f"{name!r} does not take webhooks (no parse_webhook).")
        return found

    def close(self) -> None:
        """Close every client that can be closed."""
        for client in [*self.channels.values(), *self.carriers.values()]:
            close = getattr(client, "close", None)
            if callable(close):
                close()
