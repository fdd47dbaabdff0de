"""WooCommerce REST API v3 settings: the ``[channels.<name>]`` table of a WooCommerce shop.

>>> settings = WooCommerceSettings(url="https://sklep.example", consumer_key="ck_1",
...                                consumer_secret="cs_1")
>>> settings.channel, settings.per_page, settings.consumer_secret
('woocommerce', 100, SecretStr('**********'))
"""

from __future__ import annotations

from pydantic import Field, SecretStr, field_validator

from ecomflow.adapters.settings import ChannelSettings

__all__ = ["WooCommerceSettings"]


class WooCommerceSettings(ChannelSettings):
    """One WooCommerce shop (REST API v3 keys, webhook secret, how to read and write it)."""

    channel: str = Field(
        default="woocommerce",
        min_length=1,
        description="The channel's name (the [channels.<name>] table); order ids are "
        "'<channel>-<WooCommerce order id>'.",
    )
    url: str = Field(description="The shop's home URL, e.g. https://sklep.example")
    consumer_key: SecretStr = Field(description="REST API consumer key (ck_…).")
    consumer_secret: SecretStr = Field(description="REST API consumer secret (cs_…).")
    allow_http: bool = Field(
        default=False,
        description="Allow plain http:// (one-legged OAuth 1.0a query signatures), e.g. a "
        "local shop; over https:// the keys go as HTTP Basic.",
    )
    webhook_secret: SecretStr | None = Field(
        default=None, description="The secret of the shop's webhooks (X-WC-Webhook-Signature)."
    )
    per_page: int = Field(
        default=100, ge=1, le=100, description="Page size for lists (WordPress allows 1–100)."
    )
    tracking_meta: bool = Field(
        default=False,
        description="Also write the Shipment Tracking extension's order meta "
        "(_wc_shipment_tracking_items).",
    )
    point_meta_keys: list[str] = Field(
        default_factory=list,
        description="Order or shipping-line meta keys that hold the parcel-locker point id "
        "your locker plugin stores (plugin-specific; none by default).",
    )
    catalogue_refresh_seconds: float = Field(
        default=60.0,
        ge=0,
        description="An unknown SKU reloads the product catalogue at most this often.",
    )
    timeout: float = Field(default=30.0, gt=0, description="Seconds per HTTP request.")

    @field_validator("url")
    @classmethod
    def _root(cls, value: str) -> str:
        url = value.strip().rstrip("/")
        if not url.startswith(("http://", "https://")):
            raise ValueError(
                f"url {value!r} must start with https:// (or http:// for a local shop)"
            )
        return url
