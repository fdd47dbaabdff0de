"""The BaseLinker adapter: orders and their changes, statuses, packages and stock.

Roles (as in karrio): ``settings`` (what users configure), ``wire`` (the API's
shapes, parsed leniently), ``mapper`` (pure wire → domain), ``paging`` (the
no-loss order cursor), ``journal`` (which events mean "read again") and
``client`` (the operations, written once as flows, and the HTTP twins).
"""

from ecomflow.adapters.baselinker.client import (
    AsyncBaseLinkerClient,
    BaseLinkerClient,
    BaseLinkerOperations,
    limiter_for,
)
from ecomflow.adapters.baselinker.journal import LogType, to_reread
from ecomflow.adapters.baselinker.mapper import OrderMapper, bl_order_id, stock_payloads
from ecomflow.adapters.baselinker.paging import PAGE_SIZE, FetchCursor, OrderPager, OrderRef
from ecomflow.adapters.baselinker.settings import (
    BASELINKER_URL,
    DEFAULT_COURIERS,
    BaseLinkerSettings,
)
from ecomflow.adapters.baselinker.wire import (
    BLInventoryProduct,
    BLLog,
    BLOrder,
    BLPackage,
    BLProduct,
    BLStatus,
    BLStockResult,
)
from ecomflow.adapters.registry import AdapterInfo

__all__ = [
    "BASELINKER_URL",
    "DEFAULT_COURIERS",
    "PAGE_SIZE",
    "PLUGIN",
    "AsyncBaseLinkerClient",
    "BLInventoryProduct",
    "BLLog",
    "BLOrder",
    "BLPackage",
    "BLProduct",
    "BLStatus",
    "BLStockResult",
    "BaseLinkerClient",
    "BaseLinkerOperations",
    "BaseLinkerSettings",
    "FetchCursor",
    "LogType",
    "OrderMapper",
    "OrderPager",
    "OrderRef",
    "bl_order_id",
    "limiter_for",
    "stock_payloads",
    "to_reread",
]

#: The entry point ``baselinker`` in the ``ecomflow.adapters`` group.
PLUGIN = AdapterInfo(
    id="baselinker",
    label="BaseLinker",
    settings=BaseLinkerSettings,
    client=BaseLinkerClient,
    async_client=AsyncBaseLinkerClient,
    status="beta",
    description="Orders and their changes (journal), statuses, packages and stock "
    "through the BaseLinker API.",
)
