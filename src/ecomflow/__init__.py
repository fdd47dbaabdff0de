"""ecomflow: run an e-commerce order from "it came in" to "it arrived", and back.

One source of truth for order status and stock, every automated decision
explainable, no oversell, no double label, no silent failure.

>>> import ecomflow
>>> ecomflow.Money("19.99", "PLN").format("en_US")
'PLN19.99'
"""

from ecomflow._version import __version__
from ecomflow.calendar import BusinessCalendar
from ecomflow.errors import EcomflowError
from ecomflow.money import Money
from ecomflow.orders import (
    Address,
    Customer,
    Delivery,
    DeliveryMethod,
    Order,
    OrderFlow,
    OrderLine,
    OrderStatus,
    Payment,
    StatusMap,
    Transition,
)
from ecomflow.stock import StockLedger
from ecomflow.storage import open_store

__all__ = [
    "Address",
    "BusinessCalendar",
    "Customer",
    "Delivery",
    "DeliveryMethod",
    "EcomflowError",
    "Money",
    "Order",
    "OrderFlow",
    "OrderLine",
    "OrderStatus",
    "Payment",
    "StatusMap",
    "StockLedger",
    "Transition",
    "__version__",
    "open_store",
]
