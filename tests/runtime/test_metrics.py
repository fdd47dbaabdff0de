"""/metrics parses as Prometheus text and as OpenMetrics, with every figure issue 17 lists."""

from __future__ import annotations

from prometheus_client import CollectorRegistry
from prometheus_client.openmetrics.exposition import generate_latest as openmetrics
from prometheus_client.openmetrics.parser import text_string_to_metric_families as parse_om
from prometheus_client.parser import text_string_to_metric_families as parse_text

from ecomflow.notify import RecordingNotifier
from ecomflow.orchestration import Orchestrator
from ecomflow.orchestration.metrics import EcomflowCollector, render_metrics
from ecomflow.shipping import Catalogue
from ecomflow.storage import open_store
from ecomflow.testing import MemoryCarrier, MemoryChannel, sample_order

FAMILIES = {
    "ecomflow_effects": "gauge",  # pending, due, parked
    "ecomflow_effect_oldest_due_seconds": "gauge",
    "ecomflow_intake_lag_seconds": "gauge",
    "ecomflow_api_calls": "counter",
    "ecomflow_api_failures": "counter",
    "ecomflow_orders": "gauge",
    "ecomflow_holds": "gauge",
    "ecomflow_intake_failures": "gauge",
    "ecomflow_workers": "gauge",
    "ecomflow_worker_heartbeat_age_seconds": "gauge",
    "ecomflow_effects_run": "counter",
}


def test_the_exposition_parses_in_both_formats_with_every_family() -> None:
    channel = MemoryChannel("shop")
    shop = Orchestrator(
        store=open_store("memory://"),
        channels={"shop": channel},
        carriers={"inpost": MemoryCarrier("inpost")},
        catalogue=Catalogue.example(),
        notifier=RecordingNotifier(),
    )
    try:
        shop.ledger.receive("MUG-RED", 2, key="stock")
        channel.put(sample_order("1", channel="shop", paid=True))
        channel.put(sample_order("2", channel="shop", paid=True, lines={"LAMP": (1, "10.00")}))
        shop.sync()
        shop.dispatch()
        text = render_metrics(shop).decode()
        registry = CollectorRegistry(auto_describe=False)
        registry.register(EcomflowCollector(shop))
        open_text = openmetrics(registry).decode()
    finally:
        shop.close()
    found = {f.name: f.type for f in parse_text(text)}
    assert {name: found.get(name) for name in FAMILIES} == FAMILIES
    assert {f.name: f.type for f in parse_om(open_text)}.keys() >= FAMILIES.keys()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for f in parse_text(text)
        for s in f.samples
    }
    assert samples[("ecomflow_holds", (("reason", "out_of_stock"),))] == 1.0
    assert (
        samples[("ecomflow_api_calls_total", (("adapter", "shop"), ("method", "fetch_orders")))]
        == 1.0
    )
    assert samples[("ecomflow_effects", (("state", "parked"),))] == 0.0
