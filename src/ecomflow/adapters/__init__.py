"""Adapters: the contract (protocols), settings bases, the plugin registry, built-in adapters.

>>> from ecomflow.adapters import get
>>> get("baselinker").label
'BaseLinker'
"""

from ecomflow.adapters.protocols import (
    PROTOCOLS,
    AsyncBulkStatusWriter,
    AsyncOrderSource,
    AsyncShipmentLister,
    AsyncShipmentProvider,
    AsyncStockSink,
    AsyncTrackingSource,
    BulkStatusWriter,
    IntakeFailure,
    OrderBatch,
    OrderEvent,
    OrderSource,
    PublishResult,
    ShipmentEvent,
    ShipmentLister,
    ShipmentProvider,
    StatusChange,
    StatusWriteResult,
    StockSink,
    TrackingSource,
    WebhookEvent,
    WebhookRequest,
    WebhookSource,
    capabilities,
)
from ecomflow.adapters.registry import (
    ENTRY_POINT_GROUP,
    AdapterInfo,
    PluginStatus,
    available,
    get,
    register,
)
from ecomflow.adapters.settings import AdapterSettings, CarrierSettings, ChannelSettings

__all__ = [
    "ENTRY_POINT_GROUP",
    "PROTOCOLS",
    "AdapterInfo",
    "AdapterSettings",
    "AsyncBulkStatusWriter",
    "AsyncOrderSource",
    "AsyncShipmentLister",
    "AsyncShipmentProvider",
    "AsyncStockSink",
    "AsyncTrackingSource",
    "BulkStatusWriter",
    "CarrierSettings",
    "ChannelSettings",
    "IntakeFailure",
    "OrderBatch",
    "OrderEvent",
    "OrderSource",
    "PluginStatus",
    "PublishResult",
    "ShipmentEvent",
    "ShipmentLister",
    "ShipmentProvider",
    "StatusChange",
    "StatusWriteResult",
    "StockSink",
    "TrackingSource",
    "WebhookEvent",
    "WebhookRequest",
    "WebhookSource",
    "available",
    "capabilities",
    "get",
    "register",
]
