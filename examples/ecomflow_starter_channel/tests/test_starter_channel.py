"""The starter channel plugin keeps the channel contract and speaks the API of README.md.

Truths: the channel conformance kit against ``FakeShop``; the README's own
examples served by ``httpx.MockTransport``; a property test of the cursor
against a model of the API that changes orders *between* page reads; and
hand-computed webhook signatures.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import tomllib
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from ecomflow_starter_channel import (
    PLUGIN,
    AsyncExampleShopClient,
    ExampleShopClient,
    ExampleShopSettings,
)
from ecomflow_starter_channel.fake import FakeShop
from ecomflow_starter_channel.paging import Cursor, Head, OrderPager
from hypothesis import given, settings
from hypothesis import strategies as st

from ecomflow.adapters import OrderEvent, StatusChange, WebhookRequest, capabilities
from ecomflow.errors import (
    AuthenticationFailed,
    InvalidRequest,
    MappingError,
    SignatureVerificationError,
    UnmappedStatus,
    ValidationFailed,
)
from ecomflow.http import RetryPolicy
from ecomflow.orders import DeliveryMethod, OrderStatus, ShipmentRef
from ecomflow.stock import StockUpdate
from ecomflow.testing.conformance import OrderSourceConformance

HERE = Path(__file__).resolve().parents[1]
KEY = "sklep-api-key-4242"
WEBHOOK_SECRET = "sklep-webhook-secret"
FAST = RetryPolicy(attempts=4, jitter=0, base=0.001, sleep=lambda s: None)
SHIPMENT = ShipmentRef(
    carrier="inpost",
    service_id="inpost_locker_standard",
    shipment_id="49001",
    tracking_number="620000111222333444555666",
)


def shop_settings(url: str, key: str = KEY, **extra: Any) -> ExampleShopSettings:
    return ExampleShopSettings(
        channel="sklep", api_key=key, url=url, webhook_secret=WEBHOOK_SECRET, timeout=2.0, **extra
    )


def readme_example(name: str) -> Any:
    """The JSON block after ``<!-- example: name -->`` in README.md (the API's spec)."""
    text = (HERE / "README.md").read_text(encoding="utf-8")
    found = re.search(rf"<!-- example: {re.escape(name)} -->\s*```json\n(.*?)```", text, re.S)
    assert found, f"README.md has no example {name!r}"
    return json.loads(found.group(1))


class TestExampleShopConformance(OrderSourceConformance):
    """The channel conformance kit against the fake API, sync and async."""

    secret = KEY
    order_route = "list_orders"
    tracking_route = "add_shipment"

    def start_fake(self) -> FakeShop:
        return FakeShop(api_key=KEY, webhook_secret=WEBHOOK_SECRET).start()

    def make_client(self, fake: FakeShop, *, secret: str | None = None) -> ExampleShopClient:
        return ExampleShopClient(shop_settings(fake.url, secret or KEY), retry=FAST)

    def make_async_client(self, fake: FakeShop) -> AsyncExampleShopClient:
        return AsyncExampleShopClient(shop_settings(fake.url), retry=FAST)

    def seed(
        self, fake: FakeShop, count: int, *, same_second: int = 1, descending: bool = False
    ) -> list[str]:
        return fake.add_orders(count, same_second=same_second, descending=descending)

    def seed_in_last_second(self, fake: FakeShop, count: int) -> list[str]:
        return fake.add_in_last_second(count)

    def seed_poison(self, fake: FakeShop) -> str:
        fake.tick()
        return fake.put(fake.order_payload("666", status="lost_in_space"))

    def change(self, fake: FakeShop, channel_order_id: str, change: Any) -> None:
        fake.change(channel_order_id, change)

    def inject(self, fake: FakeShop, route: str, kind: str | int, times: int = 1) -> None:
        fake.inject(route, kind, times=times)

    def channel_status(self, fake: FakeShop, channel_order_id: str) -> str | None:
        return fake.orders[channel_order_id]["status"]  # type: ignore[no-any-return]

    def recorded_shipments(self, fake: FakeShop, channel_order_id: str) -> list[str]:
        return [s["tracking_number"] for s in fake.shipments.get(channel_order_id, [])]

    def signed_webhook(self, fake: FakeShop, channel_order_id: str) -> WebhookRequest:
        return fake.webhook(channel_order_id)

    def stock_skus(self, fake: FakeShop) -> list[str]:
        return sorted(fake.stock)

    def stock_of(self, fake: FakeShop, sku: str) -> int | None:
        return fake.stock.get(sku)


# -- against the README (independent of the fake) ----------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]


def mock_client(handler: Handler, **extra: Any) -> ExampleShopClient:
    return ExampleShopClient(
        shop_settings("https://shop.test", **extra),
        retry=FAST,
        transport=httpx.MockTransport(handler),
    )


class TestAgainstTheSpec:
    """The client against hand-written answers copied from README.md."""

    def test_the_documented_order_maps_whole(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            assert request.headers["X-Api-Key"] == KEY
            assert request.url.path == "/api/v1/orders/1001"
            return httpx.Response(200, json=readme_example("order"))

        order = mock_client(handler).get_order("1001")
        assert order.id == "sklep-1001"
        assert order.status is OrderStatus.PAID
        assert str(order.total) == "61.99 PLN"
        assert order.is_paid
        assert order.delivery.method is DeliveryMethod.PARCEL_LOCKER
        assert (order.delivery.carrier, order.delivery.point_id) == ("inpost", "KRA010")
        assert order.delivery.name == "Paczkomat InPost"
        assert order.lines[0].line_id == "L1"
        assert order.raw == readme_example("order")

    def test_fetch_sends_the_documented_query_and_reads_the_boundary_again(self) -> None:
        asked: list[dict[str, str]] = []

        def handler(request: httpx.Request) -> httpx.Response:
            asked.append(dict(request.url.params))
            return httpx.Response(200, json={"orders": [readme_example("order")]})

        client = mock_client(handler)
        first = client.fetch_orders(None)
        assert [o.channel_order_id for o in first.orders] == ["1001"]
        again = client.fetch_orders(first.cursor)
        assert again.orders == []
        assert again.failures == []
        assert asked == [
            {"page": "1", "per_page": "100"},
            {"page": "1", "per_page": "100", "updated_from": "2026-11-24T09:45:12Z"},
        ]

    def test_an_unknown_status_or_method_is_an_intake_failure_with_the_raw_order(self) -> None:
        good = readme_example("order")
        odd_status = {**good, "id": "1002", "status": "lost_in_space"}
        odd_method = {**good, "id": "1003", "shipping": {**good["shipping"], "method": "Sowa"}}
        broken = {**good, "id": "1004", "lines": [{**good["lines"][0], "unit_price": "abc"}]}
        no_lines = {**good, "id": "1005", "lines": []}

        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(
                200, json={"orders": [good, odd_status, odd_method, broken, no_lines]}
            )

        batch = mock_client(handler).fetch_orders(None)
        assert [o.channel_order_id for o in batch.orders] == ["1001"]
        failures = {f.channel_order_id: f for f in batch.failures}
        assert failures["1002"].error == "UnmappedStatus"
        assert "[channels.sklep.statuses]" in failures["1002"].reason
        assert failures["1003"].error == "UnmappedDeliveryMethod"
        assert "[channels.sklep.deliveries]" in failures["1003"].reason
        assert failures["1004"].error == "MappingError"
        assert "abc" in failures["1004"].reason
        assert failures["1005"].error == "MappingError"
        assert "lines" in failures["1005"].reason
        assert all(f.raw["id"] == i for i, f in failures.items())

    def test_a_locker_order_without_a_point_stays_a_locker_order(self) -> None:
        order = readme_example("order")
        order["shipping"]["point_id"] = ""

        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, json=order)

        read = mock_client(handler).get_order("1001")
        assert read.delivery.method is DeliveryMethod.PARCEL_LOCKER
        assert read.delivery.point_id is None

    def test_write_status_maps_through_the_status_map(self) -> None:
        sent: list[Any] = []

        def handler(request: httpx.Request) -> httpx.Response:
            if request.method == "GET":
                return httpx.Response(200, json=readme_example("order"))
            sent.append((request.url.path, json.loads(request.content)))
            return httpx.Response(200, json=readme_example("order"))

        client = mock_client(handler)
        order = client.get_order("1001")
        client.write_status(order, OrderStatus.PACKED)  # the default map's write-back
        # [channels.sklep] write_back = {shipped = "delivered"}: the shop's own choice
        mock_client(handler, write_back={OrderStatus.SHIPPED: "delivered"}).write_status(
            order, OrderStatus.SHIPPED
        )
        assert sent == [
            ("/api/v1/orders/1001/status", {"status": "processing"}),
            ("/api/v1/orders/1001/status", {"status": "delivered"}),
        ]
        no_write_back = mock_client(handler, statuses={"pending": OrderStatus.NEW})
        with pytest.raises(UnmappedStatus):
            no_write_back.write_status(order, OrderStatus.SHIPPED)

    def test_write_tracking_looks_first_and_records_the_documented_body(self) -> None:
        posted: list[Any] = []
        records: list[Any] = []

        def handler(request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/shipments") and request.method == "GET":
                return httpx.Response(200, json={"shipments": list(records)})
            if request.url.path.endswith("/shipments"):
                posted.append(json.loads(request.content))
                records.append(readme_example("shipments-response")["shipments"][0])
                return httpx.Response(201, json=records[-1])
            return httpx.Response(200, json=readme_example("order"))

        client = mock_client(handler)
        order = client.get_order("1001")
        client.write_tracking(order, SHIPMENT)
        client.write_tracking(order, SHIPMENT)
        assert posted == [readme_example("shipment-request")]
        with pytest.raises(ValidationFailed):
            client.write_tracking(order, SHIPMENT.model_copy(update={"tracking_number": None}))

    def test_a_lost_record_answer_is_looked_for_again(self) -> None:
        posts = []

        def handler(request: httpx.Request) -> httpx.Response:
            if request.method == "POST":
                posts.append(request)
                raise httpx.RemoteProtocolError("connection closed", request=request)
            if request.url.path.endswith("/shipments"):
                return httpx.Response(200, json=readme_example("shipments-response"))
            return httpx.Response(200, json=readme_example("order"))

        client = mock_client(handler)
        client.write_tracking(client.get_order("1001"), SHIPMENT, first_attempt=True)
        assert len(posts) == 1

    def test_bulk_statuses_report_each_order(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            if request.method == "GET":
                number = request.url.path.rsplit("/", 1)[-1]
                return httpx.Response(200, json={**readme_example("order"), "id": number})
            assert json.loads(request.content) == readme_example("statuses-request")
            return httpx.Response(200, json=readme_example("statuses-response"))

        client = mock_client(handler)
        orders = [client.get_order("1001"), client.get_order("999")]
        result = client.write_statuses([StatusChange(o, OrderStatus.SHIPPED) for o in orders])
        assert result.written == ["sklep-1001"]
        assert "not_found" in result.failed["sklep-999"]
        assert result.calls == 1

    def test_stock_warns_per_unknown_sku(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            assert json.loads(request.content) == readme_example("stock-request")
            return httpx.Response(200, json=readme_example("stock-response"))

        result = mock_client(handler).publish_stock(
            [
                StockUpdate(channel="sklep", sku="MUG-RED", quantity=7),
                StockUpdate(channel="sklep", sku="NO-SUCH", quantity=1),
            ]
        )
        assert (result.calls, result.updated) == (1, 1)
        assert list(result.warnings) == ["NO-SUCH"]

    def test_a_wrong_key_is_authentication_failed_and_never_shown(self) -> None:
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(401, json=readme_example("error-401"))

        with pytest.raises(AuthenticationFailed) as info:
            mock_client(handler).get_order("1001")
        assert KEY not in str(info.value)

    def test_a_cursor_it_did_not_write_is_a_mapping_error(self) -> None:
        client = mock_client(lambda r: httpx.Response(500))
        with pytest.raises(MappingError, match="cursor"):
            client.fetch_orders("not-a-cursor")


def readme_signed(body: bytes, topic: str = "order.paid") -> WebhookRequest:
    """A delivery signed by hand, as README.md's webhook table says."""
    mac = hmac.new(WEBHOOK_SECRET.encode(), body, hashlib.sha256).digest()
    headers = {
        "X-Shop-Topic": topic,
        "X-Shop-Delivery": "0b7c1f8e-1111-4000-8000-000000000002",
        "X-Shop-Signature": base64.b64encode(mac).decode(),
    }
    return WebhookRequest(headers=headers, body=body)


def test_webhooks_as_documented() -> None:
    client = mock_client(lambda r: httpx.Response(500))
    body = json.dumps(readme_example("order")).encode()
    [event] = client.parse_webhook(readme_signed(body))
    assert isinstance(event, OrderEvent)
    assert (event.channel_order_id, event.topic) == ("1001", "order.paid")
    assert event.delivery_id == "0b7c1f8e-1111-4000-8000-000000000002"
    assert client.parse_webhook(readme_signed(b"{}", topic="ping")) == []
    with pytest.raises(SignatureVerificationError):
        client.parse_webhook(WebhookRequest(readme_signed(body).headers, body + b"\n"))
    with pytest.raises(MappingError):
        client.parse_webhook(readme_signed(b'{"no": "id"}'))
    with pytest.raises(MappingError):
        client.parse_webhook(readme_signed(b"\xff\xfe"))


# -- the cursor against a model of the API that changes orders between page reads --------

T0 = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class ModelShop:
    """The API's listing rules in a few lines: >= second, sorted by second, any order inside."""

    def __init__(self) -> None:
        self.orders: dict[str, tuple[int, int, int]] = {}  # id → (second, revision, order key)
        self.key = 0

    def touch(self, order_id: str, second: int) -> None:
        self.key += 1
        revision = self.orders[order_id][1] + 1 if order_id in self.orders else 0
        self.orders[order_id] = (second, revision, self.key)

    def page(self, since: datetime | None, page: int, per_page: int) -> list[Head]:
        start = -1 if since is None else int((since - T0).total_seconds())
        rows = sorted(
            (v[0], -v[2], k) for k, v in self.orders.items() if v[0] >= start
        )  # inside a second: newest change first — ids in no particular order
        chunk = rows[(page - 1) * per_page : page * per_page]
        return [Head(k, T0 + timedelta(seconds=s), self.orders[k][1]) for s, _, k in chunk]


@settings(max_examples=3000, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from([0, 0, 0, 1]), st.integers(0, 3)), min_size=1, max_size=60),
    st.lists(st.tuples(st.integers(0, 60), st.booleans()), max_size=40),
    st.integers(2, 5),
)
def test_the_cursor_never_loses_a_change(
    initial: list[tuple[int, int]], changes: list[tuple[int, bool]], per_page: int
) -> None:
    """Every (id, revision) that exists at the end is delivered by some fetch, once.

    Between page reads the model changes orders (at the current second, which
    never goes back), adds new ones, and fetches resume from the cursor.
    """
    shop = ModelShop()
    now = 0
    for number, (step, _) in enumerate(initial):
        now += step  # mostly several orders per second: crowded seconds
        shop.touch(str(number), now)
    delivered: list[tuple[str, int]] = []
    cursor = Cursor()
    pending = list(changes)
    for _ in range(40):
        pager = OrderPager(cursor, per_page=per_page)
        while (request := pager.next_request()) is not None:
            page = shop.page(request.updated_from, request.page, per_page)
            pager.feed([(h, (h.id, h.revision)) for h in page])
            if pending:  # the shop changes while we page
                target, new = pending.pop(0)
                now += target % 2
                order_id = str(len(shop.orders)) if new else str(target % len(shop.orders))
                shop.touch(order_id, now)
        delivered += pager.rows
        cursor = Cursor.decode(pager.cursor().encode())
        if not pending:
            break
    final = OrderPager(cursor, per_page=per_page)  # one more fetch after the last change
    while (request := final.next_request()) is not None:
        final.feed(
            [
                (h, (h.id, h.revision))
                for h in shop.page(request.updated_from, request.page, per_page)
            ]
        )
    delivered += final.rows
    latest = {(k, v[1]) for k, v in shop.orders.items()}
    assert latest <= set(delivered), "a change was lost"
    assert len(delivered) == len(set(delivered)), "a change came twice"


# -- the fake refuses what the API refuses ----------------------------------------------


@pytest.fixture
def shop() -> Any:
    with FakeShop(api_key=KEY, webhook_secret=WEBHOOK_SECRET) as server:
        yield server


def test_the_fake_refuses_what_the_api_refuses(shop: FakeShop) -> None:
    auth = {"X-Api-Key": KEY}
    [order_id] = shop.add_orders(1)
    base = f"{shop.url}/api/v1/orders"
    assert httpx.get(base, params={"per_page": 101}, headers=auth).status_code == 422
    assert httpx.get(base, params={"updated_from": "yesterday"}, headers=auth).status_code == 422
    assert httpx.get(f"{base}/nope", headers=auth).status_code == 404
    put = httpx.put(f"{base}/{order_id}/status", json={"status": "teleported"}, headers=auth)
    assert put.status_code == 422
    record = httpx.post(f"{base}/{order_id}/shipments", json={"carrier": ""}, headers=auth)
    assert set(record.json()["details"]) == {"carrier", "tracking_number"}
    assert (
        httpx.post(f"{shop.url}/api/v1/stock", json={"items": []}, headers=auth).status_code == 422
    )
    bulk = httpx.post(f"{base}/statuses", json={"changes": [{}] * 51}, headers=auth)
    assert bulk.status_code == 422
    client = ExampleShopClient(shop_settings(shop.url), retry=FAST)
    with pytest.raises(InvalidRequest):
        client.write_tracking(
            client.get_order(order_id), SHIPMENT.model_copy(update={"carrier": "x" * 51})
        )


def test_the_fake_answers_in_the_documented_shape(shop: FakeShop) -> None:
    [order_id] = shop.add_orders(1)
    raw = httpx.get(f"{shop.url}/api/v1/orders/{order_id}", headers={"X-Api-Key": KEY}).json()
    assert set(raw) == set(readme_example("order"))
    assert set(raw["shipping"]) == set(readme_example("order")["shipping"])


def test_recording_a_shipment_is_a_change_the_next_fetch_sees(shop: FakeShop) -> None:
    client = ExampleShopClient(shop_settings(shop.url), retry=FAST)
    [order_id] = shop.add_orders(1)
    first = client.fetch_orders(None)
    shop.tick()
    client.write_tracking(first.orders[0], SHIPMENT)
    again = client.fetch_orders(first.cursor)
    assert [o.channel_order_id for o in again.orders] == [order_id]


def test_a_batch_stops_at_max_orders_and_goes_on_from_its_cursor(shop: FakeShop) -> None:
    client = ExampleShopClient(shop_settings(shop.url, max_orders_per_fetch=100), retry=FAST)
    seeded = shop.add_orders(250, same_second=3)
    first = client.fetch_orders(None)
    assert 100 <= len(first.orders) < 250
    rest = client.fetch_orders(first.cursor)
    rest2 = client.fetch_orders(rest.cursor)
    ids = [o.channel_order_id for b in (first, rest, rest2) for o in b.orders]
    assert sorted(ids) == sorted(seeded)


# -- packaging ---------------------------------------------------------------------------


def test_the_entry_point_and_the_capabilities() -> None:
    project = tomllib.loads((HERE / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["entry-points"]["ecomflow.adapters"] == {
        "example_shop": "ecomflow_starter_channel:PLUGIN"
    }
    assert capabilities(PLUGIN.client) == {"orders", "bulk_status", "stock", "webhooks"}
