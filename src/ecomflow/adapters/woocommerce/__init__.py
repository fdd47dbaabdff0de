"""The WooCommerce adapter (REST API v3): orders, status and tracking back, stock, webhooks."""

from ecomflow.adapters.registry import AdapterInfo
from ecomflow.adapters.woocommerce.client import (
    AsyncWooCommerceClient,
    WooCommerceClient,
    oauth_signature,
)
from ecomflow.adapters.woocommerce.mapper import MAX_BATCH, WOO_STATUSES, batch_payloads, to_order
from ecomflow.adapters.woocommerce.settings import WooCommerceSettings
from ecomflow.adapters.woocommerce.webhooks import WooWebhook, WooWebhooks

__all__ = [
    "MAX_BATCH",
    "PLUGIN",
    "WOO_STATUSES",
    "AsyncWooCommerceClient",
    "WooCommerceClient",
    "WooCommerceSettings",
    "WooWebhook",
    "WooWebhooks",
    "batch_payloads",
    "oauth_signature",
    "to_order",
]

#: The entry point ``woocommerce`` in the ``ecomflow.adapters`` group.
PLUGIN = AdapterInfo(
    id="woocommerce",
    label="WooCommerce",
    settings=WooCommerceSettings,
    client=WooCommerceClient,
    async_client=AsyncWooCommerceClient,
    status="beta",
    description="Orders, fulfilment with tracking, stock and signed webhooks via REST v3.",
)
