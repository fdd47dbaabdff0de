"""BaseLinker writes against FakeBaseLinker: statuses (bulk), packages, stock, single reads."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from ecomflow.adapters.baselinker import BaseLinkerClient, BaseLinkerSettings
from ecomflow.adapters.protocols import StatusChange
from ecomflow.errors import (
    ConfigurationError,
    MappingError,
    NotFound,
    UnmappedDeliveryMethod,
    UnmappedStatus,
)
from ecomflow.http import RateLimiter, RetryPolicy
from ecomflow.orders import DeliveryMethod, Order, OrderStatus, ShipmentRef
from ecomflow.stock import StockUpdate
from ecomflow.testing import FakeBaseLinker, FrozenClock

TOKEN = "bl-token-7f3a9c"
FAST = RetryPolicy(attempts=3, jitter=0, base=0.01, sleep=lambda s: None)
START = 1_795_510_800
CLOCK = FrozenClock(datetime.fromtimestamp(START + 3600, tz=UTC))


@pytest.fixture
def fake() -> Iterator[FakeBaseLinker]:
    with FakeBaseLinker(token=TOKEN, now=CLOCK) as server:
        yield server


def client_for(fake: FakeBaseLinker, **kw: Any) -> BaseLinkerClient:
    return BaseLinkerClient(
        BaseLinkerSettings(token=TOKEN, url=fake.url, inventory_id=1, **kw),
        retry=FAST,
        limiter=RateLimiter(100_000, 1, burst=1000),
        clock=CLOCK,
    )


def orders(fake: FakeBaseLinker, client: BaseLinkerClient, count: int) -> list[Order]:
    for i in range(count):
        fake.add_order(date_confirmed=START + i, date_add=START)
    return client.fetch_orders(None).orders


# -- statuses -----------------------------------------------------------------------------


@pytest.mark.parametrize("failure", ["atomic", "partial"])
def test_bulk_status_write_reports_exactly_the_orders_that_failed(
    fake: FakeBaseLinker, failure: Any
) -> None:
    fake.bulk_status_failure = failure
    client = client_for(fake)
    known = orders(fake, client, 3)
    ghost = known[0].model_copy(update={"id": "baselinker-999", "channel_order_id": "999"})
    fake.reset_counters()
    result = client.write_statuses(
        [StatusChange(o, OrderStatus.SHIPPED) for o in [*known, ghost]]
        + [StatusChange(known[0], OrderStatus.SHIPPED)]
    )
    assert sorted(result.written) == sorted(o.id for o in known)
    assert list(result.failed) == ["baselinker-999"]
    assert "999" in result.failed["baselinker-999"]
    assert all(fake.status_name(int(o.channel_order_id)) == "Wysłane" for o in known)
    assert fake.calls["setOrderStatuses"] == 1
    assert fake.calls["setOrderStatus"] == 4  # one by one after the ERROR, to find the failure


def test_bulk_status_write_takes_one_call_per_target_status(fake: FakeBaseLinker) -> None:
    client = client_for(fake)
    made = orders(fake, client, 250)
    fake.reset_counters()
    changes = [StatusChange(o, OrderStatus.SHIPPED) for o in made[:230]]
    changes += [StatusChange(o, OrderStatus.CANCELLED) for o in made[230:]]
    result = client.write_statuses(changes)
    assert len(result.written) == 250 and result.failed == {} and result.calls == 4
    assert fake.calls["setOrderStatuses"] == 4  # 100 + 100 + 30 shipped, 20 cancelled
    assert fake.calls["getOrderStatusList"] == 0  # names cached by get_order


def test_write_status_maps_through_the_channel_status_map(fake: FakeBaseLinker) -> None:
    client = client_for(fake, statuses={"Nowe zamówienia": "new", "Wysłano": "shipped"})
    order_id = fake.add_order(order_status_id=1000)
    order = client.get_order(str(order_id))
    with pytest.raises(UnmappedStatus):  # the map has no channel status for "cancelled"
        client.write_status(order, OrderStatus.CANCELLED)
    with pytest.raises(ConfigurationError, match="no order status 'Wysłano'"):
        client.write_status(order, OrderStatus.SHIPPED)  # BaseLinker calls it "Wysłane"
    fake.statuses.append({"id": 1100, "name": "Wysłano", "name_for_customer": "", "color": ""})
    client.write_status(order, OrderStatus.SHIPPED)  # the list is read again once
    assert fake.status_name(order_id) == "Wysłano"


# -- packages ------------------------------------------------------------------------------


def test_write_tracking_courier_codes_and_limits(fake: FakeBaseLinker) -> None:
    client = client_for(fake, couriers={"poczta_polska": "pocztapolska"})
    order_id = fake.add_order()
    order = client.get_order(str(order_id))
    fake.reset_counters()
    locker = ShipmentRef(carrier="inpost", service_id="inpost_locker_standard", tracking_number="1")
    courier = ShipmentRef(
        carrier="inpost", service_id="inpost_courier_standard", tracking_number="2"
    )
    post = ShipmentRef(carrier="poczta_polska", tracking_number="PX3")
    for shipment in (locker, courier, post):
        client.write_tracking(order, shipment, first_attempt=True)
    assert [(p["courier_code"], p["courier_package_nr"]) for p in fake.packages[order_id]] == [
        ("paczkomaty", "1"),
        ("inpostkurier", "2"),
        ("pocztapolska", "PX3"),
    ]
    assert fake.calls["createPackageManual"] == 3 and fake.calls["getOrderPackages"] == 0
    with pytest.raises(ConfigurationError, match="orlen"):
        client.write_tracking(order, ShipmentRef(carrier="orlen", tracking_number="9"))
    with pytest.raises(MappingError, match="1–40 characters"):
        client.write_tracking(order, ShipmentRef(carrier="dpd", tracking_number="9" * 41))
    with pytest.raises(MappingError, match="no tracking number"):
        client.write_tracking(order, ShipmentRef(carrier="dpd"))
    assert len(fake.packages[order_id]) == 3


def test_a_lost_answer_without_the_package_is_reported_not_recorded_twice(
    fake: FakeBaseLinker,
) -> None:
    client = client_for(fake)
    order = client.get_order(str(fake.add_order()))
    fake.inject("createPackageManual", 503)  # refused before it was applied
    shipment = ShipmentRef(carrier="dpd", tracking_number="DPD1")
    with pytest.raises(Exception, match="503"):
        client.write_tracking(order, shipment, first_attempt=True)
    assert fake.calls["getOrderPackages"] == 1  # it looked again, found nothing
    client.write_tracking(order, shipment)
    assert [p["courier_package_nr"] for p in fake.packages[int(order.channel_order_id)]] == ["DPD1"]


def test_record_package_and_label(fake: FakeBaseLinker) -> None:
    client = client_for(fake)
    order_id = fake.add_order()
    package = client.record_package(order_id, "dpd", "DPD7")
    again = client.record_package(order_id, "dpd", "DPD7")
    assert package.package_id == again.package_id and len(fake.packages[order_id]) == 1
    extension, data = client.get_label("dpd", package_number="DPD7")
    assert extension == "pdf" and data.startswith(b"%PDF")
    assert [p.courier_package_nr for p in client.get_order_packages(order_id)] == ["DPD7"]


# -- single reads --------------------------------------------------------------------------


def test_get_order_errors_are_typed(fake: FakeBaseLinker) -> None:
    client = client_for(fake)
    with pytest.raises(NotFound):
        client.get_order("123")
    with pytest.raises(MappingError):
        client.get_order("12a")
    fake.statuses.append({"id": 4242, "name": "Dziwny", "name_for_customer": "", "color": ""})
    odd = fake.add_order(order_status_id=4242)
    with pytest.raises(UnmappedStatus, match="Dziwny"):
        client.get_order(str(odd))
    pigeon = fake.add_order(delivery_method="Gołąb pocztowy")
    with pytest.raises(UnmappedDeliveryMethod, match=r"\[channels\.baselinker\.deliveries\]"):
        client.get_order(str(pigeon))
    broken = fake.add_order(products=[{"sku": "A", "quantity": "-2", "price_brutto": "1"}])
    with pytest.raises(MappingError, match="quantity"):
        client.get_order(str(broken))


def test_a_locker_order_keeps_its_point_id_as_sent(fake: FakeBaseLinker) -> None:
    client = client_for(fake)
    with_point = fake.add_order(delivery_method="Paczkomat InPost", delivery_point_id="KRA010")
    without = fake.add_order(delivery_method="Paczkomat InPost", delivery_point_id="")
    one, other = client.get_order(str(with_point)), client.get_order(str(without))
    assert (one.delivery.method, one.delivery.point_id) == (DeliveryMethod.PARCEL_LOCKER, "KRA010")
    assert (other.delivery.method, other.delivery.point_id) == (DeliveryMethod.PARCEL_LOCKER, None)
    assert other.delivery.carrier == "inpost" and other.delivery.name == "Paczkomat InPost"


# -- stock ---------------------------------------------------------------------------------


def test_the_fake_refuses_unknown_product_ids_per_product(fake: FakeBaseLinker) -> None:
    known = fake.add_product("MUG-RED")
    shop_stock = fake.add_product("MUG-SHOP")
    result = client_for(fake).publish_stock(
        [
            StockUpdate(channel="baselinker", sku="MUG-RED", quantity=4, product_id=known),
            StockUpdate(channel="baselinker", sku="OLD", quantity=4, product_id="404404"),
            StockUpdate(
                channel="baselinker",
                sku="MUG-SHOP",
                quantity=1,
                product_id=shop_stock,
                warehouse="shop_7",
            ),
        ]
    )
    assert result.updated == 1
    assert "shop or wholesaler" in result.warnings["MUG-SHOP"]
    assert fake.stock_of("MUG-RED") == 4
    assert "does not exist" in result.warnings["OLD"]
    assert fake.calls["getInventoryProductsList"] == 0  # product ids given: nothing to resolve


def test_skus_are_resolved_once_and_again_only_for_a_new_sku(fake: FakeBaseLinker) -> None:
    clock = FrozenClock(CLOCK())
    client = BaseLinkerClient(
        BaseLinkerSettings(token=TOKEN, url=fake.url, inventory_id=1),
        retry=FAST,
        limiter=RateLimiter(100_000, 1, burst=1000),
        clock=clock,
    )
    fake.add_product("A")
    update = StockUpdate(channel="baselinker", sku="A", quantity=1)
    new = StockUpdate(channel="baselinker", sku="B", quantity=2)
    client.publish_stock([update])
    client.publish_stock([update])
    assert fake.calls["getInventoryProductsList"] == 1
    fake.add_product("B")
    assert "B" in client.publish_stock([update, new]).warnings  # listed < 10 minutes ago
    clock.advance(minutes=11)
    result = client.publish_stock([update, new])
    assert result.warnings == {} and fake.stock_of("B") == 2
    assert fake.calls["getInventoryProductsList"] == 2


def test_twenty_thousand_skus_in_forty_calls(fake: FakeBaseLinker) -> None:
    for i in range(20_000):
        fake.add_product(f"SKU-{i}", product_id=str(100_000 + i))
    updates = [
        StockUpdate(channel="baselinker", sku=f"SKU-{i}", quantity=i % 9) for i in range(20_000)
    ]
    result = client_for(fake).publish_stock(updates)
    assert fake.calls["getInventoryProductsList"] == 21  # 20 full pages + the empty end
    assert fake.calls["updateInventoryProductsStock"] == 20
    assert result.calls == 41 and result.updated == 20_000 and result.warnings == {}
    assert fake.stock_of("SKU-7") == 7
