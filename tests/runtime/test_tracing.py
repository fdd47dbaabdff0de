"""OpenTelemetry spans: a shop built from its configuration (real adapters, fake APIs) traced.

The SDK's in-memory exporter collects what ecomflow emits through
``opentelemetry-api``; the provider is handed to :mod:`ecomflow.tracing` per
test (``use_tracer_provider``), so no global provider is set or reset.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from ecomflow import tracing
from ecomflow.errors import Stopping
from ecomflow.http import AsyncClient, Call, Client, RetryPolicy
from ecomflow.orchestration import Orchestrator, OrchestratorConfig
from ecomflow.testing import FakeBaseLinker, FakeShipX, FakeWooCommerce, FrozenClock
from tests.e2e.shop import fake_shop_config

BL_TOKEN, SHIPX_TOKEN = "bl-trace-secret-4f1a", "shipx-trace-secret-9b3c"
WOO_KEY, WOO_SECRET = "ck_trace_secret_27", "cs_trace_secret_64"
SECRETS = (BL_TOKEN, SHIPX_TOKEN, WOO_KEY, WOO_SECRET)


@pytest.fixture
def exporter() -> Iterator[InMemorySpanExporter]:
    """Every span ecomflow finishes during the test, in memory."""
    memory = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(memory))
    tracing.use_tracer_provider(provider)
    try:
        yield memory
    finally:
        tracing.use_tracer_provider(None)
        provider.shutdown()


@pytest.fixture
def world(tmp_path: Path) -> Iterator[tuple[Orchestrator, FakeBaseLinker, FakeShipX]]:
    """A shop reading BaseLinker and WooCommerce, shipping with InPost, all fakes on loopback."""
    with (
        FakeBaseLinker(token=BL_TOKEN) as bl,
        FakeShipX(token=SHIPX_TOKEN) as shipx,
        FakeWooCommerce(key=WOO_KEY, secret=WOO_SECRET) as woo,
    ):
        config = OrchestratorConfig.from_dict(
            fake_shop_config(
                tmp_path,
                baselinker=(BL_TOKEN, bl.url),
                # plain HTTP: every request is signed with the key in the query string
                woocommerce={
                    "url": woo.url,
                    "consumer_key": WOO_KEY,
                    "consumer_secret": WOO_SECRET,
                    "allow_http": True,
                },
                inpost={
                    "token": SHIPX_TOKEN,
                    "organization_id": shipx.organization_id,
                    "url": shipx.url,
                },
                pipeline={"max_attempts": 3},
            )
        )
        shop = Orchestrator.from_config(config, clock=FrozenClock(datetime.now(UTC)))
        shop.ledger.receive("MUG-RED", 50, key="initial")
        bl.add_order(delivery_method="Kurier InPost")
        try:
            yield shop, bl, shipx
        finally:
            shop.close()


def _named(spans: Sequence[ReadableSpan], name: str) -> list[ReadableSpan]:
    return [s for s in spans if s.name == name]


def _children(spans: Sequence[ReadableSpan], parent: ReadableSpan) -> list[ReadableSpan]:
    assert parent.context is not None
    return [s for s in spans if s.parent is not None and s.parent.span_id == parent.context.span_id]


def _until_shipment(shop: Orchestrator) -> None:
    clock = shop.clock
    assert isinstance(clock, FrozenClock)
    for _ in range(3):
        shop.sync()
        shop.dispatch()
        clock.advance(minutes=10)


def test_a_sync_span_per_channel_with_its_http_calls_inside(
    world: tuple[Orchestrator, FakeBaseLinker, FakeShipX], exporter: InMemorySpanExporter
) -> None:
    shop, _, _ = world
    shop.sync()
    spans = exporter.get_finished_spans()
    syncs = {s.attributes["ecomflow.channel"]: s for s in _named(spans, "ecomflow.sync")}
    assert set(syncs) == {"baselinker", "woocommerce"}
    assert syncs["baselinker"].attributes["ecomflow.fetched"] == 1
    assert syncs["baselinker"].attributes["ecomflow.new"] == 1
    assert syncs["baselinker"].attributes["ecomflow.failed"] == 0
    for channel, sync in syncs.items():
        assert sync.status.status_code is StatusCode.UNSET
        calls = _children(spans, sync)
        assert calls, f"no HTTP span under {channel}'s sync"
        for call in calls:
            assert call.kind is SpanKind.CLIENT
            assert call.attributes["ecomflow.adapter"] == channel
            assert call.attributes["http.response.status_code"] == 200
    blc = _children(spans, syncs["baselinker"])
    assert "POST getOrders" in {s.name for s in blc}


def test_create_shipment_effect_span_holds_the_post_to_shipx(
    world: tuple[Orchestrator, FakeBaseLinker, FakeShipX], exporter: InMemorySpanExporter
) -> None:
    shop, _, shipx = world
    _until_shipment(shop)
    spans = exporter.get_finished_spans()
    [effect] = _named(spans, "ecomflow.effect create_shipment")
    attributes = effect.attributes
    assert attributes["ecomflow.effect"] == "create_shipment"
    assert attributes["ecomflow.carrier"] == "inpost"
    assert attributes["ecomflow.attempt"] == 1
    assert str(attributes["ecomflow.order_id"]).startswith("baselinker-")
    assert attributes["ecomflow.effect_key"]
    assert effect.status.status_code is StatusCode.UNSET
    posts = [s for s in _children(spans, effect) if s.name == "POST create_shipment"]
    assert len(posts) == 1
    post = posts[0].attributes
    url = httpx.URL(shipx.url)
    assert post["http.request.method"] == "POST"
    assert post["server.address"] == url.host
    assert post["server.port"] == url.port
    assert post["url.full"] == (f"{shipx.url}/v1/organizations/{shipx.organization_id}/shipments")
    assert post["ecomflow.adapter"] == "inpost"
    assert post["ecomflow.method"] == "create_shipment"
    assert post["http.response.status_code"] in (200, 201)
    assert "http.request.resend_count" not in post


def test_a_failing_effect_has_an_error_status_and_the_exception(
    world: tuple[Orchestrator, FakeBaseLinker, FakeShipX], exporter: InMemorySpanExporter
) -> None:
    shop, _, shipx = world
    shipx.inject("create_shipment", 503)
    _until_shipment(shop)
    spans = exporter.get_finished_spans()
    first, *later = _named(spans, "ecomflow.effect create_shipment")
    assert first.status.status_code is StatusCode.ERROR
    assert first.attributes["error.type"].startswith("ecomflow.errors.")
    assert [e.name for e in first.events] == ["exception"]
    failed = [s for s in _children(spans, first) if s.name == "POST create_shipment"]
    assert failed[0].status.status_code is StatusCode.ERROR
    assert failed[0].attributes["http.response.status_code"] == 503
    assert failed[0].events[0].name == "exception"
    # the retry succeeded: its span says attempt 2 and is not an error
    assert later, "the effect was not retried"
    assert later[-1].attributes["ecomflow.attempt"] == 2
    assert later[-1].status.status_code is StatusCode.UNSET


def test_no_secret_in_any_span(
    world: tuple[Orchestrator, FakeBaseLinker, FakeShipX], exporter: InMemorySpanExporter
) -> None:
    shop, bl, shipx = world
    shipx.inject("create_shipment", 503)
    bl.inject("getOrders", 401)  # a failed channel read: its span and exception too
    _until_shipment(shop)
    spans = exporter.get_finished_spans()
    assert len(spans) > 10
    assert any(
        s.name == "ecomflow.sync" and s.status.status_code is StatusCode.ERROR for s in spans
    )
    for span in spans:
        texts = [span.name, *map(str, span.attributes.values())]
        for event in span.events:
            texts += [str(v) for v in (event.attributes or {}).values()]
        leaked = [s for s in SECRETS for text in texts if s in text]
        assert not leaked, f"{leaked} in span {span.name}: {texts}"
        assert "?" not in str(span.attributes.get("url.full", "")), span.attributes


def test_both_client_twins_nest_their_spans_under_the_current_one(
    exporter: InMemorySpanExporter,
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ok": True})

    call = Call("GET", "/things?token=s3cret", "list_things", params={"key": "s3cret"})
    config: dict[str, Any] = {
        "base_url": "https://user:s3cret@api.example:8443/v2",
        "secrets": ("s3cret",),
        "retry": RetryPolicy(attempts=1),
    }
    sync_client = Client(transport=httpx.MockTransport(handler), **config)
    async_client = AsyncClient(transport=httpx.MockTransport(handler), **config)

    with tracing.span("parent"):
        sync_client.request(call)

    async def twice() -> None:
        with tracing.span("parent"):
            await async_client.request(call)

    asyncio.run(twice())
    spans = exporter.get_finished_spans()
    parents = _named(spans, "parent")
    assert len(parents) == 2
    for parent in parents:
        [child] = _children(spans, parent)
        assert child.name == "GET list_things"
        assert (
            child.attributes["url.full"] == "https://REDACTED:REDACTED@api.example:8443/v2/things"
        )
        assert child.attributes["server.port"] == 8443
        assert child.attributes["ecomflow.adapter"] in ("Client", "AsyncClient")


def test_span_is_a_no_op_without_opentelemetry(
    monkeypatch: pytest.MonkeyPatch, exporter: InMemorySpanExporter
) -> None:
    monkeypatch.setattr(tracing, "_tracer", None)
    assert not tracing.enabled()
    first, second = tracing.span("a", {"x": 1}), tracing.span("b")
    assert first is second  # one shared context manager: nothing is built per span
    with first as current, second:
        current.set_attribute("ecomflow.order_id", "shop-1")
    client = Client(
        base_url="http://api", transport=httpx.MockTransport(lambda r: httpx.Response(200))
    )
    client.request(Call("GET", "/", "root"))
    assert exporter.get_finished_spans() == ()


def test_importing_ecomflow_without_opentelemetry_installed() -> None:
    script = (
        "import sys; sys.modules['opentelemetry'] = None\n"  # makes the import fail
        "import httpx\n"
        "from ecomflow import tracing\n"
        "from ecomflow.http import Call, Client\n"
        "assert not tracing.enabled()\n"
        "with tracing.span('x', {'a': 1}) as s: s.set_attribute('b', 2)\n"
        "c = Client(base_url='http://api', transport=httpx.MockTransport(lambda r: httpx.Response(204)))\n"
        "assert c.request(Call('GET', '/', 'root')) is None\n"
        "print('ok')\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def test_a_stop_request_is_not_an_error(exporter: InMemorySpanExporter) -> None:
    with pytest.raises(Stopping), tracing.span("ecomflow.effect create_shipment"):
        raise Stopping("ShipX rate limit")
    [stopped] = exporter.get_finished_spans()
    assert stopped.attributes is not None and stopped.attributes["ecomflow.stopped"] is True
    assert stopped.status.status_code is StatusCode.UNSET and not stopped.events
