"""InPost ShipX settings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = ["SHIPX_SANDBOX_URL", "SHIPX_URL", "InPostSettings"]

#: Production and sandbox hosts (reference §1, ShipX-doc page 28639247).
SHIPX_URL = "https://api-shipx-pl.easypack24.net"
SHIPX_SANDBOX_URL = "https://sandbox-api-shipx-pl.easypack24.net"


class InPostSettings(BaseModel):
    """How to reach one ShipX organization."""

    model_config = ConfigDict(extra="forbid")

    token: SecretStr = Field(description="Manager → My account → API token (Bearer).")
    organization_id: int
    url: str = SHIPX_URL
    timeout: float = Field(default=30.0, gt=0)
    webhook_token: SecretStr | None = Field(
        default=None, description="Secret expected in the webhook URL path."
    )
    webhook_networks: list[str] = Field(
        default_factory=lambda: ["91.216.25.0/24"],
        description="Source networks webhooks may come from (reference §6).",
    )
    confirm_timeout: float = Field(default=60.0, gt=0, description="Seconds to wait for confirmed.")
