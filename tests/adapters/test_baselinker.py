from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import pytest

from ecomflow.adapters import OrderSource, StockSink, available, get
from ecomflow.adapters.baselinker import (
    AsyncBaseLinkerClient,
    BaseLinkerClient,
    BaseLinkerSettings,
    BLOrder,
    OrderCursor,
)
from ecomflow.errors import InvalidRequest, RateLimited, UnmappedStatus
from ecomflow.http import FakeClock, RateLimiter, RetryPolicy
from ecomflow.orders import OrderStatus, StatusMap
from ecomflow.stock import StockUpdate
from ecomflow.testing import FakeBaseLinker
from ecomflow.testing.conformance import OrderSourceConformance

TOKEN = "bl-token-7f3a9c"
FAST = RetryPolicy(attempts=4, jitter=0, base=0.01, sleep=lambda s: None)
START = 1_795_510_800  # 2026-11-24 07:00 UTC


def settings(fake: FakeBaseLinker, token: str = TOKEN, **kw: Any) -> BaseLinkerSettings:
    return BaseLinkerSettings(token=token, url=fake.url, inventory_id=1, timeout=1.0, **kw)


def seed(fake: FakeBaseLinker, count: int, same_second: int = 1, start: int = START) -> None:
    for i in range(count):
        fake.add_order(date_confirmed=start + i // same_second, date_add=start)


def fast_client(fake: FakeBaseLinker, token: str = TOKEN) -> BaseLinkerClient:
    return BaseLinkerClient(
        settings(fake, token), retry=FAST, limiter=RateLimiter(100_000, 1.0, burst=1000)
    )


class TestBaseLinkerConformance(OrderSourceConformance):
    secret = TOKEN
    order_method = "getOrders"

    def start_fake(self) -> FakeBaseLinker:
        return FakeBaseLinker(token=TOKEN, rate_limit=100_000).start()

    def make_client(self, fake: FakeBaseLinker, *, secret: str | None = None) -> Any:
        return fast_client(fake, secret or TOKEN)

    def make_async_client(self, fake: FakeBaseLinker) -> Any:
        return AsyncBaseLinkerClient(
            settings(fake), retry=FAST, limiter=RateLimiter(100_000, 1.0, burst=1000)
        )

    def seed(self, fake: FakeBaseLinker, count: int, *, same_second: int = 1) -> None:
        start = max((int(o["date_confirmed"]) for o in fake.orders.values()), default=START)
        seed(fake, count, same_second, start + 1)

    def inject(self, fake: FakeBaseLinker, method: str, kind: str | int, times: int = 1) -> None:
        fake.inject(method, kind, times=times, delay=1.5)


@pytest.fixture
def fake() -> Any:
    with FakeBaseLinker(token=TOKEN, rate_limit=100_000) as server:
        yield server


def test_ten_thousand_orders_with_shared_seconds_exactly_once() -> None:
    clock = FakeClock()
    with FakeBaseLinker(token=TOKEN, clock=clock.monotonic) as fake:
        seed(fake, 10_000, same_second=5)
        for _ in range(150):  # and one second with more orders than a page holds
            fake.add_order(date_confirmed=START + 5000, date_add=START)
        client = BaseLinkerClient(
            settings(fake), retry=FAST, limiter=RateLimiter(90, 60, clock=clock)
        )
        orders = client.get_orders()
    ids = [o.order_id for o in orders]
    assert len(ids) == len(set(ids)) == 10_150
    assert fake.blocked_responses == 0
    assert fake.calls["getOrders"] <= 120  # ~5 % re-read at page edges (see paging.py)


async def test_async_paging_matches(fake: FakeBaseLinker) -> None:
    seed(fake, 1_000, same_second=9)
    async with AsyncBaseLinkerClient(
        settings(fake), retry=FAST, limiter=RateLimiter(100_000, 1, burst=1000)
    ) as client:
        orders = await client.get_orders()
    assert len({o.order_id for o in orders}) == 1_000


def test_fetch_orders_maps_to_domain(fake: FakeBaseLinker) -> None:
    fake.add_order(
        delivery_point_id="KRA010",
        delivery_method="InPost Paczkomaty 24/7",
        order_status_id=1001,
        want_invoice="1",
        invoice_company="ACME",
        invoice_nip="7740001454",
        payment_method_cod="1",
        payment_done="0",
    )
    client = fast_client(fake)
    client.status_map = StatusMap({"baselinker": {"Nowe zamówienia": "new", "Opłacone": "paid"}})
    batch = client.fetch_orders()
    (order,) = batch.orders
    assert order.status is OrderStatus.PAID
    assert order.delivery.point_id == "KRA010"
    assert order.delivery.carrier == "inpost"
    assert order.payment.cod
    assert order.invoice is not None and order.invoice.nip == "7740001454"
    assert order.raw is not None and order.raw["order_id"] == int(order.channel_order_id)
    assert isinstance(client, OrderSource)
    assert isinstance(client, StockSink)


def test_unmapped_status_is_explicit(fake: FakeBaseLinker) -> None:
    fake.add_order(order_status_id=1009)  # "Zwrot" is mapped; use an id nobody maps
    fake.statuses.append({"id": 4242, "name": "Dziwny", "name_for_customer": "", "color": ""})
    fake.add_order(order_status_id=4242)
    with pytest.raises(UnmappedStatus, match="Dziwny"):
        fast_client(fake).fetch_orders()


def test_twenty_thousand_skus_in_twenty_calls(fake: FakeBaseLinker) -> None:
    updates = [
        StockUpdate(channel="baselinker", sku=f"SKU-{i}", quantity=i % 9) for i in range(20_000)
    ]
    result = fast_client(fake).publish_stock(updates)
    assert fake.calls["updateInventoryProductsStock"] == 20 == result.calls
    assert result.updated == 20_000
    assert fake.stock[1]["SKU-7"] == {"bl_1": 7}


def test_stock_warnings_are_collected(fake: FakeBaseLinker) -> None:
    updates = [
        StockUpdate(channel="baselinker", sku="A", quantity=1, warehouse="shop_1"),
        StockUpdate(channel="baselinker", sku="B", quantity=2),
    ]
    result = fast_client(fake).publish_stock(updates)
    assert result.updated == 1
    assert "shop or wholesaler" in result.warnings["A"]


@pytest.mark.parametrize("kind", [500, 502, 503, "reset", "truncated", "malformed"])
def test_faults_are_retried(fake: FakeBaseLinker, kind: str | int) -> None:
    seed(fake, 3)
    fake.inject("getOrders", kind)
    assert len(fast_client(fake).get_orders()) == 3


def test_timeouts_are_retried(fake: FakeBaseLinker) -> None:
    seed(fake, 2)
    fake.inject("getOrders", "timeout", delay=1.5)
    assert len(fast_client(fake).get_orders()) == 2
    assert fake.calls["getOrders"] == 2


def test_retried_package_write_is_not_applied_twice(fake: FakeBaseLinker) -> None:
    order_id = fake.add_order()
    fake.inject("createPackageManual", "drop_after_write")
    client = fast_client(fake)
    when = datetime(2026, 11, 24, 12, tzinfo=UTC)
    package = client.record_package(
        order_id, "inpost", "520000011395200025754311", pickup_date=when
    )
    again = client.record_package(order_id, "inpost", "520000011395200025754311", pickup_date=when)
    assert len(fake.packages[order_id]) == 1
    assert package["courier_package_nr"] == again["courier_package_nr"]


def test_add_order_is_not_retried(fake: FakeBaseLinker) -> None:
    fake.inject("addOrder", 503)
    with pytest.raises(Exception, match="503"):
        fast_client(fake).add_order(email="a@b.pl")
    assert fake.calls["addOrder"] == 1


def test_unknown_method_and_status_names(fake: FakeBaseLinker) -> None:
    client = fast_client(fake)
    with pytest.raises(InvalidRequest, match="Unknown method"):
        client._send("getEverything")
    order_id = fake.add_order()
    order = client.fetch_orders().orders[0]
    client.write_status(order, "Wysłane")
    assert fake.orders[order_id]["order_status_id"] == 1005
    with pytest.raises(InvalidRequest, match="no status 'Lost'"):
        client.write_status(order, "Lost")


def test_burst_of_500_calls_is_never_blocked() -> None:
    clock = FakeClock()
    with FakeBaseLinker(token=TOKEN, rate_limit=10, rate_window=6.0, clock=clock.monotonic) as fake:
        limiter = RateLimiter(9, 6.0, burst=1, clock=clock)
        client = BaseLinkerClient(settings(fake), retry=FAST, limiter=limiter)
        for _ in range(500):
            client.get_order_status_list()
    assert fake.blocked_responses == 0
    assert fake.calls["getOrderStatusList"] == 500


def test_exceeding_the_limit_blocks_with_a_typed_error() -> None:
    with FakeBaseLinker(token=TOKEN, rate_limit=5) as fake:
        client = BaseLinkerClient(
            settings(fake), retry=FAST, limiter=RateLimiter(1000, 1, burst=100)
        )
        for _ in range(5):
            client.get_order_status_list()
        with pytest.raises(RateLimited) as info:
            client.get_order_status_list()
    assert info.value.code == "ERROR_USER_ACCOUNT_BLOCKED"
    assert info.value.retry_after == 300


def test_token_never_leaks(fake: FakeBaseLinker, caplog: pytest.LogCaptureFixture) -> None:
    client = fast_client(fake)
    fake.inject("getOrders", 500, times=10)
    with caplog.at_level(logging.DEBUG), pytest.raises(Exception) as info:
        client.get_orders()
    for text in (repr(client), str(info.value), caplog.text, repr(client.settings)):
        assert TOKEN not in text


def test_cursor_paging_logic_without_http() -> None:
    def page(*pairs: tuple[int, int]) -> list[BLOrder]:
        return [
            BLOrder(order_id=i, order_status_id=1, date_add=0, date_confirmed=d) for d, i in pairs
        ]

    cursor = OrderCursor()
    fresh, cursor, done = cursor.take(page((5, 1), (5, 2)))
    assert [o.order_id for o in fresh] == [1, 2]
    assert done
    assert cursor.query() == {"date_confirmed_from": 5, "get_unconfirmed_orders": False}
    fresh, _, _ = cursor.take(page((5, 1), (5, 2), (6, 3)))
    assert [o.order_id for o in fresh] == [3]


def test_registry_finds_the_entry_point() -> None:
    info = get("baselinker")
    assert info.client is BaseLinkerClient
    assert {"orders", "stock"} <= info.capabilities
    assert any(status.id == "baselinker" and status.ok for status in available())
