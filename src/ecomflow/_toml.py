"""Reading the TOML files users write (status maps, catalogues, rules, ecomflow.toml)."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from ecomflow.errors import ConfigurationError, EcomflowError


def read_toml(
    path: str | Path, what: str, error: type[EcomflowError] = ConfigurationError
) -> dict[str, Any]:
    """The parsed file, or ``error`` saying which file could not be read and why."""
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise error(f"Cannot read {what} {path}: {exc}") from exc
