"""The Shopify adapter (GraphQL Admin API): orders, fulfilment with tracking, stock, webhooks."""

from ecomflow.adapters.registry import AdapterInfo
from ecomflow.adapters.shopify.client import ORDERS_QUERY, AsyncShopifyClient, ShopifyClient
from ecomflow.adapters.shopify.mapper import SHOPIFY_STATUSES, to_order
from ecomflow.adapters.shopify.settings import SHOPIFY_API_VERSION, ShopifySettings
from ecomflow.adapters.shopify.webhooks import TOPICS, ShopifyWebhook, ShopifyWebhooks

__all__ = [
    "ORDERS_QUERY",
    "PLUGIN",
    "SHOPIFY_API_VERSION",
    "SHOPIFY_STATUSES",
    "TOPICS",
    "AsyncShopifyClient",
    "ShopifyClient",
    "ShopifySettings",
    "ShopifyWebhook",
    "ShopifyWebhooks",
    "to_order",
]

#: The entry point ``shopify`` in the ``ecomflow.adapters`` group.
PLUGIN = AdapterInfo(
    id="shopify",
    label="Shopify",
    settings=ShopifySettings,
    client=ShopifyClient,
    async_client=AsyncShopifyClient,
    status="beta",
    description="Orders, fulfilment with tracking, inventory and signed webhooks (GraphQL).",
)
