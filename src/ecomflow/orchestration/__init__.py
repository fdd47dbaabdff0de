"""Orchestration: the Orchestrator, its stages, the outbox of typed effects, configuration."""

from ecomflow.orchestration.carrier_events import WebhookReport
from ecomflow.orchestration.config import (
    AdapterConfig,
    CalendarSettings,
    OrchestratorConfig,
    PipelineSettings,
    ReturnsSettings,
    ServeSettings,
    WorkerSettings,
)
from ecomflow.orchestration.context import Counters
from ecomflow.orchestration.dispatch import DispatchReport
from ecomflow.orchestration.effects import (
    EFFECTS,
    CancelShipment,
    ConfirmShipment,
    CreateShipment,
    Effect,
    PublishStock,
    RequestCorrectionInvoice,
    RequestRefund,
    SendMessage,
    WriteStatus,
    WriteTracking,
)
from ecomflow.orchestration.events import EventSink, LogEventSink, RecordingEventSink
from ecomflow.orchestration.intake import SyncReport
from ecomflow.orchestration.orchestrator import CycleReport, Orchestrator
from ecomflow.orchestration.repository import (
    AuditEntry,
    Claimed,
    EffectRow,
    IntakeFailureRow,
    OrderRepository,
    Unit,
)
from ecomflow.orchestration.router import Router

__all__ = [
    "EFFECTS",
    "AdapterConfig",
    "AuditEntry",
    "CalendarSettings",
    "CancelShipment",
    "Claimed",
    "ConfirmShipment",
    "Counters",
    "CreateShipment",
    "CycleReport",
    "DispatchReport",
    "Effect",
    "EffectRow",
    "EventSink",
    "IntakeFailureRow",
    "LogEventSink",
    "Orchestrator",
    "OrchestratorConfig",
    "OrderRepository",
    "PipelineSettings",
    "PublishStock",
    "RecordingEventSink",
    "RequestCorrectionInvoice",
    "RequestRefund",
    "ReturnsSettings",
    "Router",
    "SendMessage",
    "ServeSettings",
    "SyncReport",
    "Unit",
    "WebhookReport",
    "WorkerSettings",
    "WriteStatus",
    "WriteTracking",
]
