"""WooCommerce REST API v3 settings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = ["WooCommerceSettings"]


class WooCommerceSettings(BaseModel):
    """One WooCommerce shop."""

    model_config = ConfigDict(extra="forbid")

    url: str = Field(description="The shop's root, e.g. https://sklep.example")
    consumer_key: SecretStr
    consumer_secret: SecretStr
    allow_http: bool = Field(
        default=False,
        description="Allow plain http:// (OAuth 1.0a query signatures), e.g. a local shop.",
    )
    webhook_secret: SecretStr | None = None
    per_page: int = Field(default=100, ge=1, le=100)
    tracking_meta: bool = Field(
        default=False, description="Also write the Shipment Tracking extension's order meta."
    )
    channel: str = "woocommerce"
    timeout: float = Field(default=30.0, gt=0)
