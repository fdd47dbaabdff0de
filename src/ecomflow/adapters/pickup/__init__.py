"""The built-in "pickup in person" carrier (odbiór osobisty): ``adapter = "pickup"``.

.. code-block:: toml

    [carriers.shop]               # the catalogue's personal_pickup names carrier "shop"
    adapter = "pickup"
    code_key = {env = "PICKUP_CODE_KEY"}
    shop_name = "Sklep Przykładowy"
    location = "ul. Długa 1, Kraków"

>>> from ecomflow.adapters import get
>>> info = get("pickup")
>>> info.kind, sorted(info.capabilities)
('carrier', ['shipment_listing', 'shipments'])
>>> info.build({"shop_name": "Sklep"}).services()
frozenset({'personal_pickup'})
"""

from ecomflow.adapters.pickup.client import AsyncPickupCarrier, PickupCarrier
from ecomflow.adapters.pickup.codes import parse_slip_id, pickup_code, slip_id
from ecomflow.adapters.pickup.register import FileRegister, MemoryRegister, PickupRegister
from ecomflow.adapters.pickup.settings import PERSONAL_PICKUP, PickupSettings
from ecomflow.adapters.pickup.slip import render_slip
from ecomflow.adapters.registry import AdapterInfo

__all__ = [
    "PERSONAL_PICKUP",
    "PLUGIN",
    "AsyncPickupCarrier",
    "FileRegister",
    "MemoryRegister",
    "PickupCarrier",
    "PickupRegister",
    "PickupSettings",
    "parse_slip_id",
    "pickup_code",
    "render_slip",
    "slip_id",
]

#: The entry point ``pickup`` in the ``ecomflow.adapters`` group.
PLUGIN = AdapterInfo(
    id="pickup",
    label="Pickup in person",
    settings=PickupSettings,
    client=PickupCarrier,
    async_client=AsyncPickupCarrier,
    status="beta",
    description="The customer collects the parcel at the shop: pickup slips, no HTTP.",
)
