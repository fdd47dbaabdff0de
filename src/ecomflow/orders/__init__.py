"""Orders: the normalised model, master status and channel maps, OrderFlow, tags.

>>> from ecomflow.orders import OrderStatus
>>> [s.label("pl") for s in (OrderStatus.NEW, OrderStatus.PAID, OrderStatus.SHIPPED)]
['Nowe', 'Opłacone', 'Wysłane']
"""

from ecomflow.orders.delivery import DeliveryMap, DeliveryRule
from ecomflow.orders.flow import (
    EVENTS,
    GUARDS,
    Guard,
    OrderFlow,
    TransitionListener,
    has_confirmed_reservation,
    has_tracking_label,
    label_voided,
    payment_covers_total,
)
from ecomflow.orders.models import (
    Address,
    CountryCode,
    Customer,
    Delivery,
    DeliveryMethod,
    HoldReason,
    InvoiceRequest,
    Order,
    OrderLine,
    Payment,
    ShipmentRef,
    ShippingPlan,
    Transition,
)
from ecomflow.orders.status import OrderStatus, StatusMap
from ecomflow.orders.tags import (
    DERIVED_TAGS,
    Tag,
    TagPolicy,
    TagRefresh,
    auto_tags,
    refresh_auto_tags,
    tag_ship_date,
)

__all__ = [
    "DERIVED_TAGS",
    "EVENTS",
    "GUARDS",
    "Address",
    "CountryCode",
    "Customer",
    "Delivery",
    "DeliveryMap",
    "DeliveryMethod",
    "DeliveryRule",
    "Guard",
    "HoldReason",
    "InvoiceRequest",
    "Order",
    "OrderFlow",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "ShipmentRef",
    "ShippingPlan",
    "StatusMap",
    "Tag",
    "TagPolicy",
    "TagRefresh",
    "Transition",
    "TransitionListener",
    "auto_tags",
    "has_confirmed_reservation",
    "has_tracking_label",
    "label_voided",
    "payment_covers_total",
    "refresh_auto_tags",
    "tag_ship_date",
]
