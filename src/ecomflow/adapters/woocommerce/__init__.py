"""The WooCommerce adapter (REST API v3).

Orders and their changes, status and tracking back, stock of products and
variations, signed webhooks.

>>> from ecomflow.adapters import get
>>> sorted(get("woocommerce").capabilities)
['orders', 'stock', 'webhooks']
"""

from ecomflow.adapters.registry import AdapterInfo
from ecomflow.adapters.woocommerce.auth import oauth_signature, signature_base_string
from ecomflow.adapters.woocommerce.client import (
    TRACKING_META,
    AsyncWooCommerceClient,
    WooCommerceClient,
)
from ecomflow.adapters.woocommerce.cursor import OrderCursor
from ecomflow.adapters.woocommerce.mapper import (
    MAX_BATCH,
    WOO_STATUSES,
    StockTarget,
    batch_payloads,
    catalogue,
    intake,
    line_sku,
    to_order,
)
from ecomflow.adapters.woocommerce.settings import WooCommerceSettings
from ecomflow.adapters.woocommerce.webhooks import ORDER_TOPICS, parse_webhook

__all__ = [
    "MAX_BATCH",
    "ORDER_TOPICS",
    "PLUGIN",
    "TRACKING_META",
    "WOO_STATUSES",
    "AsyncWooCommerceClient",
    "OrderCursor",
    "StockTarget",
    "WooCommerceClient",
    "WooCommerceSettings",
    "batch_payloads",
    "catalogue",
    "intake",
    "line_sku",
    "oauth_signature",
    "parse_webhook",
    "signature_base_string",
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
    description="Orders and their changes, status and tracking back, stock of products and "
    "variations, signed webhooks via REST v3.",
)
