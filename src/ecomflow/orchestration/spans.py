"""The Orchestrator's spans: one per channel read, one per effect run (see :mod:`ecomflow.tracing`).

The adapters' HTTP client spans open inside them, so a trace shows which
channel read or which effect made each API call.

=====================  ==========================================================
span                   attributes
=====================  ==========================================================
``ecomflow.sync``      ``ecomflow.channel``; at the end ``ecomflow.fetched``,
                       ``ecomflow.new``, ``ecomflow.updated``, ``ecomflow.failed``
``ecomflow.effect K``  ``ecomflow.effect`` (K, the kind); one effect:
                       ``ecomflow.effect_key``, ``ecomflow.order_id``, ``ecomflow.attempt``;
                       a batch: ``ecomflow.effects`` (how many);
                       ``ecomflow.channel`` / ``ecomflow.carrier`` when known
=====================  ==========================================================
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from ecomflow import tracing
from ecomflow.tracing import AttributeValue, SpanLike, record_error

if TYPE_CHECKING:
    from ecomflow.orchestration.intake import SyncReport
    from ecomflow.orchestration.repository import Claimed

__all__ = ["effect_span", "record_error", "sync_counts", "sync_span"]


def sync_span(channel: str) -> AbstractContextManager[SpanLike]:
    """The span of one channel read and the intake of what it returned."""
    return tracing.span("ecomflow.sync", {"ecomflow.channel": channel})


def sync_counts(span: SpanLike, report: SyncReport) -> None:
    """Put one channel's counts on its ``ecomflow.sync`` span."""
    span.set_attribute("ecomflow.fetched", report.fetched)
    span.set_attribute("ecomflow.new", report.new)
    span.set_attribute("ecomflow.updated", report.updated)
    span.set_attribute("ecomflow.failed", len(report.failed))


def effect_span(group: Sequence[Claimed]) -> AbstractContextManager[SpanLike]:
    """The span of one effect run, or of one batch of effects of a kind run together."""
    first = group[0]
    kind = first.row.kind
    if not tracing.enabled():
        return tracing.span(kind)
    attributes: dict[str, AttributeValue] = {"ecomflow.effect": kind}
    if len(group) == 1:
        attributes["ecomflow.effect_key"] = first.row.key
        attributes["ecomflow.attempt"] = first.row.attempts + 1
        if first.effect.order_id:
            attributes["ecomflow.order_id"] = first.effect.order_id
    else:
        attributes["ecomflow.effects"] = len(group)
    for field in ("channel", "carrier"):
        values = {getattr(claimed.effect, field, None) for claimed in group}
        if len(values) == 1 and (value := values.pop()):
            attributes[f"ecomflow.{field}"] = str(value)
    return tracing.span(f"ecomflow.effect {kind}", attributes)
