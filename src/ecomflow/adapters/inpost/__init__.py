"""The InPost ShipX adapter: lockers and courier, labels, tracking, points, webhooks.

Roles: :mod:`~ecomflow.adapters.inpost.settings` (``[carriers.inpost]``),
:mod:`~ecomflow.adapters.inpost.wire` (paths, services, limits, answer shapes, with
sources), :mod:`~ecomflow.adapters.inpost.mapper` (pure mapping and checks),
:mod:`~ecomflow.adapters.inpost.statuses`, :mod:`~ecomflow.adapters.inpost.webhooks`
and :mod:`~ecomflow.adapters.inpost.client` (the twins).

>>> import ecomflow.adapters
>>> sorted(ecomflow.adapters.get("inpost").capabilities)
['shipment_listing', 'shipments', 'tracking', 'webhooks']
"""

from ecomflow.adapters.inpost.client import AsyncInPostClient, InPostClient, ShipXOperations
from ecomflow.adapters.inpost.mapper import (
    ServiceMismatch,
    StreetParts,
    create_payload,
    locker_template,
    phone_number,
    split_street,
    to_shipment,
    to_tracking_events,
)
from ecomflow.adapters.inpost.settings import (
    SHIPX_SANDBOX_URL,
    SHIPX_URL,
    WEBHOOK_NETWORK,
    InPostSettings,
)
from ecomflow.adapters.inpost.statuses import EXCEPTION_STATUSES, SHIPX_STATUSES, tracking_status
from ecomflow.adapters.inpost.webhooks import ShipXEvent, WebhookGuard, parse_event
from ecomflow.adapters.inpost.wire import SERVICES, ServiceSpec
from ecomflow.adapters.registry import AdapterInfo

__all__ = [
    "EXCEPTION_STATUSES",
    "PLUGIN",
    "SERVICES",
    "SHIPX_SANDBOX_URL",
    "SHIPX_STATUSES",
    "SHIPX_URL",
    "WEBHOOK_NETWORK",
    "AsyncInPostClient",
    "InPostClient",
    "InPostSettings",
    "ServiceMismatch",
    "ServiceSpec",
    "ShipXEvent",
    "ShipXOperations",
    "StreetParts",
    "WebhookGuard",
    "create_payload",
    "locker_template",
    "parse_event",
    "phone_number",
    "split_street",
    "to_shipment",
    "to_tracking_events",
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
    description="Locker and courier shipments, labels, bulk reads, tracking, points and "
    "webhooks via ShipX.",
)
