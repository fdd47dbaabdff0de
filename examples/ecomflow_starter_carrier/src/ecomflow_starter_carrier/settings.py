"""What ``[carriers.example_courier]`` holds: the shared carrier fields plus the API's own."""

from __future__ import annotations

from pydantic import Field, SecretStr

from ecomflow.adapters import CarrierSettings

__all__ = ["API_URL", "ExampleCourierSettings"]

#: The production API root (README.md, "Hosts").
API_URL = "https://api.kurier-przykladowy.example"


class ExampleCourierSettings(CarrierSettings):
    """One Kurier Przykładowy account.

    >>> ExampleCourierSettings(token="t0k")
    ExampleCourierSettings(carrier='example_courier', token=SecretStr('**********'), url='https://api.kurier-przykladowy.example', webhook_secret=None, webhook_tolerance=300.0, timeout=30.0)
    """

    carrier: str = Field(
        default="example_courier",
        min_length=1,
        description="The carrier id (the [carriers.<id>] table) the catalogue's services name.",
    )
    token: SecretStr = Field(description="API token (Panel → Integracje → Token API).")
    url: str = Field(default=API_URL, description="API root (the sandbox or a fake in tests).")
    webhook_secret: SecretStr | None = Field(
        default=None, description="Signs webhooks (HMAC-SHA256); webhooks are refused without it."
    )
    webhook_tolerance: float = Field(
        default=300.0, gt=0, description="Seconds a webhook's timestamp may be off (replays)."
    )
    timeout: float = Field(default=30.0, gt=0, description="Seconds per HTTP call.")
