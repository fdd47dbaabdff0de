"""The InPost ShipX adapter: lockers and courier, labels, tracking, points, webhooks."""

from ecomflow.adapters.inpost.client import AsyncInPostClient, InPostClient
from ecomflow.adapters.inpost.mapper import create_payload, locker_template, to_shipment
from ecomflow.adapters.inpost.settings import SHIPX_SANDBOX_URL, SHIPX_URL, InPostSettings
from ecomflow.adapters.inpost.statuses import EXCEPTION_STATUSES, SHIPX_STATUSES, tracking_status
from ecomflow.adapters.inpost.webhooks import ShipXEvent, WebhookGuard, parse_webhook
from ecomflow.adapters.registry import AdapterInfo

__all__ = [
    "EXCEPTION_STATUSES",
    "PLUGIN",
    "SHIPX_SANDBOX_URL",
    "SHIPX_STATUSES",
    "SHIPX_URL",
    "AsyncInPostClient",
    "InPostClient",
    "InPostSettings",
    "ShipXEvent",
    "WebhookGuard",
    "create_payload",
    "locker_template",
    "parse_webhook",
    "to_shipment",
    "tracking_status",
]

#: The entry point ``inpost`` in the ``ecomflow.adapters`` group.
PLUGIN = AdapterInfo(
    id="inpost",
    label="InPost ShipX",
    settings=InPostSettings,
    client=InPostClient,
    async_client=AsyncInPostClient,
    status="beta",
    description="Locker and courier shipments, labels, tracking and points via ShipX.",
)
