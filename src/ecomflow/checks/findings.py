"""Findings: what a check found, in plain words, with the offending value."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["Finding", "Severity"]


class Severity(StrEnum):
    """``error`` stops an order (it is held); ``warning`` is for a person to look at."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: a stable ``code``, its severity, the field, a message and the value."""

    code: str
    severity: Severity
    field: str
    message: str
    value: Any = None

    @property
    def is_error(self) -> bool:
        """Whether the finding stops the order."""
        return self.severity is Severity.ERROR

    def __str__(self) -> str:
        return f"[{self.severity.value}] {self.field}: {self.message}"
