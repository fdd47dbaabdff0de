"""Orchestrator configuration, written by users in ``ecomflow.toml``.

.. code-block:: toml

    store = "sqlite:///ecomflow.db"
    rules = "rules.toml"            # optional
    catalogue = "carriers.toml"     # optional: the example catalogue otherwise

    [calendar]
    country = "PL"
    timezone = "Europe/Warsaw"
    closed = ["2026-11-26"]

    [baselinker]
    token = "…"
    inventory_id = 1

    [inpost]
    token = "…"
    organization_id = 1234
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ecomflow._toml import read_toml
from ecomflow.adapters.baselinker.settings import BaseLinkerSettings
from ecomflow.adapters.inpost.settings import InPostSettings
from ecomflow.errors import ConfigurationError

__all__ = ["CalendarSettings", "OrchestratorConfig"]


class CalendarSettings(BaseModel):
    """The warehouse's working calendar."""

    model_config = ConfigDict(extra="forbid")

    country: str = "PL"
    timezone: str = "Europe/Warsaw"
    closed: list[date] = Field(default_factory=list)
    open: list[date] = Field(default_factory=list)


class OrchestratorConfig(BaseModel):
    """Everything :meth:`Orchestrator.from_config` needs; unknown keys are an error."""

    model_config = ConfigDict(extra="forbid")

    store: str = "sqlite:///ecomflow.db"
    rules: Path | None = None
    catalogue: Path | None = None
    status_map: Path | None = None
    calendar: CalendarSettings = Field(default_factory=CalendarSettings)
    baselinker: BaseLinkerSettings | None = None
    inpost: InPostSettings | None = None

    @classmethod
    def from_toml(cls, path: str | Path) -> OrchestratorConfig:
        """Read ``ecomflow.toml``; relative paths inside are taken from its folder."""
        source = Path(path)
        data = read_toml(source, "configuration")
        for key in ("rules", "catalogue", "status_map"):
            if isinstance(data.get(key), str):
                data[key] = str((source.parent / data[key]).resolve())
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigurationError(f"{source}: {where}: {first['msg']}") from None
