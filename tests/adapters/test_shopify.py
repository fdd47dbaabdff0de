"""The Shopify adapter against FakeShopify (a schema-validating GraphQL fake) and the kit."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from ecomflow.adapters import get
from ecomflow.adapters.protocols import (
    AsyncOrderSource,
    AsyncStockSink,
    OrderSource,
    StockSink,
    WebhookRequest,
    WebhookSource,
)
from ecomflow.adapters.shopify import AsyncShopifyClient, ShopifyClient, ShopifySettings
from ecomflow.errors import (
    AuthenticationFailed,
    InvalidTransition,
    NotFound,
    UnmappedStatus,
)
from ecomflow.http import FakeClock, RetryPolicy, Sleep
from ecomflow.orders import OrderStatus
from ecomflow.orders.models import DeliveryMethod, ShipmentRef
from ecomflow.stock import StockUpdate
from ecomflow.testing import FakeShopify
from ecomflow.testing.conformance import OrderSourceConformance, assert_twins_match

START = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)
FAST = RetryPolicy(attempts=6, jitter=0, base=0.01, sleep=lambda s: None)
SHIPMENT = ShipmentRef(
    carrier="inpost",
    service_id="inpost_courier_standard",
    shipment_id="7",
    tracking_number="620000000000000001",
    tracking_url="https://inpost.pl/sledzenie-przesylek?number=620000000000000001",
)


def settings(fake: FakeShopify, token: str | None = None, **extra: Any) -> ShopifySettings:
    return ShopifySettings(
        shop_url=fake.url,
        access_token=token or fake.token,
        app_secret=fake.app_secret,
        location_id=fake.default_location,
        timeout=2.0,
        **extra,
    )


def client(fake: FakeShopify, token: str | None = None, **extra: Any) -> ShopifyClient:
    retry = extra.pop("retry", FAST)
    return ShopifyClient(settings(fake, token, **extra), retry=retry)


def ref(order_gid: str) -> str:
    return order_gid.rsplit("/", 1)[1]


def latest(fake: FakeShopify) -> datetime:
    return max(
        (
            datetime.fromisoformat(o["updatedAt"].replace("Z", "+00:00"))
            for o in fake.orders.values()
        ),
        default=START,
    )


@pytest.fixture
def fake() -> Iterator[FakeShopify]:
    with FakeShopify(maximum_available=1_000_000, restore_rate=1_000_000) as server:
        yield server


# -- the contract --------------------------------------------------------------------------


def test_registry_builds_a_working_client_with_derived_capabilities(fake: FakeShopify) -> None:
    info = get("shopify")
    built = info.build(
        {"shop_url": fake.url, "access_token": fake.token, "location_id": fake.default_location}
    )
    fake.add_order()
    assert isinstance(built, ShopifyClient)
    assert built.settings.channel == "shopify"
    assert len(built.fetch_orders().orders) == 1
    assert info.capabilities == frozenset({"orders", "stock", "webhooks"})
    assert info.kind == "channel"
    built.close()


def test_both_twins_are_order_sources_stock_sinks_and_webhook_sources(fake: FakeShopify) -> None:
    sync = client(fake)
    twin = AsyncShopifyClient(settings(fake), retry=FAST)
    assert isinstance(sync, OrderSource) and isinstance(sync, StockSink)
    assert isinstance(twin, AsyncOrderSource) and isinstance(twin, AsyncStockSink)
    assert isinstance(sync, WebhookSource) and isinstance(twin, WebhookSource)
    assert_twins_match(ShopifyClient, AsyncShopifyClient)


def test_settings_refuse_unknown_keys_and_bad_locations() -> None:
    with pytest.raises(ValueError, match="extra"):
        ShopifySettings(shop_url="https://x.myshopify.com", access_token="t", colour="red")
    with pytest.raises(ValueError, match="location GID"):
        ShopifySettings(shop_url="https://x.myshopify.com", access_token="t", location_id="1")


def test_order_ids_delivery_and_pickup(fake: FakeShopify) -> None:
    courier = fake.add_order(delivery="Kurier DPD")
    pickup = fake.add_order(delivery="Odbiór w sklepie", method="PICK_UP")
    locker = fake.add_order(
        delivery="Paczkomat InPost",
        customAttributes=[{"key": "paczkomat", "value": "KRA010"}],
    )
    orders = {
        o.channel_order_id: o
        for o in client(fake, point_attribute="paczkomat").fetch_orders().orders
    }
    assert orders[ref(courier)].delivery.carrier == "dpd"
    assert orders[ref(courier)].delivery.name == "Kurier DPD"
    assert orders[ref(pickup)].delivery.method is DeliveryMethod.PICKUP
    assert orders[ref(locker)].delivery.method is DeliveryMethod.PARCEL_LOCKER
    assert orders[ref(locker)].delivery.point_id == "KRA010"


def test_a_locker_order_without_a_point_stays_a_locker_order(fake: FakeShopify) -> None:
    locker = fake.add_order(delivery="Paczkomat InPost")
    (order,) = client(fake, point_attribute="paczkomat").fetch_orders().orders
    assert order.channel_order_id == ref(locker)
    assert order.delivery.method is DeliveryMethod.PARCEL_LOCKER
    assert order.delivery.point_id is None


def test_an_unmapped_delivery_name_is_an_intake_failure_naming_the_table(fake: FakeShopify) -> None:
    fake.add_order(delivery="Gołębie pocztowe")
    batch = client(fake).fetch_orders()
    (failure,) = batch.failures
    assert failure.error == "UnmappedDeliveryMethod"
    assert "Gołębie pocztowe" in failure.reason
    assert "[channels.shopify.deliveries]" in failure.reason


def test_deliveries_added_in_settings_are_used(fake: FakeShopify) -> None:
    fake.add_order(delivery="Gołębie pocztowe")
    extra = {"Gołębie pocztowe": {"method": "courier", "carrier": "dhl"}}
    (order,) = client(fake, deliveries=extra).fetch_orders().orders
    assert order.delivery.carrier == "dhl"


def test_page_too_expensive_is_halved_and_nothing_is_lost(fake: FakeShopify) -> None:
    for i in range(30):
        fake.add_order(updated=START + timedelta(seconds=i))
    api = client(fake, page_size=50)
    assert len(api.fetch_orders().orders) == 30
    assert api.page_size < 50


def test_orders_cut_short_by_the_page_are_read_whole(fake: FakeShopify) -> None:
    lines = [
        {
            "id": f"gid://shopify/LineItem/{9000 + i}",
            "sku": f"SKU-{i}",
            "name": "x",
            "quantity": 1,
            "originalUnitPriceSet": {"shopMoney": {"amount": "1.00", "currencyCode": "PLN"}},
            "variant": None,
        }
        for i in range(40)
    ]
    fake.add_order(lineItems=lines)
    (order,) = client(fake, line_items=30).fetch_orders().orders
    assert len(order.lines) == 40


def test_get_order_unknown_is_not_found(fake: FakeShopify) -> None:
    with pytest.raises(NotFound):
        client(fake).get_order("424242")
    with pytest.raises(NotFound):
        client(fake).get_order("#1001")


# -- status and tracking ---------------------------------------------------------------------


def test_tracking_once_per_location_of_a_multi_location_order(fake: FakeShopify) -> None:
    second = fake.add_location("Sklep Kraków")
    order_gid = fake.add_order(locations=[fake.default_location, second])
    api = client(fake)
    order = api.get_order(ref(order_gid))
    api.write_tracking(order, SHIPMENT)
    api.write_tracking(order, SHIPMENT)
    records = fake.fulfillments[order_gid]
    assert fake.calls["fulfillmentCreate"] == 2
    assert sorted(r["location"]["id"] for r in records) == sorted([fake.default_location, second])
    assert fake.tracking_numbers(order_gid) == [SHIPMENT.tracking_number] * 2
    sent = [r for r in fake.requests if "fulfillmentCreate(" in r["query"]]
    for request in sent:
        (group,) = request["variables"]["fulfillment"]["lineItemsByFulfillmentOrder"]
        assert group["fulfillmentOrderId"].startswith("gid://shopify/FulfillmentOrder/")
        assert request["variables"]["fulfillment"]["trackingInfo"] == {
            "number": SHIPMENT.tracking_number,
            "company": "inpost",
            "url": SHIPMENT.tracking_url,
        }


def test_shipped_status_fulfils_and_tracking_is_added_after(fake: FakeShopify) -> None:
    order_gid = fake.add_order()
    api = client(fake, tracking_companies={"inpost": "InPost"})
    order = api.get_order(ref(order_gid))
    api.write_status(order, OrderStatus.SHIPPED)
    assert fake.orders[order_gid]["displayFulfillmentStatus"] == "FULFILLED"
    assert fake.tracking_numbers(order_gid) == []
    api.write_tracking(order, SHIPMENT)
    api.write_tracking(order, SHIPMENT)
    assert fake.tracking_numbers(order_gid) == [SHIPMENT.tracking_number]
    assert fake.fulfillments[order_gid][0]["trackingInfo"][0]["company"] == "InPost"
    api.write_status(order, OrderStatus.SHIPPED)  # nothing left to do
    assert len(fake.fulfillments[order_gid]) == 1


def test_cancelled_status_cancels_once_and_other_statuses_are_unmapped(fake: FakeShopify) -> None:
    order_gid = fake.add_order()
    api = client(fake)
    order = api.get_order(ref(order_gid))
    for status in (OrderStatus.PAID, OrderStatus.READY_TO_PACK, OrderStatus.DELIVERED):
        with pytest.raises(UnmappedStatus):
            api.write_status(order, status)
    api.write_status(order, OrderStatus.CANCELLED)
    api.write_status(order, OrderStatus.CANCELLED)
    assert fake.orders[order_gid]["cancelledAt"] is not None
    assert fake.calls["orderCancel"] == 1
    (sent,) = [r for r in fake.requests if "orderCancel(" in r["query"]]
    assert sent["variables"]["restock"] is False
    assert sent["variables"]["refund"] == {"originalPaymentMethodsRefund": False}
    assert api.get_order(ref(order_gid)).status is OrderStatus.CANCELLED


def test_a_cancelled_order_is_never_fulfilled(fake: FakeShopify) -> None:
    order_gid = fake.add_order()
    api = client(fake)
    order = api.get_order(ref(order_gid))
    fake.cancel(order_gid)
    with pytest.raises(InvalidTransition):
        api.write_tracking(order, SHIPMENT)
    with pytest.raises(InvalidTransition):
        api.write_status(order, OrderStatus.SHIPPED)
    assert fake.calls["fulfillmentCreate"] == 0
    assert fake.fulfillments[order_gid] == []


def test_the_fake_refuses_to_fulfil_a_cancelled_order(fake: FakeShopify) -> None:
    order_gid = fake.add_order()
    fo = fake.orders[order_gid]["fulfillmentOrders"][0]["id"]
    fake.cancel(order_gid)
    answer = httpx.post(
        f"{fake.url}/admin/api/2026-10/graphql.json",
        headers={"X-Shopify-Access-Token": fake.token},
        json={
            "query": "mutation F($f: FulfillmentInput!) { fulfillmentCreate(fulfillment: $f) "
            "{ fulfillment { id } userErrors { field message } } }",
            "variables": {"f": {"lineItemsByFulfillmentOrder": [{"fulfillmentOrderId": fo}]}},
        },
    ).json()
    (error,) = answer["data"]["fulfillmentCreate"]["userErrors"]
    assert "unfulfillable status= closed" in error["message"]
    assert fake.fulfillments[order_gid] == []


# -- stock -----------------------------------------------------------------------------------


def update(sku: str, quantity: int, **extra: Any) -> StockUpdate:
    return StockUpdate(channel="shopify", sku=sku, quantity=quantity, **extra)


def test_first_publication_compares_with_the_quantity_read_from_shopify(fake: FakeShopify) -> None:
    fake.add_variant("MUG", available=3)
    result = client(fake).publish_stock([update("MUG", 7)])
    assert (result.updated, result.warnings) == (1, {})
    assert fake.quantity("MUG") == 7
    (sent,) = [r for r in fake.requests if "inventorySetQuantities(" in r["query"]]
    assert sent["variables"]["input"]["quantities"][0]["changeFromQuantity"] == 3
    assert sent["variables"]["key"]


def test_a_stale_baseline_is_a_warning_not_an_update(fake: FakeShopify) -> None:
    fake.add_variant("MUG", available=4)
    fake.add_variant("CUP", available=1)
    result = client(fake).publish_stock(
        [update("MUG", 6, previous=5), update("CUP", 2, previous=1)]
    )
    assert result.updated == 1
    assert "CHANGE_FROM_QUANTITY_STALE" in result.warnings["MUG"]
    assert "CUP" not in result.warnings
    assert (fake.quantity("MUG"), fake.quantity("CUP")) == (4, 2)


def test_publication_per_location_and_unknown_warehouses_or_skus_warn(fake: FakeShopify) -> None:
    waw = fake.add_location("Warszawa")
    fake.add_variant("MUG", available=1, locations=[fake.default_location, waw])
    api = client(fake, locations={"WAW": waw})
    result = api.publish_stock(
        [
            update("MUG", 5, warehouse="WAW"),
            update("MUG", 9),
            update("MUG", 2, warehouse="GDA"),
            update("NOPE", 1),
        ]
    )
    assert fake.quantity("MUG", waw) == 5
    assert fake.quantity("MUG") == 9
    assert result.updated == 2
    assert "GDA" in result.warnings["MUG"]
    assert "NOPE" in result.warnings


def test_five_thousand_skus_in_few_calls(fake: FakeShopify) -> None:
    for i in range(5000):
        fake.add_variant(f"SKU-{i}", available=1)
    api = client(fake)
    updates = [update(f"SKU-{i}", 5) for i in range(5000)]
    first = api.publish_stock(updates)
    assert first.updated == 5000 and first.warnings == {}
    assert fake.calls["inventorySetQuantities"] == 20  # 5000 / 250
    assert fake.calls["productVariants"] == 100  # 50 SKUs a search
    assert fake.calls["nodes"] == 50  # baselines, 100 items a query
    again = api.publish_stock([update(f"SKU-{i}", 7, previous=5) for i in range(250)])
    assert again.updated == 250 and again.calls == 1  # SKUs cached, baseline given


# -- pacing, throttling, webhooks ------------------------------------------------------------


def test_throttling_waits_on_the_shared_clock_sync_and_async() -> None:
    clock = FakeClock()
    with FakeShopify(
        maximum_available=1000, restore_rate=100, clock=clock.monotonic, throttle_status=429
    ) as fake:
        for i in range(60):
            fake.add_order(updated=START + timedelta(seconds=i))
        retry = RetryPolicy(attempts=8, jitter=0, base=0.01, sleep=clock.sleep)
        sync = client(fake, retry=retry)
        assert len(sync.fetch_orders().orders) == 60
        waited = clock.now
        assert waited > 0
        twin = AsyncShopifyClient(settings(fake), retry=retry)

        async def run() -> int:
            async with twin:
                return len((await twin.fetch_orders()).orders)

        assert asyncio.run(run()) == 60
        assert clock.now > waited
        assert sync.throttle["maximumAvailable"] == 1000


def test_pacing_is_a_sleep_step_of_the_flow(fake: FakeShopify) -> None:
    api = client(fake)
    api.throttle = {"currentlyAvailable": 0.0, "restoreRate": 50.0, "maximumAvailable": 1000.0}
    api.costs["orders"] = 100.0
    flow = ShopifyClient.fetch_orders.flow(api, None)
    assert next(flow) == Sleep((100.0 + 1.0) / 50.0)
    flow.close()


def test_bad_token(fake: FakeShopify) -> None:
    with pytest.raises(AuthenticationFailed):
        client(fake, token="shpat_wrong").fetch_orders()


def test_webhooks_from_the_fake(fake: FakeShopify) -> None:
    order_gid = fake.add_order()
    api = client(fake)
    headers, body = fake.webhook("orders/cancelled", order_gid, event_id="ev-9")
    (event,) = api.parse_webhook(WebhookRequest(headers, body))
    assert (event.channel_order_id, event.topic, event.delivery_id) == (
        ref(order_gid),
        "orders/cancelled",
        "ev-9:orders/cancelled",
    )
    headers, body = fake.webhook("products/update", order_gid)
    assert api.parse_webhook(WebhookRequest(headers, body)) == []


# -- the conformance kit -------------------------------------------------------------------


class TestShopifyConformance(OrderSourceConformance):
    secret = "shpat_conformance_token"
    order_route = "orders"
    tracking_route = "fulfillmentCreate"

    def start_fake(self) -> FakeShopify:
        return FakeShopify(
            token=self.secret, maximum_available=1_000_000, restore_rate=1_000_000
        ).start()

    def make_client(self, fake: FakeShopify, *, secret: str | None = None) -> Any:
        return client(fake, token=secret or self.secret)

    def make_async_client(self, fake: FakeShopify) -> Any:
        return AsyncShopifyClient(settings(fake, self.secret), retry=FAST)

    def seed(
        self, fake: FakeShopify, count: int, *, same_second: int = 1, descending: bool = False
    ) -> list[str]:
        # Within one updatedAt the fake orders orders by a hash of the id, not by the id, so
        # ids never ascend reliably within a second (Shopify documents no order there).
        start = latest(fake)
        made = [
            fake.add_order(
                updated=start + timedelta(seconds=1 + i // same_second), financial="PENDING"
            )
            for i in range(count)
        ]
        return [ref(g) for g in made]

    def seed_in_last_second(self, fake: FakeShopify, count: int) -> list[str]:
        moment = latest(fake)
        return [ref(fake.add_order(updated=moment, financial="PENDING")) for _ in range(count)]

    def seed_poison(self, fake: FakeShopify) -> str:
        return ref(fake.add_order(updated=latest(fake) + timedelta(seconds=1), delivery="Teleport"))

    def change(self, fake: FakeShopify, channel_order_id: str, change: str) -> None:
        order_gid = f"gid://shopify/Order/{channel_order_id}"
        if change == "paid":
            fake.pay(order_gid, at=latest(fake))
        else:
            fake.cancel(order_gid, at=latest(fake))

    def inject(self, fake: FakeShopify, route: str, kind: str | int, times: int = 1) -> None:
        fake.inject(route, kind, times=times)

    def channel_status(self, fake: FakeShopify, channel_order_id: str) -> str | None:
        order = fake.orders.get(f"gid://shopify/Order/{channel_order_id}")
        if order is None:
            return None
        cancelled = "cancelled" if order["cancelledAt"] else "open"
        return f"{order['displayFinancialStatus']}/{order['displayFulfillmentStatus']}/{cancelled}"

    def recorded_shipments(self, fake: FakeShopify, channel_order_id: str) -> list[str]:
        return fake.tracking_numbers(f"gid://shopify/Order/{channel_order_id}")

    def signed_webhook(self, fake: FakeShopify, channel_order_id: str) -> WebhookRequest | None:
        headers, body = fake.webhook(
            "orders/paid", f"gid://shopify/Order/{channel_order_id}", event_id="ev-1"
        )
        return WebhookRequest(headers, body)

    def stock_skus(self, fake: FakeShopify) -> list[str]:
        fake.add_variant("MUG-RED", available=3)
        return ["MUG-RED"]

    def stock_of(self, fake: FakeShopify, sku: str) -> int | None:
        return fake.quantity(sku)

    def test_stock_publication_warns_per_unknown_sku(self, fake: Any, client: Any) -> None:
        """The kit's test builds ``StockUpdate`` without its required ``channel`` (a
        ValidationError before the adapter is called); the same check with ``channel`` set.
        """
        known = self.stock_skus(fake)
        updates = [
            StockUpdate(channel="shopify", sku=known[0], quantity=7),
            StockUpdate(channel="shopify", sku="NO-SUCH-SKU", quantity=1),
        ]
        result = client.publish_stock(updates)
        assert "NO-SUCH-SKU" in result.warnings
        assert self.stock_of(fake, known[0]) == 7


def post(fake: FakeShopify, body: dict[str, Any]) -> Any:
    return httpx.post(
        f"{fake.url}/admin/api/2026-10/graphql.json",
        headers={"X-Shopify-Access-Token": fake.token},
        json=body,
    ).json()


def test_the_fake_serves_shopifys_request_shape_and_refuses_what_shopify_refuses(
    fake: FakeShopify,
) -> None:
    fake.add_order()
    item = fake.add_variant("MUG", available=1)
    # {query, variables} without operationName (reference A1) is routed by its root field
    ok = post(
        fake,
        {"query": "query($n: Int!) { orders(first: $n) { nodes { id } } }", "variables": {"n": 1}},
    )
    assert len(ok["data"]["orders"]["nodes"]) == 1
    assert fake.calls["orders"] == 1
    unknown = post(fake, {"query": "{ orders(first: 1) { nodes { id colour } } }"})
    assert "colour" in unknown["errors"][0]["message"]
    too_many = post(fake, {"query": "{ orders(first: 251) { nodes { id } } }"})
    assert "250" in too_many["errors"][0]["message"]
    mutation = (
        "mutation($input: InventorySetQuantitiesInput!) { inventorySetQuantities(input: $input) "
        "{ userErrors { code field message } } }"
    )
    quantity = {
        "inventoryItemId": item,
        "locationId": fake.default_location,
        "quantity": 5,
        "changeFromQuantity": 1,
    }
    no_key = post(
        fake,
        {
            "query": mutation,
            "variables": {
                "input": {"name": "available", "reason": "correction", "quantities": [quantity]}
            },
        },
    )
    assert "idempotency key" in no_key["errors"][0]["message"]
    assert fake.quantity("MUG") == 1
