from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ecomflow.adapters import get
from ecomflow.adapters.shopify import (
    AsyncShopifyClient,
    ShopifyClient,
    ShopifySettings,
    ShopifyWebhooks,
)
from ecomflow.errors import AuthenticationFailed, SignatureVerificationError
from ecomflow.http import FakeClock, RetryPolicy
from ecomflow.orders import OrderStatus
from ecomflow.stock import StockUpdate
from ecomflow.testing import FakeShopify
from ecomflow.testing.conformance import OrderSourceConformance

START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)


def client(fake: FakeShopify, token: str | None = None, sleep: Any = None) -> ShopifyClient:
    waits: list[float] = []
    sleeper = sleep or waits.append
    return ShopifyClient(
        ShopifySettings(shop_url=fake.url, access_token=token or fake.token, timeout=2.0),
        retry=RetryPolicy(attempts=6, jitter=0, base=0.01, sleep=sleeper),
        sleep=sleeper,
    )


@pytest.fixture
def fake() -> Iterator[FakeShopify]:
    with FakeShopify() as server:
        yield server


def seed(fake: FakeShopify, count: int, same_second: int = 1) -> None:
    for i in range(count):
        fake.add_order(updated=START + timedelta(seconds=i // same_second))


def test_thousand_orders_across_pages_exactly_once(fake: FakeShopify) -> None:
    fake.maximum_available = fake.available = 100_000
    seed(fake, 1000, same_second=9)
    api = client(fake)
    batch = api.fetch_orders()
    assert len({o.id for o in batch.orders}) == 1000
    assert fake.calls["Orders"] == 10
    assert api.fetch_orders(batch.cursor).orders == []
    fake.add_order(updated=START + timedelta(hours=1))
    assert len(api.fetch_orders(batch.cursor).orders) == 1


def test_mapping(fake: FakeShopify) -> None:
    fake.add_order(financial="PENDING", shippingLines={"nodes": [{"code": "pickup-1"}]})
    (order,) = client(fake).fetch_orders().orders
    assert order.status is OrderStatus.NEW
    assert order.delivery.method.value == "pickup"
    assert order.lines[0].ean == "5901234123457"


def test_throttling_waits_for_the_bucket_and_retries() -> None:
    clock = FakeClock()
    with FakeShopify(
        maximum_available=150, restore_rate=50, clock=clock.monotonic, throttle_status=429
    ) as fake:
        seed(fake, 400)
        api = client(fake, sleep=clock.sleep)
        batch = api.fetch_orders()
    assert len(batch.orders) == 400
    assert clock.now > 0  # the client waited (on the fake clock) for points to come back
    assert api.throttle["maximumAvailable"] == 150


def test_fulfilment_with_tracking_is_idempotent(fake: FakeShopify) -> None:
    gid = fake.add_order()
    api = client(fake)
    order = api.fetch_orders().orders[0]
    for _ in range(3):
        api.write_tracking(
            order,
            "InPost",
            "620000000000000001",
            "https://inpost.pl/sledzenie-przesylek?number=620000000000000001",
        )
        api.write_status(order, "shipped")
    assert len(fake.fulfillments[gid]) == 1
    assert fake.fulfillments[gid][0]["trackingInfo"]["number"] == "620000000000000001"
    assert fake.orders[gid]["tags"] == ["ecomflow:shipped"]


def test_five_thousand_skus_in_the_minimum_calls(fake: FakeShopify) -> None:
    fake.maximum_available = fake.available = 1_000_000
    for i in range(5000):
        fake.add_variant(f"SKU-{i}", available=1)
    api = client(fake)
    updates = [StockUpdate(channel="shopify", sku=f"SKU-{i}", quantity=5) for i in range(5000)]
    first = api.publish_stock(updates)
    assert first.calls == fake.calls["InventorySet"] == 20  # 5000 / 250
    assert first.updated == 5000
    again = api.publish_stock([u.model_copy(update={"quantity": 7}) for u in updates[:250]])
    assert again.updated == 250  # compare-and-set from what this client published


def test_compare_and_set_refuses_a_stale_write(fake: FakeShopify) -> None:
    fake.add_variant("MUG", available=3)
    api = client(fake)
    api.publish_stock([StockUpdate(channel="shopify", sku="MUG", quantity=5)])
    fake.inventory[api.inventory_items["MUG"]] = 4  # someone else changed it
    result = api.publish_stock([StockUpdate(channel="shopify", sku="MUG", quantity=6)])
    assert result.updated == 0
    assert "changed since it was read" in result.warnings["MUG"]


def test_bad_token(fake: FakeShopify) -> None:
    with pytest.raises(AuthenticationFailed):
        client(fake, token="shpat_wrong").fetch_orders()


def test_webhooks_tampered_unsigned_and_replayed_are_rejected() -> None:
    hooks = ShopifyWebhooks("shpss_test")
    body = b'{"id": 1001, "financial_status": "paid"}'
    good = base64.b64encode(hmac.new(b"shpss_test", body, hashlib.sha256).digest()).decode()
    headers = {
        "X-Shopify-Hmac-Sha256": good,
        "X-Shopify-Topic": "orders/paid",
        "X-Shopify-Event-Id": "e-1",
    }
    assert hooks.handle(headers, body).payload["id"] == 1001
    assert hooks.handle(headers, body).duplicate
    with pytest.raises(SignatureVerificationError):
        hooks.handle(headers, body.replace(b"paid", b"refunded"))
    with pytest.raises(SignatureVerificationError):
        hooks.handle({"X-Shopify-Topic": "orders/paid"}, body)


def test_registered_as_entry_point() -> None:
    assert get("shopify").client is ShopifyClient


class TestShopifyConformance(OrderSourceConformance):
    secret = "shpat_conformance_token"
    order_method = "Orders"

    def start_fake(self) -> FakeShopify:
        return FakeShopify(token=self.secret, maximum_available=1_000_000).start()

    def make_client(self, fake: FakeShopify, *, secret: str | None = None) -> Any:
        return client(fake, token=secret or self.secret)

    def make_async_client(self, fake: FakeShopify) -> Any:
        return AsyncShopifyClient(
            ShopifySettings(shop_url=fake.url, access_token=self.secret, timeout=2.0),
            retry=RetryPolicy(attempts=6, jitter=0, base=0.01, sleep=lambda s: None),
        )

    def seed(self, fake: FakeShopify, count: int, *, same_second: int = 1) -> None:
        start = max(
            (
                datetime.fromisoformat(o["updatedAt"].replace("Z", "+00:00"))
                for o in fake.orders.values()
            ),
            default=START,
        )
        for i in range(count):
            fake.add_order(updated=start + timedelta(seconds=1 + i // same_second))

    def inject(self, fake: FakeShopify, method: str, kind: str | int, times: int = 1) -> None:
        fake.inject(method, kind, times=times)
