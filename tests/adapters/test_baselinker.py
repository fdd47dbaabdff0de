"""BaseLinker: the conformance kit (with and without the journal), settings, registry, limits."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from ecomflow.adapters import (
    AsyncBulkStatusWriter,
    AsyncOrderSource,
    AsyncStockSink,
    BulkStatusWriter,
    OrderSource,
    StockSink,
    available,
    get,
)
from ecomflow.adapters.baselinker import (
    AsyncBaseLinkerClient,
    BaseLinkerClient,
    BaseLinkerSettings,
)
from ecomflow.errors import ConfigurationError, RateLimited
from ecomflow.http import FakeClock, RateLimiter, RetryPolicy
from ecomflow.orders import OrderStatus
from ecomflow.stock import StockUpdate
from ecomflow.testing import FakeBaseLinker, FrozenClock
from ecomflow.testing.conformance import OrderSourceConformance, assert_twins_match
from ecomflow.testing.conformance.channels import Change

TOKEN = "bl-token-7f3a9c"
FAST = RetryPolicy(attempts=4, jitter=0, base=0.01, sleep=lambda s: None)
START = 1_795_510_800  # 2026-11-24 07:00 UTC
NOW = datetime.fromtimestamp(START, tz=UTC) + timedelta(hours=1)


def settings(fake: FakeBaseLinker, token: str = TOKEN, **kw: Any) -> BaseLinkerSettings:
    return BaseLinkerSettings(token=token, url=fake.url, inventory_id=1, timeout=1.0, **kw)


def unlimited() -> RateLimiter:
    return RateLimiter(100_000, 1.0, burst=1000)


def seed(fake: FakeBaseLinker, count: int, same_second: int = 1, start: int = START) -> list[int]:
    return [
        fake.add_order(date_confirmed=start + i // same_second, date_add=start)
        for i in range(count)
    ]


class TestBaseLinkerConformance(OrderSourceConformance):
    """The kit against FakeBaseLinker with the journal enabled."""

    secret = TOKEN
    order_route = "getOrders"
    tracking_route = "createPackageManual"
    options: dict[str, Any] = {}  # noqa: RUF012
    journal = True

    def start_fake(self) -> FakeBaseLinker:
        clock = FrozenClock(NOW)
        fake = FakeBaseLinker(token=TOKEN, rate_limit=100_000, now=clock, journal=self.journal)
        fake.test_clock = clock  # type: ignore[attr-defined]
        fake.add_product("MUG-RED", stock={"bl_1": 3})
        fake.add_product("MUG-BLUE", stock={"bl_1": 0})
        return fake.start()

    def make_client(self, fake: FakeBaseLinker, *, secret: str | None = None) -> Any:
        return BaseLinkerClient(
            settings(fake, secret or TOKEN, **self.options),
            retry=FAST,
            limiter=unlimited(),
            clock=fake.test_clock,  # type: ignore[attr-defined]
        )

    def make_async_client(self, fake: FakeBaseLinker) -> Any:
        return AsyncBaseLinkerClient(
            settings(fake, **self.options),
            retry=FAST,
            limiter=unlimited(),
            clock=fake.test_clock,  # type: ignore[attr-defined]
        )

    def _last(self, fake: FakeBaseLinker) -> int:
        return max((int(o["date_confirmed"]) for o in fake.orders.values()), default=START)

    def seed(
        self, fake: FakeBaseLinker, count: int, *, same_second: int = 1, descending: bool = False
    ) -> list[str]:
        if descending:
            fake.within_second = "descending"
        start = self._last(fake) + 1  # unpaid, so that a payment is a change
        return [
            str(
                fake.add_order(
                    date_confirmed=start + i // same_second, date_add=start, payment_done="0"
                )
            )
            for i in range(count)
        ]

    def seed_in_last_second(self, fake: FakeBaseLinker, count: int) -> list[str]:
        last = self._last(fake)
        return [str(fake.add_order(date_confirmed=last, date_add=last)) for _ in range(count)]

    def seed_poison(self, fake: FakeBaseLinker) -> str:
        fake.statuses.append({"id": 4242, "name": "Dziwny", "name_for_customer": "", "color": ""})
        last = self._last(fake) + 1
        return str(fake.add_order(order_status_id=4242, date_confirmed=last, date_add=last))

    def change(self, fake: FakeBaseLinker, channel_order_id: str, change: Change) -> None:
        if change == "paid":
            fake.pay(int(channel_order_id))
        else:
            fake.cancel(int(channel_order_id))

    def inject(self, fake: FakeBaseLinker, route: str, kind: str | int, times: int = 1) -> None:
        fake.inject(route, kind, times=times, delay=1.5)

    def channel_status(self, fake: FakeBaseLinker, channel_order_id: str) -> str | None:
        return fake.status_name(int(channel_order_id))

    def recorded_shipments(self, fake: FakeBaseLinker, channel_order_id: str) -> list[str]:
        return [p["courier_package_nr"] for p in fake.packages.get(int(channel_order_id), [])]

    def stock_skus(self, fake: FakeBaseLinker) -> list[str]:
        return ["MUG-RED", "MUG-BLUE"]

    def stock_of(self, fake: FakeBaseLinker, sku: str) -> int | None:
        return fake.stock_of(sku)

    def test_stock_publication_warns_per_unknown_sku(self, fake: Any, client: Any) -> None:
        """The kit's test, with ``StockUpdate.channel`` filled in.

        Narrow override: the kit builds ``StockUpdate(sku=..., quantity=...)``
        without ``channel``, which ``StockUpdate`` requires (ecomflow.stock.updates),
        so the kit's version raises a pydantic error before calling any adapter.
        The assertions are the kit's, unchanged.
        """
        known = self.stock_skus(fake)
        updates = [
            StockUpdate(channel="baselinker", sku=known[0], quantity=7),
            StockUpdate(channel="baselinker", sku="NO-SUCH-SKU", quantity=1),
        ]
        result = client.publish_stock(updates)
        assert "NO-SUCH-SKU" in result.warnings
        assert self.stock_of(fake, known[0]) == 7


class TestBaseLinkerWithoutJournal(TestBaseLinkerConformance):
    """The kit again, with the journal not enabled for the account (the documented fallback).

    ``journal = "auto"`` re-reads recent orders every 30 minutes until the journal
    answers; a change in the channel happens 31 minutes later.
    """

    journal = False
    options = {"reread_every_minutes": 30}  # noqa: RUF012

    def change(self, fake: FakeBaseLinker, channel_order_id: str, change: Change) -> None:
        fake.test_clock.advance(minutes=31)  # type: ignore[attr-defined]
        super().change(fake, channel_order_id, change)


# -- registry, settings, twins --------------------------------------------------------------


def test_registry_builds_a_working_client_from_a_config_table() -> None:
    with FakeBaseLinker(token=TOKEN) as fake:
        fake.add_order()
        info = get("baselinker")
        client = info.build({"token": TOKEN, "url": fake.url, "inventory_id": 1})
        batch = client.fetch_orders(None)
        client.close()
    assert info.client is BaseLinkerClient and info.async_client is AsyncBaseLinkerClient
    assert info.capabilities == {"orders", "bulk_status", "stock"}
    assert info.kind == "channel"
    assert [o.channel for o in batch.orders] == ["baselinker"]
    assert any(status.id == "baselinker" and status.ok for status in available())


def test_clients_implement_the_protocols() -> None:
    sync = BaseLinkerClient(BaseLinkerSettings(token=TOKEN))
    twin = AsyncBaseLinkerClient(BaseLinkerSettings(token=TOKEN))
    for protocol in (OrderSource, BulkStatusWriter, StockSink):
        assert isinstance(sync, protocol)
    for protocol in (AsyncOrderSource, AsyncBulkStatusWriter, AsyncStockSink):
        assert isinstance(twin, protocol)
    assert_twins_match(BaseLinkerClient, AsyncBaseLinkerClient)


def test_settings_subclass_channel_settings_and_forbid_unknown_keys() -> None:
    made = BaseLinkerSettings.model_validate(
        {
            "token": TOKEN,
            "channel": "shop",
            "statuses": {"Nowe": "new", "Wysłano": "shipped"},
            "deliveries": {"Kurier X": {"method": "courier", "carrier": "dpd"}},
            "couriers": {"poczta_polska": "pocztapolska"},
        }
    )
    assert made.channel == "shop"
    assert made.courier_code("poczta_polska") == "pocztapolska"
    client = BaseLinkerClient(made)
    assert client.status_map.to_channel("shop", OrderStatus.SHIPPED) == "Wysłano"
    assert client.delivery_map.resolve("shop", "kurier x").carrier == "dpd"
    assert client.delivery_map.resolve("shop", "Kurier DPD").carrier == "dpd"  # defaults stay
    with pytest.raises(ValueError, match="tokn"):
        BaseLinkerSettings.model_validate({"token": TOKEN, "tokn": "x"})
    with pytest.raises(ValueError, match="warehouse id"):
        BaseLinkerSettings(token=TOKEN, warehouse_id="main")
    with pytest.raises(ValueError, match="1–20"):
        BaseLinkerSettings(token=TOKEN, couriers={"x": "a-courier-code-far-too-long"})
    with pytest.raises(ConfigurationError, match=r"\[channels\.shop\.couriers\]"):
        made.courier_code("orlen", "orlen_paczka")
    with pytest.raises(ConfigurationError, match="token is empty"):
        BaseLinkerClient(BaseLinkerSettings(token=""))


# -- the rate limit ---------------------------------------------------------------------------


def test_burst_of_500_calls_is_never_blocked() -> None:
    clock = FakeClock()
    with FakeBaseLinker(token=TOKEN, rate_limit=10, rate_window=6.0, clock=clock.monotonic) as fake:
        limiter = RateLimiter(9, 6.0, burst=1, clock=clock)
        client = BaseLinkerClient(settings(fake), retry=FAST, limiter=limiter)
        for _ in range(500):
            client.order_statuses(refresh=True)
    assert fake.blocked_responses == 0
    assert fake.calls["getOrderStatusList"] == 500


def test_exceeding_the_limit_blocks_with_a_typed_error() -> None:
    with FakeBaseLinker(token=TOKEN, rate_limit=5) as fake:
        client = BaseLinkerClient(settings(fake), retry=FAST, limiter=unlimited())
        for _ in range(5):
            client.order_statuses(refresh=True)
        with pytest.raises(RateLimited) as info:
            client.order_statuses(refresh=True)
    assert info.value.code == "ERROR_USER_ACCOUNT_BLOCKED"
    assert info.value.retry_after == 300
    assert fake.calls["getOrderStatusList"] == 6  # not retried in a loop


@pytest.mark.parametrize("kind", [500, 502, 503, "reset", "truncated", "malformed"])
def test_faults_are_retried(kind: str | int) -> None:
    with FakeBaseLinker(token=TOKEN) as fake:
        seed(fake, 3)
        fake.inject("getOrders", kind)
        client = BaseLinkerClient(settings(fake), retry=FAST, limiter=unlimited())
        assert len(client.fetch_orders(None).orders) == 3


def test_timeouts_are_retried() -> None:
    with FakeBaseLinker(token=TOKEN) as fake:
        seed(fake, 2)
        fake.inject("getOrders", "timeout", delay=1.5)
        client = BaseLinkerClient(settings(fake), retry=FAST, limiter=unlimited())
        assert len(client.fetch_orders(None).orders) == 2
        assert fake.calls["getOrders"] == 2


def test_token_never_leaks_in_logs_or_repr(caplog: pytest.LogCaptureFixture) -> None:
    with FakeBaseLinker(token=TOKEN) as fake:
        client = BaseLinkerClient(settings(fake), retry=FAST, limiter=unlimited())
        fake.inject("getOrders", 500, times=10)
        with caplog.at_level(logging.DEBUG), pytest.raises(Exception) as info:
            client.fetch_orders(None)
    for text in (repr(client), str(info.value), caplog.text, repr(client.settings)):
        assert TOKEN not in text
