"""Settings every adapter shares: what ``[channels.<name>]`` and ``[carriers.<id>]`` hold.

An adapter's settings model subclasses :class:`ChannelSettings` or
:class:`CarrierSettings` and adds its own fields (token, URL…); the
configuration loader fills ``channel`` / ``carrier`` from the table's name and
validates the rest with the adapter's model (unknown keys are an error).

A channel's status and delivery maps are data in the same table; without them
the adapter's defaults apply, renamed to the channel::

    [channels.shop]
    adapter = "baselinker"
    token = {env = "BL_TOKEN"}
    [channels.shop.statuses]          # channel status → master status
    "Nowe zamówienia" = "new"
    [channels.shop.deliveries]        # delivery-method name → method, carrier, service
    "Kurier DPD" = {method = "courier", carrier = "dpd"}

>>> class ShopSettings(ChannelSettings):
...     channel: str = "shop"
>>> smap = ShopSettings(statuses={"open": "new", "done": "shipped"}).status_map(StatusMap({}))
>>> smap.to_master("shop", "done")
<OrderStatus.SHIPPED: 'shipped'>
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ecomflow.orders.delivery import DeliveryMap, DeliveryRule
from ecomflow.orders.status import OrderStatus, StatusMap

__all__ = ["AdapterSettings", "CarrierSettings", "ChannelSettings"]


class AdapterSettings(BaseModel):
    """Base of every adapter's settings: unknown keys are an error."""

    model_config = ConfigDict(extra="forbid")


class ChannelSettings(AdapterSettings):
    """What every channel adapter's settings hold besides its own fields."""

    channel: str = Field(
        min_length=1,
        description="The channel's name (the [channels.<name>] table); order ids are "
        "'<channel>-<channel order id>'.",
    )
    statuses: dict[str, OrderStatus] | None = Field(
        default=None, description="Channel status → master status (replaces the default map)."
    )
    write_back: dict[OrderStatus, str] | None = Field(
        default=None, description="Master status → the channel status to write back."
    )
    deliveries: dict[str, DeliveryRule] | None = Field(
        default=None,
        description="Delivery-method name → {method, carrier, service_id} (added to the "
        "adapter's defaults; '*' catches every other name).",
    )

    def status_map(self, default: StatusMap, default_key: str | None = None) -> StatusMap:
        """The channel's status map: ``statuses`` when given, else ``default`` renamed."""
        if self.statuses is not None:
            return StatusMap(
                {self.channel: dict(self.statuses)},
                write_back={self.channel: dict(self.write_back or {})},
            )
        base = default.for_channel(default_key or self.channel, self.channel)
        if self.write_back:
            return base.merged(
                StatusMap(
                    {self.channel: base.mapped(self.channel)},
                    write_back={self.channel: dict(self.write_back)},
                )
            )
        return base

    def delivery_map(self, default: DeliveryMap, default_key: str | None = None) -> DeliveryMap:
        """The channel's delivery map: ``default`` renamed, with ``deliveries`` added."""
        base = default.for_channel(default_key or self.channel, self.channel)
        if self.deliveries:
            return base.merged(DeliveryMap({self.channel: dict(self.deliveries)}))
        return base


class CarrierSettings(AdapterSettings):
    """What every carrier adapter's settings hold besides its own fields."""

    carrier: str = Field(
        min_length=1,
        description="The carrier id (the [carriers.<id>] table), as the catalogue's "
        "services name it.",
    )
