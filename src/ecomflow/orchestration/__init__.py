"""Orchestration: the Orchestrator, the order repository and the outbox of side effects."""

from ecomflow.orchestration.config import CalendarSettings, OrchestratorConfig
from ecomflow.orchestration.orchestrator import (
    DispatchReport,
    Orchestrator,
    SyncReport,
    default_parcel,
)
from ecomflow.orchestration.repository import Effect, OrderRepository, Unit

__all__ = [
    "CalendarSettings",
    "DispatchReport",
    "Effect",
    "Orchestrator",
    "OrchestratorConfig",
    "OrderRepository",
    "SyncReport",
    "Unit",
    "default_parcel",
]
