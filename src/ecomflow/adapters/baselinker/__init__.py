"""The BaseLinker adapter: orders, statuses, journal, stock, packages and labels.

Roles (as in karrio): ``settings`` (what users configure), ``wire`` (the API's
shapes), ``mapper`` (pure wire ⇄ domain), ``paging`` (the no-loss order
cursor) and ``client`` (the HTTP twins).
"""

from ecomflow.adapters.baselinker.client import (
    AsyncBaseLinkerClient,
    BaseLinkerClient,
    limiter_for,
)
from ecomflow.adapters.baselinker.mapper import carrier_of, stock_payloads, to_order
from ecomflow.adapters.baselinker.paging import PAGE_SIZE, OrderCursor
from ecomflow.adapters.baselinker.settings import BASELINKER_URL, BaseLinkerSettings
from ecomflow.adapters.baselinker.wire import BLOrder, BLProduct, BLStatus, BLStockResult
from ecomflow.adapters.registry import AdapterInfo

__all__ = [
    "BASELINKER_URL",
    "PAGE_SIZE",
    "PLUGIN",
    "AsyncBaseLinkerClient",
    "BLOrder",
    "BLProduct",
    "BLStatus",
    "BLStockResult",
    "BaseLinkerClient",
    "BaseLinkerSettings",
    "OrderCursor",
    "carrier_of",
    "limiter_for",
    "stock_payloads",
    "to_order",
]

#: The entry point ``baselinker`` in the ``ecomflow.adapters`` group.
PLUGIN = AdapterInfo(
    id="baselinker",
    label="BaseLinker",
    settings=BaseLinkerSettings,
    client=BaseLinkerClient,
    async_client=AsyncBaseLinkerClient,
    status="beta",
    description="Orders, statuses, stock and packages through the BaseLinker API.",
)
