from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ecomflow.adapters import get
from ecomflow.adapters.woocommerce import (
    AsyncWooCommerceClient,
    WooCommerceClient,
    WooCommerceSettings,
    WooWebhooks,
)
from ecomflow.errors import ConfigurationError, SignatureVerificationError
from ecomflow.http import RetryPolicy
from ecomflow.orders import OrderStatus
from ecomflow.stock import StockUpdate
from ecomflow.testing import FakeWooCommerce
from ecomflow.testing.conformance import OrderSourceConformance

FAST = RetryPolicy(attempts=4, jitter=0, base=0.01, sleep=lambda s: None)
START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def settings(fake: FakeWooCommerce, secret: str | None = None) -> WooCommerceSettings:
    return WooCommerceSettings(
        url=fake.url,
        consumer_key=fake.key,
        consumer_secret=secret or fake.secret,
        allow_http=True,
        timeout=2.0,
    )


def seed(fake: FakeWooCommerce, count: int, same_second: int = 1) -> None:
    base = max(
        (
            datetime.fromisoformat(o["date_modified_gmt"]).replace(tzinfo=UTC)
            for o in fake.orders.values()
        ),
        default=START,
    )
    for i in range(count):
        fake.add_order(modified=base + timedelta(seconds=1 + i // same_second))


class TestWooConformance(OrderSourceConformance):
    secret = "cs_conformance_secret"
    order_method = "list_orders"

    def start_fake(self) -> FakeWooCommerce:
        return FakeWooCommerce(secret=self.secret).start()

    def make_client(self, fake: FakeWooCommerce, *, secret: str | None = None) -> Any:
        return WooCommerceClient(settings(fake, secret), retry=FAST)

    def make_async_client(self, fake: FakeWooCommerce) -> Any:
        return AsyncWooCommerceClient(settings(fake), retry=FAST)

    def seed(self, fake: FakeWooCommerce, count: int, *, same_second: int = 1) -> None:
        seed(fake, count, same_second)

    def inject(self, fake: FakeWooCommerce, method: str, kind: str | int, times: int = 1) -> None:
        fake.inject(method, kind, times=times, delay=2.5)


@pytest.fixture
def fake() -> Iterator[FakeWooCommerce]:
    with FakeWooCommerce() as server:
        yield server


def test_thousand_orders_across_pages_exactly_once(fake: FakeWooCommerce) -> None:
    seed(fake, 1000, same_second=7)
    client = WooCommerceClient(settings(fake), retry=FAST)
    batch = client.fetch_orders()
    assert len({o.id for o in batch.orders}) == 1000
    assert fake.calls["list_orders"] == 10
    assert client.fetch_orders(batch.cursor).orders == []


def test_mapping_and_status(fake: FakeWooCommerce) -> None:
    fake.add_order(status="on-hold", shipping_lines=[{"method_id": "local_pickup:3"}])
    (order,) = WooCommerceClient(settings(fake), retry=FAST).fetch_orders().orders
    assert order.status is OrderStatus.ON_HOLD
    assert order.delivery.method.value == "pickup"
    assert order.raw is not None
    assert order.raw["meta_data"] == []


def test_fulfilment_is_idempotent(fake: FakeWooCommerce) -> None:
    order_id = fake.add_order()
    client = WooCommerceClient(settings(fake), retry=FAST)
    client.settings = client.settings.model_copy(update={"tracking_meta": True})
    order = client.fetch_orders().orders[0]
    for _ in range(3):
        client.write_tracking(order, "inpost", "620000000000000001")
        client.write_status(order, "completed")
    assert fake.orders[order_id]["status"] == "completed"
    assert len(fake.notes[order_id]) == 1
    keys = [m["key"] for m in fake.orders[order_id]["meta_data"]]
    assert keys == ["_ecomflow_tracking", "_wc_shipment_tracking_items"]


def test_five_thousand_skus_in_the_minimum_calls(fake: FakeWooCommerce) -> None:
    for i in range(5000):
        fake.add_product(f"SKU-{i}")
    client = WooCommerceClient(settings(fake), retry=FAST)
    updates = [
        StockUpdate(channel="woocommerce", sku=f"SKU-{i}", quantity=i % 9) for i in range(5000)
    ]
    result = client.publish_stock(updates)
    assert fake.calls["batch_products"] == 50 == result.calls  # 5000 / 100
    assert fake.calls["list_products"] == 50  # SKU → id resolved once, 100 a page
    assert result.updated == 5000
    client.publish_stock(updates[:10])  # cached: no more look-ups
    assert fake.calls["list_products"] == 50
    assert next(p for p in fake.products.values() if p["sku"] == "SKU-7")["stock_quantity"] == 7


def test_a_few_skus_are_looked_up_one_by_one(fake: FakeWooCommerce) -> None:
    fake.add_product("MUG")
    client = WooCommerceClient(settings(fake), retry=FAST)
    assert (
        client.publish_stock([StockUpdate(channel="woocommerce", sku="MUG", quantity=3)]).updated
        == 1
    )
    assert fake.calls["list_products"] == 1


def test_the_official_client_works_unchanged(fake: FakeWooCommerce) -> None:
    from woocommerce import API

    fake.add_order()
    api = API(url=fake.url, consumer_key=fake.key, consumer_secret=fake.secret, timeout=5)
    response = api.get("orders", params={"per_page": 5, "page": 1})
    assert response.status_code == 200, response.text
    assert response.headers["X-WP-TotalPages"] == "1"
    order_id = response.json()[0]["id"]
    assert api.put(f"orders/{order_id}", {"status": "completed"}).json()["status"] == "completed"
    wrong = API(url=fake.url, consumer_key=fake.key, consumer_secret="nope", timeout=5)
    assert wrong.get("orders").status_code == 401


def test_plain_http_needs_opt_in(fake: FakeWooCommerce) -> None:
    with pytest.raises(ConfigurationError, match="plain HTTP"):
        WooCommerceClient(WooCommerceSettings(url=fake.url, consumer_key="k", consumer_secret="s"))


def test_webhooks_signed_deduplicated_and_ping() -> None:
    secret = "whsec"
    hooks = WooWebhooks(secret)
    body = json.dumps({"id": 701, "status": "processing"}).encode()
    good = base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()
    headers = {
        "X-WC-Webhook-Topic": "order.updated",
        "X-WC-Webhook-Signature": good,
        "X-WC-Webhook-Delivery-ID": "d-1",
    }
    first = hooks.handle(headers, body)
    assert (first.topic, first.duplicate, first.payload["id"]) == ("order.updated", False, 701)
    assert hooks.handle(headers, body).duplicate  # replayed
    with pytest.raises(SignatureVerificationError, match="does not match"):
        hooks.handle(headers, body.replace(b"processing", b"completed"))  # tampered
    with pytest.raises(SignatureVerificationError, match="no signature"):
        hooks.handle({"X-WC-Webhook-Topic": "order.updated"}, body)  # unsigned
    assert hooks.handle({}, b"webhook_id=12").topic == "ping"


def test_registered_as_entry_point() -> None:
    assert get("woocommerce").client is WooCommerceClient


async def test_async_twin_pages(fake: FakeWooCommerce) -> None:
    seed(fake, 150)
    async with AsyncWooCommerceClient(settings(fake), retry=FAST) as client:
        batch = await client.fetch_orders()
    assert len(batch.orders) == 150
    assert asyncio.get_running_loop() is not None
