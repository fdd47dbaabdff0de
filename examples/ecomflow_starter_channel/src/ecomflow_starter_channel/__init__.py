"""A starter channel plugin for ecomflow: Sklep Przykładowy, a fictional shop API.

Copy this package to write your own: :mod:`.settings` (the config table and
default status and delivery maps), :mod:`.wire` (the API's JSON),
:mod:`.mapper` (pure: raw order → :class:`~ecomflow.orders.Order`),
:mod:`.paging` (the lossless changed-since cursor), :mod:`.client` (the
twins, each operation written once as a flow), :mod:`.webhooks` and
:mod:`.fake` (a fake of the API for tests). README.md specifies the API.
"""

from ecomflow.adapters import AdapterInfo
from ecomflow_starter_channel.client import AsyncExampleShopClient, ExampleShopClient
from ecomflow_starter_channel.settings import (
    API_URL,
    DEFAULT_DELIVERIES,
    DEFAULT_MAP,
    ExampleShopSettings,
)

__all__ = [
    "API_URL",
    "DEFAULT_DELIVERIES",
    "DEFAULT_MAP",
    "PLUGIN",
    "AsyncExampleShopClient",
    "ExampleShopClient",
    "ExampleShopSettings",
]

#: What the ``example_shop`` entry point names; capabilities are derived from the client.
PLUGIN = AdapterInfo(
    id="example_shop",
    label="Sklep Przykładowy (starter plugin)",
    settings=ExampleShopSettings,
    client=ExampleShopClient,
    async_client=AsyncExampleShopClient,
    status="beta",
    description="A fictional shop API: the starter channel plugin of ecomflow.",
)
