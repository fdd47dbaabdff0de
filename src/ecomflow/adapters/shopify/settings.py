"""Shopify settings: one store, as the ``[channels.<name>]`` table of ``ecomflow.toml`` holds it.

>>> settings = ShopifySettings(shop_url="https://demo.myshopify.com", access_token="shpat_x",
...                            locations={"main": "gid://shopify/Location/1"})
>>> settings.channel, settings.api_version, settings.location_for("main")
('shopify', '2026-10', 'gid://shopify/Location/1')
>>> settings
ShopifySettings(channel='shopify', shop_url='https://demo.myshopify.com', api_version='2026-10')
"""

from __future__ import annotations

import re

from pydantic import Field, SecretStr, field_validator

from ecomflow.adapters.settings import ChannelSettings

__all__ = ["SHOPIFY_API_VERSION", "ShopifySettings"]

#: The pinned Admin API version (quarterly ``YYYY-MM`` releases, reference A1). From
#: 2026-04 ``inventorySetQuantities`` needs ``changeFromQuantity`` on every quantity and
#: an ``@idempotent`` key (shopify.dev/docs/api/admin-graphql/latest/mutations/
#: inventorySetQuantities, 2026-07 page: "As of 2026-04, the idempotency key is required").
SHOPIFY_API_VERSION = "2026-10"

_VERSION = re.compile(r"^(\d{4}-(01|04|07|10)|unstable)$")
_LOCATION = re.compile(r"^gid://shopify/Location/\d+$")


class ShopifySettings(ChannelSettings):
    """One Shopify store (GraphQL Admin API).

    ``locations`` maps the ledger's warehouse names to Shopify location GIDs
    (``StockUpdate.warehouse`` → ``locationId``); ``location_id`` is where stock
    without a warehouse goes. ``point_attribute`` names the order's custom attribute
    (note attribute) that carries the parcel-locker point id, when the shop's
    checkout writes one (Shopify has no standard field for it).
    """

    channel: str = Field(default="shopify", min_length=1)
    shop_url: str = Field(description="https://<shop>.myshopify.com")
    access_token: SecretStr = Field(description="Admin API access token (X-Shopify-Access-Token).")
    api_version: str = Field(default=SHOPIFY_API_VERSION, description="YYYY-MM or 'unstable'.")
    app_secret: SecretStr | None = Field(
        default=None, description="The app's client secret: webhooks are signed with it (HMAC)."
    )
    location_id: str | None = Field(
        default=None, description="Location GID for stock updates without a warehouse."
    )
    locations: dict[str, str] = Field(
        default_factory=dict, description="Warehouse name → Shopify location GID."
    )
    point_attribute: str | None = Field(
        default=None, description="Order custom attribute holding the parcel-locker point id."
    )
    tracking_companies: dict[str, str] = Field(
        default_factory=dict,
        description="Carrier id → the tracking company name shown in Shopify (else the id).",
    )
    notify_customer: bool = Field(
        default=False, description="Let Shopify e-mail the customer on fulfilment."
    )
    cancel_refund: bool = Field(
        default=False,
        description="orderCancel refunds to the original payment method (else ecomflow's "
        "returns flow refunds).",
    )
    page_size: int = Field(
        default=5,
        ge=1,
        le=250,
        description="Orders per page; with line_items=30 a page is priced about 760 of the "
        "1000 points one query may cost (reference A5). A page priced over the limit is "
        "halved automatically.",
    )
    line_items: int = Field(
        default=30, ge=1, le=250, description="Line items read per order in a page."
    )
    timeout: float = Field(default=30.0, gt=0)

    @field_validator("shop_url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("shop_url must start with https:// (e.g. https://shop.myshopify.com)")
        return value.rstrip("/")

    @field_validator("api_version")
    @classmethod
    def _version(cls, value: str) -> str:
        if not _VERSION.match(value):
            raise ValueError(f"api_version {value!r} is not YYYY-01/04/07/10 or 'unstable'")
        return value

    @field_validator("location_id")
    @classmethod
    def _location(cls, value: str | None) -> str | None:
        if value is not None and not _LOCATION.match(value):
            raise ValueError(f"{value!r} is not a location GID like gid://shopify/Location/1")
        return value

    @field_validator("locations")
    @classmethod
    def _locations(cls, value: dict[str, str]) -> dict[str, str]:
        for warehouse, gid in value.items():
            if not _LOCATION.match(gid):
                raise ValueError(
                    f"locations[{warehouse!r}] = {gid!r} is not a location GID like "
                    "gid://shopify/Location/1"
                )
        return value

    def location_for(self, warehouse: str | None) -> str | None:
        """The Shopify location GID for a ledger warehouse (``None`` when not configured)."""
        if warehouse is None:
            return self.location_id
        return self.locations.get(warehouse)

    def __repr__(self) -> str:
        return (
            f"ShopifySettings(channel={self.channel!r}, shop_url={self.shop_url!r}, "
            f"api_version={self.api_version!r})"
        )
