"""Adapters: capability protocols, the plugin registry, and the built-in adapters.

>>> from ecomflow.adapters import get
>>> get("baselinker").label
'BaseLinker'
"""

from ecomflow.adapters.protocols import (
    AsyncOrderSource,
    AsyncStockSink,
    OrderBatch,
    OrderSource,
    PublishResult,
    ShipmentProvider,
    StockSink,
    TrackingSource,
)
from ecomflow.adapters.registry import (
    ENTRY_POINT_GROUP,
    AdapterInfo,
    PluginStatus,
    available,
    get,
    register,
)

__all__ = [
    "ENTRY_POINT_GROUP",
    "AdapterInfo",
    "AsyncOrderSource",
    "AsyncStockSink",
    "OrderBatch",
    "OrderSource",
    "PluginStatus",
    "PublishResult",
    "ShipmentProvider",
    "StockSink",
    "TrackingSource",
    "available",
    "get",
    "register",
]
