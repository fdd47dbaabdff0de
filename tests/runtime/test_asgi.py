"""The webhook and status app, driven over ASGI with in-process adapters."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from ecomflow.asgi import create_app
from ecomflow.notify import RecordingNotifier
from ecomflow.orchestration import Orchestrator, ServeSettings
from ecomflow.shipping import Catalogue
from ecomflow.storage import open_store
from ecomflow.testing import MemoryCarrier, MemoryChannel, sample_order

from .conftest import serving


@pytest.fixture
def shop() -> Iterator[tuple[Orchestrator, MemoryChannel, httpx.Client]]:
    channel = MemoryChannel("shop")
    orchestrator = Orchestrator(
        store=open_store("memory://"),
        channels={"shop": channel},
        carriers={"inpost": MemoryCarrier("inpost")},
        catalogue=Catalogue.example(),
        notifier=RecordingNotifier(),
    )
    app = create_app(orchestrator, settings=ServeSettings(max_body_bytes=200))
    with serving(app) as url, httpx.Client(base_url=url) as client:
        yield orchestrator, channel, client


def test_health_readiness_and_metrics(shop) -> None:  # type: ignore[no-untyped-def]
    orchestrator, channel, client = shop
    assert client.get("/healthz").json() == {"status": "alive"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json()["schema"]["orchestrator"] >= 2
    channel.put(sample_order("1", channel="shop"))
    orchestrator.sync()
    text = client.get("/metrics").text
    assert 'ecomflow_orders{status="on_hold"} 1.0' in text  # no stock received
    assert 'ecomflow_holds{reason="out_of_stock"} 1.0' in text
    assert 'ecomflow_api_calls_total{adapter="shop",method="fetch_orders"} 1.0' in text
    assert 'ecomflow_effects{state="parked"} 0.0' in text
    assert "ecomflow_intake_lag_seconds" in text


def test_a_signed_webhook_is_applied_and_a_bad_one_refused(shop) -> None:  # type: ignore[no-untyped-def]
    orchestrator, channel, client = shop
    channel.put(sample_order("2", channel="shop"))
    request = channel.webhook("2", "d-1")
    refused = client.post(
        "/webhooks/shop", content=request.body, headers={"X-Memory-Signature": "forged"}
    )
    assert refused.status_code == 401
    assert orchestrator.repository.get("shop-2") is None  # nothing stored
    applied = client.post("/webhooks/shop", content=request.body, headers=dict(request.headers))
    assert applied.status_code == 200
    assert applied.json()["applied"] == 1
    again = client.post("/webhooks/shop", content=request.body, headers=dict(request.headers))
    assert again.json()["duplicates"] == 1


def test_oversized_malformed_and_unknown(shop) -> None:  # type: ignore[no-untyped-def]
    _, channel, client = shop
    big = client.post("/webhooks/shop", content=b"x" * 500, headers={"X-Memory-Signature": "x"})
    assert big.status_code == 413
    bad = client.post(
        "/webhooks/shop", content=b"\xff\xfe", headers={"X-Memory-Signature": channel.secret}
    )
    assert bad.status_code == 400
    unknown = client.post("/webhooks/nowhere", content=b"{}")
    assert unknown.status_code == 404


def test_a_channel_that_cannot_be_reached_is_503_and_retried_later(shop) -> None:  # type: ignore[no-untyped-def]
    orchestrator, channel, client = shop
    channel.put(sample_order("3", channel="shop"))
    request = channel.webhook("3", "d-3")
    channel.fail_next("get_order")
    first = client.post("/webhooks/shop", content=request.body, headers=dict(request.headers))
    assert first.status_code == 503
    second = client.post("/webhooks/shop", content=request.body, headers=dict(request.headers))
    assert second.status_code == 200
    assert orchestrator.repository.get("shop-3") is not None
