"""Settings of the built-in "pickup in person" carrier (``adapter = "pickup"``)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr

from ecomflow.adapters.settings import CarrierSettings

__all__ = ["PERSONAL_PICKUP", "PickupSettings"]

#: The catalogue's service id for collecting the parcel at the shop.
PERSONAL_PICKUP = "personal_pickup"


class PickupSettings(CarrierSettings):
    """What ``[carriers.shop] adapter = "pickup"`` holds.

    >>> PickupSettings().carrier, PickupSettings().service_id
    ('shop', 'personal_pickup')
    >>> PickupSettings(code_key="k3y")
    PickupSettings(carrier='shop', service_id='personal_pickup', code_key=SecretStr('**********'), shop_name='', location='', opening_hours='', state_file=None)
    """

    carrier: str = Field(
        default="shop",
        min_length=1,
        description="The carrier id (the [carriers.<id>] table); the example catalogue's "
        "personal_pickup service names carrier 'shop'.",
    )
    service_id: str = Field(
        default=PERSONAL_PICKUP,
        min_length=1,
        description="The one catalogue service this pickup desk offers (one table per "
        "pickup location, each with its own service id).",
    )
    code_key: SecretStr | None = Field(
        default=None,
        description="Secret that makes pickup codes unguessable (HMAC key). Without it the "
        "code is still unique per order but anyone who knows the algorithm and the order "
        "number can compute it: staff must then check the customer's name.",
    )
    shop_name: str = Field(default="", description="Printed at the top of the pickup slip.")
    location: str = Field(default="", description="Where to collect, printed on the slip.")
    opening_hours: str = Field(default="", description="When to collect, printed on the slip.")
    state_file: Path | None = Field(
        default=None,
        description="SQLite file that remembers cancelled slips across restarts and "
        "workers on one host (in memory when not set).",
    )
