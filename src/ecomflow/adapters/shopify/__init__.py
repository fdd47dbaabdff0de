"""The Shopify adapter (GraphQL Admin API): orders, status and tracking, stock, webhooks.

Modules: :mod:`~.settings` (the ``[channels.<name>]`` table), :mod:`~.wire` (GraphQL
documents, GIDs, the update cursor), :mod:`~.mapper` (pure node → Order), :mod:`~.client`
(the twins, one flow per operation) and :mod:`~.webhooks` (HMAC, order events).
"""

from ecomflow.adapters.registry import AdapterInfo
from ecomflow.adapters.shopify.client import AsyncShopifyClient, ShopifyClient
from ecomflow.adapters.shopify.mapper import (
    SHOPIFY_DELIVERIES,
    SHOPIFY_STATUSES,
    WRITE_ACTIONS,
    to_order,
)
from ecomflow.adapters.shopify.settings import SHOPIFY_API_VERSION, ShopifySettings
from ecomflow.adapters.shopify.webhooks import TOPICS, parse_order_webhook
from ecomflow.adapters.shopify.wire import ORDERS_QUERY, UpdateCursor

__all__ = [
    "ORDERS_QUERY",
    "PLUGIN",
    "SHOPIFY_API_VERSION",
    "SHOPIFY_DELIVERIES",
    "SHOPIFY_STATUSES",
    "TOPICS",
    "WRITE_ACTIONS",
    "AsyncShopifyClient",
    "ShopifyClient",
    "ShopifySettings",
    "UpdateCursor",
    "parse_order_webhook",
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
    description="Orders, fulfilment with tracking, orderCancel, inventory per location and "
    "signed webhooks (GraphQL Admin API).",
)
