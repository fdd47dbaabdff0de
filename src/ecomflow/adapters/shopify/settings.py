"""Shopify GraphQL Admin API settings."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = ["SHOPIFY_API_VERSION", "ShopifySettings"]

#: The pinned Admin API version (quarterly releases, reference A1); 2026-04 brought
#: ``changeFromQuantity`` for inventorySetQuantities (reference A4).
SHOPIFY_API_VERSION = "2026-10"


class ShopifySettings(BaseModel):
    """One Shopify store."""

    model_config = ConfigDict(extra="forbid")

    shop_url: str = Field(description="https://<shop>.myshopify.com")
    access_token: SecretStr
    api_version: str = SHOPIFY_API_VERSION
    location_id: str = Field(default="gid://shopify/Location/1")
    app_secret: SecretStr | None = Field(default=None, description="Signs webhooks (HMAC).")
    channel: str = "shopify"
    page_size: int = Field(default=100, ge=1, le=250)
    timeout: float = Field(default=30.0, gt=0)
