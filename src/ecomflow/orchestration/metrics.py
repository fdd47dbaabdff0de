"""Prometheus metrics, read from the database on each scrape (so every worker counts).

Gauges: effects pending, due and parked; the oldest due effect's age; orders by
status; holds by reason; open intake failures; seconds since each channel's
last sync (intake lag); workers by state and each running worker's heartbeat
age. Counters: API calls and failures per adapter and method, effects run —
flushed to the database by every process.

>>> from ecomflow.testing import MemoryCarrier, MemoryChannel
>>> from ecomflow.notify import RecordingNotifier
>>> from ecomflow.orchestration import Orchestrator
>>> from ecomflow.shipping import Catalogue
>>> from ecomflow.storage import open_store
>>> shop = Orchestrator(store=open_store("memory://"), catalogue=Catalogue.example(),
...                     notifier=RecordingNotifier(), channels={"shop": MemoryChannel()})
>>> text = render_metrics(shop).decode()
>>> 'ecomflow_effects{state="parked"} 0.0' in text
True
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ecomflow.orchestration.orchestrator import Orchestrator

__all__ = ["EcomflowCollector", "render_metrics"]


def _labels(text: str) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in text.split(",") if "=" in pair)


class EcomflowCollector(Collector):
    """Reads the figures of one shop's database on every scrape."""

    def __init__(self, orchestrator: Orchestrator) -> None:
        self.orchestrator = orchestrator

    def collect(self) -> Iterator[Metric]:
        """The metric families (see the module docstring)."""
        o = self.orchestrator
        o.repository.add_counts(o.counters.drain())  # this process's own counts first
        now = o.clock()
        outbox = o.repository.outbox_summary(now)
        effects = GaugeMetricFamily("ecomflow_effects", "Outbox effects by state", labels=["state"])
        for state in ("pending", "due", "parked"):
            effects.add_metric([state], float(outbox[state]))
        yield effects
        yield GaugeMetricFamily(
            "ecomflow_effect_oldest_due_seconds",
            "Age of the oldest effect that is due and not done",
            value=float(outbox["oldest_due_seconds"]),
        )
        counts = o.repository.counts()
        orders = GaugeMetricFamily("ecomflow_orders", "Orders by master status", labels=["status"])
        for status, value in sorted(counts["status"].items()):
            orders.add_metric([status], float(value))
        yield orders
        holds = GaugeMetricFamily("ecomflow_holds", "Orders on hold by reason", labels=["reason"])
        for reason, value in sorted(counts["hold"].items()):
            holds.add_metric([reason], float(value))
        yield holds
        yield GaugeMetricFamily(
            "ecomflow_intake_failures",
            "Channel orders kept aside because they could not be taken in",
            value=float(len(o.repository.intake_failures())),
        )
        lag = GaugeMetricFamily(
            "ecomflow_intake_lag_seconds",
            "Seconds since a channel was last read",
            labels=["channel"],
        )
        synced = o.repository.records("synced:")
        for channel in sorted(o.router.channels):
            stamp = synced.get(f"synced:{channel}")
            age = (now - datetime.fromisoformat(stamp)).total_seconds() if stamp else float("inf")
            lag.add_metric([channel], age)
        yield lag
        workers = GaugeMetricFamily("ecomflow_workers", "Workers by state", labels=["state"])
        silence = GaugeMetricFamily(
            "ecomflow_worker_heartbeat_age_seconds",
            "Seconds since a running worker's last heartbeat (alert when it grows)",
            labels=["worker"],
        )
        states: dict[str, int] = {}
        for worker in o.repository.workers():
            states[worker["state"]] = states.get(worker["state"], 0) + 1
            if worker["state"] == "running":
                age = (now - worker["last_seen"]).total_seconds()
                silence.add_metric([worker["worker_id"]], max(0.0, age))
        for state, value in sorted(states.items()):
            workers.add_metric([state], float(value))
        yield workers
        yield silence
        stored = o.repository.counts_by_name()
        for name, help_text, labels in (
            ("api_calls", "API calls per adapter and method", ["adapter", "method"]),
            ("api_failures", "Failed API calls per adapter and method", ["adapter", "method"]),
            # not "effects": that name is the gauge above (OpenMetrics refuses a clash)
            ("effects_run", "Effects run per kind", ["kind", "outcome"]),
        ):
            family = CounterMetricFamily(f"ecomflow_{name}", help_text, labels=labels)
            stored_as = "effects" if name == "effects_run" else name
            for label_text, value in sorted(stored.get(stored_as, {}).items()):
                values = _labels(label_text)
                family.add_metric([values.get(label, "") for label in labels], float(value))
            yield family


def render_metrics(orchestrator: Orchestrator) -> bytes:
    """The Prometheus text exposition of one shop's figures."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(EcomflowCollector(orchestrator))
    return generate_latest(registry)
