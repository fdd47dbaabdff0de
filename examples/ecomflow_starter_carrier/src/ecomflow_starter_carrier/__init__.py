"""A starter carrier plugin for ecomflow: Kurier Przykładowy, a fictional REST courier.

Copy this package to write your own: :mod:`.settings` (the config table),
:mod:`.wire` (the API's JSON), :mod:`.mapper` (pure translation),
:mod:`.client` (the twins, each operation written once as a flow),
:mod:`.webhooks` and :mod:`.fake` (a fake server of the API for tests).
The API it talks to is specified in README.md.
"""

from ecomflow.adapters import AdapterInfo
from ecomflow_starter_carrier.client import AsyncExampleCourierClient, ExampleCourierClient
from ecomflow_starter_carrier.settings import API_URL, ExampleCourierSettings

__all__ = [
    "API_URL",
    "PLUGIN",
    "AsyncExampleCourierClient",
    "ExampleCourierClient",
    "ExampleCourierSettings",
]

#: What the ``example_courier`` entry point names. Capabilities are derived from the client.
PLUGIN = AdapterInfo(
    id="example_courier",
    label="Kurier Przykładowy (starter plugin)",
    settings=ExampleCourierSettings,
    client=ExampleCourierClient,
    async_client=AsyncExampleCourierClient,
    status="beta",
    description="A fictional REST courier: the starter carrier plugin of ecomflow.",
)
