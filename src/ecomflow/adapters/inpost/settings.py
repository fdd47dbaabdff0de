"""InPost ShipX settings: what ``[carriers.inpost]`` holds.

>>> settings = InPostSettings(token="t0k", organization_id=1234, webhook_token="s3cret")
>>> settings.carrier, settings.url, settings.webhook_networks
('inpost', 'https://api-shipx-pl.easypack24.net', ['91.216.25.0/24'])
>>> InPostSettings(token="t", organization_id=1, services=["inpost_locker_standard"]).offered()
frozenset({'inpost_locker_standard'})
"""

from __future__ import annotations

import ipaddress
from typing import Literal, Self

from pydantic import Field, SecretStr, field_validator, model_validator

from ecomflow.adapters.inpost.wire import SERVICES
from ecomflow.adapters.settings import CarrierSettings

__all__ = ["SHIPX_SANDBOX_URL", "SHIPX_URL", "WEBHOOK_NETWORK", "InPostSettings"]

#: Production and sandbox hosts (reference §1, ShipX-doc page 28639247).
SHIPX_URL = "https://api-shipx-pl.easypack24.net"
SHIPX_SANDBOX_URL = "https://sandbox-api-shipx-pl.easypack24.net"
#: ShipX sends webhooks from this network, production and sandbox alike
#: (reference §6, ShipX-doc "Webhooks" 18153494 / 18153630).
WEBHOOK_NETWORK = "91.216.25.0/24"


class InPostSettings(CarrierSettings):
    """How to reach one ShipX organization (unknown keys are an error)."""

    carrier: str = Field(
        default="inpost",
        min_length=1,
        description="The carrier id the catalogue's services name (default 'inpost').",
    )
    token: SecretStr = Field(description="Manager → My account → API token (Bearer).")
    organization_id: int = Field(gt=0, description="The ShipX organization id.")
    url: str = Field(default=SHIPX_URL, description="API root (SHIPX_SANDBOX_URL for tests).")
    timeout: float = Field(default=30.0, gt=0, description="Seconds per HTTP call.")
    services: list[str] | None = Field(
        default=None,
        description="The ShipX services your contract covers (default: every service the "
        "adapter supports, see wire.SERVICES).",
    )
    sending_method: (
        Literal["parcel_locker", "pok", "pop", "courier_pok", "branch", "dispatch_order"] | None
    ) = Field(
        default=None,
        description="How parcels reach InPost (custom_attributes.sending_method, ShipX-doc "
        "18153492); unset: the organization's default.",
    )
    dropoff_point: str | None = Field(
        default=None,
        description="The point parcels are dropped at (needed with sending_method "
        "parcel_locker, pok or courier_pok).",
    )
    return_point: str | None = Field(
        default=None,
        min_length=1,
        description="The shop's parcel locker that return parcels of locker orders go to "
        "(custom_attributes.target_point of an is_return shipment); unset: a return label for "
        "a locker order is refused, naming this setting. Courier returns go to the "
        "organization's address.",
    )
    webhook_token: SecretStr | None = Field(
        default=None,
        description="Secret expected in the webhook URL path (ShipX does not sign webhooks).",
    )
    webhook_networks: list[str] = Field(
        default_factory=lambda: [WEBHOOK_NETWORK],
        description="Networks webhooks may come from (reference §6); [] turns the check off.",
    )
    lookup_days: int | None = Field(
        default=30,
        gt=0,
        description="How far back (days) the look-up for an earlier shipment with the same "
        "reference reads (ShipX filter created_at_gteq); None reads every shipment.",
    )
    confirm_timeout: float = Field(
        default=60.0, gt=0, description="Seconds wait_until_confirmed waits."
    )

    @field_validator("services")
    @classmethod
    def _known_services(cls, value: list[str] | None) -> list[str] | None:
        if value is None:
            return None
        unknown = sorted(set(value) - set(SERVICES))
        if unknown or not value:
            raise ValueError(
                f"unknown ShipX services {unknown} (supported: {', '.join(sorted(SERVICES))})"
                if unknown
                else "services must name at least one ShipX service"
            )
        return value

    @field_validator("webhook_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for network in value:
            try:
                ipaddress.ip_network(network)
            except ValueError:
                raise ValueError(f"{network!r} is not a network such as 91.216.25.0/24") from None
        return value

    @model_validator(mode="after")
    def _dropoff(self) -> Self:
        # dropoff_point goes with sending_method parcel_locker, pok or courier_pok
        # (ShipX-doc 18153492; magento SendingMethod.php).
        if (
            self.sending_method in ("parcel_locker", "pok", "courier_pok")
            and not self.dropoff_point
        ):
            raise ValueError(f"sending_method {self.sending_method!r} needs a dropoff_point")
        return self

    def offered(self) -> frozenset[str]:
        """The ShipX service ids this account can create."""
        return frozenset(self.services if self.services is not None else SERVICES)
