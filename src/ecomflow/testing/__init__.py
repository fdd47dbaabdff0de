"""Public test helpers: a frozen clock, sample orders, fake API servers, conformance kit.

These are products too: the demo, ecomflow's own tests and users' tests use them.
"""

from ecomflow.testing.baselinker import FakeBaseLinker
from ecomflow.testing.clock import FrozenClock
from ecomflow.testing.memory import MemoryCarrier, MemoryChannel
from ecomflow.testing.orders import sample_order
from ecomflow.testing.shipx import FakeShipX
from ecomflow.testing.shopify import FakeShopify
from ecomflow.testing.woocommerce import FakeWooCommerce

__all__ = [
    "FakeBaseLinker",
    "FakeShipX",
    "FakeShopify",
    "FakeWooCommerce",
    "FrozenClock",
    "MemoryCarrier",
    "MemoryChannel",
    "sample_order",
]
