"""BaseLinker adapter settings (what a user writes in ``ecomflow.toml``)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, SecretStr

__all__ = ["BASELINKER_URL", "BaseLinkerSettings"]

#: The single endpoint of the BaseLinker API (reference §1 Transport, BL-doc).
BASELINKER_URL = "https://api.baselinker.com/connector.php"


class BaseLinkerSettings(BaseModel):
    """How to reach one BaseLinker account."""

    model_config = ConfigDict(extra="forbid")

    token: SecretStr = Field(description="API token from BaseLinker → My account → API.")
    url: str = BASELINKER_URL
    inventory_id: int | None = Field(default=None, description="Catalogue for stock updates.")
    warehouse_id: str = Field(default="bl_1", description="Warehouse stock is published to.")
    requests_per_minute: int = Field(
        default=90,
        ge=1,
        le=100,
        description="Client-side limit; BaseLinker blocks the account above 100/min.",
    )
    timeout: float = Field(default=30.0, gt=0)
    channel: str = "baselinker"
