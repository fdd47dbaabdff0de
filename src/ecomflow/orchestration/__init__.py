"""Orchestration: the Orchestrator, the order repository and the outbox of side effects."""

from ecomflow.orchestration.orchestrator import (
    DispatchReport,
    Orchestrator,
    SyncReport,
    default_parcel,
)
from ecomflow.orchestration.repository import Effect, OrderRepository, Unit

__all__ = [
    "DispatchReport",
    "Effect",
    "Orchestrator",
    "OrderRepository",
    "SyncReport",
    "Unit",
    "default_parcel",
]
