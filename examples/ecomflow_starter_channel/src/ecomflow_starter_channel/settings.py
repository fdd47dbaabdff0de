"""What ``[channels.<name>] adapter = "example_shop"`` holds, and the default maps.

The status and delivery maps are data: the defaults below apply, renamed to
the channel, unless the table has ``statuses`` / ``deliveries`` of its own
(see :class:`ecomflow.adapters.ChannelSettings`).
"""

from __future__ import annotations

from pydantic import Field, SecretStr

from ecomflow.adapters import ChannelSettings
from ecomflow.orders.delivery import DeliveryMap, DeliveryRule
from ecomflow.orders.models import DeliveryMethod
from ecomflow.orders.status import StatusMap

__all__ = ["API_URL", "DEFAULT_DELIVERIES", "DEFAULT_KEY", "DEFAULT_MAP", "ExampleShopSettings"]

#: The production API root (README.md, "Hosts").
API_URL = "https://sklep-przykladowy.example"

#: The key the defaults are filed under (renamed to the channel's name).
DEFAULT_KEY = "example_shop"

#: The shop's statuses (README.md, "Statuses") → master statuses, and what to write back.
DEFAULT_MAP = StatusMap(
    {
        DEFAULT_KEY: {
            "pending": "new",
            "paid": "paid",
            "on_hold": "on_hold",
            "processing": "in_fulfilment",
            "shipped": "shipped",
            "delivered": "delivered",
            "cancelled": "cancelled",
            "returned": "returned",
        }
    },
    write_back={DEFAULT_KEY: {"ready_to_pack": "processing", "packed": "processing"}},
)

#: The shop's shipping-method names → method, carrier, service (README.md, "Shipping methods").
DEFAULT_DELIVERIES = DeliveryMap(
    {
        DEFAULT_KEY: {
            "Paczkomat InPost": DeliveryRule(method=DeliveryMethod.PARCEL_LOCKER, carrier="inpost"),
            "Kurier InPost": DeliveryRule(method=DeliveryMethod.COURIER, carrier="inpost"),
            "Kurier DPD": DeliveryRule(method=DeliveryMethod.COURIER, carrier="dpd"),
            "Kurier Przykładowy": DeliveryRule(
                method=DeliveryMethod.COURIER, carrier="example_courier"
            ),
            "Odbiór osobisty": DeliveryRule(
                method=DeliveryMethod.PICKUP, carrier="shop", service_id="personal_pickup"
            ),
        }
    }
)


class ExampleShopSettings(ChannelSettings):
    """One Sklep Przykładowy shop.

    >>> settings = ExampleShopSettings(channel="sklep", api_key="k")
    >>> settings.status_map(DEFAULT_MAP, DEFAULT_KEY).to_channel("sklep", "packed")
    'processing'
    >>> settings.delivery_map(DEFAULT_DELIVERIES, DEFAULT_KEY).resolve("sklep", "kurier dpd").carrier
    'dpd'
    """

    channel: str = Field(
        default="example_shop",
        min_length=1,
        description="The channel's name (the [channels.<name>] table).",
    )
    api_key: SecretStr = Field(description="Panel → Ustawienia → API → Klucz (X-Api-Key).")
    url: str = Field(default=API_URL, description="API root (a fake in tests).")
    webhook_secret: SecretStr | None = Field(
        default=None, description="Signs webhooks (HMAC-SHA256); refused without it."
    )
    page_size: int = Field(default=100, ge=1, le=100, description="Orders per page (API max 100).")
    max_orders_per_fetch: int = Field(
        default=5000,
        ge=100,
        description="fetch_orders stops after about this many and returns a cursor to go on.",
    )
    timeout: float = Field(default=30.0, gt=0, description="Seconds per HTTP call.")
